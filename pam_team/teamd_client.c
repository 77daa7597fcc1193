/* SPDX-License-Identifier: BSD-3-Clause */
/* The socket round trip to teamd. Checks before trusting the peer (as
 * SSSD's client does): the socket file is a socket owned by root and not
 * writable by group or others, its directory is root's and not
 * world-writable, and the process on the other end has uid 0
 * (SO_PEERCRED). Every wait is a poll() against one CLOCK_MONOTONIC
 * deadline, so a daemon that hangs, dribbles or floods costs at most
 * timeout_ms. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "deadline_io.h"
#include "teamd_client.h"

static int check_dir(pam_handle_t *pamh, const char *path, const char **why)
{
        char dir[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
        char *slash;
        struct stat st;
        size_t len = strlen(path);

        if (len >= sizeof(dir))
                return -ENAMETOOLONG;
        memcpy(dir, path, len + 1);
        slash = strrchr(dir, '/');
        if (!slash)
                return -EINVAL;
        if (slash == dir)
                slash[1] = '\0';   /* socket directly in "/" */
        else
                slash[0] = '\0';
        if (stat(dir, &st) < 0) {
                int r = -errno;
                pam_syslog(pamh, LOG_ERR, "cannot stat %s: %m", dir);
                *why = "socket directory missing";
                return r;
        }
        if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & S_IWOTH)) {
                pam_syslog(pamh, LOG_ERR,
                           "refusing %s: not a root-owned directory closed to others (uid %u, mode %04o)",
                           dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
                *why = "unsafe socket directory";
                return -EPERM;
        }
        return 0;
}

static int check_socket_file(pam_handle_t *pamh, const char *path, const char **why)
{
        struct stat st;
        int r = check_dir(pamh, path, why);

        if (r < 0)
                return r;
        if (stat(path, &st) < 0) {
                r = -errno;
                pam_syslog(pamh, LOG_ERR, "cannot stat %s: %m", path);
                *why = r == -ENOENT ? "socket missing" : "cannot stat socket";
                return r;
        }
        if (!S_ISSOCK(st.st_mode)) {
                pam_syslog(pamh, LOG_ERR, "refusing %s: not a socket", path);
                *why = "not a socket";
                return -ENOTSOCK;
        }
        if (st.st_uid != 0) {
                pam_syslog(pamh, LOG_ERR, "refusing %s: owned by uid %u, not root",
                           path, (unsigned)st.st_uid);
                *why = "socket not owned by root";
                return -EPERM;
        }
        if (st.st_mode & (S_IWGRP | S_IWOTH)) {
                pam_syslog(pamh, LOG_ERR, "refusing %s: writable by group or others (mode %04o)",
                           path, (unsigned)(st.st_mode & 07777));
                *why = "socket writable by others";
                return -EPERM;
        }
        return 0;
}

static int connect_socket(pam_handle_t *pamh, int fd, const char *path, int64_t deadline,
                          const char **why)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int r, err = 0;
        socklen_t errlen = sizeof(err);

        memcpy(sa.sun_path, path, strlen(path) + 1);   /* length checked by args */
        for (;;) {
                if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
                        return 0;
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        break;
                /* listen backlog full: retry briefly until the deadline */
                if (team_now_ms() >= deadline) {
                        *why = "timed out";
                        return -ETIMEDOUT;
                }
                (void)poll(NULL, 0, 10);
        }
        if (errno != EINPROGRESS) {
                r = -errno;
                pam_syslog(pamh, LOG_ERR, "connect %s: %m", path);
                *why = "connection refused";
                return r;
        }
        r = team_wait_fd(fd, POLLOUT, deadline);
        if (r < 0) {
                *why = r == -ETIMEDOUT ? "timed out" : "connect failed";
                return r;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
                err = errno;
        if (err != 0) {
                pam_syslog(pamh, LOG_ERR, "connect %s: %s", path, strerror(err));
                *why = "connect failed";
                return -err;
        }
        return 0;
}

static int check_peer(pam_handle_t *pamh, int fd, const char **why)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred)) {
                pam_syslog(pamh, LOG_ERR, "SO_PEERCRED: %m");
                *why = "cannot identify teamd";
                return -EPERM;
        }
        if (cred.uid != 0) {
                pam_syslog(pamh, LOG_ERR, "refusing teamd peer pid %d: uid %u, not root",
                           (int)cred.pid, (unsigned)cred.uid);
                *why = "teamd not running as root";
                return -EPERM;
        }
        return 0;
}

int teamd_connect(pam_handle_t *pamh, const struct pam_team_args *args, int64_t deadline, const char **why)
{
        int fd, r;

        *why = "internal error";
        r = check_socket_file(pamh, args->socket, why);
        if (r < 0)
                return r;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
                r = -errno;
                pam_syslog(pamh, LOG_ERR, "socket: %m");
                return r;
        }
        r = connect_socket(pamh, fd, args->socket, deadline, why);
        if (r == 0)
                r = check_peer(pamh, fd, why);
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}

static int send_request(pam_handle_t *pamh, int fd, const struct team_request *req,
                        int64_t deadline, const char **why)
{
        uint8_t *frame = NULL;
        size_t flen = 0;
        int r;

        r = team_request_pack_frame(req, &frame, &flen);
        if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "cannot encode request: %s", strerror(-r));
                *why = r == -EMSGSIZE ? "request too large" : "cannot encode the request";
                goto out;
        }
        r = team_send_all(fd, frame, flen, deadline);
        if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "sending request: %s", strerror(-r));
                *why = r == -ETIMEDOUT ? "timed out" : "connection lost";
        }
out:
        free(frame);
        return r;
}

static int receive_response(pam_handle_t *pamh, int fd, enum team_op op, int64_t deadline,
                            struct team_response *resp, const char **why)
{
        struct team_frame_reader reader;
        const char *bad = NULL;
        int r;

        team_frame_reader_init(&reader, TEAM_PROTO_MAX_FRAME);
        r = team_recv_frame(fd, &reader, deadline);
        if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "reading teamd's answer: %s", strerror(-r));
                *why = r == -ETIMEDOUT ? "timed out"
                     : r == -EMSGSIZE ? "answer too large"
                     : "connection closed";
                goto out;
        }
        r = team_response_unpack(op, reader.body, reader.body_len, resp, &bad);
        if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "malformed answer from teamd: %s",
                           bad ? bad : strerror(-r));
                *why = "malformed answer";
        }
out:
        team_frame_reader_clear(&reader);
        return r;
}

int teamd_call(pam_handle_t *pamh, const struct pam_team_args *args,
               const struct team_request *req, struct team_response *resp,
               const char **why)
{
        int64_t deadline = team_now_ms() + args->timeout_ms;
        int fd = -1, r;

        fd = teamd_connect(pamh, args, deadline, why);
        if (fd < 0) {
                r = fd;
                goto out;
        }
        if (args->debug)
                pam_syslog(pamh, LOG_DEBUG, "connected to %s, sending %s",
                           args->socket, team_op_to_string(req->op));
        r = send_request(pamh, fd, req, deadline, why);
        if (r < 0)
                goto out;
        r = receive_response(pamh, fd, req->op, deadline, resp, why);
        if (r < 0)
                goto out;
        if (args->debug)
                pam_syslog(pamh, LOG_DEBUG, "answer after %lld ms",
                           (long long)(team_now_ms() - deadline + args->timeout_ms));
out:
        if (fd >= 0)
                close(fd);
        return r;
}
