/* SPDX-License-Identifier: BSD-3-Clause */
/* The PostgreSQL store: the connection pool, transactions, statement
 * helpers and opening (see store_pg.h for the locking model). Requests,
 * grants and the feed are in store_pg_req.c; identities in
 * store_pg_identity.c; audit, webhooks and break-glass in store_pg_misc.c. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "store_pg.h"

/* Connection attempts give up after this (libpq's connect_timeout). */
#define PG_CONNECT_TIMEOUT "5"

void pg_text(struct pg_params *p, const char *v)
{
        p->v[p->n] = v;
        p->len[p->n] = 0;
        p->fmt[p->n] = 0;
        p->n++;
}

void pg_int(struct pg_params *p, int64_t v)
{
        snprintf(p->num[p->n], sizeof(p->num[0]), "%" PRId64, v);
        pg_text(p, p->num[p->n]);
}

void pg_bytes(struct pg_params *p, const uint8_t *v, int len)
{
        p->v[p->n] = (const char *)v;
        p->len[p->n] = len;
        p->fmt[p->n] = 1;
        p->n++;
}

int pg_json_list(struct pg_params *p, const char *const *v, char **buf)
{
        int r = srv_strv_to_json(v, buf);

        if (r == 0)
                pg_text(p, *buf);
        return r;
}

bool pg_in_txn(struct pg_store *s)
{
        return pthread_getspecific(s->txn) != NULL;
}

/* A new connection; NULL (and the reason in err) when it fails. */
static PGconn *pg_connect(struct pg_store *s, char *err, size_t errlen)
{
        static const char *const keys[] = { "dbname", "connect_timeout", "application_name", NULL };
        const char *vals[] = { s->conninfo, PG_CONNECT_TIMEOUT, "team-server", NULL };
        PGconn *c = PQconnectdbParams(keys, vals, 1);

        if (c && PQstatus(c) == CONNECTION_OK) {
                PQclear(PQexec(c, "SET client_min_messages = warning"));
                return c;
        }
        if (err) {
                char *m = c ? PQerrorMessage(c) : NULL;
                size_t ml = m ? strcspn(m, "\n") : 0;

                snprintf(err, errlen, "%s: cannot connect to the database: %.*s", s->shown, (int)ml,
                         m && ml ? m : "out of memory");
        }
        PQfinish(c);
        return NULL;
}

struct pg_conn *pg_acquire(struct pg_store *s)
{
        struct pg_conn *c = pthread_getspecific(s->txn);

        if (c)
                return c;
        pthread_mutex_lock(&s->lock);
        for (;;) {
                for (size_t i = 0; i < s->n_conns; i++)
                        if (!s->conns[i].busy) {
                                c = &s->conns[i];
                                break;
                        }
                if (c)
                        break;
                pthread_cond_wait(&s->cond, &s->lock);
        }
        c->busy = true;
        pthread_mutex_unlock(&s->lock);
        if (c->c && PQstatus(c->c) != CONNECTION_OK) {
                PQfinish(c->c);
                c->c = NULL;
        }
        if (!c->c)
                c->c = pg_connect(s, NULL, 0);
        if (!c->c) {
                pg_release(s, c);
                return NULL;
        }
        return c;
}

void pg_release(struct pg_store *s, struct pg_conn *c)
{
        if (!c || pthread_getspecific(s->txn) == c)
                return;
        pthread_mutex_lock(&s->lock);
        c->busy = false;
        pthread_cond_signal(&s->cond);
        pthread_mutex_unlock(&s->lock);
}

