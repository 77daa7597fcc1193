/* SPDX-License-Identifier: BSD-3-Clause */
/* The webhook queue against a real sqlite store and an in-process HTTP
 * receiver (libmicrohttpd): jobs of one webhook go out strictly in order
 * even when the first is retried; a webhook that fails is independent of
 * another; max_attempts keeps a failed job (never deleted); bad
 * configuration is refused without echoing the URL. */
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <microhttpd.h>

#include "server/server_config.h"
#include "server/store.h"
#include "server/webhook.h"
#include "server/webhook_format.h"

#define MAX_SEEN 32
#define BODY_MAX 8192

/* ---- the receiver ---- */

struct receiver {
        struct MHD_Daemon *d;
        uint16_t port;
        pthread_mutex_t lock;
        int fail_next;                /* answer 500 to this many POSTs */
        int posts;                    /* all POSTs, failed ones included */
        char *seen[MAX_SEEN];         /* reason of each 2xx-answered body, in order */
        int n_seen;
};

struct upload {
        char buf[BODY_MAX];
        size_t len;
};

static const char *reason_of(const char *body)
{
        static __thread char out[128];
        struct json_object *o = json_tokener_parse(body), *req, *r;

        snprintf(out, sizeof(out), "?");
        if (o && json_object_object_get_ex(o, "request", &req) && json_object_object_get_ex(req, "reason", &r))
                snprintf(out, sizeof(out), "%s", json_object_get_string(r));
        json_object_put(o);
        return out;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *data, size_t *size, void **con_cls)
{
        struct receiver *rx = cls;
        struct upload *u = *con_cls;
        struct MHD_Response *resp;
        enum MHD_Result ret;
        unsigned code = 200;

        (void)url; (void)method; (void)version;
        if (!u) {
                u = calloc(1, sizeof(*u));
                *con_cls = u;
                return u ? MHD_YES : MHD_NO;
        }
        if (*size) {
                size_t n = *size < BODY_MAX - 1 - u->len ? *size : BODY_MAX - 1 - u->len;

                memcpy(u->buf + u->len, data, n);
                u->len += n;
                *size = 0;
                return MHD_YES;
        }
        u->buf[u->len] = '\0';
        pthread_mutex_lock(&rx->lock);
        rx->posts++;
        if (rx->fail_next > 0) {
                rx->fail_next--;
                code = 500;
        } else if (rx->n_seen < MAX_SEEN) {
                rx->seen[rx->n_seen++] = strdup(reason_of(u->buf));
        }
        pthread_mutex_unlock(&rx->lock);
        resp = MHD_create_response_from_buffer(2, (void *)"{}", MHD_RESPMEM_PERSISTENT);
        ret = MHD_queue_response(c, code, resp);
        MHD_destroy_response(resp);
        return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
        (void)cls; (void)c; (void)t;
        free(*con_cls);
        *con_cls = NULL;
}

static void receiver_start(struct receiver *rx)
{
        const union MHD_DaemonInfo *info;

        memset(rx, 0, sizeof(*rx));
        pthread_mutex_init(&rx->lock, NULL);
        rx->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, rx,
                                 MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
        assert_non_null(rx->d);
        info = MHD_get_daemon_info(rx->d, MHD_DAEMON_INFO_BIND_PORT);
        assert_non_null(info);
        rx->port = info->port;
}

static void receiver_stop(struct receiver *rx)
{
        int i;

        MHD_stop_daemon(rx->d);
        for (i = 0; i < rx->n_seen; i++)
                free(rx->seen[i]);
        pthread_mutex_destroy(&rx->lock);
}

static int receiver_seen(struct receiver *rx)
{
        int n;

        pthread_mutex_lock(&rx->lock);
        n = rx->n_seen;
        pthread_mutex_unlock(&rx->lock);
        return n;
}

