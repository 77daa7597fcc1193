/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the hosts' audit checkpoints (server/checkpoints.c,
 * checkpoint_alert.c) on the store backend of the environment
 * (tests/lib/test_store_backend.h): strict parsing and the signature,
 * trust on first use, newer / duplicate / fork / other key, one alert per
 * run of refusals, the audit rows and webhook jobs written with the
 * decision, the stale sweep, the admin's key, and two writers racing for
 * a host's first checkpoint (one key wins, never both). Checkpoints are
 * signed with real Ed25519 keys over team_audit_checkpoint_statement(). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "audit_chain.h"
#include "checkpoints.h"
#include "jws.h"
#include "server_config.h"
#include "store.h"
#include "test_store_backend.h"
#include "webhook.h"

struct key {
        EVP_PKEY *pk;
        char *pub;                    /* base64url of the raw public key */
};

struct fixture {
        char dir[64];
        struct srv_store *store;
        struct key k1, k2;
};

/* One signed checkpoint, its strings owned here. */
struct cp {
        struct team_audit_event ev;
        char *sig;
};

static void key_new(struct key *k)
{
        uint8_t raw[32];
        size_t len = sizeof(raw);

        k->pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        assert_non_null(k->pk);
        assert_int_equal(EVP_PKEY_get_raw_public_key(k->pk, raw, &len), 1);
        assert_int_equal(team_b64url_encode(raw, len, &k->pub), 0);
}

static void key_free(struct key *k)
{
        EVP_PKEY_free(k->pk);
        free(k->pub);
}

/* prev of checkpoint n: a distinct 64-hex head for each n. */
static void head_of(unsigned n, char out[static TEAM_AUDIT_HASH_HEX + 1])
{
        char text[32];

        snprintf(text, sizeof(text), "chain-%u", n);
        assert_int_equal(team_audit_hash(text, strlen(text), out), 0);
}

/* A checkpoint of host at seq with the head of `head`, signed by k. */
static void cp_make(struct cp *c, const struct key *k, const char *host, uint64_t seq, unsigned head, int64_t t)
{
        uint8_t sig[64];
        size_t siglen = sizeof(sig), len = 0;
        char *stmt = NULL;
        EVP_MD_CTX *md = EVP_MD_CTX_new();

        memset(c, 0, sizeof(*c));
        assert_int_equal(team_audit_event_init(&c->ev, TEAM_EVENT_AUDIT_CHECKPOINT), 0);
        c->ev.host = host;
        c->ev.seq = seq;
        c->ev.time_usec = t;
        c->ev.reason = "interval";
        head_of(head, c->ev.prev);
        assert_int_equal(team_audit_checkpoint_statement(host, seq, c->ev.prev, t, &stmt, &len), 0);
        assert_non_null(md);
        assert_int_equal(EVP_DigestSignInit(md, NULL, NULL, NULL, k->pk), 1);
        assert_int_equal(EVP_DigestSign(md, sig, &siglen, (const unsigned char *)stmt, len), 1);
        assert_int_equal(team_b64url_encode(sig, siglen, &c->sig), 0);
        c->ev.host_key = k->pub;
        c->ev.signature = c->sig;
        EVP_MD_CTX_free(md);
        free(stmt);
}

static void cp_clear(struct cp *c)
{
        free(c->sig);
        memset(c, 0, sizeof(*c));
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        uint8_t hash[SRV_TOKEN_HASH_LEN];
        struct srv_host h = { .id = (char *)"web1", .created_at = 1 };

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test_checkpoints_XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        f->store = test_backend_open(f->dir);
        memset(hash, 0x31, sizeof(hash));
        assert_int_equal(srv_store_host_add(f->store, &h, hash), 0);
        key_new(&f->k1);
        key_new(&f->k2);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[128];

        srv_store_close(f->store);
        test_backend_drop(f->dir);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        key_free(&f->k1);
        key_free(&f->k2);
        free(f);
        return 0;
}

/* Audit rows of event (all of them when NULL). */
static size_t audits(struct fixture *f, const char *event)
{
        struct srv_audit_record *list = NULL;
        size_t n = 0, count = 0;

        assert_int_equal(srv_store_audit_list(f->store, NULL, &list, &n), 0);
        for (size_t i = 0; i < n; i++)
                if (!event || strcmp(list[i].event, event) == 0)
                        count++;
        srv_audit_list_free(list, n);
        return count;
}

