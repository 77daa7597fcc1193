/* SPDX-License-Identifier: BSD-3-Clause */
/* The PostgreSQL store: audit records, the durable webhook queue (safe
 * with a sender in every instance: a target's head job is leased) and
 * break-glass uses. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

#define AUDIT_LIST_MAX 10000
#define WEBHOOK_COLUMNS "id, target, event, body, created_at, next_at, attempts, last_error"
#define BG_COLUMNS "id, host, user_name, role, service, tty, rhost, used_at, window_end, slot, received_at, " \
                   "ack_by, ack_at, ack_comment"
/* The database's clock (epoch seconds): one clock for every instance's leases. */
#define DB_NOW "extract(epoch from clock_timestamp())::bigint"

int pg_audit_append(struct srv_store *base, struct srv_audit_record *a)
{
        struct pg_params p = { 0 };
        PGresult *res = NULL;
        int r;

        if (!a->event || !a->actor)
                return -EINVAL;
        pg_int(&p, a->at);
        pg_text(&p, a->event);
        pg_text(&p, a->actor);
        pg_text(&p, a->request_id);
        pg_text(&p, a->grant_id);
        pg_text(&p, a->user);
        pg_text(&p, a->role);
        pg_text(&p, a->host);
        pg_text(&p, a->reason);
        r = pg_query(pgs(base), "INSERT INTO audit(at, event, actor, request_id, grant_id, user_name, role, host, "
                                "reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id", &p, &res);
        if (r == 0)
                a->id = pg_i64(res, 0, 0);
        PQclear(res);
        return r;
}

int pg_audit_list(struct srv_store *base, const char *request_id, struct srv_audit_record **out, size_t *n)
{
        struct pg_params p = { 0 };
        struct srv_audit_record *list = NULL;
        PGresult *res = NULL;
        size_t count = 0;
        int r, rows;

        *out = NULL;
        *n = 0;
        pg_text(&p, request_id);
        pg_int(&p, AUDIT_LIST_MAX);
        r = pg_query(pgs(base), "SELECT id, at, event, actor, request_id, grant_id, user_name, role, host, reason "
                                "FROM audit WHERE $1::text IS NULL OR request_id = $1 ORDER BY id LIMIT $2", &p, &res);
        rows = r == 0 ? PQntuples(res) : 0;
        if (rows > 0 && !(list = calloc((size_t)rows, sizeof(*list))))
                r = -ENOMEM;
        for (int i = 0; r == 0 && i < rows; i++) {
                struct srv_audit_record *a = &list[i];

                count++;
                a->id = pg_i64(res, i, 0);
                a->at = pg_i64(res, i, 1);
                r = r ?: pg_str(res, i, 2, &a->event);
                r = r ?: pg_str(res, i, 3, &a->actor);
                r = r ?: pg_str(res, i, 4, &a->request_id);
                r = r ?: pg_str(res, i, 5, &a->grant_id);
                r = r ?: pg_str(res, i, 6, &a->user);
                r = r ?: pg_str(res, i, 7, &a->role);
                r = r ?: pg_str(res, i, 8, &a->host);
                r = r ?: pg_str(res, i, 9, &a->reason);
        }
        PQclear(res);
        if (r < 0) {
                srv_audit_list_free(list, count);
                return r;
        }
        *out = list;
        *n = count;
        return 0;
}

int pg_webhook_enqueue(struct srv_store *base, struct srv_webhook_job *j)
{
        struct pg_params p = { 0 };
        PGresult *res = NULL;
        int r;

        if (!j->target || !j->event || !j->body)
                return -EINVAL;
        pg_text(&p, j->target);
        pg_text(&p, j->event);
        pg_text(&p, j->body);
        pg_int(&p, j->created_at);
        pg_int(&p, j->next_at);
        pg_int(&p, j->attempts);
        pg_text(&p, j->last_error);
        r = pg_query(pgs(base), "INSERT INTO webhook_jobs(target, event, body, created_at, next_at, attempts, "
                                "last_error) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id", &p, &res);
        if (r == 0)
                j->id = pg_i64(res, 0, 0);
        PQclear(res);
        return r;
}

