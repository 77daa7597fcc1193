/* SPDX-License-Identifier: BSD-3-Clause */
/* SessionCommand and SessionCommandsSummarised; see session_exec.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "audit.h"
#include "audit/journal.h"
#include "pid_map.h"
#include "proc_events.h"
#include "proc_exec.h"
#include "proc_tree.h"
#include "session_end.h"
#include "session_exec.h"
#include "session_hold.h"

/* Datagrams read in one turn of the event loop; the rest wait for the
 * next turn, so that a fork storm cannot keep a PAM check waiting. */
#define READS_PER_TURN 512
/* Summaries go out at most this often per session. */
#define SUMMARY_USEC (1000ULL * 1000)
/* Open sessions followed again at start. */
#define START_SESSIONS_MAX 20000

struct exec_session {
        char *id, *grant_id, *request_id, *breakglass_id, *user, *role, *service, *tty, *rhost;
        size_t n_pids;
        uint64_t window;        /* the CLOCK_MONOTONIC second in_window counts */
        uint64_t in_window;
        uint64_t recorded;      /* SessionCommand events, in all */
        uint64_t over_rate;     /* counted, not recorded, since the last summary */
        uint64_t over_max;
        bool lost;              /* the kernel dropped events since the last summary */
};

/* An execve read from /proc, waiting to become its event: /proc is read
 * for each one as its datagram is taken, the events (outbox rows,
 * journald entries) are written after the turn's datagrams are all read,
 * so that a program that runs for a millisecond is still there to be
 * read. */
struct exec_capture {
        uint32_t slot;
        pid_t pid, ppid;
        int r;                  /* proc_exec_read's */
        struct proc_exec pe;
};

struct session_exec {
        struct teamd *d;
        bool unavailable_said;          /* the kernel's events cannot be had: logged once */
        struct exec_capture *captured;
        size_t n_captured, cap_captured;
        int fd;
        sd_event_source *io;
        sd_event_source *tick;
        struct exec_session **s;
        size_t n_s;
        struct pid_map pids;
        bool in_tx;
};

static void flush_captured(struct session_exec *x);

static uint64_t mono_sec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec;
}

/* Events of one turn share one outbox transaction (no fsync before the
 * next synced commit, a second at most: a command is not an answer
 * anybody waits for). */
static void tx_begin(struct session_exec *x)
{
        if (!x->in_tx) {
                (void)teamd_audit_begin_unsynced(x->d);
                x->in_tx = true;
        }
}

static void tx_end(struct session_exec *x)
{
        if (x->in_tx) {
                (void)teamd_audit_end(x->d, 0);
                x->in_tx = false;
        }
}

static void fields_of(const struct session_exec *x, const struct exec_session *s, struct team_audit_event *f)
{
        *f = (struct team_audit_event){
                .user = s->user, .role = s->role, .host = x->d->cfg.host_id, .grant_id = s->grant_id,
                .request_id = s->request_id, .service = s->service, .tty = s->tty, .rhost = s->rhost,
                .session_id = s->id,
        };
}

static void arm_tick(struct session_exec *x)
{
        int enabled = SD_EVENT_OFF;

        if (!x->tick || (sd_event_source_get_enabled(x->tick, &enabled) >= 0 && enabled != SD_EVENT_OFF))
                return;
        (void)sd_event_source_set_time_relative(x->tick, SUMMARY_USEC);
        (void)sd_event_source_set_enabled(x->tick, SD_EVENT_ONESHOT);
}

static void summarise(struct session_exec *x, struct exec_session *s)
{
        struct team_audit_event f;
        uint64_t n = s->over_rate + s->over_max;
        char why[256];

        if (n == 0 && !s->lost)
                return;
        snprintf(why, sizeof(why), "%s%s%s%s%s", s->over_rate ? "over [sessions] commands_per_second" : "",
                 s->over_rate && (s->over_max || s->lost) ? "; " : "",
                 s->over_max ? "over [sessions] commands_max" : "", s->over_max && s->lost ? "; " : "",
                 s->lost ? "the kernel's event queue overflowed: executions may be missing" : "");
        fields_of(x, s, &f);
        f.summarised = n;
        f.reason = why;
        tx_begin(x);
        team_journal_event(TEAM_EVENT_SESSION_COMMANDS_SUMMARISED, &f,
                           "session %s: %llu executions counted, not recorded one by one (%s)", s->id,
                           (unsigned long long)n, why);
        s->over_rate = s->over_max = 0;
        s->lost = false;
}

static void session_free(struct exec_session *s)
{
        if (!s)
                return;
        free(s->id);
        free(s->grant_id);
        free(s->request_id);
        free(s->breakglass_id);
        free(s->user);
        free(s->role);
        free(s->service);
        free(s->tty);
        free(s->rhost);
        free(s);
}