static enum checkpoint_outcome receive(struct fixture *f, struct webhook *w, const struct cp *c, int64_t now,
                                       struct checkpoint_result *res)
{
        struct checkpoint_ctx ctx = { .store = f->store, .webhook = w, .alert_after = 60 };

        assert_int_equal(checkpoint_receive(&ctx, "web1", &c->ev, now, res), 0);
        return res->outcome;
}

static void test_parse(void **state)
{
        struct fixture *f = *state;
        struct team_audit_event_parsed p;
        struct cp c, bad;
        char *json = NULL, err[256];
        size_t len = 0;

        cp_make(&c, &f->k1, "web1", 5, 5, 1700000000000001);
        assert_int_equal(team_audit_event_to_json(&c.ev, &json, &len), 0);
        assert_int_equal(checkpoint_parse(json, len, "web1", &p, err, sizeof(err)), 0);
        assert_int_equal(p.ev.seq, 5);
        assert_string_equal(p.ev.host_key, f->k1.pub);
        team_audit_event_parsed_clear(&p);
        assert_int_equal(checkpoint_parse(json, len, "web2", &p, err, sizeof(err)), -EBADMSG);
        assert_non_null(strstr(err, "host must be web2"));
        assert_int_equal(checkpoint_parse(json, len - 1, "web1", &p, err, sizeof(err)), -EBADMSG);
        assert_int_equal(checkpoint_parse("", 0, "web1", &p, err, sizeof(err)), -EBADMSG);
        free(json);

        /* Signed for seq 6, claiming seq 5. */
        cp_make(&bad, &f->k1, "web1", 6, 5, 1700000000000001);
        bad.ev.seq = 5;
        assert_int_equal(team_audit_event_to_json(&bad.ev, &json, &len), 0);
        assert_int_equal(checkpoint_parse(json, len, "web1", &p, err, sizeof(err)), -EKEYREJECTED);
        free(json);
        /* Another key named than the one that signed. */
        bad.ev.seq = 6;
        bad.ev.host_key = f->k2.pub;
        assert_int_equal(team_audit_event_to_json(&bad.ev, &json, &len), 0);
        assert_int_equal(checkpoint_parse(json, len, "web1", &p, err, sizeof(err)), -EKEYREJECTED);
        free(json);
        bad.ev.host_key = NULL;
        assert_int_equal(team_audit_event_to_json(&bad.ev, &json, &len), 0);
        assert_int_equal(checkpoint_parse(json, len, "web1", &p, err, sizeof(err)), -EBADMSG);
        assert_non_null(strstr(err, "host_key"));
        free(json);
        bad.ev.host_key = f->k1.pub;
        bad.ev.type = TEAM_EVENT_DAEMON_STARTED;
        assert_int_equal(team_audit_event_to_json(&bad.ev, &json, &len), 0);
        assert_int_equal(checkpoint_parse(json, len, "web1", &p, err, sizeof(err)), -EBADMSG);
        assert_non_null(strstr(err, "AuditCheckpoint"));
        free(json);
        bad.ev.type = TEAM_EVENT_AUDIT_CHECKPOINT;
        bad.ev.seq = 0;
        assert_int_equal(team_audit_event_to_json(&bad.ev, &json, &len), 0);
        assert_int_equal(checkpoint_parse(json, len, "web1", &p, err, sizeof(err)), -EBADMSG);
        free(json);
        cp_clear(&bad);
        cp_clear(&c);
}

