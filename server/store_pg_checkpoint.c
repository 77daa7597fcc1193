/* SPDX-License-Identifier: BSD-3-Clause */
/* The PostgreSQL store: the last signed audit checkpoint of each host, its
 * registered key and its last refused checkpoint (server/checkpoints.c).
 *
 * Several instances may receive checkpoints of one host at once (teamd
 * fails over between URLs), and every instance runs the stale sweep: a
 * read inside a transaction locks the host's row (FOR UPDATE), a new
 * record is inserted only where none is (ON CONFLICT DO NOTHING, the loser
 * starts over and finds the winner's), and the stop alert is claimed by a
 * conditional UPDATE that only one instance can win. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

#define CP_COLUMNS "host, seq, head, time_usec, received_at, host_key, key_by_admin, key_at, stop_alerted_at, " \
                   "conflict, conflict_seq, conflict_head, conflict_key, conflict_time_usec, conflict_at, conflicts"

static int read_row(const PGresult *res, int row, struct srv_checkpoint *c)
{
        int r = 0;

        memset(c, 0, sizeof(*c));
        r = r ?: pg_str(res, row, 0, &c->host);
        c->seq = pg_i64(res, row, 1);
        r = r ?: pg_str(res, row, 2, &c->head);
        c->time_usec = pg_i64(res, row, 3);
        c->received_at = pg_i64(res, row, 4);
        r = r ?: pg_str(res, row, 5, &c->host_key);
        c->key_by_admin = !PQgetisnull(res, row, 6) && strcmp(PQgetvalue(res, row, 6), "t") == 0;
        c->key_at = pg_i64(res, row, 7);
        c->stop_alerted_at = pg_i64(res, row, 8);
        r = r ?: pg_str(res, row, 9, &c->conflict);
        c->conflict_seq = pg_i64(res, row, 10);
        r = r ?: pg_str(res, row, 11, &c->conflict_head);
        r = r ?: pg_str(res, row, 12, &c->conflict_key);
        c->conflict_time_usec = pg_i64(res, row, 13);
        c->conflict_at = pg_i64(res, row, 14);
        c->conflicts = pg_i64(res, row, 15);
        return r;
}

int pg_checkpoint_get(struct srv_store *base, const char *host, struct srv_checkpoint *out)
{
        struct pg_store *s = pgs(base);
        struct pg_params p = { 0 };
        PGresult *res = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        if (!host)
                return -EINVAL;
        pg_text(&p, host);
        r = pg_query(s, pg_in_txn(s) ? "SELECT " CP_COLUMNS " FROM host_checkpoints WHERE host = $1 FOR UPDATE"
                                     : "SELECT " CP_COLUMNS " FROM host_checkpoints WHERE host = $1",
                     &p, &res);
        if (r == 0 && PQntuples(res) == 0)
                r = -ENOENT;
        r = r ?: read_row(res, 0, out);
        PQclear(res);
        if (r < 0)
                srv_checkpoint_clear(out);
        return r;
}

int pg_checkpoint_put(struct srv_store *base, const struct srv_checkpoint *c, bool create)
{
        struct pg_params p = { 0 };

        if (!c->host)
                return -EINVAL;
        pg_text(&p, c->host);
        pg_int(&p, c->seq);
        pg_text(&p, c->head);
        pg_int(&p, c->time_usec);
        pg_int(&p, c->received_at);
        pg_text(&p, c->host_key);
        pg_text(&p, c->key_by_admin ? "true" : "false");
        pg_int(&p, c->key_at);
        pg_int(&p, c->stop_alerted_at);
        pg_text(&p, c->conflict);
        pg_int(&p, c->conflict_seq);
        pg_text(&p, c->conflict_head);
        pg_text(&p, c->conflict_key);
        pg_int(&p, c->conflict_time_usec);
        pg_int(&p, c->conflict_at);
        pg_int(&p, c->conflicts);
        if (create) {
                /* Not an error that aborts the caller's transaction: a
                 * record made meanwhile is -EEXIST, and the caller starts
                 * over with it. */
                int r = pg_changed(pgs(base),
                                   "INSERT INTO host_checkpoints(" CP_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, "
                                   "$7::boolean, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
                                   "ON CONFLICT (host) DO NOTHING",
                                   &p);

                return r == -ENOENT ? -EEXIST : r;
        }
        return pg_changed(pgs(base),
                          "UPDATE host_checkpoints SET seq = $2, head = $3, time_usec = $4, received_at = $5, "
                          "host_key = $6, key_by_admin = $7::boolean, key_at = $8, stop_alerted_at = $9, "
                          "conflict = $10, conflict_seq = $11, conflict_head = $12, conflict_key = $13, "
                          "conflict_time_usec = $14, conflict_at = $15, conflicts = $16 WHERE host = $1",
                          &p);
}

int pg_checkpoint_delete(struct srv_store *base, const char *host)
{
        struct pg_params p = { 0 };

        pg_text(&p, host);
        return pg_changed(pgs(base), "DELETE FROM host_checkpoints WHERE host = $1", &p);
}

int pg_checkpoint_stale(struct srv_store *base, int64_t before, size_t max, struct srv_checkpoint **out, size_t *n)
{
        struct pg_params p = { 0 };
        struct srv_checkpoint *list = NULL;
        PGresult *res = NULL;
        size_t count = 0;
        int r, rows;

        *out = NULL;
        *n = 0;
        if (max == 0 || max > SRV_CHECKPOINT_LIST_MAX)
                max = SRV_CHECKPOINT_LIST_MAX;
        pg_int(&p, before);
        pg_int(&p, (int64_t)max);
        r = pg_query(pgs(base), "SELECT " CP_COLUMNS " FROM host_checkpoints WHERE stop_alerted_at = 0 AND seq > 0 "
                                "AND received_at <= $1 ORDER BY received_at, host LIMIT $2", &p, &res);
        rows = r == 0 ? PQntuples(res) : 0;
        if (rows > 0 && !(list = calloc((size_t)rows, sizeof(*list))))
                r = -ENOMEM;
        for (int i = 0; r == 0 && i < rows; i++) {
                count++;
                r = read_row(res, i, &list[i]);
        }
        PQclear(res);
        if (r < 0) {
                srv_checkpoint_list_free(list, count);
                return r;
        }
        *out = list;
        *n = count;
        return 0;
}

int pg_checkpoint_mark_stopped(struct srv_store *base, const char *host, int64_t received_at, int64_t at)
{
        struct pg_params p = { 0 };

        if (at <= 0)
                return -EINVAL;
        pg_text(&p, host);
        pg_int(&p, received_at);
        pg_int(&p, at);
        return pg_changed(pgs(base), "UPDATE host_checkpoints SET stop_alerted_at = $3 WHERE host = $1 AND "
                                     "received_at = $2 AND stop_alerted_at = 0 AND seq > 0", &p);
}
