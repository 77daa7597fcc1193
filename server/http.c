/* SPDX-License-Identifier: BSD-3-Clause */
/* libmicrohttpd glue (see http.h).
 *
 * MHD calls on_request() several times per request: first with the
 * headers (we route, check Content-Length against max_body and
 * authenticate, so a stranger's or an oversized body is refused before a
 * byte of it is read), then once per piece of body (accumulated, the cap
 * checked before the buffer grows), then once with nothing left (the
 * handler runs). A suspended long-poll is called again with nothing left
 * after its resume. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "conn_guard.h"
#include "http.h"
#include "metrics.h"
#include "parse.h"
#include "unconst.h"

#define TLS_FILE_MAX (256 * 1024)
#define CONNECTION_MEMORY 16384
/* Bodies of unknown length past the cap are read and dropped up to this
 * many times the cap (then the connection is cut), so the client still
 * gets its 413. */
#define DISCARD_FACTOR 4

struct http_server {
        struct MHD_Daemon *daemon;
        struct srv_store *store;
        const struct http_route *routes;
        size_t n_routes;
        void *app;
        size_t max_body;
        char *tls_cert;
        char *tls_key;
        struct conn_guard *guard;
};

const char *http_error_code(unsigned status)
{
        switch (status) {
        case 400: return "bad_request";
        case 401: return "unauthorized";
        case 403: return "forbidden";
        case 404: return "not_found";
        case 405: return "method_not_allowed";
        case 409: return "conflict";
        case 413: return "too_large";
        case 429: return "too_many_requests";
        case 503: return "unavailable";
        default: return status >= 500 ? "internal" : "bad_request";
        }
}

static enum http_result queue(struct http_req *req, unsigned status, const char *type, const char *body,
                              size_t len)
{
        struct MHD_Response *resp;

        if (req->replied)
                return HTTP_DONE;
        req->replied = true;
        metrics_count_request(req->route ? req->route_index : SIZE_MAX, status);
        if (status >= 500) /* the path holds ids, never a secret */
                fprintf(stderr, "team-server: %s %s answered %u\n", req->method, req->path, status);
        resp = MHD_create_response_from_buffer(len, team_unconst(body), MHD_RESPMEM_MUST_COPY);
        if (!resp)
                return HTTP_DONE;      /* MHD closes the connection without an answer */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
        if (status == 401)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"team\"");
        if (req->retry_after && (status == 429 || status == 503)) {
                char secs[24];

                snprintf(secs, sizeof(secs), "%llu", (unsigned long long)req->retry_after);
                MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, secs);
        }
        if (MHD_queue_response(req->conn, status, resp) != MHD_YES)
                fprintf(stderr, "team-server: cannot queue a %u answer for %s %s\n", status, req->method,
                        req->path);
        MHD_destroy_response(resp);
        return HTTP_DONE;
}

enum http_result http_reply_text(struct http_req *req, unsigned status, const char *content_type, const char *body,
                                 size_t len)
{
        return queue(req, status, content_type, body, len);
}

enum http_result http_reply_json(struct http_req *req, unsigned status, struct json_object *obj)
{
        const char *text;
        size_t len = 0;
        enum http_result r;

        if (!obj)
                return http_reply_error(req, 500, "internal", "out of memory");
        text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                                 &len);
        if (!text) {
                json_object_put(obj);
                return http_reply_error(req, 500, "internal", "out of memory");
        }
        r = queue(req, status, "application/json", text, len);
        json_object_put(obj);
        return r;
}

enum http_result http_reply_error(struct http_req *req, unsigned status, const char *code, const char *fmt, ...)
{
        struct json_object *o = json_object_new_object();
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (!o || json_object_object_add(o, "error", json_object_new_string(code ? code : http_error_code(status))) ||
            json_object_object_add(o, "message", json_object_new_string(msg))) {
                static const char oom[] = "{\"error\":\"internal\",\"message\":\"out of memory\"}";

                json_object_put(o);
                return queue(req, 500, "application/json", oom, sizeof(oom) - 1);
        }
        return http_reply_json(req, status, o);
}

enum http_result http_reply_too_many(struct http_req *req, uint64_t seconds, const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        req->retry_after = seconds;
        return http_reply_error(req, 429, "too_many_requests", "%s", msg);
}

