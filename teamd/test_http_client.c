/* SPDX-License-Identifier: BSD-3-Clause */
/* teamd/http_client.c against a scripted loopback server (a thread): the
 * answer and its body, the bearer header, the callback never runs inside
 * http_request_start, the response cap (with and without Content-Length),
 * the total timeout, the low-speed cut-off (slow loris), connection
 * refused, POST bodies, cancel, and freeing the client with requests in
 * flight (no callback; ASan sees no leak). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "teamd/http_client.h"

enum script { S_OK, S_BIG_LENGTH, S_BIG_CHUNKED, S_HANG, S_LORIS };

struct server {
        int fd;
        uint16_t port;
        pthread_t th;
        _Atomic int script;
        atomic_bool stop;
        char last_request[8192];
        pthread_mutex_t lock;
};

static struct server srv;

static void send_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
                if (n <= 0)
                        return;
                buf += n;
                len -= (size_t)n;
        }
}

/* Reads the request head and a Content-Length body. */
static void read_request(int fd, char *buf, size_t cap)
{
        size_t len = 0;
        long body = -1;
        char *end = NULL;

        while (len + 1 < cap) {
                ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
                if (n <= 0)
                        break;
                len += (size_t)n;
                buf[len] = '\0';
                if (!end && (end = strstr(buf, "\r\n\r\n"))) {
                        const char *cl = strcasestr(buf, "Content-Length:");
                        body = cl ? strtol(cl + 15, NULL, 10) : 0;
                }
                if (end && (size_t)(end + 4 - buf) + (size_t)body <= len)
                        break;
        }
        buf[len] = '\0';
}

static void answer(int fd)
{
        static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
        char chunk[4096];

        memset(chunk, 'x', sizeof(chunk));
        switch (atomic_load(&srv.script)) {
        case S_OK:
                send_all(fd, ok, sizeof(ok) - 1);
                break;
        case S_BIG_LENGTH: {
                static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
                send_all(fd, head, sizeof(head) - 1);
                for (int i = 0; i < 25; i++)
                        send_all(fd, chunk, sizeof(chunk));
                break;
        }
        case S_BIG_CHUNKED: {
                static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
                send_all(fd, head, sizeof(head) - 1);
                for (int i = 0; i < 25; i++) {
                        send_all(fd, "1000\r\n", 6);
                        send_all(fd, chunk, sizeof(chunk));
                        send_all(fd, "\r\n", 2);
                }
                send_all(fd, "0\r\n\r\n", 5);
                break;
        }
        case S_HANG:
                while (!atomic_load(&srv.stop) && recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT) != 0)
                        usleep(10000);
                break;
        case S_LORIS: {
                static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
                send_all(fd, head, sizeof(head) - 1);
                for (int i = 0; i < 100 && !atomic_load(&srv.stop); i++) {
                        if (send(fd, " ", 1, MSG_NOSIGNAL) != 1)
                                break;
                        usleep(1500000);
                }
                break;
        }
        }
}

static void *serve(void *arg)
{
        (void)arg;
        while (!atomic_load(&srv.stop)) {
                char req[8192];
                int c = accept(srv.fd, NULL, NULL);
                if (c < 0)
                        continue;
                read_request(c, req, sizeof(req));
                pthread_mutex_lock(&srv.lock);
                memcpy(srv.last_request, req, sizeof(req));
                pthread_mutex_unlock(&srv.lock);
                answer(c);
                close(c);
        }
        return NULL;
}

