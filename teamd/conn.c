/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-connection state on the sd-event loop.
 *
 * accept -> SO_PEERCRED (root socket: uid 0 or close) -> read one frame
 * (capped, non-blocking) -> dispatch -> write one frame -> close. Every
 * connection has a 5 s deadline. At most TEAMD_MAX_CONNECTIONS are open on
 * the root socket, and separately TEAMD_MAX_USER_CONNECTIONS on the user
 * socket, TEAMD_MAX_CONNECTIONS_PER_UID per user; past that, new ones are
 * closed at once. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "conn.h"
#include "dispatch.h"
#include "audit/journal.h"
#include "protocol.h"
#include "unconst.h"

#define ACCEPT_BURST 16

struct conn {
        struct teamd *d;
        struct conn *prev, *next;  /* d->conns */
        int fd;
        struct teamd_peer peer;
        sd_event_source *io;
        sd_event_source *timer;
        struct team_frame_reader reader;
        uint8_t *out;
        size_t out_len, out_off;
        /* A request answered later (teamd_conn_defer). */
        bool deferred;
        bool packed;       /* the request was packed: so is the answer */
        /* The answer waits for the commit of the audit group that holds
         * its event (teamd_conn_release_held); lost_at: the count of lost
         * groups when its handler began, so that a group rolled back since
         * turns the answer into an error. */
        bool held;
        uint64_t lost_at;
        enum team_op op;   /* the op answered */
        teamd_conn_gone_fn gone;
        void *gone_ud;
        /* Told whether the answer reached the client's socket. */
        teamd_conn_delivery_fn delivery;
        void *delivery_ud;
};

static void delivery_done(struct conn *c, bool delivered)
{
        teamd_conn_delivery_fn done = c->delivery;

        c->delivery = NULL;
        if (done)
                done(delivered, c->delivery_ud);
}

void teamd_conn_on_delivery(struct conn *c, teamd_conn_delivery_fn done, void *ud)
{
        c->delivery = done;
        c->delivery_ud = ud;
}

static void conn_free(struct conn *c)
{
        if (!c)
                return;
        delivery_done(c, false);
        if (c->gone) {
                teamd_conn_gone_fn gone = c->gone;

                c->gone = NULL;
                gone(c->gone_ud);
        }
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->timer);
        team_frame_reader_clear(&c->reader);
        free(c->out);
        if (c->fd >= 0)
                close(c->fd);
        if (c->prev)
                c->prev->next = c->next;
        else
                c->d->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        if (c->peer.privileged)
                c->d->n_conns--;
        else
                c->d->n_user_conns--;
        free(c);
}

void teamd_conn_close_all(struct teamd *d)
{
        while (d->conns)
                conn_free(d->conns);
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct conn *c = userdata;

        teamd_log(LOG_NOTICE, "connection from pid %ld timed out", (long)c->peer.pid);
        conn_free(c);
        return 0;
}

/* Encodes resp as the answer frame in c->out, in the request's encoding. */
static int build_answer(struct conn *c, enum team_op op, const struct team_response *resp)
{
        char *json = NULL;
        size_t json_len = 0;
        int r;

        if (c->packed)
                return team_response_pack_frame(op, resp, &c->out, &c->out_len);
        r = team_response_encode(op, resp, &json, &json_len);
        if (r == 0)
                r = team_frame_build(json, json_len, &c->out, &c->out_len);
        free(json);
        return r;
}

/* Builds the answer frame for one request payload; TEAMD_DEFERRED when the
 * handler answers later. */
static int answer(struct conn *c, const char *payload, size_t len)
{
        struct team_request req;
        struct team_response resp;
        const char *why = NULL;
        enum team_op op = TEAM_OP_CHECK;
        int r;

        memset(&req, 0, sizeof(req));
        memset(&resp, 0, sizeof(resp));
        c->lost_at = teamd_audit_groups_lost(c->d);
        c->packed = team_payload_is_packed(payload, len);
        r = c->packed ? team_request_unpack(payload, len, &req, &why) : team_request_decode(payload, len, &req, &why);
        /* A packed refusal names the op it answers: the one asked, when the
         * header says one, so that the module can read why. */
        if (r == -EBADMSG && c->packed)
                op = team_packed_op(payload, len, TEAM_OP_CHECK);
        if (r == -EBADMSG) {
                teamd_log(LOG_NOTICE, "bad request from pid %ld: %s", (long)c->peer.pid, why ? why : "?");
                r = teamd_response_error(&resp, "bad request: %s", why ? why : "malformed");
        } else if (r == 0) {
                op = req.op;
                if (teamd_dispatch(c->d, &c->peer, &req, &resp) == TEAMD_DEFERRED) {
                        c->deferred = true;
                        r = TEAMD_DEFERRED;
                }
        }
        c->op = op;
        if (r == 0)
                r = build_answer(c, op, &resp);
        team_request_clear(&req);
        team_response_clear(&resp);
        return r;
}

