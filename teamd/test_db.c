/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the sqlite grant store against a temporary file. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "db.h"
#include "db_private.h"

#define NOW INT64_C(1800000000)

struct fixture {
        char dir[64];
        char path[128];
        struct teamd_db *s;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        char err[256] = "";

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test_db.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof(f->path), "%s/grants.db", f->dir);
        assert_int_equal(teamd_db_open(f->dir, 3, &f->s, err, sizeof(err)), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char p[160];

        teamd_db_close(f->s);
        unlink(f->path);
        snprintf(p, sizeof(p), "%s-wal", f->path);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", f->path);
        unlink(p);
        rmdir(f->dir);
        free(f);
        return 0;
}

static const char *aud1[] = { "h1" };
static const char *aud2[] = { "h1", "web" };

static struct team_grant grant(const char *jti, const char *sub, int64_t nbf, int64_t exp)
{
        return (struct team_grant){
                .kid = "k1", .jti = jti, .sub = sub, .aud = aud2, .n_aud = 2,
                .role = "sudo", .nbf = nbf, .exp = exp, .iat = nbf, .req = "r1",
                .rsn = "INC-1",
        };
}

static void creates_private_file_with_schema(void **state)
{
        struct fixture *f = *state;
        struct stat st;
        sqlite3 *db;
        sqlite3_stmt *q;

        assert_int_equal(stat(f->path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(q, 0), 8); /* migrations: schema, sync, audit outbox, tombstones, held sessions, break-glass sessions, audit chain, chain head in the rows */
        sqlite3_finalize(q);
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
        sqlite3_finalize(q);
        sqlite3_close(db);
}

static void reopen_keeps_rows(void **state)
{
        struct fixture *f = *state;
        struct team_grant g = grant("g1", "alice", NOW - 10, NOW + 100);
        struct grant_row *rows;
        size_t n;
        char err[256];

        assert_int_equal(db_grant_add(f->s, &g, "jws-1", NOW), 0);
        teamd_db_close(f->s);
        assert_int_equal(teamd_db_open(f->dir, 3, &f->s, err, sizeof(err)), 0);
        assert_int_equal(db_grant_find(f->s, "alice", "sudo", NOW, &rows, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(rows[0].id, "g1");
        assert_int_equal(rows[0].n_aud, 2);
        assert_string_equal(rows[0].aud[1], "web");
        assert_string_equal(rows[0].rsn, "INC-1");
        assert_int_equal(rows[0].exp, NOW + 100);
        grant_rows_free(rows, n);
}

static void duplicate_jti(void **state)
{
        struct fixture *f = *state;
        struct team_grant g = grant("g1", "alice", NOW - 10, NOW + 100);

        g.aud = aud1;
        g.n_aud = 1;
        assert_int_equal(db_grant_add(f->s, &g, "jws-1", NOW), 0);
        assert_int_equal(db_grant_add(f->s, &g, "jws-1", NOW), 1);
        assert_int_equal(db_grant_add(f->s, &g, "jws-other", NOW), -EEXIST);
}

static void find_keeps_recently_expired_and_purge_drops_old(void **state)
{
        struct fixture *f = *state;
        struct team_grant recent = grant("recent", "alice", NOW - 7200, NOW - 3600);
        struct team_grant old = grant("old", "alice", NOW - 200000, NOW - GRANT_STORE_KEEP_EXPIRED - 1);
        struct grant_row *rows;
        size_t n;
        uint64_t purged = 0, count = 9;

        assert_int_equal(db_grant_add(f->s, &recent, "a", NOW), 0);
        assert_int_equal(db_grant_add(f->s, &old, "b", NOW), 0);
        assert_int_equal(db_grant_find(f->s, "alice", "sudo", NOW, &rows, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(rows[0].id, "recent");
        grant_rows_free(rows, n);
        assert_int_equal(db_grant_count_current(f->s, NOW, &count), 0);
        assert_int_equal(count, 0);
        assert_int_equal(db_grant_purge(f->s, NOW, &purged), 0);
        assert_int_equal(purged, 1);
        assert_int_equal(db_grant_list_ended(f->s, NOW - 4000, NOW, &rows, &n), 0);
        assert_int_equal(n, 1);
        grant_rows_free(rows, n);
}

static void cap_is_enforced_after_purging(void **state)
{
        struct fixture *f = *state;
        struct team_grant g1 = grant("c1", "alice", NOW, NOW + 10);
        struct team_grant g2 = grant("c2", "alice", NOW, NOW + 10);
        struct team_grant g3 = grant("c3", "bob", NOW, NOW + 10);
        struct team_grant g4 = grant("c4", "bob", NOW, NOW + 10);
        struct grant_row *rows;
        size_t n;

        assert_int_equal(db_grant_add(f->s, &g1, "1", NOW), 0);
        assert_int_equal(db_grant_add(f->s, &g2, "2", NOW), 0);
        assert_int_equal(db_grant_add(f->s, &g3, "3", NOW), 0);
        assert_int_equal(db_grant_add(f->s, &g4, "4", NOW), -EDQUOT);
        {
                int64_t next = -1;
                assert_int_equal(db_grant_next_exp(f->s, NOW, &next), 0);
                assert_int_equal(next, NOW + 10);
                assert_int_equal(db_grant_next_exp(f->s, NOW + 10, &next), 0);
                assert_int_equal(next, 0);
        }
        /* A day and more later the first three are purged to make room. */
        assert_int_equal(db_grant_add(f->s, &g4, "4", NOW + GRANT_STORE_KEEP_EXPIRED + 100), 0);
        assert_int_equal(db_grant_list_user(f->s, "bob", NOW, 10, &rows, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(rows[0].id, "c4");
        grant_rows_free(rows, n);
}

static void sessions_open_and_close_once(void **state)
{
        struct fixture *f = *state;
        struct session_info info = {
                .grant_id = "g1", .user = "alice", .role = "sudo", .service = "sudo", .tty = "/dev/pts/1", .pid = 42,
        };
        struct session_row row;
        char *id = NULL;

        assert_int_equal(db_session_open(f->s, &info, NOW, &id), 0);
        assert_int_equal(strlen(id), 32);
        assert_int_equal(db_session_close(f->s, id, NOW + 5, &row), 0);
        assert_string_equal(row.user, "alice");
        assert_string_equal(row.grant_id, "g1");
        assert_null(row.rhost);
        assert_int_equal(row.pid, 42);
        assert_int_equal(row.closed_at - row.opened_at, 5);
        session_row_clear(&row);
        assert_int_equal(db_session_close(f->s, id, NOW + 6, &row), -EALREADY);
        session_row_clear(&row);
        assert_int_equal(db_session_close(f->s, "nope", NOW, &row), -ENOENT);
        free(id);
}

/* How a session is held, its move to another grant, its end by teamd. */
static void sessions_held_moved_ended(void **state)
{
        struct fixture *f = *state;
        struct session_info info = { .grant_id = "g1", .user = "alice", .role = "sudo", .service = "sudo", .pid = 42 };
        struct session_hold_info h = { .hold = "cgroup", .leader_start = 777, .cgroup = "/sys/fs/cgroup/x", .exp = NOW + 60 };
        struct session_row *rows = NULL, row;
        size_t n = 0;
        char *id = NULL, *id2 = NULL;

        assert_int_equal(db_session_open(f->s, &info, NOW, &id), 0);
        assert_int_equal(db_session_open(f->s, &info, NOW + 1, &id2), 0);
        assert_int_equal(db_session_set_hold(f->s, id, &h), 0);
        assert_int_equal(db_session_set_warned(f->s, id, 60), 0);
        assert_int_equal(db_session_list_open(f->s, NULL, 10, &rows, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(rows[0].id, id);
        assert_string_equal(rows[0].hold, "cgroup");
        assert_int_equal(rows[0].leader_start, 777);
        assert_int_equal(rows[0].exp, NOW + 60);
        assert_int_equal(rows[0].warned, 60);
        assert_null(rows[1].hold);
        session_rows_free(rows, n);
        assert_int_equal(db_session_list_open(f->s, "bob", 10, &rows, &n), 0);
        assert_int_equal(n, 0);
        session_rows_free(rows, n);
        assert_int_equal(db_session_move(f->s, id, "g2", NOW + 3600), 0);
        assert_int_equal(db_session_get(f->s, id, &row), 0);
        assert_string_equal(row.grant_id, "g2");
        assert_int_equal(row.exp, NOW + 3600);
        assert_int_equal(row.warned, 0);
        session_row_clear(&row);
        assert_int_equal(db_session_end(f->s, id, NOW + 9, "grant revoked"), 0);
        assert_int_equal(db_session_end(f->s, id, NOW + 9, "grant revoked"), -ENOENT);
        assert_int_equal(db_session_move(f->s, id, "g3", NOW), -ENOENT);
        assert_int_equal(db_session_list_open(f->s, NULL, 10, &rows, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(rows[0].id, id2);
        session_rows_free(rows, n);
        assert_int_equal(db_session_get(f->s, id, &row), 0);
        assert_string_equal(row.end_reason, "grant revoked");
        assert_int_equal(row.closed_at, NOW + 9);
        session_row_clear(&row);
        free(id);
        free(id2);
}

/* 10,000 open sessions: listed in bounded slices, counted, one user's
 * found among them. */
static void many_open_sessions(void **state)
{
        struct fixture *f = *state;
        struct session_info info = { .grant_id = "g1", .user = "alice", .role = "sudo", .service = "sudo", .pid = 42 };
        struct session_row *rows = NULL;
        uint64_t total = 0;
        size_t n = 0;
        char *id = NULL;

        for (int i = 0; i < 10000; i++) {
                info.user = i == 5000 ? "bob" : "alice";
                assert_int_equal(db_session_open(f->s, &info, NOW + i, &id), 0);
                free(id);
        }
        assert_int_equal(db_session_count_open(f->s, &total), 0);
        assert_int_equal(total, 10000);
        assert_int_equal(db_session_list_open(f->s, NULL, 64, &rows, &n), 0);
        assert_int_equal(n, 64);
        assert_int_equal(rows[0].opened_at, NOW);
        session_rows_free(rows, n);
        assert_int_equal(db_session_list_open(f->s, NULL, 20000, &rows, &n), 0);
        assert_int_equal(n, 10000);
        session_rows_free(rows, n);
        assert_int_equal(db_session_list_open(f->s, "bob", 64, &rows, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(rows[0].opened_at, NOW + 5000);
        session_rows_free(rows, n);
}

static void refuses_symlinked_database(void **state)
{
        struct fixture *f = *state;
        struct teamd_db *s = NULL;
        char dir[64], link_path[128], err[256] = "";

        snprintf(dir, sizeof(dir), "/tmp/test_db.XXXXXX");
        assert_non_null(mkdtemp(dir));
        snprintf(link_path, sizeof(link_path), "%s/grants.db", dir);
        assert_int_equal(symlink(f->path, link_path), 0);
        assert_true(teamd_db_open(dir, 3, &s, err, sizeof(err)) < 0);
        assert_null(s);
        unlink(link_path);
        rmdir(dir);
}

static void refuses_writable_state_dir(void **state)
{
        struct teamd_db *s = NULL;
        char dir[64], err[256] = "";

        snprintf(dir, sizeof(dir), "/tmp/test_db.XXXXXX");
        assert_non_null(mkdtemp(dir));
        assert_int_equal(chmod(dir, 0777), 0);
        assert_int_equal(teamd_db_open(dir, 3, &s, err, sizeof(err)), -EPERM);
        assert_non_null(strstr(err, "chmod 0700"));
        rmdir(dir);
}

/* A full disk is not a full store: -ENOSPC for the one, -EDQUOT for the
 * other (max_grants), so that nobody is told to raise max_grants when the
 * disk needs space. sqlite's max_page_count stands in for the disk. */
static void full_disk_is_not_max_grants(void **state)
{
        struct fixture *f = *state;
        struct team_grant g1 = grant("d1", "alice", NOW, NOW + 10);
        struct team_grant g2 = grant("d2", "alice", NOW, NOW + 10);
        char big[8192];

        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(db_grant_add(f->s, &g1, "1", NOW), 0);
        /* No page beyond the ones in use. */
        assert_int_equal(sqlite3_exec(f->s->db, "PRAGMA max_page_count = 1", NULL, NULL, NULL), SQLITE_OK);
        assert_int_equal(db_grant_add(f->s, &g2, big, NOW), -ENOSPC);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(creates_private_file_with_schema, setup, teardown),
                cmocka_unit_test_setup_teardown(reopen_keeps_rows, setup, teardown),
                cmocka_unit_test_setup_teardown(duplicate_jti, setup, teardown),
                cmocka_unit_test_setup_teardown(find_keeps_recently_expired_and_purge_drops_old, setup, teardown),
                cmocka_unit_test_setup_teardown(cap_is_enforced_after_purging, setup, teardown),
                cmocka_unit_test_setup_teardown(sessions_open_and_close_once, setup, teardown),
                cmocka_unit_test_setup_teardown(sessions_held_moved_ended, setup, teardown),
                cmocka_unit_test_setup_teardown(many_open_sessions, setup, teardown),
                cmocka_unit_test_setup_teardown(refuses_symlinked_database, setup, teardown),
                cmocka_unit_test(refuses_writable_state_dir),
                cmocka_unit_test_setup_teardown(full_disk_is_not_max_grants, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
