/* SPDX-License-Identifier: BSD-3-Clause */
/* Chain verification; see audit_verify.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "audit_chain.h"
#include "audit_verify.h"
#include "jws.h"

#define ED25519_KEY_LEN 32
#define ED25519_SIG_LEN 64

struct link {
        char *host;
        uint64_t seq;
        char prev[TEAM_AUDIT_HASH_HEX + 1], hash[TEAM_AUDIT_HASH_HEX + 1];
        char id[SD_ID128_STRING_MAX];
        enum team_event_type type;
        uint64_t dropped_first, dropped_last, dropped_count;
        int checkpoint;         /* 0: not one, 1: signature verified, -1: does not verify */
        size_t where, order;
        bool resend;            /* an earlier one has the same seq and hash */
};

struct team_audit_verifier {
        struct team_audit_verify_options opt;
        uint8_t key[ED25519_KEY_LEN];
        struct link *links;
        size_t n, cap;
        size_t unchained, unreadable;
};

int team_audit_verifier_new(const struct team_audit_verify_options *opt, struct team_audit_verifier **out)
{
        struct team_audit_verifier *v = calloc(1, sizeof(*v));

        *out = NULL;
        if (!v)
                return -ENOMEM;
        if (opt) {
                v->opt = *opt;
                if (opt->host_key) {
                        memcpy(v->key, opt->host_key, sizeof(v->key));
                        v->opt.host_key = v->key;
                }
        }
        *out = v;
        return 0;
}

void team_audit_verifier_free(struct team_audit_verifier *v)
{
        if (!v)
                return;
        for (size_t i = 0; i < v->n; i++)
                free(v->links[i].host);
        free(v->links);
        free(v);
}

static int decode_exact(const char *b64, size_t want, uint8_t **out)
{
        size_t n = 0;

        *out = NULL;
        if (!b64 || team_b64url_decode(b64, strlen(b64), out, &n) < 0 || n != want) {
                free(*out);
                *out = NULL;
                return -EBADMSG;
        }
        return 0;
}

int team_audit_checkpoint_verify(const struct team_audit_event *ev, const uint8_t *key)
{
        uint8_t *pub = NULL, *sig = NULL;
        char *stmt = NULL;
        size_t len = 0;
        EVP_PKEY *pk = NULL;
        EVP_MD_CTX *ctx = NULL;
        int r = -EBADMSG;

        if (ev->type != TEAM_EVENT_AUDIT_CHECKPOINT || ev->seq == 0 || !ev->host ||
            decode_exact(ev->host_key, ED25519_KEY_LEN, &pub) < 0 ||
            decode_exact(ev->signature, ED25519_SIG_LEN, &sig) < 0)
                goto out;
        if (key && memcmp(key, pub, ED25519_KEY_LEN) != 0)
                goto out;
        r = team_audit_checkpoint_statement(ev->host, ev->seq, ev->prev, ev->time_usec, &stmt, &len);
        if (r < 0)
                goto out;
        r = -ENOMEM;
        pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, ED25519_KEY_LEN);
        ctx = EVP_MD_CTX_new();
        if (!pk || !ctx || EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) != 1)
                goto out;
        r = EVP_DigestVerify(ctx, sig, ED25519_SIG_LEN, (const unsigned char *)stmt, len) == 1 ? 0 : -EBADMSG;
out:
        EVP_MD_CTX_free(ctx);
        EVP_PKEY_free(pk);
        free(stmt);
        free(pub);
        free(sig);
        return r;
}