/* The session's last process ended: its last summary, then it is gone. */
static void finish(struct session_exec *x, uint32_t slot)
{
        struct exec_session *s = x->s[slot];

        flush_captured(x);
        summarise(x, s);
        pid_map_del_slot(&x->pids, slot);
        session_free(s);
        x->s[slot] = NULL;
}

static void record(struct session_exec *x, struct exec_capture *c)
{
        struct exec_session *s = x->s[c->slot];
        struct team_audit_command cmd = { .present = true, .pid = c->pid, .ppid = c->ppid, .uid = -1, .euid = -1 };
        struct team_audit_event f;
        const char *what;

        if (c->r == 0) {
                cmd.ppid = c->pe.ppid;
                cmd.uid = c->pe.uid;
                cmd.euid = c->pe.euid;
                cmd.exe = c->pe.exe;
                cmd.cwd = c->pe.cwd;
                cmd.argv = c->pe.argv;
        }
        what = cmd.argv && cmd.argv[0] ? cmd.argv
               : cmd.exe               ? cmd.exe
                                       : "a program that ended before it could be read";
        fields_of(x, s, &f);
        f.command = cmd;
        tx_begin(x);
        team_journal_event(TEAM_EVENT_SESSION_COMMAND, &f, "session %s: %s ran %s%s", s->id, s->user, what,
                           c->r == 0 && c->pe.argv_cut ? " (arguments cut)" : "");
}

/* The turn's captures become events. */
static void flush_captured(struct session_exec *x)
{
        for (size_t i = 0; i < x->n_captured; i++) {
                record(x, &x->captured[i]);
                proc_exec_clear(&x->captured[i].pe);
        }
        x->n_captured = 0;
}

static void capture(struct session_exec *x, uint32_t slot, pid_t pid, pid_t ppid)
{
        struct exec_capture *c;

        if (x->n_captured == x->cap_captured) {
                size_t cap = x->cap_captured ? x->cap_captured * 2 : 64;
                struct exec_capture *grown = reallocarray(x->captured, cap, sizeof(*grown));
                if (!grown) {
                        flush_captured(x);
                        if (x->cap_captured == 0) {
                                x->s[slot]->lost = true;
                                arm_tick(x);
                                return;
                        }
                } else {
                        x->captured = grown;
                        x->cap_captured = cap;
                }
        }
        c = &x->captured[x->n_captured++];
        *c = (struct exec_capture){ .slot = slot, .pid = pid, .ppid = ppid };
        c->r = proc_exec_read("/proc", pid, &c->pe);
        x->s[slot]->recorded++;
}

static void on_exec(void *userdata, pid_t tgid)
{
        struct session_exec *x = userdata;
        const struct pid_entry *e = pid_map_get(&x->pids, tgid);
        struct exec_session *s;
        uint64_t now;

        if (!e || !(s = x->s[e->slot]))
                return;
        now = mono_sec();
        if (now != s->window) {
                s->window = now;
                s->in_window = 0;
        }
        if (s->recorded >= x->d->cfg.commands_max) {
                s->over_max++;
                arm_tick(x);
        } else if (s->in_window >= x->d->cfg.commands_per_second) {
                s->over_rate++;
                arm_tick(x);
        } else {
                s->in_window++;
                capture(x, e->slot, tgid, e->ppid);
        }
}

static void follow(struct session_exec *x, pid_t pid, pid_t ppid, uint32_t slot)
{
        const struct pid_entry *old = pid_map_get(&x->pids, pid);
        int r;

        /* A pid seen again whose exit was missed: it is a new process. */
        if (old && x->s[old->slot])
                x->s[old->slot]->n_pids--;
        r = pid_map_put(&x->pids, pid, ppid, slot);
        if (r < 0) {
                x->s[slot]->lost = true;
                arm_tick(x);
                return;
        }
        x->s[slot]->n_pids++;
}

static void on_fork(void *userdata, pid_t parent, pid_t child)
{
        struct session_exec *x = userdata;
        const struct pid_entry *e = pid_map_get(&x->pids, parent);

        if (e && x->s[e->slot])
                follow(x, child, parent, e->slot);
}

static void on_exit_event(void *userdata, pid_t tgid)
{
        struct session_exec *x = userdata;
        struct pid_entry e;

        if (!pid_map_del(&x->pids, tgid, &e) || !x->s[e.slot])
                return;
        if (--x->s[e.slot]->n_pids == 0)
                finish(x, e.slot);
}

static const struct proc_event_handlers handlers = {
        .fork = on_fork,
        .exec = on_exec,
        .exit = on_exit_event,
};

