/* SPDX-License-Identifier: BSD-3-Clause */
/* What auditing adds to a PAM decision, in process: teamd's own check path
 * (teamd_evaluate: the store lookup and the decision, then
 * teamd_event_decision) on a real grant store in a state directory on
 * disk, three ways, interleaved so that they share the machine's noise:
 *
 *   unaudited   evaluate only
 *   journald    evaluate + the journald entry (what teamd did before the
 *               outbox)
 *   audited     evaluate + outbox append (its own sqlite transaction,
 *               synchronous=FULL, committed before the answer) + journald
 *
 * and prints two rows in bench_stats' latency table: audited vs unaudited
 * (the target: at most 50 µs more at p50) and audited vs journald (the
 * outbox alone). The socket round trip is the same in all three and left
 * out. Run beside a journald (bench/run.sh or bench_audit_latency.sh) to
 * pay for the journald datagram as a real host does. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_stats.h"
#include "audit.h"
#include "check.h"
#include "conn.h"
#include "db.h"
#include "audit/journal.h"
#include "audit/outbox.h"
#include "teamd.h"

#define BENCH_USER "bench-allow"
#define BENCH_ROLE "sudo"
#define BENCH_HOST "bench-host"

/* teamd's main.c, dispatch.c and conn.c are not linked in: what they
 * provide to check.c (the bench's peer has no connection, so the decision
 * is audited at once). */
int64_t teamd_now(void)
{
        return (int64_t)time(NULL);
}

int teamd_response_deny(struct team_response *resp, const char *fmt, ...)
{
        (void)fmt;
        resp->ok = true;
        resp->decision = TEAM_DECISION_DENY;
        return 0;
}

void teamd_conn_on_delivery(struct conn *c, teamd_conn_delivery_fn done, void *ud)
{
        (void)c;
        done(true, ud);
}

/* The bench records each event in its own transaction (record() below):
 * no group ever holds an answer. */
void teamd_conn_release_held(struct teamd *d)
{
        (void)d;
}

struct options {
        uint64_t iterations;
        const char *dir;        /* parent of the state directory */
        bool header;
};

static int store_grant(struct teamd_db *s)
{
        const char *aud[] = { BENCH_HOST };
        int64_t now = teamd_now();
        struct team_grant g = {
                .jti = "bench-grant", .sub = BENCH_USER, .role = BENCH_ROLE,
                .aud = aud, .n_aud = 1, .nbf = now - 60, .exp = now + 86400, .iat = now - 60,
                .req = "bench-request", .rsn = "benchmark",
        };

        return db_grant_add(s, &g, "bench.jws.token", now);
}

enum mode { UNAUDITED, JOURNALD, AUDITED, N_MODES };

static int record(struct team_audit_event *ev, void *userdata)
{
        struct teamd *d = userdata;

        return outbox_append(d->outbox, ev);
}

static int one(struct teamd *d, enum mode m, const struct team_request *req, const struct teamd_peer *peer,
               uint64_t *ns)
{
        struct evaluation ev;
        uint64_t t0;
        int r;

        /* What teamd_audit_start() installs (audit.c), on or off. */
        team_journal_set_recorder(m == AUDITED ? record : NULL, d);
        t0 = bench_now_ns();
        r = teamd_evaluate(d, req, &ev);
        if (r < 0)
                return r;
        if (ev.result.decision != TEAM_DECISION_ALLOW) {
                evaluation_clear(&ev);
                return -EPERM;
        }
        if (m != UNAUDITED)
                teamd_event_decision(d, peer, req, &ev.result);
        *ns = bench_now_ns() - t0;
        evaluation_clear(&ev);
        return 0;
}