static void test_decisions(void **state)
{
        struct fixture *f = *state;
        struct checkpoint_result res;
        struct srv_checkpoint rec;
        struct cp c5, c9, c7, c9b, c9t, c10, c11;

        cp_make(&c5, &f->k1, "web1", 5, 5, 1000);
        cp_make(&c9, &f->k1, "web1", 9, 9, 2000);
        cp_make(&c7, &f->k1, "web1", 7, 7, 3000);
        cp_make(&c9b, &f->k1, "web1", 9, 99, 2000);       /* seq 9, another head */
        cp_make(&c9t, &f->k1, "web1", 9, 9, 2001);        /* seq 9, same head, another time */
        cp_make(&c10, &f->k2, "web1", 10, 10, 4000);      /* another key */
        cp_make(&c11, &f->k1, "web1", 11, 11, 5000);

        assert_int_equal(receive(f, NULL, &c5, 100, &res), CHECKPOINT_RECORDED);
        assert_true(res.key_registered);
        assert_false(res.alerted);
        assert_string_equal(res.registered_key, f->k1.pub);
        assert_int_equal(audits(f, "HostKeyRegistered"), 1);
        assert_int_equal(receive(f, NULL, &c9, 110, &res), CHECKPOINT_RECORDED);
        assert_false(res.key_registered);
        assert_int_equal(res.recorded_seq, 9);
        assert_int_equal(receive(f, NULL, &c9, 120, &res), CHECKPOINT_DUPLICATE);
        assert_int_equal(res.recorded_seq, 9);

        assert_int_equal(receive(f, NULL, &c7, 130, &res), CHECKPOINT_FORK);
        assert_true(res.alerted);
        assert_int_equal(res.recorded_seq, 9);
        assert_string_equal(res.recorded_head, c9.ev.prev);
        assert_int_equal(receive(f, NULL, &c9b, 140, &res), CHECKPOINT_FORK);
        assert_false(res.alerted);                   /* one alert per run of refusals */
        assert_int_equal(receive(f, NULL, &c9t, 145, &res), CHECKPOINT_FORK);
        assert_int_equal(audits(f, "HostChainFork"), 1);
        assert_int_equal(receive(f, NULL, &c10, 150, &res), CHECKPOINT_KEY_MISMATCH);
        assert_true(res.alerted);                    /* another kind: its own alert */
        assert_string_equal(res.registered_key, f->k1.pub);
        assert_int_equal(audits(f, "HostKeyMismatch"), 1);

        assert_int_equal(srv_store_checkpoint_get(f->store, "web1", &rec), 0);
        assert_int_equal(rec.seq, 9);                /* kept */
        assert_int_equal(rec.received_at, 110);
        assert_string_equal(rec.conflict, "key_mismatch");
        assert_int_equal(rec.conflict_seq, 10);
        assert_string_equal(rec.conflict_key, f->k2.pub);
        assert_int_equal(rec.conflicts, 4);
        srv_checkpoint_clear(&rec);

        assert_int_equal(receive(f, NULL, &c11, 160, &res), CHECKPOINT_RECORDED);
        assert_int_equal(srv_store_checkpoint_get(f->store, "web1", &rec), 0);
        assert_int_equal(rec.seq, 11);
        assert_null(rec.conflict);
        assert_int_equal(rec.conflicts, 0);
        srv_checkpoint_clear(&rec);
        /* Accepted again, a fork is news again. */
        assert_int_equal(receive(f, NULL, &c7, 170, &res), CHECKPOINT_FORK);
        assert_true(res.alerted);
        assert_int_equal(audits(f, "HostChainFork"), 2);

        cp_clear(&c5); cp_clear(&c9); cp_clear(&c7); cp_clear(&c9b); cp_clear(&c9t); cp_clear(&c10);
        cp_clear(&c11);
}

static void test_sweep(void **state)
{
        struct fixture *f = *state;
        struct checkpoint_ctx ctx = { .store = f->store, .alert_after = 60 };
        struct checkpoint_result res;
        struct cp c1, c2;
        size_t raised = 9;

        assert_int_equal(checkpoint_sweep(&ctx, 10000, &raised), 0);
        assert_int_equal(raised, 0);                 /* no checkpoint yet: nothing to miss */
        cp_make(&c1, &f->k1, "web1", 1, 1, 1000);
        cp_make(&c2, &f->k1, "web1", 2, 2, 2000);
        assert_int_equal(receive(f, NULL, &c1, 1000, &res), CHECKPOINT_RECORDED);
        assert_int_equal(checkpoint_sweep(&ctx, 1059, &raised), 0);
        assert_int_equal(raised, 0);
        assert_int_equal(checkpoint_sweep(&ctx, 1060, &raised), 0);
        assert_int_equal(raised, 1);
        assert_int_equal(checkpoint_sweep(&ctx, 5000, &raised), 0);
        assert_int_equal(raised, 0);                 /* once per quiet period */
        assert_int_equal(audits(f, "HostCheckpointsStopped"), 1);
        assert_int_equal(receive(f, NULL, &c2, 6000, &res), CHECKPOINT_RECORDED);
        assert_true(res.alerted);
        assert_int_equal(audits(f, "HostCheckpointsResumed"), 1);
        assert_int_equal(checkpoint_sweep(&ctx, 6059, &raised), 0);
        assert_int_equal(raised, 0);
        assert_int_equal(checkpoint_sweep(&ctx, 6060, &raised), 0);
        assert_int_equal(raised, 1);                 /* a new quiet period */
        ctx.alert_after = 0;
        assert_int_equal(checkpoint_sweep(&ctx, 100000, &raised), 0);
        assert_int_equal(raised, 0);                 /* disabled */
        assert_int_equal(checkpoint_sweep_interval(900), 60);
        assert_int_equal(checkpoint_sweep_interval(2), 1);
        assert_int_equal(checkpoint_sweep_interval(120), 30);
        cp_clear(&c1);
        cp_clear(&c2);
}