static int on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata);

/* Subscribed only while a session is followed: a host without elevated
 * sessions sends teamd none of its forks. Subscribing is synchronous, so
 * a leader registered before pam_team is answered misses none of its
 * forks. */
static int subscribe(struct session_exec *x)
{
        int r;

        if (x->fd >= 0)
                return 0;
        r = proc_events_open(&x->fd);
        if (r >= 0) {
                r = sd_event_add_io(x->d->event, &x->io, x->fd, EPOLLIN, on_io, x);
                if (r < 0) {
                        proc_events_close(x->fd);
                        x->fd = -1;
                }
        }
        if (r < 0 && !x->unavailable_said) {
                teamd_log(LOG_WARNING, "the commands run in elevated sessions are not recorded: the kernel's"
                          " process events are not available (%s; teamd needs CAP_NET_ADMIN in the host's"
                          " network namespace)", strerror(-r));
                x->unavailable_said = true;
        }
        return r;
}

static void unsubscribe_if_idle(struct session_exec *x)
{
        for (uint32_t i = 0; i < x->n_s; i++)
                if (x->s[i])
                        return;
        if (x->fd < 0)
                return;
        x->io = sd_event_source_disable_unref(x->io);
        proc_events_close(x->fd);
        x->fd = -1;
        pid_map_free(&x->pids);
}

/* The session's processes, as its holder sees them now. */
static void reseed(struct session_exec *x, uint32_t slot, const struct session_row *row)
{
        struct session_hold h;
        struct proc_ref *procs = NULL;
        size_t n = 0;

        pid_map_del_slot(&x->pids, slot);
        x->s[slot]->n_pids = 0;
        if (session_row_hold(row, &h) == 0) {
                if (session_hold_procs(&h, &procs, &n) == 0)
                        for (size_t i = 0; i < n; i++)
                                follow(x, procs[i].pid, 0, slot);
                session_hold_clear(&h);
        }
        free(procs);
        if (x->s[slot]->n_pids == 0 && row->pid > 1)
                follow(x, row->pid, 0, slot);
}

/* The kernel dropped events: every session says so, and is looked up
 * again (forks and exits were missed). */
static void overflowed(struct session_exec *x)
{
        teamd_log(LOG_WARNING, "the kernel's process event queue overflowed; every session's processes are looked"
                  " up again and their summaries say executions may be missing");
        for (uint32_t i = 0; i < x->n_s; i++) {
                struct session_row row = { .id = NULL };

                if (!x->s[i])
                        continue;
                x->s[i]->lost = true;
                if (db_session_get(x->d->store, x->s[i]->id, &row) == 0 && row.closed_at == 0)
                        reseed(x, i, &row);
                session_row_clear(&row);
                if (x->s[i]->n_pids == 0)
                        finish(x, i);
        }
        arm_tick(x);
}

static int on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
        struct session_exec *x = userdata;
        /* long: aligned for the netlink headers in it. */
        long buf[8192 / sizeof(long)];

        for (int i = 0; i < READS_PER_TURN; i++) {
                struct sockaddr_nl sa;
                socklen_t salen = sizeof(sa);
                ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&sa, &salen);

                if (n < 0) {
                        if (errno == ENOBUFS) {
                                overflowed(x);
                                continue;
                        }
                        if (errno != EAGAIN && errno != EINTR)
                                teamd_log(LOG_ERR, "process events: %s", strerror(errno));
                        break;
                }
                /* Only the kernel speaks on this socket. */
                if (salen != sizeof(sa) || sa.nl_family != AF_NETLINK || sa.nl_pid != 0)
                        continue;
                if (proc_events_parse(buf, (size_t)n, &handlers, x) < 0)
                        teamd_log(LOG_WARNING, "process events: a malformed message was skipped");
        }
        flush_captured(x);
        tx_end(x);
        unsubscribe_if_idle(x);
        return 0;
}

static int on_tick(sd_event_source *src, uint64_t usec, void *userdata)
{
        struct session_exec *x = userdata;

        for (uint32_t i = 0; i < x->n_s; i++)
                if (x->s[i])
                        summarise(x, x->s[i]);
        tx_end(x);
        unsubscribe_if_idle(x);
        return 0;
}

static int dup_or_null(const char *in, char **out)
{
        *out = NULL;
        if (in && !(*out = strdup(in)))
                return -ENOMEM;
        return 0;
}

/* A new session in a free slot; -ENOMEM, or why the kernel's events
 * cannot be had. */
