/* SPDX-License-Identifier: BSD-3-Clause */
/* teamd/sync/sync_apply.c and sync_store.c against a temporary grant store and
 * the fixed test keys: strict parsing of feed answers (nothing stored and
 * the cursor kept when one is malformed), verification before storing,
 * the feed id must be the jti, revocations, replays recognised without a
 * second GrantReceived, a revoked grant never coming back (tombstones, in
 * the store itself, whoever hands it over), revocations before grants,
 * slices of both, the entry cap, and the cursor stored only with the last
 * step. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/lib/jws_fixture.h"
#include "teamd/audit.h"
#include "teamd/audit/journal.h"
#include "teamd/maintenance.h"
#include "teamd/grant_intake.h"
#include "teamd/session_watch.h"
#include "teamd/sync/sync_apply.h"
#include "teamd/sync/sync_store.h"
#include "teamd/teamd.h"

/* What sync_apply.c needs from teamd's main.c. */
int64_t teamd_now(void)
{
        return NOW;
}

void teamd_update_status(struct teamd *d)
{
        (void)d;
}

/* What grant_intake.c needs from audit.c and maintenance.c (the feed path
 * uses neither: its slices hold their own transactions). */
int teamd_audit_begin(struct teamd *d)
{
        (void)d;
        return 0;
}

int teamd_audit_flush(struct teamd *d)
{
        (void)d;
        return 0;
}

int teamd_audit_end(struct teamd *d, int r)
{
        (void)d;
        return r;
}

void teamd_maintenance_reschedule(struct teamd *d)
{
        (void)d;
}

/* ... and from session_watch.c (the end of sessions is tested end to end). */
void session_watch_poke(struct teamd *d)
{
        (void)d;
}

struct fixture {
        char dir[64];
        struct teamd d;
        unsigned events[TEAM_EVENT__MAX];
};

static struct fixture *fx;

static void sink(enum team_event_type type, const struct team_audit_event *f, const char *message, void *ud)
{
        (void)f;
        (void)message;
        (void)ud;
        fx->events[type]++;
}

static int setup(void **state)
{
        char err[256] = "";

        if (jws_fixture_setup(state) != 0)
                return -1;
        fx = calloc(1, sizeof(*fx));
        assert_non_null(fx);
        snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_sync_apply.XXXXXX");
        assert_non_null(mkdtemp(fx->dir));
        assert_int_equal(teamd_db_open(fx->dir, 100000, &fx->d.store, err, sizeof(err)), 0);
        fx->d.keyring = ring;
        fx->d.cfg.host_id = (char *)"web1";
        fx->d.cfg.trusted_keys = (char *)"/etc/team/keys";
        fx->d.cfg.clock_skew = 60;
        team_journal_set_sink(sink, NULL);
        return 0;
}

static int teardown(void **state)
{
        char cmd[128];

        team_journal_set_sink(NULL, NULL);
        teamd_db_close(fx->d.store);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
        assert_int_equal(system(cmd), 0);
        free(fx);
        return jws_fixture_teardown(state);
}

/* A grant for user, signed with k (kid), addressed to aud. */
static char *grant_jws(const char *jti, const char *user, const char *aud, EVP_PKEY *k, const char *kid)
{
        struct team_grant g;
        const char *auds[] = { aud };

        default_claims(&g);
        g.jti = jti;
        g.sub = user;
        g.aud = auds;
        g.n_aud = 1;
        return sign_with(k, kid, &g);
}

/* Runs a batch to its end; returns the last step's result. */
static int apply(const char *body, unsigned *steps)
{
        struct sync_batch *b = NULL;
        char err[256] = "";
        int r;

        *steps = 0;
        r = sync_batch_new(&fx->d, body, strlen(body), &b, err, sizeof(err));
        if (r < 0)
                return r;
        do {
                r = sync_batch_step(b, err, sizeof(err));
                (*steps)++;
        } while (r == 0);
        sync_batch_free(b);
        return r;
}

