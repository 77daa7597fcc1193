/* SPDX-License-Identifier: BSD-3-Clause */
/* Admission of HTTP connections (see conn_guard.h).
 *
 * The anonymous connections are one list in deadline order: every entry
 * has the same timeout, so appending at the tail when a deadline (re)starts
 * keeps the list sorted, the head is both the next to time out and the
 * oldest to evict, and the deadline thread only ever looks at the head. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "conn_guard.h"
#include "metrics.h"

#define TICK_MS 200
/* How far down the list eviction looks for an idle victim. */
#define EVICT_SCAN 64

enum entry_state {
        ENTRY_ANONYMOUS,      /* in the list, deadline running */
        ENTRY_AUTHENTICATED,  /* out of the list for good */
        ENTRY_DOOMED,         /* shut down, waiting for MHD to close it */
};

struct conn_guard_entry {
        struct conn_guard_entry *prev, *next;
        int fd;
        enum entry_state state;
        uint64_t deadline_ms;
};

struct conn_guard {
        pthread_mutex_t lock;
        pthread_cond_t wake;
        pthread_t thread;
        bool thread_started;
        bool stopping;
        uint64_t timeout_ms;
        uint64_t max_anonymous;
        struct conn_guard_entry *head, *tail;
        uint64_t n_anonymous;
};

static uint64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void unlink_entry(struct conn_guard *g, struct conn_guard_entry *e)
{
        if (e->prev)
                e->prev->next = e->next;
        else
                g->head = e->next;
        if (e->next)
                e->next->prev = e->prev;
        else
                g->tail = e->prev;
        e->prev = e->next = NULL;
        g->n_anonymous--;
}

static void append_entry(struct conn_guard *g, struct conn_guard_entry *e)
{
        e->state = ENTRY_ANONYMOUS;
        e->deadline_ms = now_ms() + g->timeout_ms;
        e->prev = g->tail;
        e->next = NULL;
        if (g->tail)
                g->tail->next = e;
        else
                g->head = e;
        g->tail = e;
        g->n_anonymous++;
}

/* Called with the lock held: the descriptor is still MHD's (its "closed"
 * notification waits for the lock), so shutting it down cannot hit a
 * reused number. */
static void doom(struct conn_guard *g, struct conn_guard_entry *e)
{
        unlink_entry(g, e);
        e->state = ENTRY_DOOMED;
        shutdown(e->fd, SHUT_RDWR);
}

static void *deadline_thread(void *arg)
{
        struct conn_guard *g = arg;

        pthread_mutex_lock(&g->lock);
        while (!g->stopping) {
                struct timespec ts;
                uint64_t now = now_ms();

                while (g->head && g->head->deadline_ms <= now) {
                        doom(g, g->head);
                        metrics_count_connection_timed_out();
                }
                clock_gettime(CLOCK_MONOTONIC, &ts);
                ts.tv_nsec += TICK_MS * 1000000L;
                if (ts.tv_nsec >= 1000000000L) {
                        ts.tv_sec++;
                        ts.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&g->wake, &g->lock, &ts);
        }
        pthread_mutex_unlock(&g->lock);
        return NULL;
}

int conn_guard_new(uint64_t header_timeout_ms, uint64_t max_anonymous, struct conn_guard **out)
{
        struct conn_guard *g;
        pthread_condattr_t ca;
        int r;

        *out = NULL;
        if (header_timeout_ms == 0 || max_anonymous == 0)
                return -EINVAL;
        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->timeout_ms = header_timeout_ms;
        g->max_anonymous = max_anonymous;
        pthread_mutex_init(&g->lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&g->wake, &ca);
        pthread_condattr_destroy(&ca);
        r = pthread_create(&g->thread, NULL, deadline_thread, g);
        if (r != 0) {
                conn_guard_free(g);
                return -r;
        }
        g->thread_started = true;
        *out = g;
        return 0;
}

void conn_guard_free(struct conn_guard *g)
{
        if (!g)
                return;
        if (g->thread_started) {
                pthread_mutex_lock(&g->lock);
                g->stopping = true;
                pthread_cond_signal(&g->wake);
                pthread_mutex_unlock(&g->lock);
                pthread_join(g->thread, NULL);
        }
        pthread_cond_destroy(&g->wake);
        pthread_mutex_destroy(&g->lock);
        free(g);
}

/* The oldest anonymous connection with nothing unread: one whose bytes
 * wait in the socket has sent its request and only waits for a worker
 * thread, and evicting it would punish the server's own slowness. When
 * the first EVICT_SCAN all have data waiting, the oldest. */
static struct conn_guard_entry *eviction_victim(struct conn_guard *g)
{
        struct conn_guard_entry *e = g->head;

        for (unsigned i = 0; e && i < EVICT_SCAN; e = e->next, i++) {
                int unread = 0;

                if (ioctl(e->fd, FIONREAD, &unread) < 0 || unread == 0)
                        return e;
        }
        return g->head;
}

struct conn_guard_entry *conn_guard_opened(struct conn_guard *g, int fd)
{
        struct conn_guard_entry *e = calloc(1, sizeof(*e));

        if (!e) {
                shutdown(fd, SHUT_RDWR);
                return NULL;
        }
        e->fd = fd;
        pthread_mutex_lock(&g->lock);
        while (g->head && g->n_anonymous >= g->max_anonymous) {
                doom(g, eviction_victim(g));
                metrics_count_connection_evicted();
        }
        append_entry(g, e);
        pthread_mutex_unlock(&g->lock);
        return e;
}

void conn_guard_closed(struct conn_guard *g, struct conn_guard_entry *e)
{
        if (!e)
                return;
        pthread_mutex_lock(&g->lock);
        if (e->state == ENTRY_ANONYMOUS)
                unlink_entry(g, e);
        pthread_mutex_unlock(&g->lock);
        free(e);
}

void conn_guard_request_started(struct conn_guard *g, struct conn_guard_entry *e, bool authenticated)
{
        if (!e || !authenticated)
                return;
        pthread_mutex_lock(&g->lock);
        if (e->state == ENTRY_ANONYMOUS) {
                unlink_entry(g, e);
                e->state = ENTRY_AUTHENTICATED;
        }
        pthread_mutex_unlock(&g->lock);
}

void conn_guard_request_ended(struct conn_guard *g, struct conn_guard_entry *e)
{
        if (!e)
                return;
        pthread_mutex_lock(&g->lock);
        if (e->state == ENTRY_ANONYMOUS) {
                unlink_entry(g, e);
                append_entry(g, e);
        }
        pthread_mutex_unlock(&g->lock);
}
