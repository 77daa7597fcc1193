/* SPDX-License-Identifier: BSD-3-Clause */
/* The in-process A/B latency benchmarks (bench_codec, bench_jws): one
 * operation in two variants, timed call by call against each other, with
 * the same options (--iterations N --warmup N --no-header). */
#pragma once

#include <stdint.h>

#include "bench/bench_stats.h"

struct bench_ab_opts {
        uint64_t n;             /* timed calls per side */
        uint64_t warmup;        /* untimed calls per side first */
        int header;             /* print the table header */
};

struct bench_ab {
        const char *prog;       /* "bench_codec": message prefix */
        const char *what[2];    /* what each side does, for "PROG: WHAT failed: ERR" */
        /* One call of side 0 or 1: 0, or a negative errno. */
        int (*once)(void *ctx, int side);
        void *ctx;
};

/* Parses the options into o, which holds the defaults; exits 2 with a
 * usage line on anything else. */
void bench_ab_parse(int argc, char **argv, const char *prog, struct bench_ab_opts *o);

/* Initializes s[0] and s[1] and fills them with o->n samples each,
 * interleaved in halves (side 0, side 1, side 0, side 1) so drift
 * (frequency scaling, noisy neighbours) hits both sides alike; the warm-up
 * runs before the first half of each side. 0, or the first failure's
 * negative errno (reported on stderr). The caller frees s[0] and s[1]. */
int bench_ab_run(const struct bench_ab *ab, const struct bench_ab_opts *o, struct bench_samples s[2]);
