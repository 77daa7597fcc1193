/* SPDX-License-Identifier: BSD-3-Clause */
/* teamd throughput: N concurrent clients (threads) send `check` frames on
 * the privileged socket for a fixed time, one connection per check as
 * pam_team does; checks/s and latency percentiles against two teamds, one
 * holding only the benchmark user's grant and one also holding --fill
 * grants for other users (the store is indexed by sub+role, so its size
 * must not matter). Baseline: the same clients against a trivial
 * single-threaded Unix-socket echo server. Targets take turns in 1 s
 * slices (--seconds of them each). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_env.h"
#include "bench/bench_sock.h"
#include "bench/bench_stats.h"

#define BENCH_USER "bench-allow"
#define MAX_CLIENTS 256

struct load {
        const char *path;
        const uint8_t *frame;
        size_t flen;
        int decode;              /* teamd: decode and expect allow; echo: bytes only */
        uint64_t measure_from, until;
};

struct worker {
        pthread_t tid;
        const struct load *load;
        struct bench_samples s;
        uint64_t done, errors;
        int first_error;
};

/* Accumulated over the slices of one target. */
struct result {
        struct bench_samples all;
        uint64_t done, errors, measured_ms;
        int first_error;
};

static void *worker_main(void *arg)
{
        struct worker *w = arg;
        const struct load *l = w->load;

        for (;;) {
                uint64_t t0 = bench_now_ns(), t1;
                enum team_decision d = TEAM_DECISION_NONE;
                struct team_frame_reader rd;
                int r;

                if (t0 >= l->until)
                        break;
                if (l->decode) {
                        r = bench_check(l->path, l->frame, l->flen, &d);
                        if (r == 0 && d != TEAM_DECISION_ALLOW)
                                r = -EPERM;
                } else {
                        team_frame_reader_init(&rd, 0);
                        r = bench_roundtrip(l->path, l->frame, l->flen, &rd);
                        team_frame_reader_clear(&rd);
                }
                t1 = bench_now_ns();
                if (t0 < l->measure_from || t1 > l->until)
                        continue;
                if (r < 0) {
                        if (w->errors++ == 0)
                                w->first_error = r;
                        continue;
                }
                w->done++;
                (void)bench_samples_add(&w->s, t1 - t0);
        }
        return NULL;
}

/* One slice: warm_ms of load that is not counted, then ms of measured load,
 * added to res. */
static int run_slice(struct load *l, unsigned clients, uint64_t warm_ms, uint64_t ms,
                     struct result *res)
{
        struct worker *w = calloc(clients, sizeof(*w));
        unsigned started = 0;
        int r = -ENOMEM;

        if (!w)
                return r;
        l->measure_from = bench_now_ns() + warm_ms * 1000000u;
        l->until = l->measure_from + ms * 1000000u;
        for (; started < clients; started++) {
                w[started].load = l;
                if (bench_samples_init(&w[started].s, 16384) < 0)
                        goto join;
                r = -pthread_create(&w[started].tid, NULL, worker_main, &w[started]);
                if (r < 0) {
                        bench_samples_free(&w[started].s);
                        goto join;
                }
        }
        r = 0;
join:
        for (unsigned i = 0; i < started; i++) {
                (void)pthread_join(w[i].tid, NULL);
                res->done += w[i].done;
                res->errors += w[i].errors;
                if (w[i].errors && !res->first_error)
                        res->first_error = w[i].first_error;
                if (r == 0 && bench_samples_merge(&res->all, &w[i].s) < 0)
                        r = -ENOMEM;
                bench_samples_free(&w[i].s);
        }
        res->measured_ms += ms;
        free(w);
        return r;
}

static double per_s(const struct result *res)
{
        return res->measured_ms ? (double)res->done * 1000.0 / (double)res->measured_ms : 0.0;
}

struct opts {
        uint64_t secs, warm_ms, fill;   /* secs: 1 s slices per target */
        unsigned clients[8];
        size_t n_clients;
        int header;
        int foreground;
};

static void print_header(void)
{
        printf("| clients | grants stored | teamd checks/s | vs 1 grant | teamd p50 | teamd p99 | errors | "
               "baseline: echo round trips/s | echo p50 | echo p99 | teamd / echo |\n");
        printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
}

