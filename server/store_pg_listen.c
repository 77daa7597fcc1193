/* SPDX-License-Identifier: BSD-3-Clause */
/* The PostgreSQL store's LISTEN side: one connection of its own that
 * listens on the feed channel, and a thread that hands every notification
 * (the aud of a new grant or revocation, from any instance) to the feed's
 * callback, so that a long-poll held here wakes when another instance
 * committed. A notification can be lost only with the connection; after
 * reconnecting the callback is told to wake everybody (aud NULL), and
 * every long-poll reads the feed from the database, so a lost
 * notification costs at most one poll round. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_pg.h"

#define RECONNECT_MS 1000

static PGconn *listen_connect(struct pg_store *s)
{
        static const char *const keys[] = { "dbname", "connect_timeout", "application_name", NULL };
        const char *vals[] = { s->conninfo, "5", "team-server-listen", NULL };
        PGconn *c = PQconnectdbParams(keys, vals, 1);
        PGresult *res;

        if (!c || PQstatus(c) != CONNECTION_OK) {
                PQfinish(c);
                return NULL;
        }
        res = PQexec(c, "LISTEN " PG_FEED_CHANNEL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                PQclear(res);
                PQfinish(c);
                return NULL;
        }
        PQclear(res);
        return c;
}

/* false when asked to stop. */
static bool pause_ms(struct pg_store *s, int ms)
{
        struct pollfd p = { .fd = s->stop_pipe[0], .events = POLLIN };

        return poll(&p, 1, ms) == 0;
}

static void *listen_main(void *arg)
{
        struct pg_store *s = arg;
        PGconn *c = NULL;
        bool lost = false;

        for (;;) {
                struct pollfd p[2] = { { .fd = s->stop_pipe[0], .events = POLLIN } };
                PGnotify *n;

                if (!c) {
                        c = listen_connect(s);
                        if (!c) {
                                if (!lost)
                                        fprintf(stderr, "team-server: database %s: cannot listen for other "
                                                        "instances' feed entries; retrying\n", s->shown);
                                lost = true;
                                if (!pause_ms(s, RECONNECT_MS))
                                        break;
                                continue;
                        }
                        if (lost) {
                                fprintf(stderr, "team-server: database %s: listening again\n", s->shown);
                                s->on_feed(NULL, s->on_feed_ctx);
                        }
                        lost = false;
                }
                p[1] = (struct pollfd){ .fd = PQsocket(c), .events = POLLIN };
                if (poll(p, 2, -1) < 0 && errno != EINTR)
                        break;
                if (p[0].revents)
                        break;
                if (!PQconsumeInput(c)) {
                        PQfinish(c);
                        c = NULL;
                        lost = true;
                        continue;
                }
                while ((n = PQnotifies(c))) {
                        s->on_feed(n->extra, s->on_feed_ctx);
                        PQfreemem(n);
                }
        }
        PQfinish(c);
        return NULL;
}

int pg_feed_subscribe(struct srv_store *base, void (*fn)(const char *aud, void *ctx), void *ctx)
{
        struct pg_store *s = pgs(base);
        int r;

        if (s->listening)
                return -EBUSY;
        if (pipe2(s->stop_pipe, O_CLOEXEC) < 0)
                return -errno;
        s->on_feed = fn;
        s->on_feed_ctx = ctx;
        r = pthread_create(&s->listener, NULL, listen_main, s);
        if (r != 0) {
                close(s->stop_pipe[0]);
                close(s->stop_pipe[1]);
                s->stop_pipe[0] = s->stop_pipe[1] = -1;
                return -r;
        }
        s->listening = true;
        return 0;
}

void pg_listen_stop(struct pg_store *s)
{
        if (s->listening) {
                if (write(s->stop_pipe[1], "x", 1) < 0)
                        fprintf(stderr, "team-server: cannot stop the database listener: %s\n", strerror(errno));
                pthread_join(s->listener, NULL);
                s->listening = false;
        }
        if (s->stop_pipe[0] >= 0) {
                close(s->stop_pipe[0]);
                close(s->stop_pipe[1]);
        }
        s->stop_pipe[0] = s->stop_pipe[1] = -1;
}