int team_audit_verifier_add(struct team_audit_verifier *v, const struct team_audit_event *ev,
                            const char hash[static TEAM_AUDIT_HASH_HEX + 1], size_t where)
{
        struct link *l;

        if (ev->seq == 0) {
                v->unchained++;
                return 0;
        }
        if (v->n == v->cap) {
                size_t cap = v->cap ? v->cap * 2 : 256;
                struct link *n = realloc(v->links, cap * sizeof(*n));

                if (!n)
                        return -ENOMEM;
                v->links = n;
                v->cap = cap;
        }
        l = &v->links[v->n];
        memset(l, 0, sizeof(*l));
        l->host = strdup(ev->host ? ev->host : "");
        if (!l->host)
                return -ENOMEM;
        l->seq = ev->seq;
        memcpy(l->prev, ev->prev, sizeof(l->prev));
        memcpy(l->hash, hash, TEAM_AUDIT_HASH_HEX);
        sd_id128_to_string(ev->id, l->id);
        l->type = ev->type;
        if (ev->type == TEAM_EVENT_AUDIT_OUTBOX_FULL && ev->dropped_first > 0 && ev->dropped_last >= ev->dropped_first) {
                l->dropped_first = ev->dropped_first;
                l->dropped_last = ev->dropped_last;
                l->dropped_count = ev->dropped_count;
        }
        if (ev->type == TEAM_EVENT_AUDIT_CHECKPOINT)
                l->checkpoint = team_audit_checkpoint_verify(ev, v->opt.host_key) == 0 ? 1 : -1;
        l->where = where;
        l->order = v->n;
        v->n++;
        return 0;
}

void team_audit_verifier_unreadable(struct team_audit_verifier *v, size_t where, const char *why, FILE *out)
{
        v->unreadable++;
        fprintf(out, "line %zu: unreadable: %s\n", where, why);
}