/* one: the same client count against the one-grant store (NULL for that row). */
static void print_row(unsigned clients, uint64_t stored, struct result *t, struct result *e,
                      const struct result *one)
{
        char t50[32], t99[32], e50[32], e99[32], vs[32] = "–";
        double tps = per_s(t), eps = per_s(e);

        bench_fmt_us(t50, sizeof(t50), bench_samples_pct(&t->all, 50.0));
        bench_fmt_us(t99, sizeof(t99), bench_samples_pct(&t->all, 99.0));
        bench_fmt_us(e50, sizeof(e50), bench_samples_pct(&e->all, 50.0));
        bench_fmt_us(e99, sizeof(e99), bench_samples_pct(&e->all, 99.0));
        if (one && per_s(one) > 0) {
                double v = 100.0 * (tps - per_s(one)) / per_s(one);

                if (v > -0.5 && v < 0.5)
                        snprintf(vs, sizeof(vs), "±0 %%");
                else
                        snprintf(vs, sizeof(vs), "%+.0f %%", v);
        }
        printf("| %u | %llu | %.0f | %s | %s | %s | %llu | %.0f | %s | %s | %.0f %% |\n", clients,
               (unsigned long long)stored, tps, vs, t50, t99, (unsigned long long)t->errors,
               eps, e50, e99, eps > 0 ? 100.0 * tps / eps : 0.0);
        if (t->errors)
                fprintf(stderr, "bench_teamd: %llu failed checks with %u clients, first: %s\n",
                        (unsigned long long)t->errors, clients, strerror(-t->first_error));
        fflush(stdout);
}

/* Stores n grants for other users (same role), through grant_add frames. */
static int fill_store(struct bench_env *env, uint64_t n, double *rate)
{
        uint64_t t0 = bench_now_ns();
        char user[32];
        int r = 0;

        for (uint64_t i = 0; i < n && r == 0; i++) {
                snprintf(user, sizeof(user), "fill%06llu", (unsigned long long)i);
                r = bench_env_grant(env, user, BENCH_ROLE, 86400);
        }
        *rate = (double)n / ((double)(bench_now_ns() - t0) / 1e9);
        return r;
}

enum target { T_ECHO, T_SMALL, T_BIG, T__MAX };

/* For each client count: slices of 1 s against the echo server, the
 * one-grant teamd and the filled teamd in turn, until each has had secs,
 * so noise from the rest of the machine lands on all three alike. */
static int measure(struct load *loads, const struct opts *o, unsigned clients)
{
        struct result res[T__MAX];
        int r = 0;

        memset(res, 0, sizeof(res));
        for (int t = 0; t < T__MAX && r == 0; t++)
                r = bench_samples_init(&res[t].all, 65536);
        /* Odd slices run the targets in reverse order: no target always
         * follows the same one. */
        for (uint64_t slice = 0; slice < o->secs && r == 0; slice++)
                for (int i = 0; i < T__MAX && r == 0; i++) {
                        int t = slice % 2 ? T__MAX - 1 - i : i;

                        r = run_slice(&loads[t], clients, slice == 0 ? o->warm_ms : o->warm_ms / 5,
                                      1000, &res[t]);
                }
        if (r == 0) {
                print_row(clients, 1, &res[T_SMALL], &res[T_ECHO], NULL);
                print_row(clients, o->fill + 1, &res[T_BIG], &res[T_ECHO], &res[T_SMALL]);
        }
        for (int t = 0; t < T__MAX; t++)
                bench_samples_free(&res[t].all);
        return r;
}

