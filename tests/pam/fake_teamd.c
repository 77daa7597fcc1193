/* SPDX-License-Identifier: BSD-3-Clause */
/* fake_teamd MODE SOCKET [UID]: a teamd that misbehaves on purpose, for the
 * PAM module's tests. Binds SOCKET (mode 0600) and serves connections one
 * at a time until SIGTERM. With UID it drops to that uid before listen(),
 * so SO_PEERCRED shows a non-root daemon behind a root-owned socket.
 *
 *   allow      a well-formed allow (check), session id (session_open), ok
 *   deny       a well-formed deny with a reason
 *   failopen   allow with fail_open set and no grant id
 *   error      ok=false
 *   hang       accepts, never answers, keeps the connection open
 *   garbage    a well-framed payload that is not JSON
 *   huge       a header announcing 10 MB, then bytes until the peer leaves
 *   close      closes at once
 *   slowloris  a well-formed allow, one byte every 200 ms
 *   prompt     the prompt flow that never ends: check denies, request is
 *              filed (pending), request_wait is held unanswered (the
 *              oldest held connection is closed when MAX_HELD are held),
 *              request_cancel says ok
 *   prompt-busy  the same, but request_wait answers "timeout" at once, so
 *              that the module spends its time between waits (connecting,
 *              decoding, telling the person), not inside one */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"
#include "protocol.h"

#define MAX_HELD 64

static int read_request(int fd, struct team_request *req)
{
        struct team_frame_reader rd;
        const char *why = NULL;
        int r;

        team_frame_reader_init(&rd, 0);
        do
                r = team_frame_reader_feed(&rd, fd);
        while (r == 0);
        if (r == 1)
                r = team_request_unpack(rd.body, rd.body_len, req, &why);
        if (r < 0)
                fprintf(stderr, "fake_teamd: bad request: %s\n", why ? why : strerror(-r));
        team_frame_reader_clear(&rd);
        return r;
}

static int build_answer(const char *mode, const struct team_request *req, uint8_t **frame,
                        size_t *flen)
{
        struct team_response resp = { .ok = true };
        /* The request's id, echoed: team_response holds its strings as char *. */
        char id[TEAM_MAX_ID + 1];

        snprintf(id, sizeof(id), "%s", req->request_id ? req->request_id : "");
        if (strcmp(mode, "error") == 0) {
                resp.ok = false;
                resp.error = (char *)"fake error";
        } else if (strcmp(mode, "deny") == 0) {
                resp.decision = TEAM_DECISION_DENY;
                resp.reason = (char *)"no grant for sudo on testhost; ask for one: teamctl request sudo";
        } else if (strncmp(mode, "prompt", 6) == 0 && req->op == TEAM_OP_CHECK) {
                resp.decision = TEAM_DECISION_DENY;
                resp.reason = (char *)"no grant for sudo on testhost";
        } else if (strncmp(mode, "prompt", 6) == 0 && req->op == TEAM_OP_REQUEST) {
                resp.request_id = (char *)"r_00000000000000aa";
                resp.request_status = (char *)"pending";
                resp.approvers = (char *)"nobody";
                resp.request_expires = (int64_t)time(NULL) + 600;
        } else if (strncmp(mode, "prompt", 6) == 0 && req->op == TEAM_OP_REQUEST_CANCEL) {
                resp.request_id = id;
                resp.request_status = (char *)"cancelled";
                fprintf(stderr, "fake_teamd: cancel %s\n", req->request_id);
        } else if (strncmp(mode, "prompt", 6) == 0 && req->op == TEAM_OP_REQUEST_WAIT) {
                resp.request_id = id;
                resp.request_status = (char *)"timeout";
        } else if (strncmp(mode, "prompt", 6) == 0) {
                /* request_cancel and anything else: ok */
        } else if (strcmp(mode, "failopen") == 0) {
                resp.decision = TEAM_DECISION_ALLOW;
                resp.fail_open = true;
        } else if (req->op != TEAM_OP_SESSION_CLOSE) {
                resp.decision = TEAM_DECISION_ALLOW;
                resp.grant_id = (char *)"fake-grant";
                resp.expires = (int64_t)time(NULL) + 3600;
                if (req->op == TEAM_OP_SESSION_OPEN)
                        resp.session_id = (char *)"fake-session";
        }
        return team_response_pack_frame(req->op, &resp, frame, flen);
}