/* The first row of res as a job; -ENOENT when there is none. */
static int read_job(PGresult *res, struct srv_webhook_job *out)
{
        int r = 0;

        if (PQntuples(res) == 0)
                return -ENOENT;
        out->id = pg_i64(res, 0, 0);
        out->created_at = pg_i64(res, 0, 4);
        out->next_at = pg_i64(res, 0, 5);
        out->attempts = (unsigned)pg_i64(res, 0, 6);
        r = r ?: pg_str(res, 0, 1, &out->target);
        r = r ?: pg_str(res, 0, 2, &out->event);
        r = r ?: pg_str(res, 0, 3, &out->body);
        return r ?: pg_str(res, 0, 7, &out->last_error);
}

static int job_query(struct pg_store *s, const char *sql, const struct pg_params *p, struct srv_webhook_job *out)
{
        PGresult *res = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        r = pg_query(s, sql, p, &res);
        r = r ?: read_job(res, out);
        PQclear(res);
        if (r < 0)
                srv_webhook_job_clear(out);
        return r;
}

int pg_webhook_next_due(struct srv_store *base, int64_t now, struct srv_webhook_job *out)
{
        struct pg_params p = { 0 };

        pg_int(&p, now);
        return job_query(pgs(base), "SELECT " WEBHOOK_COLUMNS " FROM webhook_jobs WHERE next_at <= $1 "
                                    "ORDER BY next_at, id LIMIT 1", &p, out);
}

/* The target's oldest job, leased to this instance: claimed when its lease
 * is free or ran out (its sender died), renewed when already ours. A head
 * another live instance holds reads as no job: that instance sends it, and
 * only the holder of the head sends anything of the target, so the order
 * is kept. The head row is locked SKIP LOCKED: of two instances claiming
 * at once one gets it, the other moves on. */
int pg_webhook_head(struct srv_store *base, const char *target, struct srv_webhook_job *out)
{
        struct pg_store *s = pgs(base);
        struct pg_params p = { 0 };

        if (!target) {
                memset(out, 0, sizeof(*out));
                return -EINVAL;
        }
        pg_text(&p, target);
        pg_int(&p, SRV_WEBHOOK_GAVE_UP);
        pg_text(&p, s->owner);
        pg_int(&p, PG_WEBHOOK_LEASE);
        return job_query(s, "WITH head AS (SELECT id, lease_owner, lease_until FROM webhook_jobs "
                            "  WHERE target = $1 AND next_at < $2 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) "
                            "UPDATE webhook_jobs j SET lease_owner = $3, lease_until = " DB_NOW " + $4 FROM head "
                            "WHERE j.id = head.id AND (head.lease_owner = $3 OR head.lease_until <= " DB_NOW ") "
                            "RETURNING j.id, j.target, j.event, j.body, j.created_at, j.next_at, j.attempts, "
                            "j.last_error", &p, out);
}

int pg_webhook_done(struct srv_store *base, int64_t id)
{
        struct pg_params p = { 0 };

        pg_int(&p, id);
        return pg_changed(pgs(base), "DELETE FROM webhook_jobs WHERE id = $1", &p);
}

int pg_webhook_retry(struct srv_store *base, int64_t id, int64_t next_at, unsigned attempts, const char *last_error)
{
        struct pg_params p = { 0 };

        pg_int(&p, id);
        pg_int(&p, next_at);
        pg_int(&p, attempts);
        pg_text(&p, last_error);
        return pg_changed(pgs(base), "UPDATE webhook_jobs SET next_at = $2, attempts = $3, last_error = $4 "
                                     "WHERE id = $1", &p);
}

int pg_webhook_depth(struct srv_store *s, uint64_t *out)
{
        return pg_count(pgs(s), "SELECT count(*) FROM webhook_jobs", NULL, out);
}

