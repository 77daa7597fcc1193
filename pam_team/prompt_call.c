/* SPDX-License-Identifier: BSD-3-Clause */
/* prompt_call(): teamd_call() for the prompt's long waits. The socket
 * checks and the connect are teamd_client.c's (teamd_connect); what differs
 * is that Ctrl-C ends the wait, and that no Ctrl-C can be lost.
 *
 * sudo catches SIGINT while PAM runs (its handler only notes it, with
 * SA_RESTART) and acts on it after the module returns. A module that
 * relied on its poll() failing with EINTR lost every signal that arrived
 * anywhere else (connecting, decoding an answer, telling the person): the
 * handler ran there, nothing was interrupted, and the wait went on for
 * minutes. So for the whole flow the keyboard and hang-up signals are
 * blocked (prompt_signals_hold, never a handler of ours) and the waits
 * watch a signalfd for them: a signal that arrives while they are held
 * stays pending and makes the signalfd readable, before or during the
 * ppoll(). It is not read, so the application still gets it when the
 * flow restores its mask.
 *
 * Letting the signals in inside ppoll() instead is not enough: an
 * application started with SIGINT ignored (any background job of a
 * non-interactive shell: nohup, a CI script, `cmd &`) keeps it ignored
 * (sudo does; its password prompt installs a handler of its own), and an
 * ignored signal that is not blocked is discarded by the kernel when it
 * is sent, so ^C never reached the wait. Only when no signalfd can be had
 * does ppoll() let them in (the application's mask), as a fallback; the
 * sigpending() checks cover the moments between waits either way. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
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

static void interrupt_set(sigset_t *set)
{
        sigemptyset(set);
        sigaddset(set, SIGINT);
        sigaddset(set, SIGQUIT);
        sigaddset(set, SIGTERM);
        sigaddset(set, SIGHUP);
}

void prompt_signals_hold(struct prompt_signals *ps)
{
        sigset_t set;

        interrupt_set(&set);
        ps->held = sigprocmask(SIG_BLOCK, &set, &ps->saved) == 0;
        ps->fd = ps->held ? signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK) : -1;
}

void prompt_signals_release(struct prompt_signals *ps)
{
        if (ps->held) {
                if (ps->fd >= 0)
                        close(ps->fd);
                (void)sigprocmask(SIG_SETMASK, &ps->saved, NULL);
        }
        ps->held = false;
        ps->fd = -1;
}

bool prompt_signals_pending(void)
{
        sigset_t pending, set;

        interrupt_set(&set);
        if (sigpending(&pending) != 0)
                return false;
        for (int sig = 1; sig < NSIG; sig++)
                if (sigismember(&set, sig) == 1 && sigismember(&pending, sig) == 1)
                        return true;
        return false;
}

/* ppoll() once for events until the deadline: 0 ready, -ETIMEDOUT,
 * -EINTR. With the signals held, their signalfd is watched beside fd (they
 * stay blocked); without one, the application's mask is let in. */
static int wait_once(int fd, short events, int64_t deadline, const struct prompt_signals *ps)
{
        struct pollfd pfd[2] = { { .fd = fd, .events = events }, { .fd = -1 } };
        bool watch = ps && ps->held && ps->fd >= 0;
        int64_t left = deadline - mono_ms();
        struct timespec ts;
        int r;

        if (ps && prompt_signals_pending())
                return -EINTR;
        if (left <= 0)
                return -ETIMEDOUT;
        if (left > 60000)
                left = 60000;
        ts.tv_sec = (time_t)(left / 1000);
        ts.tv_nsec = (long)(left % 1000) * 1000000L;
        if (watch) {
                pfd[1].fd = ps->fd;
                pfd[1].events = POLLIN;
        }
        r = ppoll(pfd, watch ? 2 : 1, &ts, ps && ps->held && !watch ? &ps->saved : NULL);
        if (r < 0)
                return -errno;
        if (watch && pfd[1].revents)
                return -EINTR;
        return r == 0 && mono_ms() >= deadline ? -ETIMEDOUT : 0;
}

static int send_frame(int fd, const struct team_request *req, int64_t deadline, const struct prompt_signals *ps)
{
        uint8_t *frame = NULL;
        size_t flen = 0, off = 0;
        int r;

        r = team_request_pack_frame(req, &frame, &flen);
        while (r == 0 && off < flen) {
                ssize_t n = send(fd, frame + off, flen - off, MSG_NOSIGNAL);

                if (n >= 0)
                        off += (size_t)n;
                else if (errno == EAGAIN)
                        r = wait_once(fd, POLLOUT, deadline, ps);
                else
                        r = -errno;
        }
        free(frame);
        return r;
}

static int recv_frame(int fd, enum team_op op, int64_t deadline, const struct prompt_signals *ps,
                      struct team_response *resp, const char **bad)
{
        struct team_frame_reader rd;
        int r;

        team_frame_reader_init(&rd, TEAM_PROTO_MAX_FRAME);
        for (;;) {
                r = team_frame_reader_feed(&rd, fd);
                if (r != 0)
                        break;
                r = wait_once(fd, POLLIN, deadline, ps);
                if (r < 0)
                        break;
        }
        if (r > 0)
                r = team_response_unpack(op, rd.body, rd.body_len, resp, bad);
        team_frame_reader_clear(&rd);
        return r;
}

int prompt_call(pam_handle_t *pamh, const struct pam_team_args *args, const struct prompt_signals *ps,
                unsigned timeout_ms, const struct team_request *req, struct team_response *resp, const char **why)
{
        int64_t deadline = mono_ms() + timeout_ms;
        const char *bad = NULL;
        int fd, r;

        if (ps && prompt_signals_pending()) {
                *why = "interrupted";
                return -EINTR;
        }
        fd = teamd_connect(pamh, args, deadline, why);
        if (fd < 0)
                return fd;
        r = send_frame(fd, req, deadline, ps);
        if (r == 0)
                r = recv_frame(fd, req->op, deadline, ps, resp, &bad);
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
