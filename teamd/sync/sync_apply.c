/* SPDX-License-Identifier: BSD-3-Clause */
/* Applying one feed answer; see sync_apply.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json.h>

#include "audit.h"
#include "decide.h"
#include "grant_intake.h"
#include "audit/journal.h"
#include "json_util.h"
#include "parse.h"
#include "session_watch.h"
#include "sync/sync_apply.h"

/* answer { grants [ { id jws } ] revoked [ id ] cursor } */
#define ANSWER_MAX_DEPTH 6
#define GRANT_ID_MAX 64
#define JWS_MAX (16 * 1024)

struct answer {
        struct json_object *root;
        struct json_object *grants;     /* array */
        struct json_object *revoked;    /* array */
        const char *cursor;
};

static bool is_id(const char *s, size_t len)
{
        if (len == 0 || len > GRANT_ID_MAX)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                      ch == '_' || ch == '-' || ch == '.'))
                        return false;
        }
        return true;
}

static bool is_cursor(const char *s)
{
        uint64_t v;

        return strlen(s) <= SYNC_CURSOR_MAX && (s[0] == '\0' || parse_uint(s, 0, INT64_MAX, &v) == 0);
}

/* A string member of a grant object, bounded. */
static const char *grant_member(struct json_object *g, const char *key, size_t max)
{
        struct json_object *v;

        if (!json_object_object_get_ex(g, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        if ((size_t)json_object_get_string_len(v) > max)
                return NULL;
        return json_object_get_string(v);
}

static int check_grant_object(struct json_object *g, const char **why)
{
        const char *id;

        if (!json_object_is_type(g, json_type_object) || json_object_object_length(g) != 2) {
                *why = "a grant is not an object with exactly id and jws";
                return -EBADMSG;
        }
        id = grant_member(g, "id", GRANT_ID_MAX);
        if (!id || !is_id(id, strlen(id)) || !grant_member(g, "jws", JWS_MAX)) {
                *why = "a grant has a bad id or jws";
                return -EBADMSG;
        }
        return 0;
}

/* Strict: exactly grants, revoked, cursor, each of its type. */
static int answer_parse(const char *body, size_t len, struct answer *a, const char **why)
{
        struct json_object *c;
        int r;

        memset(a, 0, sizeof(*a));
        r = team_json_parse_object(body, len, ANSWER_MAX_DEPTH, &a->root, why);
        if (r < 0)
                return r;
        r = -EBADMSG;
        if (json_object_object_length(a->root) != 3 ||
            !json_object_object_get_ex(a->root, "grants", &a->grants) ||
            !json_object_object_get_ex(a->root, "revoked", &a->revoked) ||
            !json_object_object_get_ex(a->root, "cursor", &c)) {
                *why = "the answer is not exactly {grants, revoked, cursor}";
                goto fail;
        }
        if (!json_object_is_type(a->grants, json_type_array) || !json_object_is_type(a->revoked, json_type_array) ||
            !json_object_is_type(c, json_type_string) || !is_cursor(json_object_get_string(c))) {
                *why = "grants, revoked or cursor has the wrong type";
                goto fail;
        }
        a->cursor = json_object_get_string(c);
        if (json_object_array_length(a->grants) + json_object_array_length(a->revoked) > SYNC_MAX_ENTRIES) {
                *why = "more grants and revocations than one answer may carry";
                goto fail;
        }
        for (size_t i = 0; i < json_object_array_length(a->grants); i++)
                if (check_grant_object(json_object_array_get_idx(a->grants, i), why) < 0)
                        goto fail;
        for (size_t i = 0; i < json_object_array_length(a->revoked); i++) {
                struct json_object *v = json_object_array_get_idx(a->revoked, i);
                if (!json_object_is_type(v, json_type_string) ||
                    !is_id(json_object_get_string(v), (size_t)json_object_get_string_len(v))) {
                        *why = "a revoked id is not a grant id";
                        goto fail;
                }
        }
        return 0;
fail:
        json_object_put(a->root);
        a->root = NULL;
        return r;
}

static int apply_grant(struct teamd *d, struct json_object *obj, int64_t now, struct sync_counts *counts)
{
        struct grant_intake in = {
                .jws = grant_member(obj, "jws", JWS_MAX),
                .feed_id = grant_member(obj, "id", GRANT_ID_MAX),
                .origin = GRANT_ORIGIN_FEED,
        };
        struct grant_intake_result res;
        int r = grant_intake_apply(d, &in, now, &res);

        if (r == 0) {
                switch (res.outcome) {
                case GRANT_INTAKE_STORED:
                        counts->stored++;
                        break;
                case GRANT_INTAKE_REJECTED:
                        counts->rejected++;
                        break;
                default:
                        counts->duplicate++;
                        break;
                }
        }
        grant_intake_result_clear(&res);
        return r;
}

static int apply_revocation(struct teamd *d, const char *id, int64_t now, struct sync_counts *counts)
{
        struct grant_row row;
        struct team_audit_event f = { .host = d->cfg.host_id, .grant_id = id };
        int r = sync_store_revoke(d->store, id, now, &row);

        if (r != 0)
                return r < 0 ? r : 0;
        counts->revoked++;
        f.user = row.sub;
        f.role = row.role;
        f.request_id = row.req;
        f.reason = "revoked by the central API";
        if (row.id)
                team_journal_event(TEAM_EVENT_GRANT_REVOKED, &f, "grant %s for %s as %s revoked", id, row.sub,
                                   row.role);
        else
                team_journal_event(TEAM_EVENT_GRANT_REVOKED, &f, "grant %s revoked (it was not stored here)", id);
        grant_row_clear(&row);
        return 0;
}

struct sync_batch {
        struct teamd *d;
        struct answer a;
        size_t next_revoked;    /* next revocation to apply */
        size_t next;            /* next grant to apply */
        struct sync_counts counts;
};

int sync_batch_new(struct teamd *d, const char *body, size_t len, struct sync_batch **out, char *err,
                   size_t errlen)
{
        struct sync_batch *b = calloc(1, sizeof(*b));
        const char *why = NULL;
        int r;

        *out = NULL;
        if (!b)
                return -ENOMEM;
        b->d = d;
        r = answer_parse(body, len, &b->a, &why);
        if (r < 0) {
                snprintf(err, errlen, "malformed feed answer: %s", why ? why : strerror(-r));
                free(b);
                return r;
        }
        *out = b;
        return 0;
}

static uint64_t mono_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static int revoke_entry(struct sync_batch *b, size_t i, int64_t now)
{
        return apply_revocation(b->d, json_object_get_string(json_object_array_get_idx(b->a.revoked, i)), now,
                                &b->counts);
}

static int grant_entry(struct sync_batch *b, size_t i, int64_t now)
{
        return apply_grant(b->d, json_object_array_get_idx(b->a.grants, i), now, &b->counts);
}

/* One slice of one array: at most SYNC_SLICE_GRANTS entries or
 * SYNC_SLICE_USEC of work, in one transaction not synced on its own. */
static int step_slice(struct sync_batch *b, struct json_object *array, size_t *next,
                      int (*apply)(struct sync_batch *, size_t, int64_t), int64_t now)
{
        size_t n = json_object_array_length(array);
        size_t end = *next + SYNC_SLICE_GRANTS < n ? *next + SYNC_SLICE_GRANTS : n;
        uint64_t deadline = mono_usec() + SYNC_SLICE_USEC;
        int r;

        /* The store's own transaction: lone events recorded before it
         * commit first (the connection holds one transaction at a time). */
        (void)teamd_audit_flush(b->d);
        r = sync_store_begin_unsynced(b->d->store);

        for (; r == 0 && *next < end; (*next)++) {
                r = apply(b, *next, now);
                if (r == 0 && mono_usec() >= deadline) {
                        (*next)++;
                        break;
                }
        }
        if (r == 0)
                return sync_store_commit(b->d->store);
        sync_store_rollback(b->d->store);
        return r;
}

/* The cursor, in a transaction synced to disk with every slice before it. */
static int step_final(struct sync_batch *b)
{
        int r;

        (void)teamd_audit_flush(b->d);
        r = sync_store_begin(b->d->store);

        if (r == 0)
                r = sync_store_set_cursor(b->d->store, b->a.cursor);
        if (r == 0) {
                r = sync_store_commit(b->d->store);
                /* Sessions under a revoked grant end now, not at its exp. */
                if (r == 0 && json_object_array_length(b->a.revoked) > 0)
                        session_watch_poke(b->d);
                return r;
        }
        sync_store_rollback(b->d->store);
        return r;
}

/* Revocations before grants: a grant that the same answer (or an earlier
 * one) revokes meets its tombstone and is never stored, so a host catching
 * up on the feed never holds a revoked grant, not even for one slice. */
int sync_batch_step(struct sync_batch *b, char *err, size_t errlen)
{
        int64_t now = teamd_now();
        int r;

        if (b->next_revoked < json_object_array_length(b->a.revoked)) {
                r = step_slice(b, b->a.revoked, &b->next_revoked, revoke_entry, now);
                if (r < 0)
                        goto fail;
                return 0;
        }
        if (b->next < json_object_array_length(b->a.grants)) {
                r = step_slice(b, b->a.grants, &b->next, grant_entry, now);
                if (r < 0)
                        goto fail;
                if (b->next < json_object_array_length(b->a.grants))
                        return 0;
        }
        r = step_final(b);
        if (r < 0)
                goto fail;
        return 1;
fail:
        snprintf(err, errlen, "cannot store the feed answer: %s", strerror(-r));
        return r;
}

const struct sync_counts *sync_batch_counts(const struct sync_batch *b)
{
        return &b->counts;
}

const char *sync_batch_cursor(const struct sync_batch *b)
{
        return b->a.cursor;
}

size_t sync_batch_size(const struct sync_batch *b)
{
        return json_object_array_length(b->a.grants);
}

bool sync_batch_empty(const struct sync_batch *b)
{
        return json_object_array_length(b->a.grants) == 0 && json_object_array_length(b->a.revoked) == 0;
}

void sync_batch_free(struct sync_batch *b)
{
        if (!b)
                return;
        json_object_put(b->a.root);
        free(b);
}