const char *http_query(struct http_req *req, const char *key)
{
        return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

void http_suspend(struct http_req *req)
{
        MHD_suspend_connection(req->conn);
}

void http_resume(struct http_req *req)
{
        MHD_resume_connection(req->conn);
}

/* Does path match pattern? Fills params with the {} segments (pointers
 * into scratch, a copy of path cut at '/'). */
static bool match(const char *pattern, char *scratch, const char **params)
{
        size_t np = 0;
        char *s = scratch;
        const char *p = pattern;

        for (;;) {
                const char *pe = strchrnul(p + 1, '/');
                char *se = strchrnul(s + 1, '/');
                size_t plen = (size_t)(pe - p), slen = (size_t)(se - s);

                if (*p != '/' || *s != '/')
                        return false;
                if (plen == 3 && memcmp(p, "/{}", 3) == 0) {
                        if (slen < 2 || np >= HTTP_MAX_PARAMS)
                                return false;
                        params[np++] = s + 1;
                } else if (plen != slen || memcmp(p, s, plen) != 0) {
                        return false;
                }
                p = pe;
                s = se;
                if (*p == '\0' || *s == '\0')
                        break;
        }
        if (*p != *s)
                return false;
        for (s = scratch; *s; s++)
                if (*s == '/')
                        *s = '\0';
        return true;
}

/* Picks the route; sets pending_status 404/405 when there is none. */
static int route(struct http_server *srv, struct http_req *req, char **scratch)
{
        bool path_known = false;
        size_t i;

        for (i = 0; i < srv->n_routes; i++) {
                const char *params[HTTP_MAX_PARAMS] = { 0 };
                char *copy = strdup(req->path);

                if (!copy)
                        return -ENOMEM;
                if (!match(srv->routes[i].pattern, copy, params)) {
                        free(copy);
                        continue;
                }
                path_known = true;
                if (strcmp(srv->routes[i].method, req->method) != 0) {
                        free(copy);
                        continue;
                }
                req->route = &srv->routes[i];
                req->route_index = i;
                memcpy(req->params, params, sizeof(params));
                *scratch = copy;
                return 0;
        }
        req->pending_status = path_known ? 405 : 404;
        return 0;
}

/* The connection's admission entry (conn_guard.h), kept in MHD's socket
 * context. */
static struct conn_guard_entry *guard_entry(struct MHD_Connection *conn)
{
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

        return ci ? ci->socket_context : NULL;
}

struct conn_state {
        struct http_req req;
        char *scratch;       /* path copy the params point into */
};

/* First call: route, size check, authentication. Returns MHD_YES to go
 * on (possibly with a response already queued). */
static enum MHD_Result on_headers(struct http_server *srv, struct MHD_Connection *conn, const char *url,
                                  const char *method, void **con_cls)
{
        struct conn_state *cs = calloc(1, sizeof(*cs));
        struct http_req *req;
        const char *cl;
        uint64_t len;
        int r;

        if (!cs)
                return MHD_NO;
        *con_cls = cs;
        req = &cs->req;
        req->conn = conn;
        req->srv = srv;
        req->app = srv->app;
        req->method = method;
        req->path = url;
        r = route(srv, req, &cs->scratch);
        if (r < 0)
                return MHD_NO;
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && parse_uint(cl, 0, UINT64_MAX, &len) == 0 && len > srv->max_body) {
                http_reply_error(req, 413, "too_large", "the body is larger than %zu bytes", srv->max_body);
                return MHD_YES;
        }
        if (req->route && req->route->auth == HTTP_AUTH_TOKEN) {
                const char *authz = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);

                r = auth_identify(srv->store, authz, &req->who);
                conn_guard_request_started(srv->guard, guard_entry(conn), r == 0);
                if (r == -EACCES)
                        http_reply_error(req, 401, "unauthorized",
                                         "%s (send Authorization: Bearer TOKEN; an administrator issues "
                                         "tokens with 'team-server admin user|host add' and reissues a lost "
                                         "one with 'team-server admin user|host rotate-token')",
                                         authz ? "unknown or malformed token" : "no bearer token");
                else if (r == -ENOTCONN) {
                        req->retry_after = SRV_STORE_RETRY_AFTER;
                        http_reply_error(req, 503, "unavailable", "the database does not answer now; try again in "
                                         "a few seconds");
                } else if (r < 0)
                        http_reply_error(req, 500, "internal", "cannot check the token now; try again");
        }
        return MHD_YES;
}

