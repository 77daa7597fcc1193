/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the audit outbox (teamd/outbox*.c) on a temporary grant
 * store: order, per-sink acks, dead letters, the bound and its alert,
 * transactions, group commit, persistence across reopen. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "db.h"
#include "audit/journal.h"
#include "audit/outbox.h"

struct seen {
        int n_full, n_dead, n_allowed;
        char last_full[512];
};

static struct seen seen;

static void sink(enum team_event_type type, const struct team_audit_event *f, const char *message, void *userdata)
{
        if (type == TEAM_EVENT_AUDIT_OUTBOX_FULL) {
                seen.n_full++;
                snprintf(seen.last_full, sizeof(seen.last_full), "%s", message);
        } else if (type == TEAM_EVENT_AUDIT_DEAD_LETTER) {
                seen.n_dead++;
        } else if (type == TEAM_EVENT_ELEVATION_ALLOWED) {
                seen.n_allowed++;
        }
}

struct fixture {
        char dir[64];
        struct teamd_db *s;
        struct outbox *ob;
};

static int open_store(struct fixture *f)
{
        char err[256] = "";

        return teamd_db_open(f->dir, 100, &f->s, err, sizeof(err));
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test_outbox.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        assert_int_equal(open_store(f), 0);
        memset(&seen, 0, sizeof(seen));
        team_journal_set_sink(sink, NULL);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[128];

        outbox_close(f->ob);
        teamd_db_close(f->s);
        team_journal_set_sink(NULL, NULL);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

static void append(struct outbox *ob, const char *user, char id_out[SD_ID128_STRING_MAX])
{
        struct team_audit_event ev;

        assert_int_equal(team_audit_event_init(&ev, TEAM_EVENT_ELEVATION_ALLOWED), 0);
        ev.user = user;
        ev.role = "sudo";
        ev.message = "test";
        assert_int_equal(outbox_append(ob, &ev), 0);
        if (id_out)
                sd_id128_to_string(ev.id, id_out);
}

static const char *const one_sink[] = { "cloudtrail", NULL };
static const char *const two_sinks[] = { "cloudtrail", "cloudwatch", NULL };

static void fetch_in_order_and_ack(void **state)
{
        struct fixture *f = *state;
        char ids[5][SD_ID128_STRING_MAX];
        struct outbox_entry *e = NULL;
        int64_t seqs[5], t = 0;
        uint64_t depth;
        size_t n;

        assert_int_equal(outbox_open(f->s, 1000, 1 << 20, one_sink, &f->ob), 0);
        for (int i = 0; i < 5; i++)
                append(f->ob, "alice", ids[i]);
        assert_int_equal(outbox_depth(f->ob, &depth, NULL), 0);
        assert_int_equal(depth, 5);
        assert_int_equal(outbox_fetch_batch(f->ob, "cloudtrail", 0, 3, 1 << 20, &e, &n), 0);
        assert_int_equal(n, 3);
        for (size_t i = 0; i < n; i++) {
                assert_string_equal(e[i].id, ids[i]);
                assert_non_null(strstr(e[i].json, ids[i]));
                assert_int_equal(strlen(e[i].json), e[i].json_len);
                assert_int_equal(e[i].type, TEAM_EVENT_ELEVATION_ALLOWED);
                seqs[i] = e[i].seq;
                if (i > 0)
                        assert_true(e[i].seq > e[i - 1].seq);
        }
        /* after_seq pages on */
        outbox_entries_free(e, n);
        assert_int_equal(outbox_fetch_batch(f->ob, "cloudtrail", seqs[2], 10, 1 << 20, &e, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(e[0].id, ids[3]);
        outbox_entries_free(e, n);
        /* unknown sink */
        assert_int_equal(outbox_fetch_batch(f->ob, "nope", 0, 10, 1 << 20, &e, &n), -EINVAL);
        assert_int_equal(outbox_last_delivery(f->ob, NULL, &t), 0);
        assert_int_equal(t, 0);
        /* ack 1 and 3 of the first three: 2 comes back first next time */
        int64_t acked[2] = { seqs[0], seqs[2] };
        assert_int_equal(outbox_ack(f->ob, "cloudtrail", acked, 2), 0);
        assert_int_equal(outbox_ack(f->ob, "cloudtrail", acked, 2), 0); /* twice: no harm */
        assert_int_equal(outbox_depth(f->ob, &depth, NULL), 0);
        assert_int_equal(depth, 3);
        assert_int_equal(outbox_fetch_batch(f->ob, "cloudtrail", 0, 10, 1 << 20, &e, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(e[0].id, ids[1]);
        assert_string_equal(e[1].id, ids[3]);
        outbox_entries_free(e, n);
        assert_int_equal(outbox_last_delivery(f->ob, "cloudtrail", &t), 0);
        assert_true(t > 0);
}

static void byte_budget_of_a_batch(void **state)
{
        struct fixture *f = *state;
        struct outbox_entry *e = NULL;
        size_t n;

        assert_int_equal(outbox_open(f->s, 1000, 1 << 20, one_sink, &f->ob), 0);
        for (int i = 0; i < 10; i++)
                append(f->ob, "bob", NULL);
        /* budget below one entry: still one */
        assert_int_equal(outbox_fetch_batch(f->ob, "cloudtrail", 0, 10, 1, &e, &n), 0);
        assert_int_equal(n, 1);
        size_t one = e[0].json_len;
        outbox_entries_free(e, n);
        assert_int_equal(outbox_fetch_batch(f->ob, "cloudtrail", 0, 10, one * 3 + 5, &e, &n), 0);
        assert_int_equal(n, 3);
        outbox_entries_free(e, n);
}

static void every_sink_must_be_done(void **state)
{
        struct fixture *f = *state;
        struct outbox_entry *e = NULL;
        struct outbox_stats st;
        uint64_t depth;
        size_t n;

        assert_int_equal(outbox_open(f->s, 1000, 1 << 20, two_sinks, &f->ob), 0);
        append(f->ob, "carol", NULL);
        append(f->ob, "carol", NULL);
        assert_int_equal(outbox_fetch_batch(f->ob, "cloudtrail", 0, 10, 1 << 20, &e, &n), 0);
        assert_int_equal(n, 2);
        int64_t seqs[2] = { e[0].seq, e[1].seq };
        outbox_entries_free(e, n);
        assert_int_equal(outbox_ack(f->ob, "cloudtrail", seqs, 2), 0);
        assert_int_equal(outbox_depth(f->ob, &depth, NULL), 0);
        assert_int_equal(depth, 2);
        assert_int_equal(outbox_fetch_batch(f->ob, "cloudtrail", 0, 10, 1 << 20, &e, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(outbox_fetch_batch(f->ob, "cloudwatch", 0, 10, 1 << 20, &e, &n), 0);
        assert_int_equal(n, 2);
        outbox_entries_free(e, n);
        assert_int_equal(outbox_ack(f->ob, "cloudwatch", &seqs[0], 1), 0);
        assert_int_equal(outbox_dead_letter(f->ob, "cloudwatch", seqs[1], "InvalidData", "too long"), 0);
        assert_int_equal(seen.n_dead, 1);
        assert_int_equal(outbox_depth(f->ob, &depth, NULL), 0);
        assert_int_equal(depth, 0);
        assert_int_equal(outbox_stats(f->ob, &st), 0);
        assert_int_equal(st.dead_total, 1);
        /* dead-lettering again or an unknown seq is a no-op */
        assert_int_equal(outbox_dead_letter(f->ob, "cloudwatch", seqs[1], "InvalidData", "again"), 0);
        assert_int_equal(seen.n_dead, 1);
}

static void full_keeps_newest_and_says_so(void **state)
{
        struct fixture *f = *state;
        char ids[30][SD_ID128_STRING_MAX];
        struct outbox_entry *e = NULL;
        struct outbox_stats st;
        bool found_full = false, found_last = false, found_first = false;
        size_t n;

        assert_int_equal(outbox_open(f->s, 10, 1 << 20, one_sink, &f->ob), 0);
        for (int i = 0; i < 30; i++)
                append(f->ob, "dave", ids[i]);
        assert_int_equal(outbox_stats(f->ob, &st), 0);
        assert_true(st.depth_events <= 10);
        assert_true(st.evicted_total >= 20);
        /* announced at alert priority, at least once, naming the count */
        assert_true(seen.n_full >= 1);
        assert_non_null(strstr(seen.last_full, "evicted"));
        assert_int_equal(outbox_fetch_batch(f->ob, "cloudtrail", 0, 100, 1 << 20, &e, &n), 0);
        for (size_t i = 0; i < n; i++) {
                if (e[i].type == TEAM_EVENT_AUDIT_OUTBOX_FULL)
                        found_full = true;
                if (strcmp(e[i].id, ids[29]) == 0)
                        found_last = true;
                if (strcmp(e[i].id, ids[0]) == 0)
                        found_first = true;
        }
        outbox_entries_free(e, n);
        assert_true(found_full);        /* the sinks learn of the gap */
        assert_true(found_last);        /* newest kept */
        assert_false(found_first);      /* oldest evicted */
}

static void byte_bound_too(void **state)
{
        struct fixture *f = *state;
        struct outbox_stats st;

        assert_int_equal(outbox_open(f->s, 1000000, 2000, one_sink, &f->ob), 0);
        for (int i = 0; i < 50; i++)
                append(f->ob, "erin", NULL);
        assert_int_equal(outbox_stats(f->ob, &st), 0);
        assert_true(st.depth_bytes <= 2000);
        assert_true(st.evicted_total > 0);
}

static void rollback_takes_the_event_back(void **state)
{
        struct fixture *f = *state;
        uint64_t depth;

        assert_int_equal(outbox_open(f->s, 1000, 1 << 20, one_sink, &f->ob), 0);
        assert_int_equal(outbox_begin(f->ob), 0);
        assert_int_equal(outbox_begin(f->ob), -EBUSY);
        append(f->ob, "frank", NULL);
        outbox_rollback(f->ob);
        assert_int_equal(outbox_depth(f->ob, &depth, NULL), 0);
        assert_int_equal(depth, 0);
        assert_int_equal(outbox_begin(f->ob), 0);
        append(f->ob, "frank", NULL);
        assert_int_equal(outbox_commit(f->ob), 0);
        assert_int_equal(outbox_depth(f->ob, &depth, NULL), 0);
        assert_int_equal(depth, 1);
}

/* journald sees an event of a transaction only once it commits. */
static void journal_entry_waits_for_the_commit(void **state)
{
        struct fixture *f = *state;
        struct team_audit_event ev;
        uint64_t depth;

        assert_int_equal(outbox_open(f->s, 1000, 1 << 20, one_sink, &f->ob), 0);
        assert_int_equal(team_audit_event_init(&ev, TEAM_EVENT_ELEVATION_ALLOWED), 0);
        ev.user = "ivy";
        ev.message = "deferred";
        /* alone: committed at once, the caller logs it */
        assert_int_equal(outbox_record(f->ob, &ev), 0);
        assert_int_equal(seen.n_allowed, 0);
        /* in a transaction: logged by the commit */
        assert_int_equal(outbox_begin(f->ob), 0);
        assert_int_equal(team_audit_event_init(&ev, TEAM_EVENT_ELEVATION_ALLOWED), 0);
        assert_int_equal(outbox_record(f->ob, &ev), 1);
        assert_int_equal(seen.n_allowed, 0);
        assert_int_equal(outbox_commit(f->ob), 0);
        assert_int_equal(seen.n_allowed, 1);
        /* rolled back: never logged, not kept */
        assert_int_equal(outbox_begin(f->ob), 0);
        assert_int_equal(team_audit_event_init(&ev, TEAM_EVENT_ELEVATION_ALLOWED), 0);
        assert_int_equal(outbox_record(f->ob, &ev), 1);
        outbox_rollback(f->ob);
        assert_int_equal(outbox_begin(f->ob), 0);
        assert_int_equal(outbox_commit(f->ob), 0);
        assert_int_equal(seen.n_allowed, 1);
        assert_int_equal(outbox_depth(f->ob, &depth, NULL), 0);
        assert_int_equal(depth, 2);
        assert_int_equal(outbox_sync(f->ob), 0);
}

/* A state change never commits without its event. */
static void unrecordable_event_rolls_the_change_back(void **state)
{
        struct fixture *f = *state;
        struct team_audit_event ev;
        uint64_t depth, n = 0;

        assert_int_equal(outbox_open(f->s, 1000, 1 << 20, one_sink, &f->ob), 0);
        assert_int_equal(outbox_begin(f->ob), 0);
        struct team_grant g = {
                .jti = "g-doomed", .sub = "jo", .role = "sudo", .aud = (const char *[]){ "h" },
                .n_aud = 1, .nbf = 1, .exp = INT64_C(4000000000), .iat = 1,
        };
        assert_int_equal(db_grant_add(f->s, &g, "jws", 2), 0);
        assert_int_equal(team_audit_event_init(&ev, TEAM_EVENT_GRANT_RECEIVED), 0);
        ev.type = TEAM_EVENT__MAX;      /* cannot be written */
        assert_int_equal(outbox_record(f->ob, &ev), 1);
        assert_true(outbox_commit(f->ob) < 0);
        assert_int_equal(db_grant_count_current(f->s, 3, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(outbox_depth(f->ob, &depth, NULL), 0);
        assert_int_equal(depth, 0);
        /* the next transaction is not doomed */
        assert_int_equal(outbox_begin(f->ob), 0);
        assert_int_equal(db_grant_add(f->s, &g, "jws", 2), 0);
        assert_int_equal(team_audit_event_init(&ev, TEAM_EVENT_GRANT_RECEIVED), 0);
        assert_int_equal(outbox_record(f->ob, &ev), 1);
        assert_int_equal(outbox_commit(f->ob), 0);
        assert_int_equal(db_grant_count_current(f->s, 3, &n), 0);
        assert_int_equal(n, 1);
}

/* Group commit: what each group's end reported. */
struct group_log {
        int ends, last_r;
};

static void on_group_done(int r, void *userdata)
{
        struct group_log *g = userdata;

        g->ends++;
        g->last_r = r;
}

static void record_lone(struct outbox *ob, enum team_event_type type, int expect)
{
        struct team_audit_event ev;

        assert_int_equal(team_audit_event_init(&ev, TEAM_EVENT_ELEVATION_ALLOWED), 0);
        ev.type = type;
        ev.user = "kim";
        ev.message = "grouped";
        assert_int_equal(outbox_record(ob, &ev), expect);
}

/* Lone events share one transaction; nothing of it is visible to another
 * reader, nor in journald, before the group commits. */
static void lone_events_share_a_group(void **state)
{
        struct fixture *f = *state;
        struct group_log g = { 0 };
        char path[128];
        sqlite3 *other;
        sqlite3_stmt *st;
        uint64_t depth;

        assert_int_equal(outbox_open(f->s, 1000, 1 << 20, one_sink, &f->ob), 0);
        outbox_set_group(f->ob, on_group_done, &g);
        for (int i = 0; i < 3; i++)
                record_lone(f->ob, TEAM_EVENT_ELEVATION_ALLOWED, 1);
        assert_true(outbox_group_open(f->ob));
        assert_int_equal(seen.n_allowed, 0);
        snprintf(path, sizeof(path), "%s/grants.db", f->dir);
        assert_int_equal(sqlite3_open_v2(path, &other, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(other, "SELECT count(*) FROM outbox", -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 0);
        sqlite3_reset(st);
        assert_int_equal(outbox_group_commit(f->ob), 0);
        assert_false(outbox_group_open(f->ob));
        assert_int_equal(g.ends, 1);
        assert_int_equal(g.last_r, 0);
        assert_int_equal(seen.n_allowed, 3);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 3);
        sqlite3_finalize(st);
        sqlite3_close(other);
        /* nothing open: committing again is a no-op */
        assert_int_equal(outbox_group_commit(f->ob), 0);
        assert_int_equal(g.ends, 1);
        assert_int_equal(outbox_depth(f->ob, &depth, NULL), 0);
        assert_int_equal(depth, 3);
}

/* A transaction of its own commits the group before it begins (the chain
 * keeps the order things happened), and a full group commits by itself. */
static void group_ends_before_a_transaction_and_when_full(void **state)
{
        struct fixture *f = *state;
        struct group_log g = { 0 };
        struct outbox_entry *e = NULL;
        size_t n;

        assert_int_equal(outbox_open(f->s, 1000, 1 << 20, one_sink, &f->ob), 0);
        outbox_set_group(f->ob, on_group_done, &g);
        record_lone(f->ob, TEAM_EVENT_ELEVATION_ALLOWED, 1);
        assert_int_equal(outbox_begin(f->ob), 0);
        assert_int_equal(g.ends, 1);
        assert_int_equal(seen.n_allowed, 1);
        record_lone(f->ob, TEAM_EVENT_ELEVATION_DENIED, 1);     /* joins this one, not a group */
        assert_false(outbox_group_open(f->ob));
        assert_int_equal(outbox_commit(f->ob), 0);
        assert_int_equal(outbox_fetch_batch(f->ob, "cloudtrail", 0, 10, 1 << 20, &e, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(e[0].type, TEAM_EVENT_ELEVATION_ALLOWED);
        assert_int_equal(e[1].type, TEAM_EVENT_ELEVATION_DENIED);
        assert_true(e[0].seq < e[1].seq);
        outbox_entries_free(e, n);
        g.ends = 0;
        for (int i = 0; i < 200; i++)
                record_lone(f->ob, TEAM_EVENT_ELEVATION_ALLOWED, 1);
        assert_true(g.ends >= 200 / 64);
        assert_int_equal(g.last_r, 0);
        outbox_close(f->ob);    /* commits the rest */
        f->ob = NULL;
        assert_int_equal(seen.n_allowed, 201);
}

/* An event that cannot be recorded dooms its group: every event of it is
 * rolled back (journald still gets them) and the end says so, for the
 * waiters to answer an error. */
static void doomed_group_reports_its_failure(void **state)
{
        struct fixture *f = *state;
        struct group_log g = { 0 };
        uint64_t depth;

        assert_int_equal(outbox_open(f->s, 1000, 1 << 20, one_sink, &f->ob), 0);
        outbox_set_group(f->ob, on_group_done, &g);
        assert_int_equal(outbox_groups_lost(f->ob), 0);
        record_lone(f->ob, TEAM_EVENT_ELEVATION_ALLOWED, 1);
        record_lone(f->ob, TEAM_EVENT__MAX, 1);                 /* cannot be written */
        assert_true(outbox_group_commit(f->ob) < 0);
        assert_int_equal(g.ends, 1);
        assert_true(g.last_r < 0);
        assert_int_equal(outbox_groups_lost(f->ob), 1);
        /* not in the outbox, but journald has what happened */
        assert_int_equal(seen.n_allowed, 1);
        assert_int_equal(outbox_depth(f->ob, &depth, NULL), 0);
        assert_int_equal(depth, 0);
        /* the next group is not doomed */
        record_lone(f->ob, TEAM_EVENT_ELEVATION_ALLOWED, 1);
        assert_int_equal(outbox_group_commit(f->ob), 0);
        assert_int_equal(g.last_r, 0);
        assert_int_equal(outbox_groups_lost(f->ob), 1);
        assert_int_equal(seen.n_allowed, 2);
}

static void survives_reopen(void **state)
{
        struct fixture *f = *state;
        char id[SD_ID128_STRING_MAX];
        struct outbox_entry *e = NULL;
        size_t n;

        assert_int_equal(outbox_open(f->s, 1000, 1 << 20, two_sinks, &f->ob), 0);
        append(f->ob, "gina", id);
        assert_int_equal(outbox_fetch_batch(f->ob, "cloudtrail", 0, 10, 1 << 20, &e, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(outbox_ack(f->ob, "cloudtrail", &e[0].seq, 1), 0);
        outbox_entries_free(e, n);
        outbox_close(f->ob);
        f->ob = NULL;
        teamd_db_close(f->s);
        assert_int_equal(open_store(f), 0);
        /* same sinks: still owed to cloudwatch, same id */
        assert_int_equal(outbox_open(f->s, 1000, 1 << 20, two_sinks, &f->ob), 0);
        assert_int_equal(outbox_fetch_batch(f->ob, "cloudwatch", 0, 10, 1 << 20, &e, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(e[0].id, id);
        outbox_entries_free(e, n);
        outbox_close(f->ob);
        /* cloudwatch taken out of the configuration: the event is done */
        assert_int_equal(outbox_open(f->s, 1000, 1 << 20, one_sink, &f->ob), 0);
        assert_int_equal(outbox_fetch_batch(f->ob, "cloudtrail", 0, 10, 1 << 20, &e, &n), 0);
        assert_int_equal(n, 0);
}

static void bad_arguments(void **state)
{
        struct fixture *f = *state;
        static const char *const bad_sink[] = { "Bad Name", NULL };
        struct outbox *ob = NULL;

        assert_int_equal(outbox_open(f->s, 0, 1, NULL, &ob), -EINVAL);
        assert_int_equal(outbox_open(f->s, 1, 1, bad_sink, &ob), -EINVAL);
        assert_null(ob);
        assert_int_equal(outbox_open(f->s, 1000, 1 << 20, NULL, &f->ob), 0);
        append(f->ob, "hal", NULL); /* no sink: still recorded */
        assert_int_equal(outbox_ack(f->ob, "cloudtrail", (int64_t[]){ 1 }, 1), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(fetch_in_order_and_ack, setup, teardown),
                cmocka_unit_test_setup_teardown(byte_budget_of_a_batch, setup, teardown),
                cmocka_unit_test_setup_teardown(every_sink_must_be_done, setup, teardown),
                cmocka_unit_test_setup_teardown(full_keeps_newest_and_says_so, setup, teardown),
                cmocka_unit_test_setup_teardown(byte_bound_too, setup, teardown),
                cmocka_unit_test_setup_teardown(rollback_takes_the_event_back, setup, teardown),
                cmocka_unit_test_setup_teardown(journal_entry_waits_for_the_commit, setup, teardown),
                cmocka_unit_test_setup_teardown(unrecordable_event_rolls_the_change_back, setup, teardown),
                cmocka_unit_test_setup_teardown(lone_events_share_a_group, setup, teardown),
                cmocka_unit_test_setup_teardown(group_ends_before_a_transaction_and_when_full, setup, teardown),
                cmocka_unit_test_setup_teardown(doomed_group_reports_its_failure, setup, teardown),
                cmocka_unit_test_setup_teardown(survives_reopen, setup, teardown),
                cmocka_unit_test_setup_teardown(bad_arguments, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
