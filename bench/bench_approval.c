/* SPDX-License-Identifier: BSD-3-Clause */
/* Approval-to-usable latency on a host, and PAM checks while grant sync
 * works (run by bench/bench_approval.sh, which starts a real team-server
 * and a real teamd syncing from it, and writes the tokens file):
 *
 *   bench_approval approval --runs N
 *     N times: user uI files a request for this host (not timed), the
 *     approver approves it; from the approve call returning to the first
 *     pam_acct_mgmt (pam_start_confdir + pam_acct_mgmt + pam_end through
 *     the built pam_team.so, back to back) that succeeds. Baseline: one
 *     PAM account check of a user whose grant is already stored.
 *
 *   bench_approval checks --user U --seconds S --label TEXT [--approve-stream]
 *     PAM account checks of U, back to back for S seconds. With
 *     --approve-stream: first S seconds with sync idle (its long poll
 *     held: the baseline), then S seconds while a second thread files and
 *     approves requests for other users as fast as the server takes them,
 *     so teamd is receiving, verifying and storing grants throughout.
 *     Prints one latency row; checks that neither allowed nor denied
 *     (pam_team's timeout) are counted on stderr and in the row's name.
 *
 * Tokens file lines: "approver TOKEN", "user NAME TOKEN". Prints markdown
 * rows (bench_stats.h). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json.h>
#include <security/pam_appl.h>

#include "bench/bench_http.h"
#include "bench/bench_pam_conv.h"
#include "bench/bench_stats.h"

#define MAX_USERS 5000
#define SVC "bench-approval"
#define RUN_TIMEOUT_NS (10ULL * 1000000000)

struct user {
        char name[64];
        char token[64];
};

struct bench {
        uint16_t port;
        const char *host;
        const char *role;
        const char *confdir;
        char approver[64];
        struct user *users;
        size_t n_users;
        size_t next_user;       /* users are used once each */
};

static int pam_check(const struct bench *b, const char *user)
{
        struct pam_conv conv = { bench_quiet_conv, NULL };
        pam_handle_t *h = NULL;
        int r;

        r = pam_start_confdir(SVC, user, &conv, b->confdir, &h);
        if (r != PAM_SUCCESS)
                return r;
        r = pam_acct_mgmt(h, PAM_SILENT);
        pam_end(h, r);
        return r;
}

static int load_tokens(struct bench *b, const char *path)
{
        char line[256], name[64], tok[64];
        FILE *f = fopen(path, "re");

        if (!f)
                return -errno;
        b->users = calloc(MAX_USERS, sizeof(*b->users));
        if (!b->users) {
                fclose(f);
                return -ENOMEM;
        }
        while (fgets(line, sizeof(line), f)) {
                if (sscanf(line, "approver %63s", tok) == 1)
                        snprintf(b->approver, sizeof(b->approver), "%s", tok);
                else if (sscanf(line, "user %63s %63s", name, tok) == 2 && b->n_users < MAX_USERS) {
                        snprintf(b->users[b->n_users].name, sizeof(b->users[0].name), "%s", name);
                        snprintf(b->users[b->n_users].token, sizeof(b->users[0].token), "%s", tok);
                        b->n_users++;
                }
        }
        fclose(f);
        return b->approver[0] && b->n_users > 0 ? 0 : -EINVAL;
}

static const struct user *take_user(struct bench *b)
{
        return b->next_user < b->n_users ? &b->users[b->next_user++] : NULL;
}

/* Files a request as u; *id receives its id. */
static int file_request(const struct bench *b, const struct user *u, char *id, size_t idlen)
{
        char body[512], *resp = NULL;
        struct json_object *o = NULL, *v;
        int st, r = -EPROTO;

        snprintf(body, sizeof(body), "{\"role\":\"%s\",\"host\":\"%s\",\"duration\":3600,\"reason\":\"bench\"}",
                 b->role, b->host);
        st = http_once(b->port, "POST", "/v1/requests", u->token, body, &resp);
        if (st == 201 && (o = json_tokener_parse(resp)) && json_object_object_get_ex(o, "id", &v)) {
                snprintf(id, idlen, "%s", json_object_get_string(v));
                r = 0;
        } else {
                fprintf(stderr, "bench_approval: filing a request for %s: HTTP %d %s\n", u->name, st,
                        resp ? resp : "");
        }
        json_object_put(o);
        free(resp);
        return r;
}

static int approve(const struct bench *b, const char *id)
{
        char path[128];
        int st;

        snprintf(path, sizeof(path), "/v1/requests/%s/approve", id);
        st = http_once(b->port, "POST", path, b->approver, "{}", NULL);
        if (st != 200) {
                fprintf(stderr, "bench_approval: approving %s: HTTP %d\n", id, st);
                return -EPROTO;
        }
        return 0;
}