/* A piece of body. The cap is checked before the buffer grows. */
static enum MHD_Result on_body(struct http_server *srv, struct http_req *req, const char *data, size_t size)
{
        size_t need;

        if (req->replied || req->too_large) {
                req->discarded += size;
                return req->discarded > (uint64_t)srv->max_body * DISCARD_FACTOR ? MHD_NO : MHD_YES;
        }
        if (size > srv->max_body - req->body_len) {
                req->too_large = true;
                req->discarded = req->body_len + size;
                if (req->buf)
                        OPENSSL_cleanse(req->buf, req->body_len);
                free(req->buf);
                req->buf = NULL;
                req->body_len = 0;
                return MHD_YES;
        }
        need = req->body_len + size;
        if (need > req->buf_size) {
                size_t nsize = req->buf_size ? req->buf_size : 1024;
                char *nbuf;

                while (nsize < need)
                        nsize *= 2;
                if (nsize > srv->max_body)
                        nsize = srv->max_body;
                nbuf = realloc(req->buf, nsize);
                if (!nbuf)
                        return MHD_NO;
                req->buf = nbuf;
                req->buf_size = nsize;
        }
        memcpy(req->buf + req->body_len, data, size);
        req->body_len = need;
        return MHD_YES;
}

static void run_handler(struct http_req *req)
{
        enum http_result r;

        if (req->too_large) {
                http_reply_error(req, 413, "too_large", "the body is larger than %zu bytes", req->srv->max_body);
                return;
        }
        if (!req->route) {
                if (req->pending_status == 405)
                        http_reply_error(req, 405, "method_not_allowed", "%s is not allowed on %s", req->method,
                                         req->path);
                else
                        http_reply_error(req, 404, "not_found", "no such endpoint (see docs/api.md)");
                return;
        }
        req->body = req->body_len ? req->buf : NULL;
        r = req->route->fn(req);
        if (r == HTTP_SUSPENDED) {
                req->resumed = true;
                return;
        }
        if (!req->replied)
                http_reply_error(req, 500, "internal", "no answer");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
        struct http_server *srv = cls;
        struct conn_state *cs = *con_cls;
        enum MHD_Result r;

        (void)version;
        if (!cs)
                return on_headers(srv, conn, url, method, con_cls);
        if (*upload_data_size) {
                r = on_body(srv, &cs->req, upload_data, *upload_data_size);
                *upload_data_size = 0;
                return r;
        }
        if (!cs->req.replied)
                run_handler(&cs->req);
        return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
        struct http_server *srv = cls;
        struct conn_state *cs = *con_cls;

        (void)toe;
        conn_guard_request_ended(srv->guard, guard_entry(conn));
        if (!cs)
                return;
        if (cs->req.state_free)
                cs->req.state_free(cs->req.state);
        if (cs->req.buf)
                OPENSSL_cleanse(cs->req.buf, cs->req.buf_size);
        free(cs->req.buf);
        identity_clear(&cs->req.who);
        free(cs->scratch);
        free(cs);
        *con_cls = NULL;
}

/* Accepted and closed connections: their admission entries. MHD calls
 * "closed" before it closes the descriptor. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
        struct http_server *srv = cls;

        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
                const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

                *socket_context = ci ? conn_guard_opened(srv->guard, ci->connect_fd) : NULL;
        } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
                conn_guard_closed(srv->guard, *socket_context);
                *socket_context = NULL;
        }
}

/* MHD reports every connection a client drops mid-request: a flood of
 * slow clients must not become a flood of log lines. */
#define MHD_LOG_PER_SECOND 20

__attribute__((format(printf, 2, 0)))
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
        static _Atomic int64_t window;
        static _Atomic unsigned in_window;
        struct timespec ts;

        (void)cls;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if (atomic_exchange(&window, (int64_t)ts.tv_sec) != (int64_t)ts.tv_sec)
                atomic_store(&in_window, 0);
        if (atomic_fetch_add(&in_window, 1) >= MHD_LOG_PER_SECOND)
                return;
        fputs("team-server: http: ", stderr);
        vfprintf(stderr, fmt, ap);
}

/* Reads a PEM file whole (TLS certificate or key; the key must not be
 * group/world-readable). */
