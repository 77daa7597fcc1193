/* SPDX-License-Identifier: BSD-3-Clause */
/* Asynchronous HTTP on the sd-event loop; see http_client.h. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <curl/curl.h>

#include "http_client.h"

/* One sd-event io source per socket curl asks us to watch. */
struct watch {
        struct http_client *c;
        curl_socket_t fd;
        sd_event_source *src;
        struct watch *prev, *next;
};

struct http_request {
        struct http_client *c;
        CURL *easy;
        struct curl_slist *headers;
        char *buf;
        size_t len, cap, max;
        bool too_big;
        http_done_fn done;
        void *userdata;
        char errbuf[CURL_ERROR_SIZE];
        struct http_request *prev, *next;
};

struct http_client {
        sd_event *event;
        CURLM *multi;
        sd_event_source *timer;
        char *ca_file;
        struct http_request *reqs;
        struct watch *watches;
        unsigned n_reqs;
};

/* Wipes every header (one may carry the bearer token) before freeing. */
static void headers_free(struct curl_slist *h)
{
        for (struct curl_slist *i = h; i; i = i->next)
                if (i->data)
                        explicit_bzero(i->data, strlen(i->data));
        curl_slist_free_all(h);
}

static void request_free(struct http_request *r)
{
        struct http_client *c = r->c;

        if (r->prev)
                r->prev->next = r->next;
        else
                c->reqs = r->next;
        if (r->next)
                r->next->prev = r->prev;
        c->n_reqs--;
        if (r->easy) {
                curl_multi_remove_handle(c->multi, r->easy);
                curl_easy_cleanup(r->easy);
        }
        headers_free(r->headers);
        free(r->buf);
        free(r);
}

static int map_curl_error(const struct http_request *r, CURLcode rc)
{
        switch (rc) {
        case CURLE_OK:
                return 0;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_COULDNT_CONNECT:
                return -ECONNREFUSED;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
                return -EHOSTUNREACH;
        case CURLE_FILESIZE_EXCEEDED:
                return -EFBIG;
        case CURLE_WRITE_ERROR:
                return r->too_big ? -EFBIG : -EIO;
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_PARTIAL_FILE:
                return -ECONNRESET;
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_WEIRD_SERVER_REPLY:
        case CURLE_HTTP2:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_USE_SSL_FAILED:
                return -EPROTO;
        default:
                return -EIO;
        }
}

/* Calls the callback and frees the request. */
static void request_finish(struct http_request *r, CURLcode rc)
{
        struct http_result res = { .retry_after_s = -1, .detail = "" };
        curl_off_t retry = -1;
        long status = 0;

        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
        if (curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER, &retry) == CURLE_OK && retry > 0)
                res.retry_after_s = (long)retry;
        res.err = map_curl_error(r, rc);
        res.status = status;
        if (res.err == 0) {
                res.body = r->buf ? r->buf : "";
                res.len = r->len;
        } else {
                res.body = "";
                res.detail = r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc);
                if (res.err == -EFBIG)
                        res.detail = "response larger than the cap";
        }
        /* The handle leaves the multi first: the callback may start new ones. */
        curl_multi_remove_handle(r->c->multi, r->easy);
        r->done(&res, r->userdata);
        request_free(r);
}

static void check_done(struct http_client *c)
{
        CURLMsg *m;
        int left;

        while ((m = curl_multi_info_read(c->multi, &left))) {
                struct http_request *r = NULL;

                if (m->msg != CURLMSG_DONE)
                        continue;
                if (curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r) != CURLE_OK || !r)
                        continue;
                request_finish(r, m->data.result);
        }
}

static int on_socket_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct watch *w = userdata;
        struct http_client *c = w->c;
        int action = 0, running = 0;

        if (revents & EPOLLIN)
                action |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                action |= CURL_CSELECT_OUT;
        if (revents & (EPOLLERR | EPOLLHUP))
                action |= CURL_CSELECT_ERR;
        /* w may be freed inside: only c is used afterwards. */
        curl_multi_socket_action(c->multi, fd, action, &running);
        check_done(c);
        return 0;
}

static void watch_free(struct watch *w)
{
        struct http_client *c = w->c;

        if (w->prev)
                w->prev->next = w->next;
        else
                c->watches = w->next;
        if (w->next)
                w->next->prev = w->prev;
        sd_event_source_disable_unref(w->src);
        free(w);
}

