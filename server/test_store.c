/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the store (server/store_sqlite*.c, schema.c; with
 * TEAM_TEST_STORE=postgresql server/store_pg*.c, see
 * tests/lib/test_store_backend.h) and the clock's offset file
 * (server/clock_fake.c). */
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
        static const char *const groups[] = { "sre", "x'; DROP TABLE users; --", NULL };
        uint8_t hash[SRV_TOKEN_HASH_LEN];
        struct srv_user u = { .name = (char *)"bob", .groups = (char **)groups, .created_at = 5 };
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

struct worker {
        struct srv_store *s;
        int base;
};

static void *insert_many(void *arg)
{
        struct worker *w = arg;

        for (int i = 0; i < 200; i++) {
                struct srv_audit_record a = { .at = i, .event = (char *)"X", .actor = (char *)"server" };

                if (w->s->ops->begin(w->s) < 0 || w->s->ops->audit_append(w->s, &a) < 0 ||
                    w->s->ops->commit(w->s) < 0)
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
                T(test_pg_webhook_lease),
                T(test_threads),         T(test_clock_offset),     T(test_signer_rotation),
        };
#undef T
        return cmocka_run_group_tests(tests, NULL, NULL);
}