static int read_pem(const char *path, bool secret, char **out, char *err, size_t errlen)
{
        struct stat sb;
        char *buf = NULL;
        ssize_t n;
        size_t have = 0;
        int fd, r = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-r));
                return r;
        }
        if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > TLS_FILE_MAX) {
                r = -EINVAL;
                snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path, TLS_FILE_MAX);
                goto out;
        }
        if (secret && (sb.st_mode & 077)) {
                r = -EPERM;
                snprintf(err, errlen, "%s: readable by group or others (chmod 0600 %s)", path, path);
                goto out;
        }
        buf = calloc(1, TLS_FILE_MAX + 1);
        if (!buf) {
                r = -ENOMEM;
                goto out;
        }
        while ((n = read(fd, buf + have, TLS_FILE_MAX - have)) > 0)
                have += (size_t)n;
        if (n < 0) {
                r = -errno;
                snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-r));
                goto out;
        }
        *out = buf;
        buf = NULL;
out:
        if (buf)
                OPENSSL_cleanse(buf, TLS_FILE_MAX);
        free(buf);
        close(fd);
        return r;
}

static void server_free(struct http_server *s)
{
        if (!s)
                return;
        if (s->tls_key) {
                OPENSSL_cleanse(s->tls_key, strlen(s->tls_key));
                free(s->tls_key);
        }
        free(s->tls_cert);
        conn_guard_free(s->guard);
        free(s);
}

int http_server_start(const struct server_config *cfg, struct srv_store *store, const struct http_route *routes,
                      size_t n_routes, void *app, struct http_server **out, char *err, size_t errlen)
{
        struct sockaddr_storage ss = { 0 };
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
        struct MHD_OptionItem opts[16];
        struct http_server *s;
        size_t no = 0;
        int r;

        *out = NULL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->store = store;
        s->routes = routes;
        s->n_routes = n_routes;
        s->app = app;
        s->max_body = (size_t)cfg->max_body;
        r = conn_guard_new(cfg->header_timeout * 1000, cfg->max_anonymous_connections, &s->guard);
        if (r < 0) {
                snprintf(err, errlen, "cannot start the connection deadline thread: %s", strerror(-r));
                goto fail;
        }
        if (strchr(cfg->listen_host, ':')) {
                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons(cfg->listen_port);
                inet_pton(AF_INET6, cfg->listen_host, &sin6->sin6_addr);
                flags |= MHD_USE_IPv6;
        } else {
                sin->sin_family = AF_INET;
                sin->sin_port = htons(cfg->listen_port);
                inet_pton(AF_INET, cfg->listen_host, &sin->sin_addr);
        }
        /* The logger first, so MHD reports option errors through it. */
        opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL };
        if (cfg->tls_cert) {
                r = read_pem(cfg->tls_cert, false, &s->tls_cert, err, errlen);
                if (r == 0)
                        r = read_pem(cfg->tls_key, true, &s->tls_key, err, errlen);
                if (r < 0)
                        goto fail;
                flags |= MHD_USE_TLS;
                opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert };
                opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key };
        }
        opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &ss };
        opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->max_connections, NULL };
        opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->connection_timeout, NULL };
        opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY, NULL };
        if (cfg->max_connections_per_address)
                opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                                      (intptr_t)cfg->max_connections_per_address, NULL };
        opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s };
        opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, s };
        opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL };
        if (cfg->threads > 1)
                opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)cfg->threads, NULL };
        opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
        s->daemon = MHD_start_daemon(flags, cfg->listen_port, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts,
                                     MHD_OPTION_END);
        if (!s->daemon) {
                r = -EADDRNOTAVAIL;
                snprintf(err, errlen, "cannot listen on %s%s (is the address in use, or TLS files invalid?)",
                         cfg->listen, cfg->tls_cert ? " with TLS" : "");
                goto fail;
        }
        *out = s;
        return 0;
fail:
        server_free(s);
        return r;
}

void http_server_quiesce(struct http_server *s)
{
        MHD_socket fd;

        if (!s || !s->daemon)
                return;
        fd = MHD_quiesce_daemon(s->daemon);
        if (fd != MHD_INVALID_SOCKET)
                close(fd);
}

void http_server_stop(struct http_server *s)
{
        if (!s)
                return;
        if (s->daemon)
                MHD_stop_daemon(s->daemon);
        server_free(s);
}
