/* SPDX-License-Identifier: BSD-3-Clause */
/* Asynchronous HTTP(S) for teamd: libcurl's multi interface driven by
 * teamd's sd-event loop (CURLMOPT_SOCKETFUNCTION/TIMERFUNCTION become
 * sd-event io and time sources). Nothing here blocks the loop and no thread
 * is started.
 *
 * Every request has a total timeout, a connect timeout, a low-speed limit
 * (a slow-loris server is cut off) and a response cap checked before the
 * bytes are kept. TLS peer and host verification are always on; the
 * client's ca_file (teamd.conf [server] ca_file) pins a private CA. Only
 * http and https are allowed, redirects are not followed.
 *
 * The completion callback runs from the event loop, never from inside
 * http_request_start(). It may start new requests and cancel other ones;
 * it must not free the client. Its request handle is freed right after it
 * returns. */
#pragma once

#include "protocol.h"

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

struct http_client;
struct http_request;

#define HTTP_DEFAULT_TIMEOUT_MS 30000u
#define HTTP_DEFAULT_CONNECT_TIMEOUT_MS 5000u
#define HTTP_DEFAULT_MAX_RESPONSE (1024u * 1024u)
/* Abort when fewer than low_speed_bytes arrive in low_speed_secs. */
#define HTTP_DEFAULT_LOW_SPEED_BYTES 1u
#define HTTP_DEFAULT_LOW_SPEED_SECS 10u

struct http_result {
        /* 0 when the whole response arrived (whatever its status), else a
         * negative errno: -ETIMEDOUT (total timeout or low-speed limit),
         * -ECONNREFUSED, -EHOSTUNREACH (name or route), -EFBIG (response
         * over max_response), -EPROTO (TLS failure or not HTTP),
         * -ECONNRESET (connection closed early), -ENOMEM, -EIO (other). */
        int err;
        long status;             /* HTTP status, 0 when there was none */
        const char *body;        /* NUL-terminated; only during the callback */
        size_t len;              /* body bytes, without the NUL */
        long retry_after_s;      /* Retry-After in seconds, -1 when absent */
        const char *detail;      /* curl's error text, "" on success; safe to log */
};

typedef void (*http_done_fn)(const struct http_result *res, void *userdata);

/* What a finished request says about the central API: reachable (2xx);
 * unreachable only for a transport failure (connect, timeout, TLS, name,
 * reset) or a 5xx; failing for everything else (401/403/other 4xx, 3xx, an
 * oversized answer, no memory): the server answered, or this host cannot
 * use the answer, and neither is an outage that failmode=safe may open on. */
enum team_api_state http_result_api_state(const struct http_result *res);

struct http_options {
        const char *url;                 /* http:// or https:// */
        const char *method;              /* NULL: GET, or POST when body is set */
        const char *body;                /* sent as is; copied by curl */
        size_t body_len;
        const char *const *headers;      /* NULL-terminated "Name: value" list, or NULL */
        /* Sent as "Authorization: Bearer TOKEN". The copy made for curl is
         * wiped when the request ends; the caller wipes its own. Never
         * logged. */
        const char *bearer_token;
        uint32_t timeout_ms;             /* 0: HTTP_DEFAULT_TIMEOUT_MS */
        uint32_t connect_timeout_ms;     /* 0: HTTP_DEFAULT_CONNECT_TIMEOUT_MS */
        uint32_t low_speed_bytes;        /* 0: HTTP_DEFAULT_LOW_SPEED_BYTES */
        uint32_t low_speed_secs;         /* 0: HTTP_DEFAULT_LOW_SPEED_SECS */
        size_t max_response;             /* 0: HTTP_DEFAULT_MAX_RESPONSE */
        /* Optional extra curl options (e.g. CURLOPT_AWS_SIGV4, CURLOPT_USERPWD)
         * on the request's CURL * easy handle before it starts; return 0 or a
         * negative errno to refuse. TLS verification cannot be turned off. */
        int (*setup)(void *easy, void *userdata);
};

/* A client bound to an event loop. ca_file may be NULL (system CAs); it is
 * copied. */
int http_client_new(sd_event *event, const char *ca_file, struct http_client **out);
/* Cancels every request in flight without calling their callbacks. NULL ok. */
void http_client_free(struct http_client *c);

/* Starts a request; done(res, userdata) is called exactly once unless the
 * request is cancelled first. out (may be NULL) receives a handle valid until
 * the callback returns or http_request_cancel(). Returns 0 or -errno (bad
 * options, out of memory); on error done is never called. */
int http_request_start(struct http_client *c, const struct http_options *o, http_done_fn done, void *userdata,
                       struct http_request **out);
/* Stops a request in flight; its callback is not called. NULL ok. */
void http_request_cancel(struct http_request *r);
/* Requests in flight (for status and tests). */
unsigned http_client_in_flight(const struct http_client *c);