static int add_session(struct session_exec *x, const char *id, const char *request_id,
                       const struct session_info *w, uint32_t *slot_out)
{
        struct exec_session *s;
        uint32_t slot = 0;
        int r = subscribe(x);

        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s || dup_or_null(id, &s->id) < 0 || dup_or_null(w->grant_id, &s->grant_id) < 0 ||
            dup_or_null(request_id, &s->request_id) < 0 || dup_or_null(w->breakglass_id, &s->breakglass_id) < 0 ||
            dup_or_null(w->user, &s->user) < 0 || dup_or_null(w->role, &s->role) < 0 ||
            dup_or_null(w->service, &s->service) < 0 || dup_or_null(w->tty, &s->tty) < 0 ||
            dup_or_null(w->rhost, &s->rhost) < 0)
                goto nomem;
        while (slot < x->n_s && x->s[slot])
                slot++;
        if (slot == x->n_s) {
                struct exec_session **grown = reallocarray(x->s, x->n_s + 16, sizeof(*grown));
                if (!grown)
                        goto nomem;
                memset(grown + x->n_s, 0, 16 * sizeof(*grown));
                x->s = grown;
                x->n_s += 16;
        }
        x->s[slot] = s;
        *slot_out = slot;
        return 0;
nomem:
        session_free(s);
        return -ENOMEM;
}

void session_exec_track_leader(struct teamd *d, const char *id, const char *request_id,
                               const struct session_info *info)
{
        struct session_exec *x = d->exec;
        uint32_t slot;

        if (!x || info->pid <= 1)
                return;
        if (add_session(x, id, request_id, info, &slot) < 0) {
                teamd_log(LOG_ERR, "session %s: its commands are not recorded", id);
                return;
        }
        follow(x, info->pid, 0, slot);
}

/* The request id of the session's grant (the grant row has it). */
static char *request_of(struct teamd *d, const struct session_row *row)
{
        struct grant_row *rows = NULL;
        size_t n = 0;
        char *req = NULL;

        if (!row->grant_id || db_grant_find(d->store, row->user, row->role, teamd_now(), &rows, &n) < 0)
                return NULL;
        for (size_t i = 0; i < n && !req; i++)
                if (strcmp(rows[i].id, row->grant_id) == 0 && rows[i].req)
                        req = strdup(rows[i].req);
        grant_rows_free(rows, n);
        return req;
}

void session_exec_track_row(struct teamd *d, const struct session_row *row)
{
        struct session_exec *x = d->exec;
        struct session_info info;
        char *req;
        uint32_t slot;

        if (!x)
                return;
        req = request_of(d, row);
        info = (struct session_info){
                .grant_id = row->grant_id, .user = row->user, .role = row->role, .service = row->service,
                .tty = row->tty, .rhost = row->rhost, .pid = row->pid, .breakglass_id = row->breakglass_id,
        };
        if (add_session(x, row->id, req, &info, &slot) < 0) {
                teamd_log(LOG_ERR, "session %s: its commands are not recorded", row->id);
                free(req);
                return;
        }
        free(req);
        reseed(x, slot, row);
        if (x->s[slot]->n_pids == 0)
                finish(x, slot);
        tx_end(x);
        unsubscribe_if_idle(x);
}

static void track_open_sessions(struct teamd *d)
{
        struct session_row *rows = NULL;
        size_t n = 0;

        if (db_session_list_open(d->store, NULL, START_SESSIONS_MAX, &rows, &n) < 0)
                return;
        for (size_t i = 0; i < n; i++)
                session_exec_track_row(d, &rows[i]);
        session_rows_free(rows, n);
}

int session_exec_start(struct teamd *d)
{
        struct session_exec *x;
        int r;

        if (!d->cfg.record_commands)
                return 0;
        x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        x->d = d;
        x->fd = -1;
        /* Said at start, not at the first session: whether commands are
         * recorded is the operator's to know before anyone elevates. */
        if (subscribe(x) < 0) {
                free(x);
                return 0;
        }
        unsubscribe_if_idle(x);
        r = sd_event_add_time_relative(d->event, &x->tick, CLOCK_MONOTONIC, SUMMARY_USEC, 10 * 1000, on_tick, x);
        if (r >= 0)
                r = sd_event_source_set_enabled(x->tick, SD_EVENT_OFF);
        if (r < 0) {
                sd_event_source_disable_unref(x->tick);
                free(x);
                return r;
        }
        d->exec = x;
        track_open_sessions(d);
        return 0;
}

void session_exec_stop(struct teamd *d)
{
        struct session_exec *x = d->exec;

        if (!x)
                return;
        for (uint32_t i = 0; i < x->n_s; i++)
                if (x->s[i])
                        finish(x, i);
        tx_end(x);
        free(x->captured);
        unsubscribe_if_idle(x);
        sd_event_source_disable_unref(x->tick);
        free(x->s);
        free(x);
        d->exec = NULL;
}
