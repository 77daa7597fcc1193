/* SPDX-License-Identifier: BSD-3-Clause */
/* Timing samples and the markdown rows every benchmark prints.
 * Times come from CLOCK_MONOTONIC and are kept in nanoseconds. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct bench_samples {
        uint64_t *ns;
        size_t n, cap;
        int sorted;
};

uint64_t bench_now_ns(void);

int bench_samples_init(struct bench_samples *s, size_t cap);
/* Grows as needed; -ENOMEM when it cannot. */
int bench_samples_add(struct bench_samples *s, uint64_t ns);
/* Appends every sample of src to dst. */
int bench_samples_merge(struct bench_samples *dst, const struct bench_samples *src);
/* Nearest-rank percentile, p in [0, 100]; sorts on first use. 0 when empty. */
uint64_t bench_samples_pct(struct bench_samples *s, double p);
uint64_t bench_samples_max(struct bench_samples *s);
void bench_samples_free(struct bench_samples *s);

/* "123.4 µs" (always microseconds, one decimal, so rows compare at a glance). */
void bench_fmt_us(char *buf, size_t len, uint64_t ns);

/* | benchmark | n | p50 | p99 | max | baseline | baseline p50 | baseline p99 | overhead p50 | */
void bench_print_latency_header(void);
void bench_print_latency_row(const char *name, struct bench_samples *s,
                             const char *base_name, struct bench_samples *base);

/* Parses "--iterations N"-style numbers via parse_uint; exits 2 on bad input. */
uint64_t bench_arg_uint(const char *opt, const char *val, uint64_t min, uint64_t max);