/* One run: file, approve, then PAM checks back to back until one succeeds. */
static int approval_run(struct bench *b, uint64_t *ns, unsigned *checks)
{
        const struct user *u = take_user(b);
        char id[64];
        uint64_t t1;
        int r;

        if (!u)
                return -ENOSPC;
        r = file_request(b, u, id, sizeof(id));
        if (r < 0)
                return r;
        r = approve(b, id);
        if (r < 0)
                return r;
        t1 = bench_now_ns();
        *checks = 0;
        for (;;) {
                r = pam_check(b, u->name);
                (*checks)++;
                if (r == PAM_SUCCESS)
                        break;
                if (bench_now_ns() - t1 > RUN_TIMEOUT_NS) {
                        fprintf(stderr, "bench_approval: %s still refused 10 s after the approval\n", u->name);
                        return -ETIMEDOUT;
                }
        }
        *ns = bench_now_ns() - t1;
        return 0;
}

static int cmd_approval(struct bench *b, size_t runs)
{
        struct bench_samples lat, base;
        const struct user *allowed;
        unsigned checks = 0, max_checks = 0;
        uint64_t ns, sum_checks = 0;
        int r = 0;

        bench_samples_init(&lat, runs);
        bench_samples_init(&base, runs);
        /* Warm-up (discarded); its user then serves the baseline. */
        allowed = b->next_user < b->n_users ? &b->users[b->next_user] : NULL;
        for (int i = 0; i < 3 && r == 0; i++)
                r = approval_run(b, &ns, &checks);
        for (size_t i = 0; i < runs && r == 0; i++) {
                r = approval_run(b, &ns, &checks);
                if (r == 0) {
                        bench_samples_add(&lat, ns);
                        sum_checks += checks;
                        if (checks > max_checks)
                                max_checks = checks;
                }
        }
        for (size_t i = 0; r == 0 && allowed && i < runs; i++) {
                uint64_t t0 = bench_now_ns();
                if (pam_check(b, allowed->name) != PAM_SUCCESS) {
                        r = -EPERM;
                        break;
                }
                bench_samples_add(&base, bench_now_ns() - t0);
        }
        if (r == 0) {
                char name[256];

                snprintf(name, sizeof(name),
                         "approval → first successful `pam_acct_mgmt` on the host (%.1f checks per run on average, "
                         "at most %u)",
                         lat.n ? (double)sum_checks / (double)lat.n : 0.0, max_checks);
                bench_print_latency_row(name, &lat, "one PAM account check, grant already stored", &base);
        }
        bench_samples_free(&lat);
        bench_samples_free(&base);
        return r;
}

struct stream {
        struct bench *b;
        atomic_bool stop;
        unsigned approved;
        int err;
};

static void *approve_stream(void *arg)
{
        struct stream *s = arg;
        char id[64];

        size_t first = s->b->next_user, i = first;

        if (first >= s->b->n_users) {
                s->err = -ENOSPC;
                return NULL;
        }
        /* Cycles through the users left: a user may hold many grants. */
        while (!atomic_load(&s->stop)) {
                const struct user *u = &s->b->users[i];

                i = i + 1 < s->b->n_users ? i + 1 : first;
                if (file_request(s->b, u, id, sizeof(id)) < 0 || approve(s->b, id) < 0) {
                        s->err = -EPROTO;
                        break;
                }
                s->approved++;
        }
        return NULL;
}

/* PAM checks of user back to back for seconds; *failed counts answers
 * other than allow and deny (pam_team could not get teamd's answer). */
static void checks_for(const struct bench *b, const char *user, unsigned seconds, struct bench_samples *lat,
                       unsigned *failed)
{
        uint64_t start = bench_now_ns(), end = start + (uint64_t)seconds * 1000000000ULL;

        while (bench_now_ns() < end) {
                uint64_t t0 = bench_now_ns(), ns;
                int r = pam_check(b, user);

                ns = bench_now_ns() - t0;
                bench_samples_add(lat, ns);
                /* Where the outliers are, for whoever reads the figures. */
                if (ns > 50000000ULL)
                        fprintf(stderr, "bench_approval: a check took %.1f ms, %.3f s into the run\n", (double)ns / 1e6,
                                (double)(t0 - start) / 1e9);
                if (r != PAM_SUCCESS && r != PAM_PERM_DENIED)
                        (*failed)++;
        }
}

