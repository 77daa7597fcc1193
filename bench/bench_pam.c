/* SPDX-License-Identifier: BSD-3-Clause */
/* PAM account check latency through libpam: pam_start_confdir +
 * pam_acct_mgmt + pam_end with the built pam_team.so against a real teamd,
 * for a user holding a grant (allow) and one without (deny), and the whole
 * path sudo runs with a session line (account, open, close). Baselines in
 * the same run: the same loop with pam_permit.so (libpam's own cost), and a
 * bare Unix-socket round trip to an echo server beside teamd's protocol
 * round trip (what teamd adds). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <security/pam_appl.h>

#include "bench/bench_env.h"
#include "bench/bench_sock.h"
#include "bench/bench_pam_conv.h"
#include "bench/bench_stats.h"

#define ALLOW_USER "bench-allow"
#define DENY_USER "bench-deny"
#define SVC_TEAM "bench-team"
#define SVC_PERMIT "bench-permit"
#define SVC_TEAM_SESSION "bench-team-session"
#define SVC_PERMIT_SESSION "bench-permit-session"

struct pam_bench {
        char confdir[4096];
        char echo_path[4096];
        const char *sock;
        uint8_t *frame;
        size_t flen;
};

static int write_service(const char *dir, const char *name, const char *line)
{
        char path[4096];
        FILE *f;
        int r = 0;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        if (!f)
                return -errno;
        if (fprintf(f, "%s\n", line) < 0)
                r = -EIO;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        return r;
}

/* Absolute: libpam reads a relative module path as relative to its own
 * module directory. */
static const char *module_path(void)
{
        static char path[PATH_MAX], abs_path[PATH_MAX];
        const char *b = getenv("top_builddir");

        snprintf(path, sizeof(path), "%s/pam_team/.libs/pam_team.so", b ? b : ".");
        return realpath(path, abs_path) ? abs_path : path;
}

static int setup(struct pam_bench *pb, struct bench_env *env)
{
        char line[8192];
        int r;

        pb->sock = bench_env_socket(env);
        snprintf(pb->confdir, sizeof(pb->confdir), "%s/pam.d", bench_env_dir(env));
        snprintf(pb->echo_path, sizeof(pb->echo_path), "%s/echo.sock", bench_env_dir(env));
        if (access(module_path(), R_OK) < 0) {
                fprintf(stderr, "bench_pam: %s: %s (set top_builddir)\n", module_path(), strerror(errno));
                return -ENOENT;
        }
        if (mkdir(pb->confdir, 0700) < 0 && errno != EEXIST)
                return -errno;
        snprintf(line, sizeof(line), "account required %s role=%s socket=%s", module_path(),
                 BENCH_ROLE, pb->sock);
        r = write_service(pb->confdir, SVC_TEAM, line);
        if (r == 0)
                r = write_service(pb->confdir, SVC_PERMIT, "account required pam_permit.so");
        if (r == 0)
                r = write_service(pb->confdir, SVC_PERMIT_SESSION,
                                  "account required pam_permit.so\nsession required pam_permit.so");
        if (r == 0) {
                snprintf(line, sizeof(line),
                         "account required %s role=%s socket=%s\nsession required %s role=%s socket=%s",
                         module_path(), BENCH_ROLE, pb->sock, module_path(), BENCH_ROLE, pb->sock);
                r = write_service(pb->confdir, SVC_TEAM_SESSION, line);
        }
        if (r == 0)
                r = bench_env_grant(env, ALLOW_USER, BENCH_ROLE, 86400);
        if (r == 0)
                r = bench_check_frame(ALLOW_USER, BENCH_ROLE, "sudo", &pb->frame, &pb->flen);
        return r;
}

enum kind { K_PAM_ALLOW, K_PAM_DENY, K_PAM_PERMIT, K_PROTO, K_ECHO, K_SESSION, K_PERMIT_SESSION, K__MAX };

static const char *const kind_name[K__MAX] = {
        "PAM account check, allow (libpam + pam_team.so + teamd)",
        "PAM account check, deny (no grant)",
        "`pam_permit.so` account check",
        "teamd `check` round trip (protocol only, no libpam)",
        "Unix-socket echo round trip",
        "PAM account + session open + close, allow (sudo's whole PAM path)",
        "the same with `pam_permit.so`",
};