int pg_run(struct pg_store *s, struct pg_conn *c, const char *sql, const struct pg_params *p, PGresult **res)
{
        static const struct pg_params none;
        PGresult *x;
        const char *state, *msg;
        int st;

        if (res)
                *res = NULL;
        if (!p)
                p = &none;
        x = PQexecParams(c->c, sql, p->n, NULL, p->v, p->len, p->fmt, 0);
        st = x ? (int)PQresultStatus(x) : PGRES_FATAL_ERROR;
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
                if (res)
                        *res = x;
                else
                        PQclear(x);
                return 0;
        }
        state = x ? PQresultErrorField(x, PG_DIAG_SQLSTATE) : NULL;
        if (PQstatus(c->c) != CONNECTION_OK || (state && strncmp(state, "08", 2) == 0) ||
            (state && strncmp(state, "57P", 3) == 0)) {
                PQclear(x);
                fprintf(stderr, "team-server: database %s: the connection was lost\n", s->shown);
                return -ENOTCONN;
        }
        if (state && strncmp(state, "23", 2) == 0) {
                PQclear(x);
                return -EEXIST;
        }
        if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)) {
                PQclear(x);
                return -EAGAIN;
        }
        /* The primary message only: a DETAIL may quote a value. */
        msg = x ? PQresultErrorField(x, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        fprintf(stderr, "team-server: database: %s (SQLSTATE %s)\n", msg ? msg : PQerrorMessage(c->c),
                state ? state : "none");
        PQclear(x);
        return -EIO;
}

int pg_query(struct pg_store *s, const char *sql, const struct pg_params *p, PGresult **res)
{
        struct pg_conn *c = pg_acquire(s);
        int r;

        if (res)
                *res = NULL;
        if (!c)
                return -ENOTCONN;
        r = pg_run(s, c, sql, p, res);
        pg_release(s, c);
        return r;
}

int pg_changed(struct pg_store *s, const char *sql, const struct pg_params *p)
{
        PGresult *res = NULL;
        int r = pg_query(s, sql, p, &res);

        if (r == 0 && strcmp(PQcmdTuples(res), "0") == 0)
                r = -ENOENT;
        PQclear(res);
        return r;
}

int pg_dup(const PGresult *res, int row, int col, char **out)
{
        *out = NULL;
        if (PQgetisnull(res, row, col))
                return 0;
        *out = strdup(PQgetvalue(res, row, col));
        return *out ? 0 : -ENOMEM;
}

int pg_str(const PGresult *res, int row, int col, const char **out)
{
        char *s;
        int r = pg_dup(res, row, col, &s);

        *out = s;
        return r;
}