static int run_all(struct bench_env *small, struct bench_env *big, const struct opts *o)
{
        struct load loads[T__MAX] = {
                [T_ECHO] = { .decode = 0 },
                [T_SMALL] = { .path = bench_env_socket(small), .decode = 1 },
                [T_BIG] = { .path = bench_env_socket(big), .decode = 1 },
        };
        char echo_path[4096];
        uint8_t *frame = NULL;
        size_t flen = 0;
        double fill_rate = 0;
        pid_t echo_pid = -1;
        int r;

        snprintf(echo_path, sizeof(echo_path), "%s/echo.sock", bench_env_dir(small));
        loads[T_ECHO].path = echo_path;
        r = bench_check_frame(BENCH_USER, BENCH_ROLE, "sudo", &frame, &flen);
        if (r < 0)
                goto out;
        for (int t = 0; t < T__MAX; t++) {
                loads[t].frame = frame;
                loads[t].flen = flen;
        }
        r = bench_env_grant(small, BENCH_USER, BENCH_ROLE, 86400);
        if (r == 0)
                r = bench_env_grant(big, BENCH_USER, BENCH_ROLE, 86400);
        if (r == 0)
                r = fill_store(big, o->fill, &fill_rate);
        if (r < 0) {
                fprintf(stderr, "bench_teamd: storing grants failed: %s\n", strerror(-r));
                goto out;
        }
        /* Let the fill's fsync'd WAL reach the disk before measuring. */
        sync();
        sleep(2);
        r = bench_echo_start(echo_path, &echo_pid);
        if (r < 0)
                goto out;
        if (o->header)
                print_header();
        for (size_t i = 0; i < o->n_clients && r == 0; i++)
                r = measure(loads, o, o->clients[i]);
        if (r == 0)
                printf("\nThe filled store holds %llu extra grants for other users (same role), signed "
                       "in-process and stored through `grant_add` frames (verified, one sqlite transaction "
                       "each): %.0f grants/s. Each client count ran %llu slices of 1 s per target, "
                       "interleaved (order reversed every other slice).\n", (unsigned long long)o->fill, fill_rate,
                       (unsigned long long)o->secs);
out:
        bench_echo_stop(echo_pid, echo_path);
        free(frame);
        return r;
}

static int parse_clients(const char *arg, struct opts *o)
{
        char buf[128], *p = buf, *comma;

        if (strlen(arg) >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, arg, strlen(arg) + 1);
        o->n_clients = 0;
        while (p) {
                comma = strchr(p, ',');
                if (comma)
                        *comma = '\0';
                if (o->n_clients == sizeof(o->clients) / sizeof(o->clients[0]))
                        return -E2BIG;
                o->clients[o->n_clients++] = (unsigned)bench_arg_uint("--clients", p, 1, MAX_CLIENTS);
                p = comma ? comma + 1 : NULL;
        }
        return 0;
}

int main(int argc, char **argv)
{
        static const struct option lopts[] = {
                { "seconds", required_argument, NULL, 's' },
                { "warmup-ms", required_argument, NULL, 'w' },
                { "clients", required_argument, NULL, 'c' },
                { "fill", required_argument, NULL, 'f' },
                { "no-header", no_argument, NULL, 'H' },
                { "foreground", no_argument, NULL, 'F' },
                { NULL, 0, NULL, 0 },
        };
        struct opts o = { .secs = 5, .warm_ms = 500, .fill = 10000, .clients = { 2, 8, 32 },
                          .n_clients = 3, .header = 1 };
        struct bench_env *small = NULL, *big = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
                if (c == 's')
                        o.secs = bench_arg_uint("--seconds", optarg, 1, 3600);
                else if (c == 'w')
                        o.warm_ms = bench_arg_uint("--warmup-ms", optarg, 0, 60000);
                else if (c == 'f')
                        o.fill = bench_arg_uint("--fill", optarg, 0, 1000000);
                else if (c == 'H')
                        o.header = 0;
                else if (c == 'F')
                        o.foreground = 1;
                else if (c != 'c' || parse_clients(optarg, &o) < 0) {
                        fprintf(stderr, "usage: bench_teamd [--seconds S] [--warmup-ms MS] "
                                        "[--clients N[,N...]] [--fill GRANTS] [--no-header] [--foreground]\n");
                        return 2;
                }
        }
        r = bench_env_start(&small, o.foreground);
        if (r == 0)
                r = bench_env_start(&big, o.foreground);
        if (r < 0) {
                fprintf(stderr, "bench_teamd: cannot start teamd: %s\n", strerror(-r));
                bench_env_stop(small);
                return 1;
        }
        r = run_all(small, big, &o);
        bench_env_stop(big);
        bench_env_stop(small);
        return r < 0 ? 1 : 0;
}
