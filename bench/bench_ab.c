/* SPDX-License-Identifier: BSD-3-Clause */
/* See bench_ab.h. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_ab.h"

void bench_ab_parse(int argc, char **argv, const char *prog, struct bench_ab_opts *o)
{
        static const struct option opts[] = {
                { "iterations", required_argument, NULL, 'n' },
                { "warmup", required_argument, NULL, 'w' },
                { "no-header", no_argument, NULL, 'H' },
                { NULL, 0, NULL, 0 },
        };
        int c;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (c == 'n')
                        o->n = bench_arg_uint("--iterations", optarg, 1, 10000000);
                else if (c == 'w')
                        o->warmup = bench_arg_uint("--warmup", optarg, 0, 10000000);
                else if (c == 'H')
                        o->header = 0;
                else {
                        fprintf(stderr, "usage: %s [--iterations N] [--warmup N] [--no-header]\n", prog);
                        exit(2);
                }
        }
}

static int run_side(const struct bench_ab *ab, int side, uint64_t warmup, uint64_t n, struct bench_samples *s)
{
        for (uint64_t i = 0; i < warmup + n; i++) {
                uint64_t t0 = bench_now_ns(), t1;
                int r = ab->once(ab->ctx, side);

                t1 = bench_now_ns();
                if (r < 0) {
                        fprintf(stderr, "%s: %s failed: %s\n", ab->prog, ab->what[side], strerror(-r));
                        return r;
                }
                if (i >= warmup && bench_samples_add(s, t1 - t0) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int bench_ab_run(const struct bench_ab *ab, const struct bench_ab_opts *o, struct bench_samples s[2])
{
        int r;

        memset(s, 0, 2 * sizeof(*s));
        if (bench_samples_init(&s[0], (size_t)o->n) < 0 || bench_samples_init(&s[1], (size_t)o->n) < 0)
                return -ENOMEM;
        r = run_side(ab, 0, o->warmup, o->n / 2, &s[0]);
        if (r >= 0)
                r = run_side(ab, 1, o->warmup, o->n / 2, &s[1]);
        if (r >= 0)
                r = run_side(ab, 0, 0, o->n - o->n / 2, &s[0]);
        if (r >= 0)
                r = run_side(ab, 1, 0, o->n - o->n / 2, &s[1]);
        return r;
}