static bool allowed(const char *user)
{
        struct grant_row *rows = NULL;
        size_t n = 0;

        assert_int_equal(db_grant_find(fx->d.store, user, "sudo", NOW, &rows, &n), 0);
        grant_rows_free(rows, n);
        return n > 0;
}

static void cursor_is(const char *want)
{
        char c[SYNC_CURSOR_MAX + 1];

        assert_int_equal(sync_store_get_cursor(fx->d.store, c, sizeof(c)), 0);
        assert_string_equal(c, want);
}

static void test_malformed(void **state)
{
        static const char *const bad[] = {
                "",
                "[]",
                "{\"grants\":[],\"revoked\":[]}",
                "{\"grants\":[],\"revoked\":[],\"cursor\":\"1\",\"more\":1}",
                "{\"grants\":{},\"revoked\":[],\"cursor\":\"1\"}",
                "{\"grants\":[],\"revoked\":[],\"cursor\":1}",
                "{\"grants\":[],\"revoked\":[],\"cursor\":\"-1\"}",
                "{\"grants\":[],\"revoked\":[],\"cursor\":\"123456789012345678901\"}",
                "{\"grants\":[],\"revoked\":[\"g 1\"],\"cursor\":\"1\"}",
                "{\"grants\":[],\"revoked\":[1],\"cursor\":\"1\"}",
                "{\"grants\":[{\"id\":\"g1\"}],\"revoked\":[],\"cursor\":\"1\"}",
                "{\"grants\":[{\"id\":\"g1\",\"jws\":\"x\",\"z\":1}],\"revoked\":[],\"cursor\":\"1\"}",
                "{\"grants\":[{\"id\":\"g/1\",\"jws\":\"x\"}],\"revoked\":[],\"cursor\":\"1\"}",
                "{\"grants\":[],\"revoked\":[],\"cursor\":\"1\"} x",
        };
        unsigned steps;

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(apply(bad[i], &steps), -EBADMSG);
        cursor_is("");
}

static void test_store_replay_revoke(void **state)
{
        char *good = grant_jws("g_a", "alice", "web1", k1, "test-k1");
        char *other_host = grant_jws("g_b", "bob", "db1", k1, "test-k1");
        char *unknown_kid = grant_jws("g_c", "carol", "web1", k2, "nope");
        char *mismatch = grant_jws("g_d", "dave", "web1", k1, "test-k1");
        char body[16384];
        unsigned steps;

        (void)state;
        memset(fx->events, 0, sizeof(fx->events));
        snprintf(body, sizeof(body),
                 "{\"grants\":[{\"id\":\"g_a\",\"jws\":\"%s\"},{\"id\":\"g_b\",\"jws\":\"%s\"},"
                 "{\"id\":\"g_c\",\"jws\":\"%s\"},{\"id\":\"g_x\",\"jws\":\"%s\"}],\"revoked\":[],\"cursor\":\"4\"}",
                 good, other_host, unknown_kid, mismatch);
        assert_int_equal(apply(body, &steps), 1);
        cursor_is("4");
        assert_true(allowed("alice"));
        assert_false(allowed("bob"));
        assert_false(allowed("carol"));
        assert_false(allowed("dave"));
        assert_int_equal(fx->events[TEAM_EVENT_GRANT_RECEIVED], 1);
        assert_int_equal(fx->events[TEAM_EVENT_GRANT_REJECTED], 3);

        /* The same answer again (a replay): recognised, nothing new. */
        assert_int_equal(apply(body, &steps), 1);
        assert_int_equal(fx->events[TEAM_EVENT_GRANT_RECEIVED], 1);

        /* Revoked, then replayed from the start: it stays revoked. */
        assert_int_equal(apply("{\"grants\":[],\"revoked\":[\"g_a\"],\"cursor\":\"5\"}", &steps), 1);
        assert_false(allowed("alice"));
        assert_int_equal(fx->events[TEAM_EVENT_GRANT_REVOKED], 1);
        snprintf(body, sizeof(body), "{\"grants\":[{\"id\":\"g_a\",\"jws\":\"%s\"}],\"revoked\":[\"g_a\"],\"cursor\":\"5\"}",
                 good);
        assert_int_equal(apply(body, &steps), 1);
        assert_false(allowed("alice"));
        assert_int_equal(fx->events[TEAM_EVENT_GRANT_RECEIVED], 1);
        assert_int_equal(fx->events[TEAM_EVENT_GRANT_REVOKED], 1);
        cursor_is("5");
        /* The revocation is a tombstone for alice's sudo, nothing else. */
        {
                bool t = false;

                assert_int_equal(db_tombstone_for(fx->d.store, "alice", "sudo", NOW, &t), 0);
                assert_true(t);
                assert_int_equal(db_tombstone_for(fx->d.store, "alice", "ssh", NOW, &t), 0);
                assert_false(t);
                assert_int_equal(db_tombstone_for(fx->d.store, "bob", "sudo", NOW, &t), 0);
                assert_false(t);
        }
        free(good);
        free(other_host);
        free(unknown_kid);
        free(mismatch);
}

