/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the store (server/store_sqlite*.c, schema.c; with
 * TEAM_TEST_STORE=postgresql server/store_pg*.c, see
 * tests/lib/test_store_backend.h), the hosts' checkpoint records among
 * them, and the clock's offset file (server/clock_fake.c). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "clock_fake.h"
#include "signer.h"
#include "store.h"
#include "store_pg.h"
#include "test_store_backend.h"

struct fixture {
        char dir[64];
        char db[128];
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test_store_XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->db, sizeof(f->db), "%s/team.db", f->dir);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[128];

        test_backend_drop(f->dir);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

static struct srv_store *open_ok(struct fixture *f)
{
        return test_backend_open(f->dir);
}

static void test_reopen_and_mode(void **state)
{
        struct fixture *f = *state;
        static char *groups[] = { "sre", "x'; DROP TABLE users; --", NULL };
        uint8_t hash[SRV_TOKEN_HASH_LEN];
        struct srv_user u = { .name = "bob", .groups = groups, .created_at = 5 };
        struct srv_user got;
        struct srv_store *s = open_ok(f);
        struct stat sb;

        memset(hash, 0xab, sizeof(hash));
        assert_int_equal(srv_store_user_add(s, &u, hash), 0);
        assert_int_equal(srv_store_user_add(s, &u, hash), -EEXIST);
        srv_store_close(s);
        if (!test_backend_is_pg()) {
                assert_int_equal(stat(f->db, &sb), 0);
                assert_int_equal(sb.st_mode & 0777, 0600);
        }
        s = open_ok(f);                      /* migrations are not applied twice */
        assert_int_equal(srv_store_user_by_token(s, hash, &got), 0);
        assert_string_equal(got.name, "bob");
        assert_string_equal(got.groups[0], "sre");
        assert_string_equal(got.groups[1], "x'; DROP TABLE users; --");
        assert_null(got.groups[2]);
        srv_user_clear(&got);
        hash[0] = 0;
        assert_int_equal(srv_store_user_by_token(s, hash, &got), -ENOENT);
        srv_store_close(s);
}

static void test_refusals(void **state)
{
        struct fixture *f = *state;
        struct srv_store *s;
        char err[512], link[160];
        sqlite3 *db;

        if (test_backend_is_pg())
                skip();
        s = open_ok(f);

        srv_store_close(s);
        assert_int_equal(chmod(f->db, 0644), 0);
        assert_int_equal(srv_store_open_sqlite(f->db, &s, err, sizeof(err)), -EPERM);
        assert_non_null(strstr(err, "chmod 600"));
        assert_int_equal(chmod(f->db, 0600), 0);
        snprintf(link, sizeof(link), "%s/link.db", f->dir);
        assert_int_equal(symlink(f->db, link), 0);
        assert_int_equal(srv_store_open_sqlite(link, &s, err, sizeof(err)), -ELOOP);
        assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        assert_int_equal(srv_store_open_sqlite(f->db, &s, err, sizeof(err)), -EPROTO);
        assert_non_null(strstr(err, "newer"));
        assert_null(s);
}

/* Runs one statement on the test's PostgreSQL database. */
static void pg_exec_ok(const char *uri, const char *sql)
{
        PGconn *c = PQconnectdb(uri);
        PGresult *res = PQexec(c, sql);

        if (PQresultStatus(res) != PGRES_COMMAND_OK)
                fail_msg("%s: %s", sql, PQerrorMessage(c));
        PQclear(res);
        PQfinish(c);
}