static int by_host_order(const void *a, const void *b)
{
        const struct link *x = a, *y = b;
        int c = strcmp(x->host, y->host);

        return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int by_host_seq(const void *a, const void *b)
{
        const struct link *x = a, *y = b;
        int c = strcmp(x->host, y->host);

        if (c)
                return c;
        if (x->seq != y->seq)
                return (x->seq > y->seq) - (x->seq < y->seq);
        return (x->order > y->order) - (x->order < y->order);
}

struct host_report {
        FILE *out;
        const char *host;
        size_t problems;
};

static void say(struct host_report *h, bool problem, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(struct host_report *h, bool problem, const char *fmt, ...)
{
        va_list ap;

        fprintf(h->out, "%s: %s", h->host[0] ? h->host : "(no host)", problem ? "" : "note: ");
        va_start(ap, fmt);
        vfprintf(h->out, fmt, ap);
        va_end(ap);
        fputc('\n', h->out);
        if (problem)
                h->problems++;
}

/* Events that come after one with a higher seq, in the order given. */
static void check_order(struct host_report *h, const struct link *l, size_t n)
{
        const struct link *top = NULL;

        for (size_t i = 0; i < n; i++) {
                if (l[i].resend)
                        continue;
                if (top && l[i].seq < top->seq)
                        say(h, true, "reordered: seq %llu (at %zu) comes after seq %llu (at %zu)",
                            (unsigned long long)l[i].seq, l[i].where, (unsigned long long)top->seq, top->where);
                if (!top || l[i].seq > top->seq)
                        top = &l[i];
        }
}

/* A missing range a..b, split into what AuditOutboxFull events declared
 * dropped and what nobody did. */
static void check_gap(struct host_report *h, const struct link *l, size_t n, uint64_t a, uint64_t b)
{
        uint64_t cur = a;

        while (cur <= b) {
                uint64_t covered_to = 0, next_start = UINT64_MAX, end;

                for (size_t i = 0; i < n; i++) {
                        if (!l[i].dropped_first)
                                continue;
                        if (l[i].dropped_first <= cur && l[i].dropped_last >= cur && l[i].dropped_last > covered_to)
                                covered_to = l[i].dropped_last;
                        else if (l[i].dropped_first > cur && l[i].dropped_first < next_start)
                                next_start = l[i].dropped_first;
                }
                if (covered_to) {
                        end = covered_to < b ? covered_to : b;
                        say(h, false, "declared drop: seq %llu..%llu (%llu events) missing, declared dropped by the "
                            "outbox (AuditOutboxFull); journald still has them",
                            (unsigned long long)cur, (unsigned long long)end, (unsigned long long)(end - cur + 1));
                } else {
                        end = next_start - 1 < b ? next_start - 1 : b;
                        say(h, true, "gap: seq %llu..%llu missing (%llu events)", (unsigned long long)cur,
                            (unsigned long long)end, (unsigned long long)(end - cur + 1));
                }
                if (end == UINT64_MAX)
                        break;
                cur = end + 1;
        }
}

static size_t report_host(struct team_audit_verifier *v, struct link *l, size_t n, FILE *out)
{
        struct host_report h = { .out = out, .host = l[0].host };
        const struct link *last = NULL, *checkpoint = NULL;
        size_t unique = 0, resent = 0;

        qsort(l, n, sizeof(*l), by_host_seq);
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j-- > 0 && l[j].seq == l[i].seq;)
                        if (strcmp(l[j].hash, l[i].hash) == 0) {
                                l[i].resend = true;
                                break;
                        }
        if (!v->opt.any_order) {
                qsort(l, n, sizeof(*l), by_host_order);
                check_order(&h, l, n);
                qsort(l, n, sizeof(*l), by_host_seq);
        }
        for (size_t i = 0; i < n; i++) {
                const struct link *e = &l[i];

                if (e->resend) {
                        resent++;
                        continue;
                }
                if (last && e->seq == last->seq) {
                        if (strcmp(e->id, last->id) == 0)
                                say(&h, true, "edited: seq %llu (event %s) appears with two contents (at %zu and %zu)",
                                    (unsigned long long)e->seq, e->id, last->where, e->where);
                        else
                                say(&h, true, "fork: two events claim seq %llu (%s at %zu, %s at %zu)",
                                    (unsigned long long)e->seq, last->id, last->where, e->id, e->where);
                        continue;
                }
                unique++;
                if (!last && e->seq > 1)
                        say(&h, false, "starts at seq %llu (earlier events are not in this input)",
                            (unsigned long long)e->seq);
                if (last && e->seq > last->seq + 1)
                        check_gap(&h, l, n, last->seq + 1, e->seq - 1);
                else if (last && strcmp(e->prev, last->hash) != 0)
                        say(&h, true, "edited: seq %llu (at %zu) does not hash to the prev that seq %llu (at %zu) "
                            "carries: one of them was changed",
                            (unsigned long long)last->seq, last->where, (unsigned long long)e->seq, e->where);
                else if (!last && e->seq == 1 && strcmp(e->prev, TEAM_AUDIT_CHAIN_GENESIS) != 0)
                        say(&h, true, "edited: seq 1 (at %zu) does not start from the genesis prev", e->where);
                if (e->checkpoint < 0) {
                        say(&h, true, "checkpoint seq %llu (at %zu): the signature does not verify%s",
                            (unsigned long long)e->seq, e->where, v->opt.host_key ? " with the given key" : "");
                } else if (e->checkpoint > 0) {
                        checkpoint = e;
                }
                last = e;
        }
        if (!checkpoint)
                say(&h, false, "no signed checkpoint: nothing here is covered by the host's signature");
        else if (last->seq > checkpoint->seq)
                say(&h, false, "%llu events after the last signed checkpoint (seq %llu..%llu): not yet covered by a "
                    "signature", (unsigned long long)(last->seq - checkpoint->seq),
                    (unsigned long long)checkpoint->seq + 1, (unsigned long long)last->seq);
        fprintf(out, "%s: seq %llu..%llu, %zu events, %zu re-sent, last checkpoint %llu: %s\n",
                h.host[0] ? h.host : "(no host)", (unsigned long long)l[0].seq, (unsigned long long)last->seq, unique,
                resent, checkpoint ? (unsigned long long)checkpoint->seq : 0ULL,
                h.problems ? "NOT VERIFIED" : "verified");
        return h.problems;
}

size_t team_audit_verifier_report(struct team_audit_verifier *v, FILE *out)
{
        size_t problems = v->unreadable;

        /* qsort's array may not be NULL, even for no elements. */
        if (v->n > 0)
                qsort(v->links, v->n, sizeof(*v->links), by_host_order);
        for (size_t i = 0; i < v->n;) {
                size_t j = i;

                while (j < v->n && strcmp(v->links[j].host, v->links[i].host) == 0)
                        j++;
                problems += report_host(v, v->links + i, j - i, out);
                i = j;
        }
        if (v->n == 0)
                fprintf(out, "no chained events%s\n", v->unchained ? " (only events from before the chain)" : "");
        if (v->unreadable)
                fprintf(out, "%zu lines unreadable\n", v->unreadable);
        return problems;
}