static void test_slices(void **state)
{
        enum { N = 100 };
        size_t cap = N * 1024, len;
        char *body = malloc(cap), id[32], user[32];
        struct sync_batch *b = NULL;
        char err[256] = "";
        unsigned steps = 0;
        int r;

        (void)state;
        assert_non_null(body);
        len = (size_t)snprintf(body, cap, "{\"grants\":[");
        for (int i = 0; i < N; i++) {
                char *jws;

                snprintf(id, sizeof(id), "g_s%d", i);
                snprintf(user, sizeof(user), "user%d", i);
                jws = grant_jws(id, user, "web1", k1, "test-k1");
                len += (size_t)snprintf(body + len, cap - len, "%s{\"id\":\"%s\",\"jws\":\"%s\"}", i ? "," : "", id,
                                        jws);
                free(jws);
        }
        snprintf(body + len, cap - len, "],\"revoked\":[],\"cursor\":\"105\"}");
        assert_int_equal(sync_batch_new(&fx->d, body, strlen(body), &b, err, sizeof(err)), 0);
        assert_int_equal(sync_batch_size(b), N);
        /* The cursor moves only with the last step. */
        while ((r = sync_batch_step(b, err, sizeof(err))) == 0) {
                cursor_is("5");
                steps++;
        }
        assert_int_equal(r, 1);
        assert_true(steps + 1 >= (N + SYNC_SLICE_GRANTS - 1) / SYNC_SLICE_GRANTS);
        assert_int_equal(sync_batch_counts(b)->stored, N);
        sync_batch_free(b);
        cursor_is("105");
        assert_true(allowed("user0"));
        assert_true(allowed("user99"));
        free(body);
}

/* A grant and its revocation in one answer (a fresh host catching up):
 * the grant is never stored, not even between two slices, and its
 * tombstone learns whose it was. */
static void test_revoked_in_same_answer(void **state)
{
        char *jws = grant_jws("g_rita", "rita", "web1", k1, "test-k1");
        char body[8192], err[256] = "";
        struct sync_batch *b = NULL;
        unsigned received;
        bool t = false;
        int r;

        (void)state;
        received = fx->events[TEAM_EVENT_GRANT_RECEIVED];
        snprintf(body, sizeof(body),
                 "{\"grants\":[{\"id\":\"g_rita\",\"jws\":\"%s\"}],\"revoked\":[\"g_rita\"],\"cursor\":\"6\"}",
                 jws);
        assert_int_equal(sync_batch_new(&fx->d, body, strlen(body), &b, err, sizeof(err)), 0);
        do {
                r = sync_batch_step(b, err, sizeof(err));
                assert_false(allowed("rita"));
        } while (r == 0);
        assert_int_equal(r, 1);
        sync_batch_free(b);
        assert_int_equal(fx->events[TEAM_EVENT_GRANT_RECEIVED], received);
        assert_int_equal(db_tombstone_for(fx->d.store, "rita", "sudo", NOW, &t), 0);
        assert_true(t);
        free(jws);
}