static void test_pg_refusals(void **state)
{
        struct fixture *f = *state;
        struct srv_store *s = NULL;
        char uri[1024], bad[1200], err[1024], pass[160], shown[256];
        const char *saved = getenv("PGPASSFILE");
        FILE *fp;

        if (!test_backend_is_pg())
                skip();
        s = open_ok(f);
        srv_store_close(s);
        assert_int_equal(test_backend_database(f->dir, uri, sizeof(uri)), 0);
        /* A password in the URI: refused, and not repeated in the message. */
        snprintf(bad, sizeof(bad), "postgresql://team:s3cr3t-pw@%s", strstr(uri, "@") + 1);
        assert_int_equal(srv_store_open_pg(bad, 1, &s, err, sizeof(err)), -EPERM);
        assert_null(strstr(err, "s3cr3t-pw"));
        assert_non_null(strstr(err, "passfile"));
        snprintf(bad, sizeof(bad), "%s&password=s3cr3t-pw", uri);
        assert_int_equal(srv_store_open_pg(bad, 1, &s, err, sizeof(err)), -EPERM);
        assert_null(strstr(err, "s3cr3t-pw"));
        /* A passfile others can read: refused (libpq would only warn). */
        snprintf(pass, sizeof(pass), "%s/pgpass", f->dir);
        fp = fopen(pass, "w");
        assert_non_null(fp);
        fputs("*:*:*:team:nothing\n", fp);
        fclose(fp);
        assert_int_equal(chmod(pass, 0644), 0);
        setenv("PGPASSFILE", pass, 1);
        assert_int_equal(srv_store_open_pg(uri, 1, &s, err, sizeof(err)), -EPERM);
        assert_non_null(strstr(err, "chmod 600"));
        snprintf(bad, sizeof(bad), "%s&passfile=%s", uri, pass);
        if (saved)
                setenv("PGPASSFILE", saved, 1);
        else
                unsetenv("PGPASSFILE");
        assert_int_equal(srv_store_open_pg(bad, 1, &s, err, sizeof(err)), -EPERM);
        /* Unreachable: -ENOTCONN, the URI named without its password. */
        assert_int_equal(srv_store_open_pg("postgresql://team@/x?host=/nonexistent-dir", 1, &s, err, sizeof(err)),
                         -ENOTCONN);
        assert_non_null(strstr(err, "/nonexistent-dir"));
        pg_uri_redact("postgresql://u:pw@h/db?password=pw2&sslmode=require", shown, sizeof(shown));
        assert_string_equal(shown, "postgresql://u:***@h/db?password=***&sslmode=require");
        /* A schema newer than this program: refused. */
        pg_exec_ok(uri, "INSERT INTO team_schema(version) VALUES (999)");
        assert_int_equal(srv_store_open_pg(uri, 1, &s, err, sizeof(err)), -EPROTO);
        assert_non_null(strstr(err, "newer"));
        assert_null(s);
}

static void test_webhook_queue(void **state)
{
        struct fixture *f = *state;
        struct srv_store *s = open_ok(f);
        struct srv_webhook_job j = { .target = (char *)"slack", .event = (char *)"RequestCreated",
                                     .body = (char *)"{\"text\":\"'; --\"}", .created_at = 10, .next_at = 10 };
        struct srv_webhook_job got;
        uint64_t depth = 0;
        int64_t at = 0;

        assert_int_equal(srv_store_webhook_next_at(s, &at), -ENOENT);
        assert_int_equal(srv_store_webhook_enqueue(s, &j), 0);
        assert_true(j.id > 0);
        assert_int_equal(srv_store_webhook_next_due(s, 9, &got), -ENOENT);
        assert_int_equal(srv_store_webhook_next_due(s, 10, &got), 0);
        assert_string_equal(got.body, "{\"text\":\"'; --\"}");
        srv_webhook_job_clear(&got);
        assert_int_equal(srv_store_webhook_retry(s, j.id, 20, 1, "connection refused"), 0);
        assert_int_equal(srv_store_webhook_next_at(s, &at), 0);
        assert_int_equal(at, 20);
        assert_int_equal(srv_store_webhook_depth(s, &depth), 0);
        assert_int_equal(depth, 1);
        srv_store_close(s);
        s = open_ok(f);                      /* durable across a restart */
        assert_int_equal(srv_store_webhook_next_due(s, 20, &got), 0);
        assert_int_equal(got.attempts, 1);
        assert_string_equal(got.last_error, "connection refused");
        assert_int_equal(srv_store_webhook_done(s, got.id), 0);
        srv_webhook_job_clear(&got);
        assert_int_equal(srv_store_webhook_depth(s, &depth), 0);
        assert_int_equal(depth, 0);
        srv_store_close(s);
}