int64_t pg_i64(const PGresult *res, int row, int col)
{
        return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

int pg_strv(const PGresult *res, char ***out)
{
        int n = PQntuples(res);
        char **v = calloc((size_t)n + 1, sizeof(*v));

        *out = NULL;
        if (!v)
                return -ENOMEM;
        for (int i = 0; i < n; i++)
                if (pg_dup(res, i, 0, &v[i]) < 0) {
                        srv_strv_free(v);
                        return -ENOMEM;
                }
        *out = v;
        return 0;
}

int pg_count(struct pg_store *s, const char *sql, const struct pg_params *p, uint64_t *out)
{
        PGresult *res = NULL;
        int r = pg_query(s, sql, p, &res);

        if (r == 0 && PQntuples(res) == 1)
                *out = (uint64_t)pg_i64(res, 0, 0);
        else if (r == 0)
                r = -EIO;
        PQclear(res);
        return r;
}

/* ---- transactions ---- */

static int pg_begin(struct srv_store *base)
{
        struct pg_store *s = pgs(base);
        struct pg_conn *c;
        int r;

        if (pg_in_txn(s))
                return -EBUSY;          /* no nesting, as with sqlite */
        c = pg_acquire(s);
        if (!c)
                return -ENOTCONN;
        r = pg_run(s, c, "BEGIN ISOLATION LEVEL READ COMMITTED", NULL, NULL);
        if (r < 0) {
                pg_release(s, c);
                return r;
        }
        pthread_setspecific(s->txn, c);
        return 0;
}

static int end_txn(struct pg_store *s, const char *sql)
{
        struct pg_conn *c = pthread_getspecific(s->txn);
        int r;

        if (!c)
                return -EINVAL;
        r = pg_run(s, c, sql, NULL, NULL);
        if (r < 0 && PQstatus(c->c) == CONNECTION_OK && PQtransactionStatus(c->c) != PQTRANS_IDLE)
                PQclear(PQexec(c->c, "ROLLBACK"));
        pthread_setspecific(s->txn, NULL);
        pg_release(s, c);
        return r;
}

static int pg_commit(struct srv_store *base)
{
        return end_txn(pgs(base), "COMMIT");
}

static void pg_rollback(struct srv_store *base)
{
        end_txn(pgs(base), "ROLLBACK");
}

static void pg_close(struct srv_store *base)
{
        struct pg_store *s = pgs(base);

        if (!s)
                return;
        pg_listen_stop(s);
        for (size_t i = 0; i < s->n_conns; i++)
                PQfinish(s->conns[i].c);
        free(s->conns);
        pthread_key_delete(s->txn);
        pthread_cond_destroy(&s->cond);
        pthread_mutex_destroy(&s->lock);
        free(s->conninfo);
        free(s->shown);
        free(s);
}

static const struct srv_store_ops pg_ops = {
        .name = "postgresql",
        .close = pg_close,
        .begin = pg_begin,
        .commit = pg_commit,
        .rollback = pg_rollback,
        .user_add = pg_user_add,
        .user_get = pg_user_get,
        .user_by_token = pg_user_by_token,
        .users_in_groups = pg_users_in_groups,
        .host_add = pg_host_add,
        .host_get = pg_host_get,
        .host_by_token = pg_host_by_token,
        .group_has_hosts = pg_group_has_hosts,
        .identity_list = pg_identity_list,
        .identity_remove = pg_identity_remove,
        .identity_set_groups = pg_identity_set_groups,
        .identity_set_token = pg_identity_set_token,
        .request_insert = pg_request_insert,
        .request_set_state = pg_request_set_state,
        .request_get = pg_request_get,
        .request_list = pg_request_list,
        .request_due = pg_request_due,
        .request_count = pg_request_count,
        .decision_insert = pg_decision_insert,
        .grant_insert = pg_grant_insert,
        .grant_get = pg_grant_get,
        .grant_revoke = pg_grant_revoke,
        .grant_count = pg_grant_count,
        .feed_since = pg_feed_since,
        .audit_append = pg_audit_append,
        .audit_list = pg_audit_list,
        .webhook_enqueue = pg_webhook_enqueue,
        .webhook_next_due = pg_webhook_next_due,
        .webhook_done = pg_webhook_done,
        .webhook_retry = pg_webhook_retry,
        .webhook_depth = pg_webhook_depth,
        .webhook_next_at = pg_webhook_next_at,
        .webhook_head = pg_webhook_head,
        .breakglass_insert = pg_breakglass_insert,
        .breakglass_list = pg_breakglass_list,
        .breakglass_ack = pg_breakglass_ack,
        .checkpoint_get = pg_checkpoint_get,
        .checkpoint_put = pg_checkpoint_put,
        .checkpoint_delete = pg_checkpoint_delete,
        .checkpoint_stale = pg_checkpoint_stale,
        .checkpoint_mark_stopped = pg_checkpoint_mark_stopped,
        .feed_subscribe = pg_feed_subscribe,
};

int srv_store_open_pg(const char *uri, unsigned connections, struct srv_store **out, char *err, size_t errlen)
{
        struct pg_store *s;
        uint8_t id[16];
        char shown[1024];
        int r;

        *out = NULL;
        pg_uri_redact(uri, shown, sizeof(shown));
        r = pg_uri_check(uri, err, errlen);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->base.ops = &pg_ops;
        s->stop_pipe[0] = s->stop_pipe[1] = -1;
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->cond, NULL);
        if (pthread_key_create(&s->txn, NULL) != 0) {
                pthread_cond_destroy(&s->cond);
                pthread_mutex_destroy(&s->lock);
                free(s);
                return -ENOMEM;
        }
        s->conninfo = strdup(uri);
        s->shown = strdup(shown);
        s->n_conns = connections ? connections : 1;
        s->conns = calloc(s->n_conns, sizeof(*s->conns));
        if (!s->conninfo || !s->shown || !s->conns || RAND_bytes(id, sizeof(id)) != 1) {
                r = -ENOMEM;
                goto fail;
        }
        for (size_t i = 0; i < sizeof(id); i++)
                snprintf(s->owner + 2 * i, 3, "%02x", id[i]);
        /* The first connection now: an unreachable database is an error at
         * start, not at the first request. */
        s->conns[0].c = pg_connect(s, err, errlen);
        if (!s->conns[0].c) {
                r = -ENOTCONN;
                goto fail;
        }
        r = pg_schema_migrate(s->conns[0].c, err, errlen);
        if (r < 0)
                goto fail;
        *out = &s->base;
        return 0;
fail:
        pg_close(&s->base);
        return r;
}