/* The rule lives in the store: whoever hands over a revoked grant (grant
 * add, the relay), it is refused and the refusal is audited. */
static void test_store_refuses_revoked(void **state)
{
        char *jws = grant_jws("g_a", "alice", "web1", k1, "test-k1");
        struct grant_intake in = { .jws = jws, .origin = GRANT_ORIGIN_ADMIN };
        struct grant_intake_result res;
        struct team_grant g;
        unsigned rejected = fx->events[TEAM_EVENT_GRANT_REJECTED];

        (void)state;
        default_claims(&g);
        g.jti = "g_a";
        assert_int_equal(db_grant_add(fx->d.store, &g, jws, NOW), -EKEYREVOKED);
        assert_int_equal(grant_intake_apply(&fx->d, &in, NOW, &res), 0);
        assert_int_equal(res.outcome, GRANT_INTAKE_REVOKED);
        assert_non_null(strstr(res.why, "revoked"));
        grant_intake_result_clear(&res);
        in.origin = GRANT_ORIGIN_RELAY;
        assert_int_equal(grant_intake_apply(&fx->d, &in, NOW, &res), 0);
        assert_int_equal(res.outcome, GRANT_INTAKE_REVOKED);
        grant_intake_result_clear(&res);
        assert_int_equal(fx->events[TEAM_EVENT_GRANT_REJECTED], rejected + 2);
        assert_false(allowed("alice"));
        free(jws);
}

/* Revocations are applied in slices too: a long list never holds the
 * loop in one step; and an answer with more entries than the cap is
 * refused before anything is applied. */
static void test_revocation_slices(void **state)
{
        enum { N = 200 };
        size_t cap = (SYNC_MAX_ENTRIES + 1) * 16 + 128, len;
        char *body = malloc(cap);
        unsigned steps = 0;
        struct sync_batch *b = NULL;
        char err[256] = "";
        int r;

        (void)state;
        assert_non_null(body);
        len = (size_t)snprintf(body, cap, "{\"grants\":[],\"revoked\":[");
        for (int i = 0; i < N; i++)
                len += (size_t)snprintf(body + len, cap - len, "%s\"g_v%d\"", i ? "," : "", i);
        snprintf(body + len, cap - len, "],\"cursor\":\"300\"}");
        assert_int_equal(sync_batch_new(&fx->d, body, strlen(body), &b, err, sizeof(err)), 0);
        while ((r = sync_batch_step(b, err, sizeof(err))) == 0) {
                cursor_is("6");
                steps++;
        }
        assert_int_equal(r, 1);
        assert_true(steps + 1 >= N / SYNC_SLICE_GRANTS);
        assert_int_equal(sync_batch_counts(b)->revoked, N);
        sync_batch_free(b);
        cursor_is("300");

        len = (size_t)snprintf(body, cap, "{\"grants\":[],\"revoked\":[");
        for (int i = 0; i <= SYNC_MAX_ENTRIES; i++)
                len += (size_t)snprintf(body + len, cap - len, "%s\"g_w%d\"", i ? "," : "", i);
        snprintf(body + len, cap - len, "],\"cursor\":\"9000\"}");
        assert_int_equal(apply(body, &steps), -EBADMSG);
        cursor_is("300");
        free(body);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_store_replay_revoke),
                cmocka_unit_test(test_slices),
                cmocka_unit_test(test_revoked_in_same_answer),
                cmocka_unit_test(test_store_refuses_revoked),
                cmocka_unit_test(test_revocation_slices),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
