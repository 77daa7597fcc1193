/* prompt_call(): teamd_call() for the prompt's long waits. The socket
 * checks and the connect are teamd_client.c's (teamd_connect); what differs
 * is that a signal ends the wait: sudo catches SIGINT while PAM runs and
 * acts on it only after the module returns, so a wait that retried on
 * EINTR would keep a person who pressed Ctrl-C waiting for minutes. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "prompt.h"
#include "teamd_client.h"

static int64_t mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll() once for events until the deadline: 0 ready, -ETIMEDOUT, -EINTR. */
static int wait_once(int fd, short events, int64_t deadline)
{
        struct pollfd pfd = { .fd = fd, .events = events };
        int64_t left = deadline - mono_ms();
        int r;

        if (left <= 0)
                return -ETIMEDOUT;
        r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
        if (r < 0)
                return -errno;
        return r == 0 && mono_ms() >= deadline ? -ETIMEDOUT : 0;
}

static int send_frame(int fd, const struct team_request *req, int64_t deadline)
{
        char *payload = NULL;
        uint8_t *frame = NULL;
        size_t len = 0, flen = 0, off = 0;
        int r;

        r = team_request_encode(req, &payload, &len);
        if (r == 0)
                r = team_frame_build(payload, len, &frame, &flen);
        while (r == 0 && off < flen) {
                ssize_t n = send(fd, frame + off, flen - off, MSG_NOSIGNAL);

                if (n >= 0)
                        off += (size_t)n;
                else if (errno == EAGAIN)
                        r = wait_once(fd, POLLOUT, deadline);
                else
                        r = -errno;
        }
        free(payload);
        free(frame);
        return r;
}

static int recv_frame(int fd, enum team_op op, int64_t deadline, struct team_response *resp, const char **bad)
{
        struct team_frame_reader rd;
        int r;

        team_frame_reader_init(&rd, TEAM_PROTO_MAX_FRAME);
        for (;;) {
                r = team_frame_reader_feed(&rd, fd);
                if (r != 0)
                        break;
                r = wait_once(fd, POLLIN, deadline);
                if (r < 0)
                        break;
        }
        if (r > 0)
                r = team_response_decode(op, rd.body, rd.body_len, resp, bad);
        team_frame_reader_clear(&rd);
        return r;
}

int prompt_call(pam_handle_t *pamh, const struct pam_team_args *args, unsigned timeout_ms,
                const struct team_request *req, struct team_response *resp, const char **why)
{
        int64_t deadline = mono_ms() + timeout_ms;
        const char *bad = NULL;
        int fd, r;

        fd = teamd_connect(pamh, args, deadline, why);
        if (fd < 0)
                return fd;
        r = send_frame(fd, req, deadline);
        if (r == 0)
                r = recv_frame(fd, req->op, deadline, resp, &bad);
        if (r == -EINTR) {
                *why = "interrupted";
        } else if (r == -EBADMSG && bad) {
                pam_syslog(pamh, LOG_ERR, "malformed answer from teamd: %s", bad);
                *why = "malformed answer";
        } else if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "%s with teamd: %s", team_op_to_string(req->op), strerror(-r));
                *why = r == -ETIMEDOUT ? "timed out" : "connection lost";
        }
        close(fd);
        return r;
}