/* An error answer instead of the one built: the client must never be left
 * with a closed connection and no word (the module then denies). */
static int build_error_answer(struct conn *c, const char *error)
{
        /* A view for encoding only: never freed. */
        struct team_response err = { .ok = false, .error = team_unconst(error) };

        free(c->out);
        c->out = NULL;
        c->out_len = c->out_off = 0;
        return build_answer(c, c->op, &err);
}

/* The answer built, or an error when a group of audit events rolled back
 * since the handler began (its events may have been in it). */
static int send_answer(struct conn *c)
{
        int r = 0;

        if (teamd_audit_groups_lost(c->d) != c->lost_at) {
                /* What the client gets is a refusal: say so in the record. */
                delivery_done(c, false);
                r = build_error_answer(c, "teamd could not record the decision in its audit trail; try again");
        }
        if (r >= 0)
                r = sd_event_source_set_io_events(c->io, EPOLLOUT);
        if (r >= 0)
                r = sd_event_source_set_enabled(c->io, SD_EVENT_ON);
        return r;
}

/* The answer goes out now, or once the audit group holding its event has
 * committed: nobody is told of a decision the record could still lose. */
static int start_sending(struct conn *c)
{
        if (teamd_audit_group_open(c->d)) {
                /* The source stays as it is (no epoll_ctl): with the
                 * request read, only a hang-up can wake it meanwhile. */
                c->held = true;
                return 0;
        }
        return send_answer(c);
}

void teamd_conn_release_held(struct teamd *d)
{
        struct conn *c;

        /* From the start again after each connection freed: freeing one
         * records an event, which may end a group and release (or free)
         * others from in here. */
again:
        for (c = d->conns; c; c = c->next) {
                if (!c->held)
                        continue;
                c->held = false;
                if (send_answer(c) < 0) {
                        teamd_log(LOG_ERR, "cannot answer pid %ld", (long)c->peer.pid);
                        conn_free(c);
                        goto again;
                }
        }
}

static int on_writable(struct conn *c)
{
        while (c->out_off < c->out_len) {
                ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        return -errno;
                }
                c->out_off += (size_t)n;
        }
        return 1;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct conn *c = userdata;
        int r;

        if (c->held) {
                /* Woken before the group committed: a hang-up ends it; a
                 * half-close or more bytes wait, unread, for the answer. */
                if ((revents & (EPOLLHUP | EPOLLERR)) || sd_event_source_set_enabled(c->io, SD_EVENT_OFF) < 0)
                        goto close;
                return 0;
        }
        if (c->deferred) {
                /* Waiting for a late answer: the client may only hang up. */
                char b;
                ssize_t n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return 0;
                if (n > 0)
                        teamd_log(LOG_NOTICE, "pid %ld sent more than one request; closing", (long)c->peer.pid);
                goto close;
        }
        if (!c->out) {
                r = team_frame_reader_feed(&c->reader, c->fd);
                if (r == 0)
                        return 0;
                if (r < 0) {
                        if (r != -ECONNRESET)
                                teamd_log(LOG_NOTICE, "dropping connection from pid %ld: %s", (long)c->peer.pid,
                                          strerror(-r));
                        goto close;
                }
                r = answer(c, c->reader.body, c->reader.body_len);
                if (r == TEAMD_DEFERRED)
                        return 0;
                if (r < 0) {
                        teamd_log(LOG_ERR, "cannot answer pid %ld: %s", (long)c->peer.pid, strerror(-r));
                        goto close;
                }
                r = start_sending(c);
                if (r < 0)
                        goto close;
                if (c->held)
                        return 0;
        }
        r = on_writable(c);
        if (r == 0)
                return 0;
        if (r == 1)
                delivery_done(c, true);
close:
        /* Done (r == 1) or failed: either way the connection ends here. */
        conn_free(c);
        return 0;
}

static int conn_new(struct teamd *d, int fd, const struct ucred *cred, bool privileged)
{
        struct conn *c = calloc(1, sizeof(*c));
        int r;

        if (!c) {
                close(fd);
                return -ENOMEM;
        }
        c->d = d;
        c->fd = fd;
        c->next = d->conns;
        if (d->conns)
                d->conns->prev = c;
        d->conns = c;
        c->peer = (struct teamd_peer){
                .privileged = privileged, .uid = cred->uid, .gid = cred->gid, .pid = cred->pid, .conn = c,
        };
        if (privileged)
                d->n_conns++;
        else
                d->n_user_conns++;
        team_frame_reader_init(&c->reader, TEAM_PROTO_MAX_FRAME);
        r = sd_event_add_io(d->event, &c->io, fd, EPOLLIN, on_io, c);
        if (r >= 0)
                r = sd_event_add_time_relative(d->event, &c->timer, CLOCK_MONOTONIC, TEAMD_CONN_TIMEOUT_USEC, 0,
                                               on_timeout, c);
        if (r < 0)
                conn_free(c);
        return r;
}