/* CURLMOPT_SOCKETFUNCTION */
static int on_curl_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
        struct http_client *c = userp;
        struct watch *w = socketp;
        uint32_t events = 0;

        if (what == CURL_POLL_REMOVE) {
                if (w) {
                        curl_multi_assign(c->multi, fd, NULL);
                        watch_free(w);
                }
                return 0;
        }
        if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
                events |= EPOLLIN;
        if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
                events |= EPOLLOUT;
        if (w)
                return sd_event_source_set_io_events(w->src, events) < 0 ? -1 : 0;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -1;
        w->c = c;
        w->fd = fd;
        if (sd_event_add_io(c->event, &w->src, fd, events, on_socket_io, w) < 0) {
                free(w);
                return -1;
        }
        w->next = c->watches;
        if (w->next)
                w->next->prev = w;
        c->watches = w;
        curl_multi_assign(c->multi, fd, w);
        return 0;
}

static int on_curl_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct http_client *c = userdata;
        int running = 0;

        curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        check_done(c);
        return 0;
}

/* CURLMOPT_TIMERFUNCTION: -1 stops the timer, otherwise fire in ms (0 = on
 * the next loop iteration, never from inside curl). */
static int on_curl_timer_change(CURLM *multi, long timeout_ms, void *userp)
{
        struct http_client *c = userp;
        uint64_t usec = timeout_ms > 0 ? (uint64_t)timeout_ms * 1000 : 0;

        if (timeout_ms < 0)
                return sd_event_source_set_enabled(c->timer, SD_EVENT_OFF) < 0 ? -1 : 0;
        if (sd_event_source_set_time_relative(c->timer, usec) < 0)
                return -1;
        return sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT) < 0 ? -1 : 0;
}

/* CURLOPT_WRITEFUNCTION: keeps at most max bytes plus a NUL. */
static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        struct http_request *r = userdata;
        size_t n = size * nmemb;

        if (n > r->max - r->len) {
                r->too_big = true;
                return 0;
        }
        if (r->len + n + 1 > r->cap) {
                size_t ncap = r->cap ? r->cap : 4096;
                char *nb;

                while (ncap < r->len + n + 1)
                        ncap *= 2;
                if (ncap > r->max + 1)
                        ncap = r->max + 1;
                nb = realloc(r->buf, ncap);
                if (!nb)
                        return 0;
                r->buf = nb;
                r->cap = ncap;
        }
        memcpy(r->buf + r->len, ptr, n);
        r->len += n;
        r->buf[r->len] = '\0';
        return n;
}

static int add_headers(struct http_request *r, const struct http_options *o)
{
        struct curl_slist *h;

        for (const char *const *i = o->headers; i && *i; i++) {
                if (strchr(*i, '\r') || strchr(*i, '\n'))
                        return -EINVAL;
                h = curl_slist_append(r->headers, *i);
                if (!h)
                        return -ENOMEM;
                r->headers = h;
        }
        if (o->bearer_token) {
                static const char prefix[] = "Authorization: Bearer ";
                size_t n = strlen(o->bearer_token);
                char *line;

                if (n == 0 || strpbrk(o->bearer_token, "\r\n "))
                        return -EINVAL;
                line = malloc(sizeof(prefix) + n);
                if (!line)
                        return -ENOMEM;
                memcpy(line, prefix, sizeof(prefix) - 1);
                memcpy(line + sizeof(prefix) - 1, o->bearer_token, n + 1);
                h = curl_slist_append(r->headers, line);
                explicit_bzero(line, sizeof(prefix) + n);
                free(line);
                if (!h)
                        return -ENOMEM;
                r->headers = h;
        }
        return 0;
}

#define SET(opt, val) (curl_easy_setopt(e, opt, val) == CURLE_OK)

static int configure_easy(struct http_request *r, const struct http_options *o)
{
        CURL *e = r->easy;
        long timeout = (long)(o->timeout_ms ? o->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS);
        long connect = (long)(o->connect_timeout_ms ? o->connect_timeout_ms : HTTP_DEFAULT_CONNECT_TIMEOUT_MS);
        long ls_bytes = (long)(o->low_speed_bytes ? o->low_speed_bytes : HTTP_DEFAULT_LOW_SPEED_BYTES);
        long ls_secs = (long)(o->low_speed_secs ? o->low_speed_secs : HTTP_DEFAULT_LOW_SPEED_SECS);
        long ls_limit = (ls_bytes + ls_secs - 1) / ls_secs;
        const char *method = o->method ? o->method : (o->body ? "POST" : "GET");

        if (!(SET(CURLOPT_URL, o->url) && SET(CURLOPT_PROTOCOLS_STR, "http,https") &&
              SET(CURLOPT_PRIVATE, r) && SET(CURLOPT_ERRORBUFFER, r->errbuf) &&
              SET(CURLOPT_NOSIGNAL, 1L) && SET(CURLOPT_FOLLOWLOCATION, 0L) &&
              SET(CURLOPT_TIMEOUT_MS, timeout) && SET(CURLOPT_CONNECTTIMEOUT_MS, connect) &&
              SET(CURLOPT_LOW_SPEED_LIMIT, ls_limit < 1 ? 1L : ls_limit) && SET(CURLOPT_LOW_SPEED_TIME, ls_secs) &&
              SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max) &&
              SET(CURLOPT_SSL_VERIFYPEER, 1L) && SET(CURLOPT_SSL_VERIFYHOST, 2L) &&
              SET(CURLOPT_WRITEFUNCTION, on_body) && SET(CURLOPT_WRITEDATA, r) &&
              SET(CURLOPT_HTTPHEADER, r->headers)))
                return -EINVAL;
        if (r->c->ca_file && !SET(CURLOPT_CAINFO, r->c->ca_file))
                return -EINVAL;
        if (o->body && !(SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len) &&
                         SET(CURLOPT_COPYPOSTFIELDS, o->body)))
                return -ENOMEM;
        if (strcmp(method, "GET") == 0)
                return SET(CURLOPT_HTTPGET, 1L) ? 0 : -EINVAL;
        if (strcmp(method, "POST") == 0 && o->body)
                return 0;
        if (strcmp(method, "POST") == 0)
                return SET(CURLOPT_POST, 1L) && SET(CURLOPT_POSTFIELDSIZE, 0L) ? 0 : -EINVAL;
        return SET(CURLOPT_CUSTOMREQUEST, method) ? 0 : -ENOMEM;
}

