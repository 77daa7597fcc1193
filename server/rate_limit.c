/* SPDX-License-Identifier: BSD-3-Clause */
/* Token buckets per key (see rate_limit.h). Buckets count in
 * milli-tokens so that refills of a fraction of a token add up; the
 * table is a sorted array (binary search), small enough for the number
 * of identities that file requests. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rate_limit.h"

struct bucket {
        char *key;
        uint64_t milli;        /* tokens * 1000 at stamp_ms */
        uint64_t stamp_ms;
};

struct rate_limit {
        pthread_mutex_t lock;
        uint64_t capacity;     /* milli-tokens */
        uint64_t per_minute;
        struct bucket *v;
        size_t n, cap;
};

int rate_limit_new(uint64_t per_minute, struct rate_limit **out)
{
        struct rate_limit *rl;

        *out = NULL;
        if (per_minute == 0)
                return -EINVAL;
        rl = calloc(1, sizeof(*rl));
        if (!rl)
                return -ENOMEM;
        pthread_mutex_init(&rl->lock, NULL);
        rl->per_minute = per_minute;
        rl->capacity = per_minute * 1000;
        *out = rl;
        return 0;
}

void rate_limit_free(struct rate_limit *rl)
{
        if (!rl)
                return;
        for (size_t i = 0; i < rl->n; i++)
                free(rl->v[i].key);
        free(rl->v);
        pthread_mutex_destroy(&rl->lock);
        free(rl);
}

/* The bucket's level now (refilled, capped). */
static uint64_t level(const struct rate_limit *rl, const struct bucket *b, uint64_t now_ms)
{
        uint64_t elapsed = now_ms > b->stamp_ms ? now_ms - b->stamp_ms : 0;
        uint64_t add = elapsed >= 60000 ? rl->capacity : elapsed * rl->per_minute / 60;

        return b->milli + add >= rl->capacity ? rl->capacity : b->milli + add;
}

/* Index of key, or where it would go (*found false). */
static size_t find(const struct rate_limit *rl, const char *key, bool *found)
{
        size_t lo = 0, hi = rl->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(rl->v[mid].key, key);

                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

static void remove_at(struct rate_limit *rl, size_t i)
{
        free(rl->v[i].key);
        memmove(&rl->v[i], &rl->v[i + 1], (rl->n - i - 1) * sizeof(rl->v[0]));
        rl->n--;
}

/* Room for one more key: drop full buckets, else the fullest. */
static void make_room(struct rate_limit *rl, uint64_t now_ms)
{
        size_t best = 0;
        uint64_t best_level = 0;

        for (size_t i = rl->n; i-- > 0;) {
                uint64_t l = level(rl, &rl->v[i], now_ms);

                if (l >= rl->capacity) {
                        remove_at(rl, i);
                        if (best > i)
                                best--;
                } else if (l >= best_level) {
                        best = i;
                        best_level = l;
                }
        }
        if (rl->n >= RATE_LIMIT_MAX_KEYS)
                remove_at(rl, best);
}

static struct bucket *insert(struct rate_limit *rl, const char *key, uint64_t now_ms)
{
        bool found;
        size_t i;
        char *k;

        if (rl->n >= RATE_LIMIT_MAX_KEYS)
                make_room(rl, now_ms);
        if (rl->n == rl->cap) {
                size_t ncap = rl->cap ? rl->cap * 2 : 64;
                struct bucket *nv = realloc(rl->v, ncap * sizeof(*nv));

                if (!nv)
                        return NULL;
                rl->v = nv;
                rl->cap = ncap;
        }
        k = strdup(key);
        if (!k)
                return NULL;
        i = find(rl, key, &found);
        memmove(&rl->v[i + 1], &rl->v[i], (rl->n - i) * sizeof(rl->v[0]));
        rl->v[i] = (struct bucket){ .key = k, .milli = rl->capacity, .stamp_ms = now_ms };
        rl->n++;
        return &rl->v[i];
}

uint64_t rate_limit_take(struct rate_limit *rl, const char *key, uint64_t now_ms)
{
        struct bucket *b;
        uint64_t l, wait = 0;
        bool found;
        size_t i;

        pthread_mutex_lock(&rl->lock);
        i = find(rl, key, &found);
        b = found ? &rl->v[i] : insert(rl, key, now_ms);
        if (!b) {
                wait = 1;        /* out of memory: refuse, the caller retries */
                goto out;
        }
        l = level(rl, b, now_ms);
        b->stamp_ms = now_ms;
        if (l >= 1000) {
                b->milli = l - 1000;
        } else {
                b->milli = l;
                /* ms until the bucket holds 1000 milli-tokens, rounded up to seconds */
                wait = ((1000 - l) * 60 / rl->per_minute + 999) / 1000;
                if (wait == 0)
                        wait = 1;
        }
out:
        pthread_mutex_unlock(&rl->lock);
        return wait;
}
