/* SPDX-License-Identifier: BSD-3-Clause */
/* Signed checkpoints of the audit chain; see checkpoint.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <systemd/sd-event.h>

#include "audit.h"
#include "audit_chain.h"
#include "checkpoint.h"
#include "audit/journal.h"
#include "jws.h"
#include "audit/outbox.h"
#include "teamd.h"

#define KEY_FILE "audit_key.pem"
#define ED25519_KEY_LEN 32
#define ED25519_SIG_LEN 64

struct audit_checkpoints {
        struct teamd *d;
        EVP_PKEY *key;
        char *public_b64;
        char *signature_b64;            /* of the last checkpoint signed */
        sd_event_source *timer;
        /* Told of each checkpoint once it is recorded (team-server's
         * report); NULL: nobody. */
        audit_checkpoint_listener_fn listener;
        void *listener_data;
        /* The last checkpoint signed, as chained: what the report sends
         * once team_journal_event() has recorded it. */
        struct team_audit_event signed_ev;
        char *signed_message;
};

/* A new key, written with O_EXCL so that two teamds never make two. */
static int key_create(const char *path, EVP_PKEY **out, char *err, size_t errlen)
{
        EVP_PKEY *pk = NULL;
        FILE *f = NULL;
        int fd, r = -EIO;

        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
                r = -errno;
                snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
                return r;
        }
        pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        f = fdopen(fd, "w");
        if (!f)
                close(fd);
        if (!pk || !f || PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) != 1 || fflush(f) != 0 ||
            fsync(fileno(f)) < 0) {
                snprintf(err, errlen, "cannot write a new audit key to %s", path);
                goto fail;
        }
        fclose(f);
        teamd_log(LOG_NOTICE, "audit: made a new host key for signed checkpoints: %s", path);
        *out = pk;
        return 0;
fail:
        if (f)
                fclose(f);
        unlink(path);
        EVP_PKEY_free(pk);
        return r;
}

/* The key file must be a regular file of root's (teamd's user), mode
 * 0600 or stricter: anyone else who can read it can forge checkpoints. */
static int key_load(const char *path, EVP_PKEY **out, char *err, size_t errlen)
{
        struct stat st;
        EVP_PKEY *pk;
        FILE *f;
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0 && errno == ENOENT)
                return key_create(path, out, err, errlen);
        if (fd < 0) {
                snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
                return -errno;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
                snprintf(err, errlen, "%s must be a regular file owned by uid %lu with mode 0600 (chown root %s; "
                         "chmod 600 %s)", path, (unsigned long)geteuid(), path, path);
                close(fd);
                return -EPERM;
        }
        f = fdopen(fd, "r");
        if (!f) {
                close(fd);
                return -ENOMEM;
        }
        pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
        if (!pk || EVP_PKEY_id(pk) != EVP_PKEY_ED25519) {
                EVP_PKEY_free(pk);
                snprintf(err, errlen, "%s is not an Ed25519 private key in PEM; move it away and teamd makes a new "
                         "one (its checkpoints then verify with the new public key)", path);
                return -EBADMSG;
        }
        *out = pk;
        return 0;
}

/* outbox_signer_fn: the chain gave ev its seq and prev. */
static int sign(struct team_audit_event *ev, void *userdata)
{
        struct audit_checkpoints *c = userdata;
        unsigned char sig[ED25519_SIG_LEN];
        size_t siglen = sizeof(sig);
        EVP_MD_CTX *ctx = NULL;
        char *stmt = NULL;
        size_t len = 0;
        int r;

        r = team_audit_checkpoint_statement(ev->host ? ev->host : "", ev->seq, ev->prev, ev->time_usec, &stmt, &len);
        if (r < 0)
                return r;
        r = -EIO;
        ctx = EVP_MD_CTX_new();
        if (ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, c->key) == 1 &&
            EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)stmt, len) == 1 && siglen == sizeof(sig)) {
                free(c->signature_b64);
                c->signature_b64 = NULL;
                r = team_b64url_encode(sig, siglen, &c->signature_b64);
        }
        EVP_MD_CTX_free(ctx);
        free(stmt);
        if (r < 0)
                return r;
        ev->host_key = c->public_b64;
        ev->signature = c->signature_b64;
        free(c->signed_message);
        c->signed_ev = *ev;
        c->signed_message = ev->message ? strdup(ev->message) : NULL;
        c->signed_ev.message = c->signed_message;
        return 0;
}