static int parse(int argc, char **argv, struct options *o)
{
        static const struct option longopts[] = {
                { "iterations", required_argument, NULL, 'n' },
                { "dir", required_argument, NULL, 'd' },
                { "no-header", no_argument, NULL, 'H' },
                { NULL, 0, NULL, 0 },
        };
        int c;

        while ((c = getopt_long(argc, argv, "n:d:", longopts, NULL)) != -1) {
                switch (c) {
                case 'n':
                        o->iterations = bench_arg_uint("--iterations", optarg, 10, 10000000);
                        break;
                case 'd':
                        o->dir = optarg;
                        break;
                case 'H':
                        o->header = false;
                        break;
                default:
                        fprintf(stderr, "usage: bench_audit_latency [--iterations N] [--dir DIR] [--no-header]\n");
                        return -1;
                }
        }
        return 0;
}

int main(int argc, char **argv)
{
        struct options o = { .iterations = 5000, .dir = "/var/tmp", .header = true };
        struct teamd d = { .api_state = TEAM_API_UNCONFIGURED };
        struct team_request req = { .op = TEAM_OP_CHECK, .user = (char *)BENCH_USER, .role = (char *)BENCH_ROLE,
                                    .service = (char *)"sudo", .tty = (char *)"/dev/pts/1" };
        struct teamd_peer peer = { .privileged = true, .pid = getpid() };
        struct bench_samples s[N_MODES];
        char dir[4096], cmd[4200], err[256] = "";
        int r, ret = 1;

        if (parse(argc, argv, &o) < 0)
                return 2;
        snprintf(dir, sizeof(dir), "%s/bench_audit.XXXXXX", o.dir);
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 1;
        }
        for (int m = 0; m < N_MODES; m++)
                bench_samples_init(&s[m], o.iterations);
        /* As teamd.conf would have it on an AWS host: one sink, default bound. */
        d.cfg.host_id = (char *)BENCH_HOST;
        d.cfg.state_dir = dir;  /* the audit key is made there */
        d.cfg.cloudtrail_channel_arn = (char *)"arn:aws:cloudtrail:us-east-1:123456789012:channel/bench";
        d.cfg.outbox_max_events = OUTBOX_DEFAULT_MAX_EVENTS;
        d.cfg.outbox_max_bytes = OUTBOX_DEFAULT_MAX_BYTES;
        d.cfg.clock_skew = 60;
        r = teamd_db_open(dir, 100000, &d.store, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "bench_audit_latency: grant store: %s\n", err);
                goto out;
        }
        if ((r = store_grant(d.store)) < 0 || (r = teamd_audit_start(&d)) < 0) {
                fprintf(stderr, "bench_audit_latency: setup: %s\n", strerror(-r));
                goto out;
        }
        /* Warm-up, then the three modes in turn. */
        for (uint64_t i = 0; i < o.iterations / 10 + 10; i++) {
                uint64_t ns;

                for (int m = 0; m < N_MODES; m++)
                        if ((r = one(&d, (enum mode)m, &req, &peer, &ns)) < 0)
                                goto fail;
        }
        for (uint64_t i = 0; i < o.iterations; i++) {
                uint64_t ns;

                for (int m = 0; m < N_MODES; m++) {
                        r = one(&d, (enum mode)((i + (uint64_t)m) % N_MODES), &req, &peer, &ns);
                        if (r < 0)
                                goto fail;
                        bench_samples_add(&s[(i + (uint64_t)m) % N_MODES], ns);
                }
        }
        if (o.header)
                bench_print_latency_header();
        bench_print_latency_row("audited decision (evaluate + outbox + journald)", &s[AUDITED],
                                "unaudited (evaluate only)", &s[UNAUDITED]);
        bench_print_latency_row("audited decision (evaluate + outbox + journald)", &s[AUDITED],
                                "journald only (no outbox)", &s[JOURNALD]);
        ret = 0;
        goto out;
fail:
        fprintf(stderr, "bench_audit_latency: %s\n", strerror(-r));
out:
        teamd_audit_stop(&d);
        teamd_db_close(d.store);
        for (int m = 0; m < N_MODES; m++)
                bench_samples_free(&s[m]);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                ret = 1;
        return ret;
}
