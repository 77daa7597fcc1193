/* SPDX-License-Identifier: BSD-3-Clause */
/* Long-poll waiters (see feed.h). One mutex guards the list; lock order is
 * always this mutex, then MHD's own (suspend/resume are called under it). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feed.h"
#include "metrics.h"

enum {
        W_IDLE = 0,      /* not registered */
        W_CHECKING,      /* registered, the handler is querying */
        W_SUSPENDED,     /* connection suspended */
        W_WOKEN,         /* notified (or timed out / shutdown) */
};

/* The timer wakes at most this often, so thousands of waiters with spread
 * deadlines cost a few scans per second, not one per waiter; a timed-out
 * long-poll may answer this much late. */
#define TIMER_SLACK_MS 100

struct feed {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        pthread_t timer;
        bool timer_started;
        bool stopping;
        uint64_t next_wake;     /* when the timer wakes next (monotonic ms) */
        struct feed_waiter *head;
        uint64_t count;
        _Atomic uint64_t in_flight;
};

uint64_t feed_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void unlink_waiter(struct feed *f, struct feed_waiter *w)
{
        if (!w->listed)
                return;
        if (w->prev)
                w->prev->next = w->next;
        else
                f->head = w->next;
        if (w->next)
                w->next->prev = w->prev;
        w->prev = w->next = NULL;
        w->listed = false;
        f->count--;
}

/* Under the lock: marks w woken, resuming it if suspended. */
static void wake(struct feed *f, struct feed_waiter *w)
{
        if (w->state == W_SUSPENDED) {
                unlink_waiter(f, w);
                w->state = W_WOKEN;
                http_resume(w->req);
        } else if (w->state == W_CHECKING) {
                w->state = W_WOKEN;
        }
}

static void *timer_main(void *arg)
{
        struct feed *f = arg;

        pthread_mutex_lock(&f->lock);
        while (!f->stopping) {
                uint64_t now = feed_now_ms(), next = now + 1000;
                struct feed_waiter *w, *nw;
                struct timespec ts;

                for (w = f->head; w; w = nw) {
                        nw = w->next;
                        if (w->state == W_SUSPENDED && w->deadline_ms <= now)
                                wake(f, w);
                        else if (w->state == W_SUSPENDED && w->deadline_ms < next)
                                next = w->deadline_ms;
                }
                if (next < now + TIMER_SLACK_MS)
                        next = now + TIMER_SLACK_MS;
                f->next_wake = next;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                ts.tv_sec += (time_t)((next - now) / 1000);
                ts.tv_nsec += (long)((next - now) % 1000) * 1000000L;
                if (ts.tv_nsec >= 1000000000L) {
                        ts.tv_sec++;
                        ts.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&f->cond, &f->lock, &ts);
        }
        pthread_mutex_unlock(&f->lock);
        return NULL;
}

int feed_new(struct feed **out)
{
        pthread_condattr_t ca;
        struct feed *f;
        int r;

        *out = NULL;
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        pthread_mutex_init(&f->lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&f->cond, &ca);
        pthread_condattr_destroy(&ca);
        r = pthread_create(&f->timer, NULL, timer_main, f);
        if (r != 0) {
                feed_free(f);
                return -r;
        }
        f->timer_started = true;
        *out = f;
        return 0;
}

void feed_free(struct feed *f)
{
        if (!f)
                return;
        feed_shutdown(f);
        if (f->timer_started)
                pthread_join(f->timer, NULL);
        pthread_cond_destroy(&f->cond);
        pthread_mutex_destroy(&f->lock);
        free(f);
}

int feed_wait_begin(struct feed *f, struct feed_waiter *w, struct http_req *req, const char *host_id,
                    const char *const *groups, uint64_t deadline_ms)
{
        size_t n = srv_strv_len(groups), i;
        int r = 0;

        feed_wait_end(f, w);
        w->auds = calloc(n + 2, sizeof(char *));
        if (!w->auds)
                return -ENOMEM;
        w->auds[0] = strdup(host_id);
        for (i = 0; i < n && w->auds[i]; i++)
                w->auds[i + 1] = strdup(groups[i]);
        if (!w->auds[n]) {
                srv_strv_free(w->auds);
                w->auds = NULL;
                return -ENOMEM;
        }
        w->req = req;
        w->deadline_ms = deadline_ms;
        pthread_mutex_lock(&f->lock);
        if (f->stopping) {
                r = -ESHUTDOWN;
        } else {
                w->state = W_CHECKING;
                w->prev = NULL;
                w->next = f->head;
                if (f->head)
                        f->head->prev = w;
                f->head = w;
                w->listed = true;
                f->count++;
        }
        pthread_mutex_unlock(&f->lock);
        return r;
}

bool feed_wait_suspend(struct feed *f, struct feed_waiter *w)
{
        bool suspended = false;

        pthread_mutex_lock(&f->lock);
        if (w->state == W_CHECKING && !f->stopping) {
                http_suspend(w->req);
                w->state = W_SUSPENDED;
                suspended = true;
                if (w->deadline_ms < f->next_wake)
                        pthread_cond_signal(&f->cond);
        } else {
                unlink_waiter(f, w);
                w->state = W_IDLE;
        }
        pthread_mutex_unlock(&f->lock);
        return suspended;
}

void feed_wait_end(struct feed *f, struct feed_waiter *w)
{
        pthread_mutex_lock(&f->lock);
        unlink_waiter(f, w);
        w->state = W_IDLE;
        pthread_mutex_unlock(&f->lock);
        srv_strv_free(w->auds);
        w->auds = NULL;
}

void feed_notify(struct feed *f, const char *aud)
{
        struct feed_waiter *w, *nw;

        if (!aud)
                return;
        pthread_mutex_lock(&f->lock);
        for (w = f->head; w; w = nw) {
                nw = w->next;
                if (srv_strv_contains((const char *const *)w->auds, aud)) {
                        wake(f, w);
                        metrics_count_feed_wakeup();
                }
        }
        pthread_mutex_unlock(&f->lock);
}

void feed_notify_or_all(const char *aud, void *ctx)
{
        struct feed *f = ctx;
        struct feed_waiter *w, *nw;

        if (aud) {
                feed_notify(f, aud);
                return;
        }
        pthread_mutex_lock(&f->lock);
        for (w = f->head; w; w = nw) {
                nw = w->next;
                wake(f, w);
        }
        pthread_mutex_unlock(&f->lock);
}

void feed_shutdown(struct feed *f)
{
        struct feed_waiter *w, *nw;

        pthread_mutex_lock(&f->lock);
        f->stopping = true;
        for (w = f->head; w; w = nw) {
                nw = w->next;
                wake(f, w);
        }
        pthread_cond_broadcast(&f->cond);
        pthread_mutex_unlock(&f->lock);
}

uint64_t feed_open_count(struct feed *f)
{
        uint64_t n;

        pthread_mutex_lock(&f->lock);
        n = f->count;
        pthread_mutex_unlock(&f->lock);
        return n;
}

void feed_request_started(struct feed *f)
{
        atomic_fetch_add(&f->in_flight, 1);
}

void feed_request_finished(struct feed *f)
{
        atomic_fetch_sub(&f->in_flight, 1);
}

uint64_t feed_requests_in_flight(struct feed *f)
{
        return atomic_load(&f->in_flight);
}