static int server_setup(void **state)
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t alen = sizeof(a);
        struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };

        (void)state;
        srv.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (srv.fd < 0 || bind(srv.fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(srv.fd, 16) < 0 ||
            getsockname(srv.fd, (struct sockaddr *)&a, &alen) < 0)
                return -1;
        /* accept() wakes now and then to see stop. */
        setsockopt(srv.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        srv.port = ntohs(a.sin_port);
        pthread_mutex_init(&srv.lock, NULL);
        atomic_init(&srv.stop, false);
        atomic_init(&srv.script, S_OK);
        curl_global_init(CURL_GLOBAL_DEFAULT);
        return pthread_create(&srv.th, NULL, serve, NULL) == 0 ? 0 : -1;
}

static int server_teardown(void **state)
{
        (void)state;
        atomic_store(&srv.stop, true);
        pthread_join(srv.th, NULL);
        close(srv.fd);
        curl_global_cleanup();
        return 0;
}

struct result {
        bool done;
        int err;
        long status;
        char body[64];
        size_t len;
        sd_event *event;
};

static void on_done(const struct http_result *res, void *userdata)
{
        struct result *r = userdata;

        r->done = true;
        r->err = res->err;
        r->status = res->status;
        r->len = res->len;
        snprintf(r->body, sizeof(r->body), "%s", res->body);
        sd_event_exit(r->event, 0);
}

static uint64_t mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Runs one request to completion (or until the 10 s guard). */
static struct result run(int script, struct http_options *o)
{
        struct result r = { 0 };
        struct http_client *c = NULL;
        char url[64];
        sd_event_source *guard = NULL;

        atomic_store(&srv.script, script);
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", srv.port);
        if (!o->url)
                o->url = url;
        assert_int_equal(sd_event_new(&r.event), 0);
        assert_int_equal(http_client_new(r.event, NULL, &c), 0);
        assert_int_equal(sd_event_add_time_relative(r.event, &guard, CLOCK_MONOTONIC, 10 * 1000000ULL, 0, NULL,
                                                    (void *)(intptr_t)1),
                         0);
        assert_int_equal(http_request_start(c, o, on_done, &r, NULL), 0);
        assert_false(r.done); /* never from inside http_request_start */
        assert_int_equal(http_client_in_flight(c), 1);
        sd_event_loop(r.event);
        assert_int_equal(http_client_in_flight(c), 0);
        http_client_free(c);
        sd_event_source_unref(guard);
        sd_event_unref(r.event);
        r.event = NULL;
        return r;
}

static void test_ok_and_bearer(void **state)
{
        struct http_options o = { .bearer_token = "tm_secret", .headers = (const char *const[]){ "X-A: b", NULL } };
        struct result r;

        (void)state;
        r = run(S_OK, &o);
        assert_true(r.done);
        assert_int_equal(r.err, 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "hello");
        assert_int_equal(r.len, 5);
        pthread_mutex_lock(&srv.lock);
        assert_non_null(strstr(srv.last_request, "GET /x HTTP/1.1\r\n"));
        assert_non_null(strstr(srv.last_request, "\r\nAuthorization: Bearer tm_secret\r\n"));
        assert_non_null(strstr(srv.last_request, "\r\nX-A: b\r\n"));
        pthread_mutex_unlock(&srv.lock);
}

static void test_post_body(void **state)
{
        struct http_options o = { .body = "{\"a\":1}", .body_len = 7 };
        struct result r;

        (void)state;
        r = run(S_OK, &o);
        assert_int_equal(r.err, 0);
        pthread_mutex_lock(&srv.lock);
        assert_non_null(strstr(srv.last_request, "POST /x HTTP/1.1\r\n"));
        assert_non_null(strstr(srv.last_request, "\r\n\r\n{\"a\":1}"));
        pthread_mutex_unlock(&srv.lock);
}

static void test_cap(void **state)
{
        struct http_options o = { .max_response = 10000 };
        struct http_options o2 = { .max_response = 10000 };
        struct result r;

        (void)state;
        r = run(S_BIG_LENGTH, &o);
        assert_int_equal(r.err, -EFBIG);
        assert_int_equal(r.len, 0);
        r = run(S_BIG_CHUNKED, &o2);
        assert_int_equal(r.err, -EFBIG);
}

static void test_timeout(void **state)
{
        struct http_options o = { .timeout_ms = 300 };
        uint64_t t0 = mono_ms();
        struct result r;

        (void)state;
        r = run(S_HANG, &o);
        assert_int_equal(r.err, -ETIMEDOUT);
        assert_true(mono_ms() - t0 < 3000);
}

static void test_slow_loris(void **state)
{
        struct http_options o = { .low_speed_bytes = 10, .low_speed_secs = 1, .timeout_ms = 20000 };
        uint64_t t0 = mono_ms();
        struct result r;

        (void)state;
        r = run(S_LORIS, &o);
        assert_int_equal(r.err, -ETIMEDOUT);
        assert_true(mono_ms() - t0 < 8000);
}

static void test_refused(void **state)
{
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t alen = sizeof(a);
        char url[64];
        struct http_options o = { .url = url };
        struct result r;

        (void)state;
        /* A port that was free a moment ago and has no listener now. */
        assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
        close(fd);
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/", ntohs(a.sin_port));
        r = run(S_OK, &o);
        assert_int_equal(r.err, -ECONNREFUSED);
        assert_int_equal(r.status, 0);
}

static void test_bad_options(void **state)
{
        sd_event *e = NULL;
        struct http_client *c = NULL;
        struct http_options o = { .url = "http://127.0.0.1:1/", .bearer_token = "a\r\nX-Evil: 1" };
        struct http_options o2 = { .url = "http://127.0.0.1:1/", .headers = (const char *const[]){ "A: b\r\nC: d", NULL } };
        struct result r = { 0 };

        (void)state;
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(http_client_new(e, NULL, &c), 0);
        assert_int_equal(http_request_start(c, &o, on_done, &r, NULL), -EINVAL);
        assert_int_equal(http_request_start(c, &o2, on_done, &r, NULL), -EINVAL);
        assert_int_equal(http_client_in_flight(c), 0);
        http_client_free(c);
        sd_event_unref(e);
        assert_false(r.done);
}

static void test_cancel_and_free(void **state)
{
        sd_event *e = NULL;
        struct http_client *c = NULL;
        struct http_request *req = NULL;
        char url[64];
        struct http_options o = { .url = url };
        struct result r = { 0 };

        (void)state;
        atomic_store(&srv.script, S_HANG);
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/", srv.port);
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(http_client_new(e, NULL, &c), 0);
        assert_int_equal(http_request_start(c, &o, on_done, &r, &req), 0);
        for (int i = 0; i < 20; i++)
                sd_event_run(e, 10000);
        http_request_cancel(req);
        assert_int_equal(http_client_in_flight(c), 0);
        /* Two more in flight when the client goes away. */
        assert_int_equal(http_request_start(c, &o, on_done, &r, NULL), 0);
        assert_int_equal(http_request_start(c, &o, on_done, &r, NULL), 0);
        for (int i = 0; i < 20; i++)
                sd_event_run(e, 10000);
        assert_int_equal(http_client_in_flight(c), 2);
        http_client_free(c);
        sd_event_unref(e);
        assert_false(r.done);
}

/* Only a transport failure or a 5xx is an outage (failmode=safe may open);
 * a refusal or an unusable answer is the server answering. */
static void test_api_state(void **state)
{
        static const struct {
                int err;
                long status;
                enum team_api_state want;
        } cases[] = {
                { 0, 200, TEAM_API_REACHABLE },         { 0, 204, TEAM_API_REACHABLE },
                { 0, 500, TEAM_API_UNREACHABLE },       { 0, 503, TEAM_API_UNREACHABLE },
                { -ECONNREFUSED, 0, TEAM_API_UNREACHABLE }, { -ETIMEDOUT, 0, TEAM_API_UNREACHABLE },
                { -EHOSTUNREACH, 0, TEAM_API_UNREACHABLE }, { -EPROTO, 0, TEAM_API_UNREACHABLE },
                { -ECONNRESET, 0, TEAM_API_UNREACHABLE }, { 0, 401, TEAM_API_FAILING },
                { 0, 403, TEAM_API_FAILING },           { 0, 404, TEAM_API_FAILING },
                { 0, 400, TEAM_API_FAILING },           { 0, 429, TEAM_API_FAILING },
                { 0, 302, TEAM_API_FAILING },           { -EFBIG, 0, TEAM_API_FAILING },
                { -ENOMEM, 0, TEAM_API_FAILING },
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct http_result res = { .err = cases[i].err, .status = cases[i].status, .detail = "" };

                assert_int_equal(http_result_api_state(&res), cases[i].want);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_api_state),
                cmocka_unit_test(test_ok_and_bearer),  cmocka_unit_test(test_post_body),
                cmocka_unit_test(test_cap),            cmocka_unit_test(test_timeout),
                cmocka_unit_test(test_slow_loris),     cmocka_unit_test(test_refused),
                cmocka_unit_test(test_bad_options),    cmocka_unit_test(test_cancel_and_free),
        };

        return cmocka_run_group_tests(tests, server_setup, server_teardown);
}
