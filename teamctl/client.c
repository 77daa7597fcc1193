/* SPDX-License-Identifier: BSD-3-Clause */
/* Connect to teamd with a deadline, send one frame, read one frame. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "deadline_io.h"
#include "teamctl.h"

static int connect_unix(const char *path, int64_t deadline, int *out)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        socklen_t len = sizeof(sa);
        int fd, r, soerr = 0;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                if (errno != EINPROGRESS && errno != EAGAIN) {
                        r = -errno;
                        goto fail;
                }
                r = team_wait_fd(fd, POLLOUT, deadline);
                if (r < 0)
                        goto fail;
                len = sizeof(soerr);
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr != 0) {
                        r = soerr ? -soerr : -errno;
                        goto fail;
                }
        }
        *out = fd;
        return 0;
fail:
        close(fd);
        return r;
}

/* Whatever answers must be root's teamd, as pam_team also insists. */
static bool peer_is_root(int fd)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);

        return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && len == sizeof(cred) && cred.uid == 0;
}

static int unreachable(const char *path, int err, char *buf, size_t len)
{
        switch (err) {
        case ENOENT:
        case ECONNREFUSED:
                snprintf(buf, len, "cannot reach teamd at %s: %s; is teamd running? systemctl status teamd.socket",
                         path, strerror(err));
                break;
        case EACCES:
        case EPERM:
                snprintf(buf, len, "cannot reach teamd at %s: %s; that socket is for root (run teamctl as root, "
                                   "or without --socket to use the user socket)",
                         path, strerror(err));
                break;
        case ETIMEDOUT:
                snprintf(buf, len, "teamd at %s did not answer within %d s; check journalctl -u teamd", path,
                         TEAMCTL_TIMEOUT_MS / 1000);
                break;
        default:
                snprintf(buf, len, "talking to teamd at %s failed: %s; check systemctl status teamd", path,
                         strerror(err));
                break;
        }
        return TEAMCTL_EXIT_UNAVAILABLE;
}

int teamctl_call(const char *socket_path, const struct team_request *req, struct team_response *resp, char **raw,
                 char *err, size_t errlen)
{
        int64_t deadline = team_now_ms() + TEAMCTL_TIMEOUT_MS;
        struct team_frame_reader rd;
        const char *why = NULL;
        char *payload = NULL;
        uint8_t *frame = NULL;
        size_t plen = 0, flen = 0;
        int fd = -1, r, ret;

        team_frame_reader_init(&rd, TEAM_PROTO_MAX_FRAME);
        memset(resp, 0, sizeof(*resp));
        if (raw)
                *raw = NULL;
        r = team_request_encode(req, &payload, &plen);
        if (r == 0)
                r = team_frame_build(payload, plen, &frame, &flen);
        if (r < 0) {
                snprintf(err, errlen, "cannot build the request: %s", strerror(-r));
                ret = TEAMCTL_EXIT_USAGE;
                goto out;
        }
        r = connect_unix(socket_path, deadline, &fd);
        if (r == 0 && !peer_is_root(fd)) {
                snprintf(err, errlen, "the process listening on %s is not root's; it is not teamd", socket_path);
                ret = TEAMCTL_EXIT_UNAVAILABLE;
                goto out;
        }
        if (r == 0)
                r = team_send_all(fd, frame, flen, deadline);
        if (r == 0)
                r = team_recv_frame(fd, &rd, deadline);
        if (r < 0) {
                ret = unreachable(socket_path, r == -ECONNRESET && fd >= 0 ? ECONNRESET : -r, err, errlen);
                if (r == -ECONNRESET)
                        snprintf(err, errlen, "teamd at %s closed the connection without an answer; "
                                              "check journalctl -u teamd", socket_path);
                goto out;
        }
        r = team_response_decode(req->op, rd.body, rd.body_len, resp, &why);
        if (r < 0) {
                snprintf(err, errlen, "teamd sent an answer teamctl does not understand (%s)",
                         why ? why : strerror(-r));
                ret = TEAMCTL_EXIT_UNAVAILABLE;
                goto out;
        }
        if (raw) {
                *raw = strndup(rd.body, rd.body_len);
                if (!*raw) {
                        team_response_clear(resp);
                        snprintf(err, errlen, "out of memory");
                        ret = EX_OSERR;
                        goto out;
                }
        }
        ret = 0;
out:
        if (fd >= 0)
                close(fd);
        team_frame_reader_clear(&rd);
        free(payload);
        free(frame);
        return ret;
}