int teamd_conn_defer(struct conn *c, uint64_t timeout_usec, teamd_conn_gone_fn gone, void *ud)
{
        int r;

        if (!c || !gone)
                return -EINVAL;
        r = sd_event_source_set_time_relative(c->timer, timeout_usec);
        if (r < 0)
                return r;
        c->gone = gone;
        c->gone_ud = ud;
        return 0;
}

void teamd_conn_answer(struct conn *c, const struct team_response *resp)
{
        int r;

        if (!c || !c->deferred)
                return;
        c->deferred = false;
        c->gone = NULL;
        c->lost_at = teamd_audit_groups_lost(c->d);
        r = build_answer(c, c->op, resp);
        if (r < 0) {
                teamd_log(LOG_ERR, "cannot encode the answer to pid %ld: %s", (long)c->peer.pid, strerror(-r));
                r = build_error_answer(c, "teamd could not encode its answer");
        }
        if (r >= 0)
                r = start_sending(c);
        if (r < 0) {
                teamd_log(LOG_ERR, "cannot answer pid %ld: %s", (long)c->peer.pid, strerror(-r));
                conn_free(c);
        }
}

static unsigned conns_of_uid(const struct teamd *d, uid_t uid)
{
        unsigned n = 0;

        for (const struct conn *c = d->conns; c; c = c->next)
                if (!c->peer.privileged && c->peer.uid == uid)
                        n++;
        return n;
}

static bool over_budget(const struct teamd *d, bool privileged, uid_t uid)
{
        if (privileged)
                return d->n_conns >= TEAMD_MAX_CONNECTIONS;
        return d->n_user_conns >= TEAMD_MAX_USER_CONNECTIONS || conns_of_uid(d, uid) >= TEAMD_MAX_CONNECTIONS_PER_UID;
}

/* At most one message per 10 s, so that a flood of refused connections
 * does not become a flood of journal entries. */
static void log_refused(bool privileged, const struct ucred *cred)
{
        static uint64_t last_usec;
        static unsigned suppressed;
        struct timespec ts;
        uint64_t now;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
        if (last_usec != 0 && now - last_usec < 10 * 1000000ULL) {
                suppressed++;
                return;
        }
        teamd_log(LOG_WARNING, "too many connections on the %s socket; refused uid %lu pid %ld (%u more refused since the last message)",
                  privileged ? "root" : "user", (unsigned long)cred->uid, (long)cred->pid, suppressed);
        last_usec = now;
        suppressed = 0;
}

static void accept_one(struct teamd *d, int fd, bool privileged)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred)) {
                teamd_log(LOG_WARNING, "cannot read the peer's credentials: %m");
                close(fd);
                return;
        }
        if (privileged && cred.uid != 0) {
                teamd_log(LOG_WARNING, "refused uid %lu (pid %ld) on the root socket", (unsigned long)cred.uid,
                          (long)cred.pid);
                close(fd);
                return;
        }
        if (over_budget(d, privileged, cred.uid)) {
                log_refused(privileged, &cred);
                close(fd);
                return;
        }
        if (conn_new(d, fd, &cred, privileged) < 0)
                teamd_log(LOG_ERR, "cannot track a connection from pid %ld", (long)cred.pid);
}

struct listener {
        struct teamd *d;
        bool privileged;
};

static int on_accept(sd_event_source *s, int lfd, uint32_t revents, void *userdata)
{
        struct listener *l = userdata;

        for (int i = 0; i < ACCEPT_BURST; i++) {
                int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) {
                        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                                teamd_log(LOG_ERR, "accept: %m");
                        break;
                }
                accept_one(l->d, fd, l->privileged);
        }
        return 0;
}

static void listener_free(void *userdata)
{
        free(userdata);
}

int teamd_conn_listen(struct teamd *d, int listen_fd, bool privileged)
{
        struct listener *l = calloc(1, sizeof(*l));
        sd_event_source *src = NULL;
        int r;

        if (!l)
                return -ENOMEM;
        l->d = d;
        l->privileged = privileged;
        r = sd_event_add_io(d->event, &src, listen_fd, EPOLLIN, on_accept, l);
        if (r < 0) {
                free(l);
                return r;
        }
        sd_event_source_set_destroy_callback(src, listener_free);
        /* The loop owns the source from here on; it goes with the loop. */
        sd_event_source_set_floating(src, true);
        sd_event_source_unref(src);
        return 0;
}
