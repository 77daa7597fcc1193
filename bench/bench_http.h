/* SPDX-License-Identifier: BSD-3-Clause */
/* A minimal HTTP/1.1 client over non-blocking loopback TCP sockets, for
 * holding thousands of team-server long-polls from one thread (epoll).
 * Keep-alive; responses must carry Content-Length (team-server's do). */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct hconn {
        int fd;
        int busy;              /* a request is outstanding */
        char *out;             /* request bytes not yet written */
        size_t out_len, out_off;
        char *in;              /* response bytes read so far */
        size_t in_len, in_cap;
        uint64_t sent_ns;      /* when the request was queued */
        int status;            /* of the last complete response */
        const char *body;      /* into in; valid until the next read */
        size_t body_len;
        void *ud;              /* the caller's */
};

/* Connects (blocking, loopback) and registers with epoll (EPOLLIN, data.ptr
 * = c). 0 or -errno. */
int hconn_open(struct hconn *c, int epfd, uint16_t port, void *ud);
void hconn_close(struct hconn *c, int epfd);
/* Queues one request and writes what the socket takes now. token and body
 * may be NULL. 0 or -errno. */
int hconn_send(struct hconn *c, int epfd, const char *method, const char *path, const char *token,
               const char *body);
/* After EPOLLIN/EPOLLOUT: writes pending bytes, reads what is there.
 * 1: a complete response (status, body, body_len set); 0: not yet;
 * -errno: the connection is broken (closed by the peer: -ECONNRESET). */
int hconn_event(struct hconn *c, int epfd, uint32_t events);

/* One blocking request on its own short-lived connection: status code,
 * and the body (malloc'd, NUL-terminated) in *body if not NULL. -errno. */
int http_once(uint16_t port, const char *method, const char *path, const char *token, const char *body,
              char **resp_body);