static int pam_once(const struct pam_bench *pb, const char *svc, const char *user, int want)
{
        struct pam_conv conv = { bench_quiet_conv, NULL };
        pam_handle_t *h = NULL;
        int r;

        r = pam_start_confdir(svc, user, &conv, pb->confdir, &h);
        if (r != PAM_SUCCESS)
                return -EIO;
        r = pam_acct_mgmt(h, PAM_SILENT);
        pam_end(h, r);
        return r == want ? 0 : -EPERM;
}

/* What sudo does with a session line: account, then open and close. */
static int pam_session_once(const struct pam_bench *pb, const char *svc)
{
        struct pam_conv conv = { bench_quiet_conv, NULL };
        pam_handle_t *h = NULL;
        int r;

        r = pam_start_confdir(svc, ALLOW_USER, &conv, pb->confdir, &h);
        if (r != PAM_SUCCESS)
                return -EIO;
        r = pam_acct_mgmt(h, PAM_SILENT);
        if (r == PAM_SUCCESS)
                r = pam_open_session(h, PAM_SILENT);
        if (r == PAM_SUCCESS)
                r = pam_close_session(h, PAM_SILENT);
        pam_end(h, r);
        return r == PAM_SUCCESS ? 0 : -EPERM;
}

static int once(const struct pam_bench *pb, enum kind k)
{
        struct team_frame_reader rd;
        enum team_decision d;
        int r;

        switch (k) {
        case K_PAM_ALLOW:
                return pam_once(pb, SVC_TEAM, ALLOW_USER, PAM_SUCCESS);
        case K_PAM_DENY:
                return pam_once(pb, SVC_TEAM, DENY_USER, PAM_PERM_DENIED);
        case K_PAM_PERMIT:
                return pam_once(pb, SVC_PERMIT, ALLOW_USER, PAM_SUCCESS);
        case K_PROTO:
                r = bench_check(pb->sock, pb->frame, pb->flen, &d);
                return r < 0 ? r : d == TEAM_DECISION_ALLOW ? 0 : -EPERM;
        case K_SESSION:
                return pam_session_once(pb, SVC_TEAM_SESSION);
        case K_PERMIT_SESSION:
                return pam_session_once(pb, SVC_PERMIT_SESSION);
        case K_ECHO:
        default:
                team_frame_reader_init(&rd, 0);
                r = bench_roundtrip(pb->echo_path, pb->frame, pb->flen, &rd);
                team_frame_reader_clear(&rd);
                return r;
        }
}

/* Round-robin over the kinds, one call each per round, so drift and
 * background noise hit every figure alike. */