static bool wait_seen(struct receiver *rx, int n, int seconds)
{
        int i;

        for (i = 0; i < seconds * 20; i++) {
                if (receiver_seen(rx) >= n)
                        return true;
                usleep(50 * 1000);
        }
        return false;
}

/* A loopback port with nobody listening. */
static uint16_t closed_port(void)
{
        struct receiver rx;
        uint16_t p;

        receiver_start(&rx);
        p = rx.port;
        receiver_stop(&rx);
        return p;
}

/* ---- fixture ---- */

struct fixture {
        char dir[64];
        char db[128];
        struct srv_store *store;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        char err[256];

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test_webhook_queue_XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->db, sizeof(f->db), "%s/team.db", f->dir);
        assert_int_equal(srv_store_open_sqlite(f->db, &f->store, err, sizeof(err)), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char path[192];

        srv_store_close(f->store);
        snprintf(path, sizeof(path), "%s/team.db-wal", f->dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/team.db-shm", f->dir);
        unlink(path);
        unlink(f->db);
        rmdir(f->dir);
        free(f);
        return 0;
}

static int enqueue(struct webhook *w, const char *reason)
{
        struct json_object *req = json_object_new_object();
        struct webhook_event ev = { .type = WEBHOOK_EVENT_CREATED, .actor = "alice", .at = 1, .request = req };
        int r;

        json_object_object_add(req, "id", json_object_new_string("r_0000000000000001"));
        json_object_object_add(req, "reason", json_object_new_string(reason));
        r = webhook_enqueue(w, &ev);
        json_object_put(req);
        return r;
}

static uint64_t depth(struct fixture *f)
{
        uint64_t n = 0;

        assert_int_equal(srv_store_webhook_depth(f->store, &n), 0);
        return n;
}

/* ---- tests ---- */

static void test_order_under_retry(void **state)
{
        struct fixture *f = *state;
        struct receiver rx;
        struct webhook *w = NULL;
        char url[64], err[256];
        struct webhook_config cfg = { .name = (char *)"hook", .url = url, .format = (char *)"json" };
        time_t t0;

        receiver_start(&rx);
        rx.fail_next = 2;             /* the first job fails twice (~1 + ~2 s of backoff) */
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", rx.port);
        assert_int_equal(webhook_start(f->store, NULL, &cfg, 1, NULL, &w, err, sizeof(err)), 0);
        t0 = time(NULL);
        assert_int_equal(enqueue(w, "one"), 0);
        assert_int_equal(enqueue(w, "two"), 0);
        assert_int_equal(enqueue(w, "three"), 0);
        assert_true(time(NULL) - t0 <= 1); /* enqueue never waits for the network */
        assert_true(wait_seen(&rx, 3, 15));
        assert_string_equal(rx.seen[0], "one");
        assert_string_equal(rx.seen[1], "two");
        assert_string_equal(rx.seen[2], "three");
        assert_int_equal(rx.posts, 5);
        usleep(200 * 1000);
        assert_int_equal(depth(f), 0);
        webhook_stop(w);
        receiver_stop(&rx);
}

static void test_targets_independent_and_give_up(void **state)
{
        struct fixture *f = *state;
        struct receiver rx;
        struct webhook *w = NULL;
        char good[64], bad[64], err[256];
        struct webhook_config cfg[2] = {
                { .name = (char *)"good", .url = good, .format = (char *)"slack" },
                { .name = (char *)"bad", .url = bad, .format = (char *)"teams" },
        };
        struct webhook_options opts = { .max_attempts = 2 };
        struct srv_webhook_job job;
        int64_t next_at = 0;
        int i;

        receiver_start(&rx);
        snprintf(good, sizeof(good), "http://127.0.0.1:%u/good", rx.port);
        snprintf(bad, sizeof(bad), "http://127.0.0.1:%u/bad", closed_port());
        assert_int_equal(webhook_start(f->store, NULL, cfg, 2, &opts, &w, err, sizeof(err)), 0);
        assert_int_equal(enqueue(w, "a"), 0);
        assert_int_equal(enqueue(w, "b"), 0);
        /* the good webhook does not wait for the bad one */
        assert_true(wait_seen(&rx, 2, 5));
        /* the bad one gives up after 2 attempts (~1 s apart): both kept */
        for (i = 0; i < 100 && srv_store_webhook_head(f->store, "bad", &job) == 0; i++) {
                srv_webhook_job_clear(&job);
                usleep(100 * 1000);
        }
        assert_int_equal(srv_store_webhook_head(f->store, "bad", &job), -ENOENT);
        assert_int_equal(depth(f), 2);
        assert_int_equal(srv_store_webhook_next_at(f->store, &next_at), 0);
        assert_true(next_at == SRV_WEBHOOK_GAVE_UP);
        assert_int_equal(srv_store_webhook_next_due(f->store, INT64_MAX - 1, &job), -ENOENT);
        webhook_stop(w);
        receiver_stop(&rx);
}

static void test_survives_restart(void **state)
{
        struct fixture *f = *state;
        struct receiver rx;
        struct webhook *w = NULL;
        char url[64], err[256];
        struct webhook_config cfg = { .name = (char *)"hook", .url = url, .format = (char *)"json" };

        /* queued while nobody listens, sender stopped */
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", closed_port());
        assert_int_equal(webhook_start(f->store, NULL, &cfg, 1, NULL, &w, err, sizeof(err)), 0);
        assert_int_equal(enqueue(w, "kept"), 0);
        webhook_stop(w);
        assert_int_equal(depth(f), 1);
        /* a new sender (same name, new URL) delivers it */
        receiver_start(&rx);
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", rx.port);
        assert_int_equal(webhook_start(f->store, NULL, &cfg, 1, NULL, &w, err, sizeof(err)), 0);
        assert_true(wait_seen(&rx, 1, 10));
        assert_string_equal(rx.seen[0], "kept");
        webhook_stop(w);
        receiver_stop(&rx);
}

static void test_bad_config(void **state)
{
        struct fixture *f = *state;
        struct webhook *w = (struct webhook *)1;
        char err[256];
        struct webhook_config cfg[2] = {
                { .name = (char *)"a", .url = (char *)"ftp://127.0.0.1/SECRETPATH", .format = (char *)"json" },
                { .name = (char *)"a", .url = (char *)"http://127.0.0.1/x", .format = (char *)"json" },
        };

        assert_int_equal(webhook_start(f->store, NULL, cfg, 1, NULL, &w, err, sizeof(err)), -EINVAL);
        assert_null(w);
        assert_null(strstr(err, "SECRETPATH"));
        assert_non_null(strstr(err, "webhook a"));
        cfg[0].url = (char *)"not a url SECRETPATH";
        assert_int_equal(webhook_start(f->store, NULL, cfg, 1, NULL, &w, err, sizeof(err)), -EINVAL);
        assert_null(strstr(err, "SECRETPATH"));
        cfg[0].url = (char *)"https://hooks.example/SECRETPATH";
        cfg[0].format = (char *)"xml";
        assert_int_equal(webhook_start(f->store, NULL, cfg, 1, NULL, &w, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "format"));
        cfg[0].format = (char *)"slack";
        assert_int_equal(webhook_start(f->store, NULL, cfg, 2, NULL, &w, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "twice"));
        /* none configured: a valid, idle handle; enqueue is a no-op */
        assert_int_equal(webhook_start(f->store, NULL, NULL, 0, NULL, &w, err, sizeof(err)), 0);
        assert_non_null(w);
        assert_int_equal(enqueue(w, "nowhere"), 0);
        assert_int_equal(depth(f), 0);
        webhook_stop(w);
        webhook_stop(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_order_under_retry, setup, teardown),
                cmocka_unit_test_setup_teardown(test_targets_independent_and_give_up, setup, teardown),
                cmocka_unit_test_setup_teardown(test_survives_restart, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_config, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