static void send_slowly(int fd, const uint8_t *buf, size_t len, long delay_ms)
{
        struct timespec ts = { .tv_sec = delay_ms / 1000, .tv_nsec = (delay_ms % 1000) * 1000000 };

        for (size_t i = 0; i < len; i++) {
                if (send(fd, buf + i, 1, MSG_NOSIGNAL) != 1)
                        return;
                if (delay_ms > 0)
                        nanosleep(&ts, NULL);
        }
}

static void serve_well_formed(int fd, const char *mode)
{
        struct team_request req = { 0 };
        uint8_t *frame = NULL;
        size_t flen = 0;

        if (read_request(fd, &req) < 0)
                return;
        if (build_answer(mode, &req, &frame, &flen) < 0)
                fprintf(stderr, "fake_teamd: cannot encode answer\n");
        else
                send_slowly(fd, frame, flen, strcmp(mode, "slowloris") == 0 ? 200 : 0);
        free(frame);
        team_request_clear(&req);
}

static void serve_huge(int fd)
{
        static const uint8_t header[4] = { 0x00, 0xa0, 0x00, 0x00 };   /* 10 MiB */
        static uint8_t chunk[65536];

        memset(chunk, 'A', sizeof(chunk));
        if (send(fd, header, sizeof(header), MSG_NOSIGNAL) != sizeof(header))
                return;
        for (size_t sent = 0; sent < 10u * 1024 * 1024; sent += sizeof(chunk))
                if (send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL) < 0)
                        return;
}

/* Returns true when the connection must be kept open (hang). */
static bool serve(int fd, const char *mode)
{
        static const uint8_t garbage[] = "\x00\x00\x00\x0bhello world";

        struct team_request req = { 0 };

        if (strcmp(mode, "hang") == 0)
                return true;
        if (strncmp(mode, "prompt", 6) == 0) {
                int r = read_request(fd, &req);
                bool hold = r == 0 && req.op == TEAM_OP_REQUEST_WAIT && strcmp(mode, "prompt") == 0;
                uint8_t *frame = NULL;
                size_t flen = 0;

                if (r == 0 && !hold && build_answer(mode, &req, &frame, &flen) == 0)
                        send_slowly(fd, frame, flen, 0);
                free(frame);
                team_request_clear(&req);
                return hold;
        }
        if (strcmp(mode, "close") == 0)
                return false;
        if (strcmp(mode, "garbage") == 0 || strcmp(mode, "huge") == 0) {
                /* answer after the request, so the client gets to read it */
                int r = read_request(fd, &req);
                team_request_clear(&req);
                if (r < 0)
                        return false;
        }
        if (strcmp(mode, "garbage") == 0)
                (void)send(fd, garbage, sizeof(garbage) - 1, MSG_NOSIGNAL);
        else if (strcmp(mode, "huge") == 0)
                serve_huge(fd);
        else
                serve_well_formed(fd, mode);
        return false;
}

static int listen_on(const char *path, const char *uid_text)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        uint64_t uid = 0;
        mode_t old;
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -1;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        if (uid_text && parse_uint(uid_text, 1, 0xfffffffe, &uid) < 0)
                return -1;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        (void)unlink(path);
        old = umask(0177);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                umask(old);
                close(fd);
                return -1;
        }
        umask(old);
        if (uid && setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0) {
                close(fd);
                return -1;
        }
        if (listen(fd, 16) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

int main(int argc, char **argv)
{
        int held[MAX_HELD], n_held = 0, lfd;
        const char *mode;

        if (argc < 3 || argc > 4) {
                fprintf(stderr, "usage: fake_teamd MODE SOCKET [UID]\n");
                return 2;
        }
        mode = argv[1];
        signal(SIGPIPE, SIG_IGN);
        lfd = listen_on(argv[2], argc == 4 ? argv[3] : NULL);
        if (lfd < 0) {
                fprintf(stderr, "fake_teamd: cannot listen on %s: %s\n", argv[2], strerror(errno));
                return 1;
        }
        for (;;) {
                int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

                if (fd < 0) {
                        if (errno == EINTR)
                                continue;
                        return 1;
                }
                /* hang, prompt: the fd stays open (and unanswered) until exit
                 * or, for prompt, until MAX_HELD newer ones are held */
                if (!serve(fd, mode)) {
                        close(fd);
                } else if (n_held < MAX_HELD) {
                        held[n_held++] = fd;
                } else if (strcmp(mode, "prompt") == 0) {
                        close(held[0]);
                        memmove(held, held + 1, sizeof(held) - sizeof(held[0]));
                        held[MAX_HELD - 1] = fd;
                } else {
                        close(fd);
                }
        }
}
