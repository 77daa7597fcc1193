/* SPDX-License-Identifier: BSD-3-Clause */
/* Timing samples, percentiles and markdown rows for the benchmarks. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_stats.h"
#include "parse.h"

uint64_t bench_now_ns(void)
{
        struct timespec ts;

        if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
                abort(); /* cannot happen on Linux; a benchmark without a clock is meaningless */
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bench_samples_init(struct bench_samples *s, size_t cap)
{
        memset(s, 0, sizeof(*s));
        if (cap == 0)
                cap = 1024;
        s->ns = calloc(cap, sizeof(*s->ns));
        if (!s->ns)
                return -ENOMEM;
        s->cap = cap;
        return 0;
}

int bench_samples_add(struct bench_samples *s, uint64_t ns)
{
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 1024;
                uint64_t *p = reallocarray(s->ns, cap, sizeof(*p));

                if (!p)
                        return -ENOMEM;
                s->ns = p;
                s->cap = cap;
        }
        s->ns[s->n++] = ns;
        s->sorted = 0;
        return 0;
}

int bench_samples_merge(struct bench_samples *dst, const struct bench_samples *src)
{
        int r = 0;

        for (size_t i = 0; i < src->n && r == 0; i++)
                r = bench_samples_add(dst, src->ns[i]);
        return r;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return (x > y) - (x < y);
}

static void samples_sort(struct bench_samples *s)
{
        if (!s->sorted && s->n > 0)
                qsort(s->ns, s->n, sizeof(*s->ns), cmp_u64);
        s->sorted = 1;
}

uint64_t bench_samples_pct(struct bench_samples *s, double p)
{
        size_t rank;

        if (s->n == 0)
                return 0;
        samples_sort(s);
        /* nearest rank: ceil(p/100 * n), 1-based */
        rank = (size_t)((p / 100.0) * (double)s->n + 0.999999);
        if (rank < 1)
                rank = 1;
        if (rank > s->n)
                rank = s->n;
        return s->ns[rank - 1];
}

uint64_t bench_samples_max(struct bench_samples *s)
{
        return bench_samples_pct(s, 100.0);
}

void bench_samples_free(struct bench_samples *s)
{
        if (!s)
                return;
        free(s->ns);
        memset(s, 0, sizeof(*s));
}

void bench_fmt_us(char *buf, size_t len, uint64_t ns)
{
        snprintf(buf, len, "%.1f µs", (double)ns / 1000.0);
}

void bench_print_latency_header(void)
{
        printf("| benchmark | n | p50 | p99 | max | baseline | baseline p50 | baseline p99 | overhead p50 |\n");
        printf("|---|---:|---:|---:|---:|---|---:|---:|---:|\n");
}

void bench_print_latency_row(const char *name, struct bench_samples *s,
                             const char *base_name, struct bench_samples *base)
{
        char p50[32], p99[32], max[32], b50[32] = "–", b99[32] = "–", over[64] = "–";
        uint64_t v50 = bench_samples_pct(s, 50.0);

        bench_fmt_us(p50, sizeof(p50), v50);
        bench_fmt_us(p99, sizeof(p99), bench_samples_pct(s, 99.0));
        bench_fmt_us(max, sizeof(max), bench_samples_max(s));
        if (base && base->n > 0) {
                uint64_t bv50 = bench_samples_pct(base, 50.0);
                double diff = ((double)v50 - (double)bv50) / 1000.0;

                bench_fmt_us(b50, sizeof(b50), bv50);
                bench_fmt_us(b99, sizeof(b99), bench_samples_pct(base, 99.0));
                if (bv50 > 0)
                        snprintf(over, sizeof(over), "%+.1f µs (×%.2f)", diff,
                                 (double)v50 / (double)bv50);
        }
        printf("| %s | %zu | %s | %s | %s | %s | %s | %s | %s |\n", name, s->n, p50, p99, max,
               base_name ? base_name : "–", b50, b99, over);
        fflush(stdout);
}

uint64_t bench_arg_uint(const char *opt, const char *val, uint64_t min, uint64_t max)
{
        uint64_t v;

        if (!val || parse_uint(val, min, max, &v) < 0) {
                fprintf(stderr, "%s: expects a number in [%llu, %llu]\n", opt,
                        (unsigned long long)min, (unsigned long long)max);
                exit(2);
        }
        return v;
}