static int run(const struct pam_bench *pb, uint64_t warmup, uint64_t n, struct bench_samples *s)
{
        for (uint64_t i = 0; i < warmup + n; i++) {
                for (int k = 0; k < K__MAX; k++) {
                        uint64_t t0 = bench_now_ns(), t1;
                        int r = once(pb, (enum kind)k);

                        t1 = bench_now_ns();
                        if (r < 0) {
                                fprintf(stderr, "bench_pam: %s: unexpected result (%s)\n",
                                        kind_name[k], strerror(-r));
                                return r;
                        }
                        if (i >= warmup && bench_samples_add(&s[k], t1 - t0) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

/* docs/performance.md: over the same PAM stack with pam_permit.so, a check
 * adds p50 <= 100 us and p99 <= 1 ms; sudo's whole path p50 <= 300 us and
 * p99 <= 3 ms. */
struct target {
        uint64_t p50_ns, p99_ns;
};
static const struct target check_target = { 100000u, 1000000u };
static const struct target path_target = { 300000u, 3000000u };

static void verdict(FILE *f, const char *what, struct bench_samples *s, struct bench_samples *base,
                    const struct target *t)
{
        int64_t p50 = (int64_t)bench_samples_pct(s, 50.0) - (int64_t)bench_samples_pct(base, 50.0);
        int64_t p99 = (int64_t)bench_samples_pct(s, 99.0) - (int64_t)bench_samples_pct(base, 99.0);
        int ok = p50 <= (int64_t)t->p50_ns && p99 <= (int64_t)t->p99_ns;

        fprintf(f, "- %s: %+.0f µs p50, %+.2f ms p99 over pam_permit.so against the target +%.0f µs p50, "
                   "+%.0f ms p99: **%s**\n", what, (double)p50 / 1e3, (double)p99 / 1e6, (double)t->p50_ns / 1e3,
                (double)t->p99_ns / 1e6, ok ? "met" : "MISSED");
}

static void report(struct bench_samples *s, int header, const char *verdict_file)
{
        FILE *f;

        if (header)
                bench_print_latency_header();
        bench_print_latency_row(kind_name[K_PAM_ALLOW], &s[K_PAM_ALLOW], kind_name[K_PAM_PERMIT], &s[K_PAM_PERMIT]);
        bench_print_latency_row(kind_name[K_PAM_DENY], &s[K_PAM_DENY], kind_name[K_PAM_PERMIT], &s[K_PAM_PERMIT]);
        bench_print_latency_row(kind_name[K_PROTO], &s[K_PROTO], kind_name[K_ECHO], &s[K_ECHO]);
        bench_print_latency_row(kind_name[K_PAM_ALLOW], &s[K_PAM_ALLOW], kind_name[K_ECHO], &s[K_ECHO]);
        bench_print_latency_row(kind_name[K_SESSION], &s[K_SESSION], kind_name[K_PERMIT_SESSION],
                                &s[K_PERMIT_SESSION]);
        f = verdict_file ? fopen(verdict_file, "we") : stdout;
        if (!f) {
                fprintf(stderr, "bench_pam: %s: %s\n", verdict_file, strerror(errno));
                return;
        }
        if (!verdict_file)
                fputc('\n', f);
        verdict(f, "PAM account check, allow", &s[K_PAM_ALLOW], &s[K_PAM_PERMIT], &check_target);
        verdict(f, "PAM account check, deny", &s[K_PAM_DENY], &s[K_PAM_PERMIT], &check_target);
        verdict(f, "sudo's whole PAM path (account + session open + close)", &s[K_SESSION], &s[K_PERMIT_SESSION],
                &path_target);
        if (verdict_file)
                fclose(f);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "iterations", required_argument, NULL, 'n' },
                { "warmup", required_argument, NULL, 'w' },
                { "no-header", no_argument, NULL, 'H' },
                { "foreground", no_argument, NULL, 'f' },
                { "verdict-file", required_argument, NULL, 'v' },
                { NULL, 0, NULL, 0 },
        };
        struct bench_samples s[K__MAX];
        struct pam_bench pb;
        struct bench_env *env = NULL;
        uint64_t n = 2000, warmup = 100;
        pid_t echo_pid = -1;
        const char *verdict_file = NULL;
        int header = 1, foreground = 0, c, rc = 1, r;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (c == 'n')
                        n = bench_arg_uint("--iterations", optarg, 1, 1000000);
                else if (c == 'w')
                        warmup = bench_arg_uint("--warmup", optarg, 0, 1000000);
                else if (c == 'H')
                        header = 0;
                else if (c == 'f')
                        foreground = 1;
                else if (c == 'v')
                        verdict_file = optarg;
                else {
                        fprintf(stderr, "usage: bench_pam [--iterations N] [--warmup N] [--no-header] [--foreground] [--verdict-file FILE]\n");
                        return 2;
                }
        }
        memset(&pb, 0, sizeof(pb));
        memset(s, 0, sizeof(s));
        for (int k = 0; k < K__MAX; k++)
                if (bench_samples_init(&s[k], (size_t)n) < 0)
                        goto out;
        r = bench_env_start(&env, foreground);
        if (r < 0) {
                fprintf(stderr, "bench_pam: cannot start teamd: %s\n", strerror(-r));
                goto out;
        }
        r = setup(&pb, env);
        if (r == 0)
                r = bench_echo_start(pb.echo_path, &echo_pid);
        if (r == 0)
                r = run(&pb, warmup, n, s);
        if (r < 0)
                goto out;
        report(s, header, verdict_file);
        rc = 0;
out:
        bench_echo_stop(echo_pid, pb.echo_path[0] ? pb.echo_path : NULL);
        bench_env_stop(env);
        free(pb.frame);
        for (int k = 0; k < K__MAX; k++)
                bench_samples_free(&s[k]);
        return rc;
}