int audit_checkpoints_open(struct teamd *d, struct audit_checkpoints **out, char *err, size_t errlen)
{
        struct audit_checkpoints *c = calloc(1, sizeof(*c));
        unsigned char pub[ED25519_KEY_LEN];
        size_t publen = sizeof(pub);
        char path[4096];
        int r;

        *out = NULL;
        err[0] = '\0';
        if (!c)
                return -ENOMEM;
        c->d = d;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", d->cfg.state_dir, KEY_FILE) >= sizeof(path)) {
                r = -ENAMETOOLONG;
                goto fail;
        }
        r = key_load(path, &c->key, err, errlen);
        if (r < 0)
                goto fail;
        if (EVP_PKEY_get_raw_public_key(c->key, pub, &publen) != 1 || publen != sizeof(pub)) {
                r = -EIO;
                goto fail;
        }
        r = team_b64url_encode(pub, publen, &c->public_b64);
        if (r < 0)
                goto fail;
        if (d->outbox)
                outbox_set_signer(d->outbox, sign, c);
        *out = c;
        return 0;
fail:
        audit_checkpoints_free(c);
        return r;
}

void audit_checkpoint_write(struct audit_checkpoints *c, const char *why)
{
        struct team_audit_event f = { .host = c->d->cfg.host_id, .reason = why };

        c->signed_ev.seq = 0;
        team_journal_event(TEAM_EVENT_AUDIT_CHECKPOINT, &f, "signed checkpoint of the audit chain (%s)", why);
        /* Committed, not only recorded, before anyone outside hears of it:
         * a checkpoint team-server holds must never be rolled back here. */
        if (teamd_audit_flush(c->d) < 0)
                return;
        /* Recorded and signed: team-server gets it too, but not at
         * shutdown (the loop ends before an answer could come). */
        if (c->signed_ev.seq > 0 && strcmp(why, "shutdown") != 0 && c->listener) {
                c->signed_ev.host = c->d->cfg.host_id;
                c->signed_ev.reason = why;
                c->listener(&c->signed_ev, c->listener_data);
        }
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct audit_checkpoints *c = userdata;

        audit_checkpoint_write(c, "interval");
        if (sd_event_source_set_time_relative(s, c->d->cfg.checkpoint_interval * 1000000ULL) >= 0)
                return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

void audit_checkpoints_set_listener(struct audit_checkpoints *c, audit_checkpoint_listener_fn fn, void *userdata)
{
        if (!c)
                return;
        c->listener = fn;
        c->listener_data = userdata;
}

int audit_checkpoints_attach(struct audit_checkpoints *c)
{
        return sd_event_add_time_relative(c->d->event, &c->timer, CLOCK_MONOTONIC,
                                          c->d->cfg.checkpoint_interval * 1000000ULL, 1000000, on_timer, c);
}

const char *audit_checkpoints_public_key(const struct audit_checkpoints *c)
{
        return c ? c->public_b64 : NULL;
}

void audit_checkpoints_free(struct audit_checkpoints *c)
{
        if (!c)
                return;
        if (c->d->outbox)
                outbox_set_signer(c->d->outbox, NULL, NULL);
        sd_event_source_unref(c->timer);
        free(c->signed_message);
        EVP_PKEY_free(c->key);
        free(c->public_b64);
        free(c->signature_b64);
        free(c);
}