static int cmd_checks(struct bench *b, const char *user, unsigned seconds, const char *label, bool stream_on)
{
        struct bench_samples lat, base;
        struct stream s = { .b = b };
        pthread_t th;
        unsigned failed = 0, base_failed = 0;
        char name[512];

        bench_samples_init(&lat, 100000);
        bench_samples_init(&base, 100000);
        atomic_init(&s.stop, false);
        /* The baseline: the same checks while sync only holds its long poll. */
        if (stream_on)
                checks_for(b, user, seconds, &base, &base_failed);
        if (stream_on && pthread_create(&th, NULL, approve_stream, &s) != 0)
                return -EAGAIN;
        checks_for(b, user, seconds, &lat, &failed);
        if (stream_on) {
                atomic_store(&s.stop, true);
                pthread_join(th, NULL);
                if (s.err)
                        fprintf(stderr, "bench_approval: the approval stream stopped early: %s\n", strerror(-s.err));
                snprintf(name, sizeof(name), "%s (%u grants approved and synced meanwhile%s)", label, s.approved,
                         failed ? ", some checks failed" : "");
        } else {
                snprintf(name, sizeof(name), "%s%s", label, failed ? " (some checks failed)" : "");
        }
        if (failed || base_failed)
                fprintf(stderr, "bench_approval: %u of %zu checks neither allowed nor denied\n", failed + base_failed,
                        lat.n + base.n);
        bench_print_latency_row(name, &lat, stream_on ? "the same checks, sync idle (long poll held)" : NULL,
                                stream_on ? &base : NULL);
        bench_samples_free(&lat);
        bench_samples_free(&base);
        return 0;
}

static int write_service(const char *confdir, const char *module, const char *role, const char *sock)
{
        char path[PATH_MAX];
        FILE *f;
        int r = 0;

        if (mkdir(confdir, 0700) < 0 && errno != EEXIST)
                return -errno;
        snprintf(path, sizeof(path), "%s/%s", confdir, SVC);
        f = fopen(path, "we");
        if (!f)
                return -errno;
        if (fprintf(f, "account required %s role=%s socket=%s\n", module, role, sock) < 0)
                r = -EIO;
        if (fclose(f) != 0 && r == 0)
                r = -EIO;
        return r;
}

static void usage(void)
{
        fprintf(stderr,
                "usage: bench_approval approval|checks --port P --tokens FILE --host ID --role ROLE --socket PATH\n"
                "                      --module PAM_TEAM_SO --confdir DIR [--runs N] [--seconds S]\n"
                "                      [--user NAME] [--label TEXT] [--approve-stream] [--skip N] [--header]\n"
                "  --skip N: start with the N+1th user of the tokens file (each user is used once)\n");
        exit(2);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "port", required_argument, NULL, 'p' },     { "tokens", required_argument, NULL, 't' },
                { "host", required_argument, NULL, 'H' },     { "role", required_argument, NULL, 'R' },
                { "socket", required_argument, NULL, 's' },   { "module", required_argument, NULL, 'm' },
                { "confdir", required_argument, NULL, 'c' },  { "runs", required_argument, NULL, 'n' },
                { "seconds", required_argument, NULL, 'S' },  { "user", required_argument, NULL, 'u' },
                { "label", required_argument, NULL, 'l' },    { "approve-stream", no_argument, NULL, 'a' },
                { "header", no_argument, NULL, 'h' },         { "skip", required_argument, NULL, 'k' },
                { NULL, 0, NULL, 0 },
        };
        struct bench b = { .role = "sudo" };
        const char *tokens = NULL, *sock = NULL, *module = NULL, *user = NULL, *label = "PAM account check";
        size_t runs = 200, skip = 0;
        unsigned seconds = 5;
        bool stream_on = false, header = false;
        int c, r;

        if (argc < 2)
                usage();
        while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
                switch (c) {
                case 'p': b.port = (uint16_t)bench_arg_uint("--port", optarg, 1, 65535); break;
                case 't': tokens = optarg; break;
                case 'H': b.host = optarg; break;
                case 'R': b.role = optarg; break;
                case 's': sock = optarg; break;
                case 'm': module = optarg; break;
                case 'c': b.confdir = optarg; break;
                case 'n': runs = (size_t)bench_arg_uint("--runs", optarg, 1, MAX_USERS); break;
                case 'S': seconds = (unsigned)bench_arg_uint("--seconds", optarg, 1, 3600); break;
                case 'u': user = optarg; break;
                case 'l': label = optarg; break;
                case 'a': stream_on = true; break;
                case 'h': header = true; break;
                case 'k': skip = (size_t)bench_arg_uint("--skip", optarg, 0, MAX_USERS); break;
                default: usage();
                }
        }
        if (!b.port || !tokens || !b.host || !sock || !module || !b.confdir)
                usage();
        r = load_tokens(&b, tokens);
        if (r < 0) {
                fprintf(stderr, "bench_approval: %s: %s\n", tokens, strerror(-r));
                return 1;
        }
        b.next_user = skip;
        r = write_service(b.confdir, module, b.role, sock);
        if (r < 0) {
                fprintf(stderr, "bench_approval: %s: %s\n", b.confdir, strerror(-r));
                return 1;
        }
        if (header)
                bench_print_latency_header();
        if (strcmp(argv[1], "approval") == 0)
                r = cmd_approval(&b, runs);
        else if (strcmp(argv[1], "checks") == 0 && user)
                r = cmd_checks(&b, user, seconds, label, stream_on);
        else
                usage();
        if (r < 0)
                fprintf(stderr, "bench_approval: %s: %s\n", argv[1], strerror(-r));
        free(b.users);
        return r < 0 ? 1 : 0;
}
