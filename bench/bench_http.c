/* SPDX-License-Identifier: BSD-3-Clause */
/* See bench_http.h. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/bench_http.h"
#include "bench/bench_stats.h"
#include "parse.h"

#define MAX_RESPONSE (1024 * 1024)

int hconn_open(struct hconn *c, int epfd, uint16_t port, void *ud)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
        int one = 1, fd;

        memset(c, 0, sizeof(*c));
        c->fd = -1;
        c->ud = ud;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int e = errno;
                close(fd);
                return -e;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0 || (epfd >= 0 && epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)) {
                int e = errno;
                close(fd);
                return -e;
        }
        c->fd = fd;
        return 0;
}

void hconn_close(struct hconn *c, int epfd)
{
        if (c->fd >= 0) {
                if (epfd >= 0)
                        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
        }
        free(c->out);
        free(c->in);
        c->fd = -1;
        c->out = c->in = NULL;
        c->out_len = c->out_off = c->in_len = c->in_cap = 0;
        c->busy = 0;
}

static int want_out(struct hconn *c, int epfd, int on)
{
        struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c };

        return epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0 ? 0 : -errno;
}

static int flush_out(struct hconn *c, int epfd)
{
        while (c->out_off < c->out_len) {
                ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return want_out(c, epfd, 1);
                if (n < 0)
                        return -errno;
                c->out_off += (size_t)n;
        }
        if (c->out) {
                free(c->out);
                c->out = NULL;
                c->out_len = c->out_off = 0;
                return want_out(c, epfd, 0);
        }
        return 0;
}

int hconn_send(struct hconn *c, int epfd, const char *method, const char *path, const char *token,
               const char *body)
{
        size_t blen = body ? strlen(body) : 0;
        int n;

        if (c->busy || c->out)
                return -EBUSY;
        n = asprintf(&c->out,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%sContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     method, path, token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "",
                     blen, body ? body : "");
        if (n < 0) {
                c->out = NULL;
                return -ENOMEM;
        }
        c->out_len = (size_t)n;
        c->out_off = 0;
        c->busy = 1;
        c->sent_ns = bench_now_ns();
        return flush_out(c, epfd);
}

/* 1 with the response parsed (and consumed from in next time), 0 need more. */
static int parse_response(struct hconn *c)
{
        char *end, *p, *line;
        uint64_t clen = 0;
        size_t hlen;
        int have_len = 0;

        if (c->in_len == 0)
                return 0;
        c->in[c->in_len] = '\0';
        end = strstr(c->in, "\r\n\r\n");
        if (!end)
                return c->in_len > 65536 ? -EPROTO : 0;
        hlen = (size_t)(end - c->in) + 4;
        if (strncmp(c->in, "HTTP/1.1 ", 9) != 0 && strncmp(c->in, "HTTP/1.0 ", 9) != 0)
                return -EPROTO;
        c->status = (int)strtol(c->in + 9, NULL, 10);
        for (line = strstr(c->in, "\r\n") + 2; line < end; line = p + 2) {
                p = strstr(line, "\r\n");
                if (strncasecmp(line, "Content-Length:", 15) == 0) {
                        char num[24];
                        const char *v = line + 15;
                        size_t l;
                        while (*v == ' ')
                                v++;
                        l = (size_t)(p - v);
                        if (l == 0 || l >= sizeof(num))
                                return -EPROTO;
                        memcpy(num, v, l);
                        num[l] = '\0';
                        if (parse_uint(num, 0, MAX_RESPONSE, &clen) < 0)
                                return -EPROTO;
                        have_len = 1;
                }
        }
        if (!have_len)
                return -EPROTO;
        if (c->in_len < hlen + clen)
                return 0;
        if (c->in_len > hlen + clen)
                return -EPROTO;   /* nothing is pipelined */
        c->body = c->in + hlen;
        c->body_len = (size_t)clen;
        return 1;
}

int hconn_event(struct hconn *c, int epfd, uint32_t events)
{
        int r;

        if (events & EPOLLOUT) {
                r = flush_out(c, epfd);
                if (r < 0)
                        return r;
        }
        if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                return 0;
        if (!c->busy)
                c->in_len = 0;
        for (;;) {
                ssize_t n;

                if (c->in_cap - c->in_len < 4097) {
                        size_t ncap = c->in_cap ? c->in_cap * 2 : 8192;
                        char *ni;
                        if (ncap > MAX_RESPONSE + 65536)
                                return -EMSGSIZE;
                        ni = realloc(c->in, ncap);
                        if (!ni)
                                return -ENOMEM;
                        c->in = ni;
                        c->in_cap = ncap;
                }
                n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len - 1, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -ECONNRESET;
                c->in_len += (size_t)n;
        }
        r = parse_response(c);
        if (r == 1) {
                c->busy = 0;
                c->in_len = 0;   /* body stays readable until the next event */
        }
        return r;
}

int http_once(uint16_t port, const char *method, const char *path, const char *token, const char *body,
              char **resp_body)
{
        struct hconn c;
        int r, status = 0;

        if (resp_body)
                *resp_body = NULL;
        r = hconn_open(&c, -1, port, NULL);
        if (r < 0)
                return r;
        r = hconn_send(&c, -1, method, path, token, body);
        while (r == 0) {
                struct pollfd p = { .fd = c.fd, .events = (short)(POLLIN | (c.out ? POLLOUT : 0)) };
                int n = poll(&p, 1, 70000);
                if (n == 0)
                        r = -ETIMEDOUT;
                else if (n > 0)
                        r = hconn_event(&c, -1, (p.revents & POLLOUT ? EPOLLOUT : 0) |
                                                        (p.revents & (POLLIN | POLLHUP | POLLERR) ? EPOLLIN : 0));
                else if (errno != EINTR)
                        r = -errno;
        }
        if (r == 1) {
                status = c.status;
                if (resp_body)
                        *resp_body = strndup(c.body, c.body_len);
                r = 0;
        }
        hconn_close(&c, -1);
        return r < 0 ? r : status;
}