/* Two instances' senders on one queue: a target's head job is leased to
 * one of them; the other sees no job until the lease ends (its holder
 * died) and then takes it over; jobs go out in id order. */
static void test_pg_webhook_lease(void **state)
{
        struct fixture *f = *state;
        struct srv_webhook_job j1 = { .target = (char *)"t", .event = (char *)"E", .body = (char *)"1", .next_at = 1 };
        struct srv_webhook_job j2 = { .target = (char *)"t", .event = (char *)"E", .body = (char *)"2", .next_at = 1 };
        struct srv_webhook_job got;
        struct srv_store *a, *b;
        char uri[1024];

        if (!test_backend_is_pg())
                skip();
        a = open_ok(f);
        b = open_ok(f);
        assert_int_equal(srv_store_webhook_enqueue(a, &j1), 0);
        assert_int_equal(srv_store_webhook_enqueue(b, &j2), 0);
        assert_int_equal(srv_store_webhook_head(a, "t", &got), 0);
        assert_int_equal(got.id, j1.id);
        srv_webhook_job_clear(&got);
        assert_int_equal(srv_store_webhook_head(b, "t", &got), -ENOENT);   /* a holds the head */
        assert_int_equal(srv_store_webhook_head(a, "t", &got), 0);         /* renewed */
        assert_int_equal(got.id, j1.id);
        srv_webhook_job_clear(&got);
        assert_int_equal(srv_store_webhook_done(a, j1.id), 0);
        assert_int_equal(srv_store_webhook_head(b, "t", &got), 0);         /* the next one, to b */
        assert_int_equal(got.id, j2.id);
        srv_webhook_job_clear(&got);
        assert_int_equal(srv_store_webhook_head(a, "t", &got), -ENOENT);
        /* b dies holding it: once the lease has run out, a takes over. */
        srv_store_close(b);
        assert_int_equal(test_backend_database(f->dir, uri, sizeof(uri)), 0);
        pg_exec_ok(uri, "UPDATE webhook_jobs SET lease_until = 0");
        assert_int_equal(srv_store_webhook_head(a, "t", &got), 0);
        assert_int_equal(got.id, j2.id);
        assert_string_equal(got.body, "2");
        srv_webhook_job_clear(&got);
        srv_store_close(a);
}

/* The hosts' checkpoint records: create once, replace, the stale scan,
 * the one-winner stop claim, delete, and removal with the host. */