static void test_admin_key(void **state)
{
        struct fixture *f = *state;
        struct checkpoint_ctx ctx = { .store = f->store };
        struct checkpoint_result res;
        struct srv_checkpoint rec;
        char key[CHECKPOINT_KEY_LEN + 1], prefixed[64];
        struct cp a1, b2, a2, b1;

        assert_int_equal(checkpoint_key_parse(f->k1.pub, key), 0);
        assert_string_equal(key, f->k1.pub);
        snprintf(prefixed, sizeof(prefixed), "ed25519:%s", f->k2.pub);
        assert_int_equal(checkpoint_key_parse(prefixed, key), 0);
        assert_string_equal(key, f->k2.pub);
        assert_int_equal(checkpoint_key_parse("short", key), -EINVAL);
        assert_int_equal(checkpoint_key_parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", key), -EINVAL);

        assert_int_equal(checkpoint_set_key(&ctx, "web1", NULL, "admin", 50), -ENOENT);
        assert_int_equal(checkpoint_set_key(&ctx, "web1", f->k2.pub, "admin", 50), 0);
        assert_int_equal(srv_store_checkpoint_get(f->store, "web1", &rec), 0);
        assert_int_equal(rec.seq, 0);
        assert_true(rec.key_by_admin);
        srv_checkpoint_clear(&rec);
        cp_make(&a1, &f->k1, "web1", 1, 1, 1000);
        cp_make(&b2, &f->k2, "web1", 2, 2, 2000);
        cp_make(&a2, &f->k1, "web1", 3, 3, 3000);
        cp_make(&b1, &f->k2, "web1", 1, 1, 500);
        /* The admin's key beats trust on first use. */
        assert_int_equal(receive(f, NULL, &a1, 100, &res), CHECKPOINT_KEY_MISMATCH);
        assert_int_equal(receive(f, NULL, &b2, 110, &res), CHECKPOINT_RECORDED);
        assert_false(res.key_registered);
        assert_int_equal(srv_store_checkpoint_get(f->store, "web1", &rec), 0);
        assert_true(rec.key_by_admin);
        assert_int_equal(rec.key_at, 50);
        srv_checkpoint_clear(&rec);
        /* Replacing the key keeps the chain's record. */
        assert_int_equal(checkpoint_set_key(&ctx, "web1", f->k1.pub, "admin", 120), 0);
        assert_int_equal(receive(f, NULL, &b1, 130, &res), CHECKPOINT_KEY_MISMATCH);
        assert_int_equal(receive(f, NULL, &a2, 140, &res), CHECKPOINT_RECORDED);
        /* Clearing forgets both: the next checkpoint starts over. */
        assert_int_equal(checkpoint_set_key(&ctx, "web1", NULL, "admin", 150), 0);
        assert_int_equal(receive(f, NULL, &b1, 160, &res), CHECKPOINT_RECORDED);
        assert_true(res.key_registered);
        assert_int_equal(audits(f, "HostKeySet"), 2);
        assert_int_equal(audits(f, "HostKeyCleared"), 1);
        cp_clear(&a1); cp_clear(&b2); cp_clear(&a2); cp_clear(&b1);
}

/* Alerts and their webhook jobs are written with the decision. The
 * webhook points where nothing listens: its jobs stay queued. */
static void test_webhook_jobs(void **state)
{
        struct fixture *f = *state;
        struct webhook_config cfg = { .name = (char *)"alerts", .url = (char *)"http://127.0.0.1:9/x",
                                      .format = (char *)"json" };
        struct checkpoint_ctx ctx = { .store = f->store, .alert_after = 60 };
        struct checkpoint_result res;
        struct webhook *w = NULL;
        struct cp c1, c2, c0, k2;
        uint64_t depth = 0;
        size_t raised = 0;
        char err[256];

        assert_int_equal(webhook_start(f->store, NULL, &cfg, 1, NULL, &w, err, sizeof(err)), 0);
        ctx.webhook = w;
        cp_make(&c1, &f->k1, "web1", 5, 5, 1000);
        cp_make(&c0, &f->k1, "web1", 4, 4, 900);
        cp_make(&k2, &f->k2, "web1", 6, 6, 1100);
        cp_make(&c2, &f->k1, "web1", 7, 7, 1200);
        assert_int_equal(receive(f, w, &c1, 1000, &res), CHECKPOINT_RECORDED);
        assert_int_equal(webhook_queue_depth(w, &depth), 0);
        assert_int_equal(depth, 0);                  /* registering a key is no alert */
        assert_int_equal(receive(f, w, &c0, 1010, &res), CHECKPOINT_FORK);
        assert_int_equal(receive(f, w, &c0, 1011, &res), CHECKPOINT_FORK);
        assert_int_equal(receive(f, w, &k2, 1020, &res), CHECKPOINT_KEY_MISMATCH);
        assert_int_equal(webhook_queue_depth(w, &depth), 0);
        assert_int_equal(depth, 2);
        assert_int_equal(checkpoint_sweep(&ctx, 1060, &raised), 0);
        assert_int_equal(raised, 1);
        assert_int_equal(receive(f, w, &c2, 1100, &res), CHECKPOINT_RECORDED);
        assert_int_equal(webhook_queue_depth(w, &depth), 0);
        assert_int_equal(depth, 4);                  /* fork, mismatch, stopped, resumed */
        webhook_stop(w);
        cp_clear(&c1); cp_clear(&c0); cp_clear(&k2); cp_clear(&c2);
}

struct racer {
        struct fixture *f;
        struct srv_store *store;
        const struct cp *c;
        pthread_barrier_t *start;
        int r;
        struct checkpoint_result res;
};

static void *race(void *arg)
{
        struct racer *x = arg;
        struct checkpoint_ctx ctx = { .store = x->store, .alert_after = 60 };

        pthread_barrier_wait(x->start);
        x->r = checkpoint_receive(&ctx, "web1", &x->c->ev, 100, &x->res);
        return NULL;
}

/* Two writers (two instances on PostgreSQL, two threads on one sqlite
 * store) hand in a first checkpoint of one host with two keys at once:
 * one key is registered, the other checkpoint is refused. */
static void test_first_use_race(void **state)
{
        struct fixture *f = *state;
        struct srv_store *other = test_backend_is_pg() ? test_backend_open(f->dir) : f->store;
        pthread_barrier_t start;

        for (int round = 0; round < 5; round++) {
                struct cp a, b;
                struct racer ra = { .f = f, .store = f->store, .c = &a, .start = &start };
                struct racer rb = { .f = f, .store = other, .c = &b, .start = &start };
                struct srv_checkpoint rec;
                pthread_t ta, tb;
                int wins;

                (void)srv_store_checkpoint_delete(f->store, "web1");
                cp_make(&a, &f->k1, "web1", 3, 3, 1000);
                cp_make(&b, &f->k2, "web1", 3, 4, 1000);
                assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
                assert_int_equal(pthread_create(&ta, NULL, race, &ra), 0);
                assert_int_equal(pthread_create(&tb, NULL, race, &rb), 0);
                pthread_join(ta, NULL);
                pthread_join(tb, NULL);
                pthread_barrier_destroy(&start);
                assert_int_equal(ra.r, 0);
                assert_int_equal(rb.r, 0);
                wins = (ra.res.outcome == CHECKPOINT_RECORDED) + (rb.res.outcome == CHECKPOINT_RECORDED);
                assert_int_equal(wins, 1);
                assert_true(ra.res.outcome == CHECKPOINT_KEY_MISMATCH || rb.res.outcome == CHECKPOINT_KEY_MISMATCH);
                assert_int_equal(srv_store_checkpoint_get(f->store, "web1", &rec), 0);
                assert_string_equal(rec.host_key, ra.res.outcome == CHECKPOINT_RECORDED ? f->k1.pub : f->k2.pub);
                srv_checkpoint_clear(&rec);
                cp_clear(&a);
                cp_clear(&b);
        }
        if (other != f->store)
                srv_store_close(other);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        const struct CMUnitTest tests[] = {
                T(test_parse), T(test_decisions), T(test_sweep), T(test_admin_key), T(test_webhook_jobs),
                T(test_first_use_race),
        };
#undef T
        return cmocka_run_group_tests(tests, NULL, NULL);
}