#undef SET

int http_request_start(struct http_client *c, const struct http_options *o, http_done_fn done, void *userdata,
                       struct http_request **out)
{
        struct http_request *r;
        int ret;

        if (out)
                *out = NULL;
        if (!c || !o || !o->url || !done)
                return -EINVAL;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->c = c;
        r->done = done;
        r->userdata = userdata;
        r->max = o->max_response ? o->max_response : HTTP_DEFAULT_MAX_RESPONSE;
        r->next = c->reqs;
        if (r->next)
                r->next->prev = r;
        c->reqs = r;
        c->n_reqs++;
        r->easy = curl_easy_init();
        if (!r->easy) {
                ret = -ENOMEM;
                goto fail;
        }
        ret = add_headers(r, o);
        if (ret == 0)
                ret = configure_easy(r, o);
        if (ret == 0 && o->setup)
                ret = o->setup(r->easy, userdata);
        if (ret < 0)
                goto fail;
        /* A setup hook cannot turn verification off. */
        if (curl_easy_setopt(r->easy, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
            curl_easy_setopt(r->easy, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
            curl_multi_add_handle(c->multi, r->easy) != CURLM_OK) {
                ret = -ENOMEM;
                goto fail;
        }
        if (out)
                *out = r;
        return 0;
fail:
        request_free(r);
        return ret;
}

void http_request_cancel(struct http_request *r)
{
        if (r)
                request_free(r);
}

unsigned http_client_in_flight(const struct http_client *c)
{
        return c ? c->n_reqs : 0;
}

int http_client_new(sd_event *event, const char *ca_file, struct http_client **out)
{
        struct http_client *c = calloc(1, sizeof(*c));
        int r = -ENOMEM;

        *out = NULL;
        if (!c)
                return -ENOMEM;
        c->event = sd_event_ref(event);
        c->multi = curl_multi_init();
        if (!c->multi)
                goto fail;
        if (ca_file) {
                c->ca_file = strdup(ca_file);
                if (!c->ca_file)
                        goto fail;
        }
        if (curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer_change) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c) != CURLM_OK) {
                r = -EINVAL;
                goto fail;
        }
        r = sd_event_add_time_relative(event, &c->timer, CLOCK_MONOTONIC, 0, 1, on_curl_timer, c);
        if (r < 0)
                goto fail;
        r = sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        *out = c;
        return 0;
fail:
        http_client_free(c);
        return r;
}

void http_client_free(struct http_client *c)
{
        if (!c)
                return;
        while (c->reqs)
                request_free(c->reqs);
        if (c->multi)
                curl_multi_cleanup(c->multi);
        /* Sockets curl still held (its connection cache) at cleanup. */
        while (c->watches)
                watch_free(c->watches);
        sd_event_source_disable_unref(c->timer);
        free(c->ca_file);
        sd_event_unref(c->event);
        free(c);
}

enum team_api_state http_result_api_state(const struct http_result *res)
{
        switch (res->err) {
        case 0:
                break;
        case -ETIMEDOUT:
        case -ECONNREFUSED:
        case -EHOSTUNREACH:
        case -EPROTO:
        case -ECONNRESET:
        case -EIO:
                return TEAM_API_UNREACHABLE;
        default:
                return TEAM_API_FAILING;
        }
        if (res->status >= 200 && res->status < 300)
                return TEAM_API_REACHABLE;
        if (res->status >= 500 && res->status < 600)
                return TEAM_API_UNREACHABLE;
        return TEAM_API_FAILING;
}