static void test_checkpoint_rows(void **state)
{
        struct fixture *f = *state;
        struct srv_store *s = open_ok(f);
        uint8_t hash[SRV_TOKEN_HASH_LEN];
        struct srv_host h = { .id = (char *)"web1", .created_at = 1 };
        struct srv_checkpoint c = {
                .host = (char *)"web1", .seq = 42, .head = (char *)"ab12", .time_usec = 1700000000123456,
                .received_at = 100, .host_key = (char *)"KEY'; DROP TABLE hosts; --", .key_at = 90,
                .conflict = (char *)"chain_fork", .conflict_seq = 7, .conflict_head = (char *)"cd34",
                .conflict_key = (char *)"OTHER", .conflict_time_usec = 5, .conflict_at = 95, .conflicts = 2,
        };
        struct srv_checkpoint got, *list = NULL;
        size_t n = 0;

        memset(hash, 0x11, sizeof(hash));
        assert_int_equal(srv_store_host_add(s, &h, hash), 0);
        assert_int_equal(srv_store_checkpoint_get(s, "web1", &got), -ENOENT);
        assert_int_equal(srv_store_checkpoint_put(s, &c, false), -ENOENT);   /* nothing to replace */
        assert_int_equal(srv_store_checkpoint_put(s, &c, true), 0);
        assert_int_equal(srv_store_checkpoint_put(s, &c, true), -EEXIST);    /* another instance was first */
        srv_store_close(s);
        s = open_ok(f);                      /* durable */
        assert_int_equal(srv_store_checkpoint_get(s, "web1", &got), 0);
        assert_int_equal(got.seq, 42);
        assert_string_equal(got.head, "ab12");
        assert_true(got.time_usec == 1700000000123456);
        assert_int_equal(got.received_at, 100);
        assert_string_equal(got.host_key, "KEY'; DROP TABLE hosts; --");
        assert_false(got.key_by_admin);
        assert_int_equal(got.key_at, 90);
        assert_int_equal(got.stop_alerted_at, 0);
        assert_string_equal(got.conflict, "chain_fork");
        assert_int_equal(got.conflict_seq, 7);
        assert_string_equal(got.conflict_head, "cd34");
        assert_string_equal(got.conflict_key, "OTHER");
        assert_int_equal(got.conflict_time_usec, 5);
        assert_int_equal(got.conflict_at, 95);
        assert_int_equal(got.conflicts, 2);
        srv_checkpoint_clear(&got);

        c.seq = 43;
        c.key_by_admin = true;
        c.conflict = c.conflict_head = c.conflict_key = NULL;
        c.conflicts = 0;
        assert_int_equal(srv_store_checkpoint_put(s, &c, false), 0);
        assert_int_equal(srv_store_checkpoint_get(s, "web1", &got), 0);
        assert_int_equal(got.seq, 43);
        assert_true(got.key_by_admin);
        assert_null(got.conflict);
        assert_null(got.conflict_key);
        srv_checkpoint_clear(&got);

        assert_int_equal(srv_store_checkpoint_stale(s, 99, 0, &list, &n), 0);    /* received at 100 */
        assert_int_equal(n, 0);
        srv_checkpoint_list_free(list, n);
        assert_int_equal(srv_store_checkpoint_stale(s, 100, 0, &list, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(list[0].host, "web1");
        srv_checkpoint_list_free(list, n);
        assert_int_equal(srv_store_checkpoint_mark_stopped(s, "web1", 99, 200), -ENOENT);  /* a newer one came */
        assert_int_equal(srv_store_checkpoint_mark_stopped(s, "web1", 100, 200), 0);
        assert_int_equal(srv_store_checkpoint_mark_stopped(s, "web1", 100, 201), -ENOENT); /* raised once */
        assert_int_equal(srv_store_checkpoint_stale(s, 1000, 0, &list, &n), 0);
        assert_int_equal(n, 0);
        srv_checkpoint_list_free(list, n);
        assert_int_equal(srv_store_checkpoint_get(s, "web1", &got), 0);
        assert_int_equal(got.stop_alerted_at, 200);
        srv_checkpoint_clear(&got);

        assert_int_equal(srv_store_checkpoint_delete(s, "web1"), 0);
        assert_int_equal(srv_store_checkpoint_delete(s, "web1"), -ENOENT);
        c.seq = 0;                           /* a key an admin set, no checkpoint yet: never stale */
        c.received_at = 0;
        assert_int_equal(srv_store_checkpoint_put(s, &c, true), 0);
        assert_int_equal(srv_store_checkpoint_stale(s, 1000, 0, &list, &n), 0);
        assert_int_equal(n, 0);
        srv_checkpoint_list_free(list, n);
        assert_int_equal(srv_store_identity_remove(s, true, "web1"), 0);     /* the record goes with the host */
        assert_int_equal(srv_store_checkpoint_get(s, "web1", &got), -ENOENT);
        c.host = (char *)"nosuch";
        assert_true(srv_store_checkpoint_put(s, &c, true) < 0);               /* hosts only */
        srv_store_close(s);
}

/* Two instances sweep the same stale record: one wins the claim. */
static void test_pg_checkpoint_claim(void **state)
{
        struct fixture *f = *state;
        uint8_t hash[SRV_TOKEN_HASH_LEN];
        struct srv_host h = { .id = (char *)"web1", .created_at = 1 };
        struct srv_checkpoint c = { .host = (char *)"web1", .seq = 5, .head = (char *)"ab", .received_at = 10,
                                    .host_key = (char *)"K", .key_at = 10 };
        struct srv_checkpoint *la = NULL, *lb = NULL;
        size_t na = 0, nb = 0;
        struct srv_store *a, *b;
        int ra, rb;

        if (!test_backend_is_pg())
                skip();
        a = open_ok(f);
        b = open_ok(f);
        memset(hash, 0x22, sizeof(hash));
        assert_int_equal(srv_store_host_add(a, &h, hash), 0);
        assert_int_equal(srv_store_checkpoint_put(a, &c, true), 0);
        assert_int_equal(srv_store_checkpoint_put(b, &c, true), -EEXIST);
        assert_int_equal(srv_store_checkpoint_stale(a, 20, 0, &la, &na), 0);
        assert_int_equal(srv_store_checkpoint_stale(b, 20, 0, &lb, &nb), 0);
        assert_int_equal(na, 1);
        assert_int_equal(nb, 1);
        ra = srv_store_checkpoint_mark_stopped(a, la[0].host, la[0].received_at, 30);
        rb = srv_store_checkpoint_mark_stopped(b, lb[0].host, lb[0].received_at, 31);
        assert_true((ra == 0) != (rb == 0));
        assert_true(ra == -ENOENT || rb == -ENOENT);
        srv_checkpoint_list_free(la, na);
        srv_checkpoint_list_free(lb, nb);
        srv_store_close(a);
        srv_store_close(b);
}

struct worker {
        struct srv_store *s;
        int base;
};

static void *insert_many(void *arg)
{
        struct worker *w = arg;

        for (int i = 0; i < 200; i++) {
                struct srv_audit_record a = { .at = i, .event = (char *)"X", .actor = (char *)"server" };

                if (srv_store_begin(w->s) < 0 || srv_store_audit_append(w->s, &a) < 0 ||
                    srv_store_commit(w->s) < 0)
                        return (void *)1;
        }
        return NULL;
}

static void test_threads(void **state)
{
        struct fixture *f = *state;
        struct srv_store *s = open_ok(f);
        struct worker w[4];
        pthread_t t[4];
        struct srv_audit_record *list = NULL;
        size_t n = 0;
        void *ret;

        for (int i = 0; i < 4; i++) {
                w[i] = (struct worker){ s, i };
                assert_int_equal(pthread_create(&t[i], NULL, insert_many, &w[i]), 0);
        }
        for (int i = 0; i < 4; i++) {
                assert_int_equal(pthread_join(t[i], &ret), 0);
                assert_null(ret);
        }
        assert_int_equal(srv_store_audit_list(s, NULL, &list, &n), 0);
        assert_int_equal(n, 800);
        srv_audit_list_free(list, n);
        srv_store_close(s);
}

static void test_clock_offset(void **state)
{
        struct fixture *f = *state;
        char path[160];
        int64_t real, shifted;
        FILE *fp;

        snprintf(path, sizeof(path), "%s/offset", f->dir);
        srv_clock_set_fixed(0);
        setenv("TEAM_SERVER_CLOCK_OFFSET_FILE", path, 1);
        real = srv_now();                        /* missing file: offset 0 */
        fp = fopen(path, "w");
        assert_non_null(fp);
        fputs("3600\n", fp);
        fclose(fp);
        shifted = srv_now();
        assert_true(shifted - real >= 3600 && shifted - real <= 3602);
        fp = fopen(path, "w");
        fputs("-60", fp);
        fclose(fp);
        shifted = srv_now();
        assert_true(real - shifted >= 58 && real - shifted <= 60);
        fp = fopen(path, "w");
        fputs("soon", fp);
        fclose(fp);
        assert_true(srv_now() - real <= 2);      /* malformed: offset 0 */
        srv_clock_set_fixed(42);
        assert_int_equal(srv_now(), 42);
        srv_clock_set_fixed(0);
        unsetenv("TEAM_SERVER_CLOCK_OFFSET_FILE");
}

static void make_key(const char *dir, const char *kid, time_t mtime)
{
        char path[200], pub[200];
        struct timeval tv[2] = { { mtime, 0 }, { mtime, 0 } };
        EVP_PKEY *key = NULL;

        snprintf(path, sizeof(path), "%s/keys/%s.pem", dir, kid);
        snprintf(pub, sizeof(pub), "%s/%s.pub", dir, kid);
        assert_int_equal(team_key_generate(&key), 0);
        assert_int_equal(team_key_write_pem(key, path, pub), 0);
        EVP_PKEY_free(key);
        assert_int_equal(utimes(path, tv), 0);
}

static void test_signer_rotation(void **state)
{
        struct fixture *f = *state;
        const struct srv_public_key *keys;
        struct srv_signer *sg = NULL;
        char dir[160], err[512], link[200], target[200];
        size_t n = 0;

        snprintf(dir, sizeof(dir), "%s/keys", f->dir);
        assert_int_equal(mkdir(dir, 0700), 0);
        assert_int_equal(srv_signer_load(dir, &sg, err, sizeof(err)), -ENOENT);
        make_key(f->dir, "2026-b", 1000);
        make_key(f->dir, "2026-a", 2000);       /* newer file: signs */
        assert_int_equal(srv_signer_load(dir, &sg, err, sizeof(err)), 0);
        assert_string_equal(srv_signer_current_kid(sg), "2026-a");
        keys = signer_public_keys(sg, &n);
        assert_int_equal(n, 2);
        assert_string_equal(keys[0].kid, "2026-a");
        assert_string_equal(keys[1].kid, "2026-b");
        assert_non_null(strstr(keys[0].pem, "BEGIN PUBLIC KEY"));
        srv_signer_free(sg);
        make_key(f->dir, "2026-c", 2000);       /* same time: the later kid */
        assert_int_equal(srv_signer_load(dir, &sg, err, sizeof(err)), 0);
        assert_string_equal(srv_signer_current_kid(sg), "2026-c");
        srv_signer_free(sg);
        snprintf(link, sizeof(link), "%s/evil.pem", dir);
        snprintf(target, sizeof(target), "%s/2026-a.pem", dir);
        assert_int_equal(symlink(target, link), 0);     /* symlinks are not keys */
        assert_int_equal(srv_signer_load(dir, &sg, err, sizeof(err)), 0);
        signer_public_keys(sg, &n);
        assert_int_equal(n, 3);
        srv_signer_free(sg);
        unlink(link);
        assert_int_equal(chmod(target, 0640), 0);       /* group-readable private key */
        assert_int_equal(srv_signer_load(dir, &sg, err, sizeof(err)), -EPERM);
        assert_non_null(strstr(err, "2026-a.pem"));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        const struct CMUnitTest tests[] = {
                T(test_reopen_and_mode), T(test_refusals), T(test_pg_refusals), T(test_webhook_queue),
                T(test_pg_webhook_lease), T(test_checkpoint_rows), T(test_pg_checkpoint_claim),
                T(test_threads),         T(test_clock_offset),     T(test_signer_rotation),
        };
#undef T
        return cmocka_run_group_tests(tests, NULL, NULL);
}