int pg_webhook_next_at(struct srv_store *base, int64_t *out)
{
        PGresult *res = NULL;
        int r = pg_query(pgs(base), "SELECT min(next_at) FROM webhook_jobs", NULL, &res);

        if (r == 0 && (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)))
                r = -ENOENT;
        else if (r == 0)
                *out = pg_i64(res, 0, 0);
        PQclear(res);
        return r;
}

int pg_breakglass_insert(struct srv_store *base, const struct srv_breakglass_use *u)
{
        struct pg_params p = { 0 };

        if (!u->id || !u->host || !u->user || !u->role)
                return -EINVAL;
        pg_text(&p, u->id);
        pg_text(&p, u->host);
        pg_text(&p, u->user);
        pg_text(&p, u->role);
        pg_text(&p, u->service);
        pg_text(&p, u->tty);
        pg_text(&p, u->rhost);
        pg_int(&p, u->used_at);
        pg_int(&p, u->window_end);
        pg_int(&p, u->slot);
        pg_int(&p, u->received_at);
        return pg_query(pgs(base), "INSERT INTO breakglass_uses(id, host, user_name, role, service, tty, rhost, "
                                   "used_at, window_end, slot, received_at) "
                                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", &p, NULL);
}

int pg_breakglass_list(struct srv_store *base, bool all, size_t max, struct srv_breakglass_use **out, size_t *n)
{
        struct pg_params p = { 0 };
        struct srv_breakglass_use *list = NULL;
        PGresult *res = NULL;
        size_t count = 0;
        int r, rows;

        *out = NULL;
        *n = 0;
        pg_int(&p, (int64_t)max);
        r = pg_query(pgs(base), all ? "SELECT " BG_COLUMNS " FROM breakglass_uses ORDER BY used_at DESC LIMIT $1"
                                    : "SELECT " BG_COLUMNS " FROM breakglass_uses WHERE ack_at = 0 "
                                      "ORDER BY used_at DESC LIMIT $1", &p, &res);
        rows = r == 0 ? PQntuples(res) : 0;
        if (rows > 0 && !(list = calloc((size_t)rows, sizeof(*list))))
                r = -ENOMEM;
        for (int i = 0; r == 0 && i < rows; i++) {
                struct srv_breakglass_use *u = &list[i];

                count++;
                r = r ?: pg_str(res, i, 0, &u->id);
                r = r ?: pg_str(res, i, 1, &u->host);
                r = r ?: pg_str(res, i, 2, &u->user);
                r = r ?: pg_str(res, i, 3, &u->role);
                r = r ?: pg_str(res, i, 4, &u->service);
                r = r ?: pg_str(res, i, 5, &u->tty);
                r = r ?: pg_str(res, i, 6, &u->rhost);
                u->used_at = pg_i64(res, i, 7);
                u->window_end = pg_i64(res, i, 8);
                u->slot = pg_i64(res, i, 9);
                u->received_at = pg_i64(res, i, 10);
                r = r ?: pg_str(res, i, 11, &u->ack_by);
                u->ack_at = pg_i64(res, i, 12);
                r = r ?: pg_str(res, i, 13, &u->ack_comment);
        }
        PQclear(res);
        if (r < 0) {
                srv_breakglass_list_free(list, count);
                return r;
        }
        *out = list;
        *n = count;
        return 0;
}

int pg_breakglass_ack(struct srv_store *base, const char *id, const char *by, int64_t at, const char *comment)
{
        struct pg_params p = { 0 }, q = { 0 };
        PGresult *res = NULL;
        int r;

        pg_text(&p, id);
        pg_text(&p, by);
        pg_int(&p, at);
        pg_text(&p, comment);
        r = pg_changed(pgs(base), "UPDATE breakglass_uses SET ack_by = $2, ack_at = $3, ack_comment = $4 "
                                  "WHERE id = $1 AND ack_at = 0", &p);
        if (r != -ENOENT)
                return r;
        pg_text(&q, id);                /* unknown, or acknowledged already? */
        if (pg_query(pgs(base), "SELECT 1 FROM breakglass_uses WHERE id = $1", &q, &res) == 0 && PQntuples(res) > 0)
                r = -EALREADY;
        PQclear(res);
        return r;
}
