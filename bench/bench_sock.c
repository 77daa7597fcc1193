/* SPDX-License-Identifier: BSD-3-Clause */
/* Blocking protocol client and echo server for the benchmarks. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench_sock.h"

static int set_timeouts(int fd)
{
        struct timeval tv = {
                .tv_sec = BENCH_SOCK_TIMEOUT_MS / 1000,
                .tv_usec = (BENCH_SOCK_TIMEOUT_MS % 1000) * 1000,
        };

        if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
                return -errno;
        return 0;
}

static int fill_addr(const char *path, struct sockaddr_un *sa)
{
        size_t len = strlen(path);

        memset(sa, 0, sizeof(*sa));
        if (len == 0 || len >= sizeof(sa->sun_path))
                return -ENAMETOOLONG;
        sa->sun_family = AF_UNIX;
        memcpy(sa->sun_path, path, len + 1);
        return 0;
}

int bench_sock_connect(const char *path)
{
        struct sockaddr_un sa;
        int fd, r;

        r = fill_addr(path, &sa);
        if (r < 0)
                return r;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        r = set_timeouts(fd);
        if (r == 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                r = -errno;
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Blocking fd: team_frame_reader_feed returns 0 only on a partial read. */
static int read_frame(int fd, struct team_frame_reader *rd)
{
        int r;

        do
                r = team_frame_reader_feed(rd, fd);
        while (r == 0 || r == -EINTR);
        return r == 1 ? 0 : r;
}

int bench_roundtrip(const char *path, const uint8_t *frame, size_t flen, struct team_frame_reader *rd)
{
        int fd, r;

        fd = bench_sock_connect(path);
        if (fd < 0)
                return fd;
        r = write_all(fd, frame, flen);
        if (r == 0)
                r = read_frame(fd, rd);
        close(fd);
        return r;
}

int bench_request_frame(const struct team_request *req, uint8_t **frame, size_t *flen)
{
        return team_request_pack_frame(req, frame, flen);
}

int bench_check_frame(const char *user, const char *role, const char *service,
                      uint8_t **frame, size_t *flen)
{
        struct team_request req = {
                .op = TEAM_OP_CHECK,
                .user = user, .role = role, .service = service,
        };

        return bench_request_frame(&req, frame, flen);
}

int bench_check(const char *path, const uint8_t *frame, size_t flen, enum team_decision *out)
{
        struct team_frame_reader rd;
        struct team_response resp;
        const char *why = NULL;
        int r;

        memset(&resp, 0, sizeof(resp));
        team_frame_reader_init(&rd, 0);
        r = bench_roundtrip(path, frame, flen, &rd);
        if (r < 0)
                goto out;
        r = team_response_unpack(TEAM_OP_CHECK, rd.body, rd.body_len, &resp, &why);
        if (r < 0)
                goto out;
        r = resp.ok ? 0 : -EBADMSG;
        *out = resp.decision;
out:
        team_response_clear(&resp);
        team_frame_reader_clear(&rd);
        return r;
}

/* One connection: its frame back, unchanged. */
static void echo_one(int fd)
{
        struct team_frame_reader rd;
        uint8_t hdr[TEAM_PROTO_HEADER_LEN];

        team_frame_reader_init(&rd, 0);
        if (set_timeouts(fd) == 0 && read_frame(fd, &rd) == 0) {
                memcpy(hdr, rd.header, sizeof(hdr));
                if (write_all(fd, hdr, sizeof(hdr)) == 0)
                        (void)write_all(fd, (const uint8_t *)rd.body, rd.body_len);
        }
        team_frame_reader_clear(&rd);
}

static void echo_serve(int lfd)
{
        for (;;) {
                int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

                if (fd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        _exit(1);
                }
                echo_one(fd);
                close(fd);
        }
}

int bench_echo_start(const char *path, pid_t *pid)
{
        struct sockaddr_un sa;
        int lfd, r;
        pid_t p;

        r = fill_addr(path, &sa);
        if (r < 0)
                return r;
        (void)unlink(path);
        lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (lfd < 0)
                return -errno;
        if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, SOMAXCONN) < 0) {
                r = -errno;
                goto out;
        }
        p = fork();
        if (p < 0) {
                r = -errno;
                goto out;
        }
        if (p == 0) {
                if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
                        _exit(1);
                echo_serve(lfd);
        }
        *pid = p;
        r = 0;
out:
        close(lfd);
        return r;
}

void bench_echo_stop(pid_t pid, const char *path)
{
        if (pid > 0) {
                (void)kill(pid, SIGTERM);
                (void)waitpid(pid, NULL, 0);
        }
        if (path)
                (void)unlink(path);
}
