/* SPDX-License-Identifier: BSD-3-Clause */
/* The durable audit outbox; see outbox.h. The tables live in the grant
 * store's database (schema: OUTBOX_SCHEMA_SQL, one of db.c's
 * migrations), so an event and the state change it describes commit
 * together. Event and byte counts are kept by triggers in outbox_stats, in
 * the same transactions, so the bound check is one row read. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "db_private.h"
#include "audit/journal.h"
#include "audit/outbox.h"
#include "audit/outbox_private.h"

/* One AuditOutboxFull entry per this many microseconds at most; evictions
 * in between are counted and reported by the next one (or at close). */
#define FULL_ALERT_INTERVAL_USEC (1000 * 1000)


static const char *const ob_sql[OB__MAX] = {
        [OB_INSERT] = "INSERT INTO outbox (id, type, time_usec, bytes, json, host_seq, host_hash)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        [OB_STATS] = "SELECT events, bytes, evicted_total, dead_total,"
                     " (SELECT coalesce(max(last_delivery_usec), 0) FROM outbox_sinks),"
                     " (SELECT coalesce(min(time_usec), 0) FROM outbox WHERE seq = (SELECT min(seq) FROM outbox))"
                     " FROM outbox_stats WHERE k = 1",
        /* The newest AuditOutboxFull is never evicted by the bound; a new
         * one replaces it (its counts are cumulative). */
        [OB_OLDEST] = "SELECT seq, id, bytes, coalesce(host_seq, 0) FROM outbox WHERE type != ?2 ORDER BY seq LIMIT ?1",
        [OB_EVICT_UPTO] = "DELETE FROM outbox WHERE seq <= ?1 AND type != ?2",
        [OB_DROP_ALERTS] = "DELETE FROM outbox WHERE type = ?1",
        [OB_EVICTED_ADD] = "UPDATE outbox_stats SET evicted_total = evicted_total + ?1 WHERE k = 1",
        [OB_FETCH] = "SELECT seq, id, type, time_usec, json FROM outbox o WHERE seq > ?2 AND NOT EXISTS"
                     " (SELECT 1 FROM outbox_acks a WHERE a.seq = o.seq AND a.sink = ?1) ORDER BY seq LIMIT ?3",
        [OB_DELETE] = "DELETE FROM outbox WHERE seq = ?1",
        [OB_ACK_INSERT] = "INSERT OR IGNORE INTO outbox_acks (seq, sink) SELECT ?1, ?2"
                          " WHERE EXISTS (SELECT 1 FROM outbox WHERE seq = ?1)",
        [OB_DELETE_IF_DONE] = "DELETE FROM outbox WHERE seq = ?1"
                              " AND (SELECT count(*) FROM outbox_acks WHERE seq = ?1) >= ?2",
        [OB_SINK_DELIVERED] = "UPDATE outbox_sinks SET last_delivery_usec = ?2,"
                              " delivered_total = delivered_total + ?3 WHERE sink = ?1",
        [OB_DEAD_INSERT] = "INSERT OR IGNORE INTO outbox_dead (sink, seq, id, json, error_code, error_message, dead_at)"
                           " SELECT ?1, seq, id, json, ?3, ?4, ?5 FROM outbox WHERE seq = ?2",
        [OB_DEAD_ADD] = "UPDATE outbox_stats SET dead_total = dead_total + 1 WHERE k = 1",
        [OB_LAST_DELIVERY] = "SELECT last_delivery_usec FROM outbox_sinks WHERE sink = ?1",
        [OB_LAST_DELIVERY_ANY] = "SELECT coalesce(max(last_delivery_usec), 0) FROM outbox_sinks",
        [OB_BEGIN] = "BEGIN IMMEDIATE",
        [OB_DEPTH] = "SELECT events, bytes FROM outbox_stats WHERE k = 1",
        [OB_COMMIT] = "COMMIT",
        [OB_ROLLBACK] = "ROLLBACK",
        /* The store runs with synchronous=FULL; see outbox_append(). */
        [OB_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
        [OB_SYNC_FULL] = "PRAGMA synchronous = FULL",
        /* Changes when another connection committed (not for our own). */
        [OB_DATA_VERSION] = "PRAGMA data_version",
        /* The head is the newest chained row's, or audit_chain's once
         * that row is gone (CHAIN_HEAD_IN_ROWS_SQL). */
        [OB_CHAIN_GET] = "SELECT CASE WHEN o.host_seq > c.seq THEN o.host_seq ELSE c.seq END,"
                         " CASE WHEN o.host_seq > c.seq THEN o.host_hash ELSE c.head END,"
                         " c.pend_count, c.pend_first, c.pend_last, c.decl_count, c.decl_first, c.decl_last"
                         " FROM audit_chain c LEFT JOIN (SELECT host_seq, host_hash FROM outbox"
                         " WHERE host_hash IS NOT NULL ORDER BY seq DESC LIMIT 1) o ON 1 WHERE c.k = 1",
        /* Every SET expression sees the old row. */
        [OB_CHAIN_PEND] = "UPDATE audit_chain SET pend_count = pend_count + ?1,"
                          " pend_first = CASE WHEN pend_first = 0 THEN ?2 ELSE pend_first END,"
                          " pend_last = CASE WHEN ?3 > pend_last THEN ?3 ELSE pend_last END WHERE k = 1",
        [OB_CHAIN_DECLARE] = "UPDATE audit_chain SET decl_count = ?1, decl_first = ?2, decl_last = ?3,"
                             " pend_count = 0, pend_first = 0, pend_last = 0 WHERE k = 1",
        [OB_ALERT_SEQS] = "SELECT count(*), coalesce(min(host_seq), 0), coalesce(max(host_seq), 0) FROM outbox"
                          " WHERE type = ?1",
};


int64_t outbox_now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

sqlite3_stmt *ob_stmt(struct outbox *ob, enum ob_stmt which)
{
        sqlite3_stmt *st = ob->stmt[which];

        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
}

/* Steps a statement that returns no row. */
int ob_exec(sqlite3_stmt *st)
{
        int rc = sqlite3_step(st);

        sqlite3_reset(st);
        return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : (store_errno(rc) ?: -EIO);
}

static int exec_sql(struct outbox *ob, const char *sql)
{
        int rc = sqlite3_exec(ob->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : (store_errno(rc) ?: -EIO);
}

static bool sink_name_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > MAX_SINK_NAME)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
                        return false;
        return true;
}

bool outbox_sink_known(const struct outbox *ob, const char *sink)
{
        for (size_t i = 0; i < ob->n_sinks; i++)
                if (strcmp(ob->sinks[i], sink) == 0)
                        return true;
        return false;
}

/* Sinks taken out of the configuration no longer hold events back: their
 * acks go, and events every remaining sink has done with leave. The names
 * are spliced into the SQL: sink_name_valid() allowed [a-z0-9_-] only. */
static int sinks_sync(struct outbox *ob)
{
        char sql[1024];
        size_t off;
        int r;

        off = (size_t)snprintf(sql, sizeof(sql), "DELETE FROM outbox_acks WHERE sink NOT IN ('-'");
        for (size_t i = 0; i < ob->n_sinks; i++)
                off += (size_t)snprintf(sql + off, sizeof(sql) - off, ",'%s'", ob->sinks[i]);
        snprintf(sql + off, sizeof(sql) - off, ")");
        r = exec_sql(ob, sql);
        for (size_t i = 0; r == 0 && i < ob->n_sinks; i++) {
                snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO outbox_sinks (sink) VALUES ('%s')", ob->sinks[i]);
                r = exec_sql(ob, sql);
        }
        if (r == 0 && ob->n_sinks > 0) {
                snprintf(sql, sizeof(sql),
                         "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox_acks GROUP BY seq"
                         " HAVING count(*) >= %zu)",
                         ob->n_sinks);
                r = exec_sql(ob, sql);
        }
        return r;
}

int outbox_open(struct teamd_db *store, uint64_t max_events, uint64_t max_bytes, const char *const *sinks,
                struct outbox **out)
{
        struct outbox *ob;
        int r = 0, rc;

        *out = NULL;
        if (!store || max_events == 0 || max_bytes == 0)
                return -EINVAL;
        ob = calloc(1, sizeof(*ob));
        if (!ob)
                return -ENOMEM;
        ob->db = store->db;
        ob->max_events = max_events;
        ob->max_bytes = max_bytes;
        for (size_t i = 0; sinks && sinks[i]; i++) {
                if (!sink_name_valid(sinks[i]) || ob->n_sinks >= MAX_SINKS) {
                        r = -EINVAL;
                        goto fail;
                }
                if (!outbox_sink_known(ob, sinks[i]))
                        snprintf(ob->sinks[ob->n_sinks++], MAX_SINK_NAME + 1, "%s", sinks[i]);
        }
        for (int i = 0; i < OB__MAX; i++) {
                rc = sqlite3_prepare_v3(ob->db, ob_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &ob->stmt[i], NULL);
                if (rc != SQLITE_OK) {
                        r = store_errno(rc) ?: -EIO;
                        goto fail;
                }
        }
        outbox_hooks_install(ob);
        r = outbox_begin(ob);
        if (r == 0)
                r = sinks_sync(ob);
        /* Drops a killed teamd did not declare yet: the next append does. */
        if (r == 0)
                r = outbox_chain_pending_drops(ob, &ob->evicted_pending);
        if (r == 0)
                r = outbox_commit(ob);
        else
                outbox_rollback(ob);
        if (r < 0)
                goto fail;
        *out = ob;
        return 0;
fail:
        outbox_close(ob);
        return r;
}

static void announce(struct outbox *ob);
static int insert_full_alert(struct outbox *ob);

void outbox_declare_drops(struct outbox *ob)
{
        (void)outbox_group_commit(ob);
        if (!ob || ob->in_tx || ob->evicted_pending == 0)
                return;
        /* Nothing may be evicted unannounced, and the chain says what
         * went: the episode's AuditOutboxFull goes into the outbox (the
         * commit announces it to journald). */
        if (outbox_begin(ob) == 0) {
                if (insert_full_alert(ob) == 0)
                        (void)outbox_commit(ob);
                else
                        outbox_rollback(ob);
        }
        if (ob->evicted_pending > 0) {
                /* The outbox would not take it: journald at least. */
                outbox_full_alert_prepare(ob);
                announce(ob);
        }
}

void outbox_close(struct outbox *ob)
{
        if (!ob)
                return;
        (void)outbox_group_commit(ob);
        if (ob->in_tx)
                outbox_rollback(ob);
        outbox_declare_drops(ob);
        outbox_hooks_remove(ob);
        (void)outbox_sync(ob);
        for (int i = 0; i < OB__MAX; i++)
                sqlite3_finalize(ob->stmt[i]);
        free(ob->host);
        free(ob);
}

int outbox_set_host(struct outbox *ob, const char *host)
{
        char *h = host ? strdup(host) : NULL;

        if (host && !h)
                return -ENOMEM;
        free(ob->host);
        ob->host = h;
        return 0;
}

/* Ours (outbox_begin) or one a store module opened on the same database
 * (sync_store.c): an append joins it either way. */
bool outbox_in_any_tx(const struct outbox *ob)
{
        return ob->in_tx || !sqlite3_get_autocommit(ob->db);
}

int outbox_begin(struct outbox *ob)
{
        int r;

        /* Lone events recorded before this transaction commit first, in
         * their own group: the chain keeps the order things happened. */
        (void)outbox_group_commit(ob);
        if (outbox_in_any_tx(ob))
                return -EBUSY;
        r = ob_exec(ob_stmt(ob, OB_BEGIN));
        if (r == 0)
                ob->in_tx = true;
        return r;
}

/* Back to synchronous=FULL after an unsynced transaction. */
static void end_unsynced(struct outbox *ob)
{
        if (!ob->tx_unsynced)
                return;
        ob->tx_unsynced = false;
        if (ob_exec(ob_stmt(ob, OB_SYNC_FULL)) < 0)
                sqlite3_exec(ob->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
}

int outbox_begin_unsynced(struct outbox *ob)
{
        int r;

        (void)outbox_group_commit(ob);
        if (outbox_in_any_tx(ob))
                return -EBUSY;
        r = ob_exec(ob_stmt(ob, OB_SYNC_NORMAL));
        if (r < 0)
                return r;
        ob->tx_unsynced = true;
        r = outbox_begin(ob);
        if (r < 0)
                end_unsynced(ob);
        return r;
}

int outbox_commit(struct outbox *ob)
{
        int r;

        if (!ob->in_tx)
                return -EINVAL;
        r = ob_exec(ob_stmt(ob, OB_COMMIT));
        if (r < 0) {
                outbox_rollback(ob);
                return r;
        }
        ob->in_tx = false;
        if (ob->tx_unsynced)
                ob->unsynced = true;
        end_unsynced(ob);
        announce(ob);
        return 0;
}

void outbox_rollback(struct outbox *ob)
{
        if (!ob->in_tx)
                return;
        if (ob_exec(ob_stmt(ob, OB_ROLLBACK)) < 0)
                sqlite3_exec(ob->db, "ROLLBACK", NULL, NULL, NULL);
        ob->in_tx = false;
        ob->alert_due = false;
        end_unsynced(ob);
}

static int read_stats(struct outbox *ob, struct outbox_stats *st)
{
        sqlite3_stmt *s = ob_stmt(ob, OB_STATS);
        int rc = sqlite3_step(s);
        int r = 0;

        memset(st, 0, sizeof(*st));
        if (rc == SQLITE_ROW) {
                st->depth_events = (uint64_t)sqlite3_column_int64(s, 0);
                st->depth_bytes = (uint64_t)sqlite3_column_int64(s, 1);
                st->evicted_total = (uint64_t)sqlite3_column_int64(s, 2);
                st->dead_total = (uint64_t)sqlite3_column_int64(s, 3);
                st->last_delivery_usec = sqlite3_column_int64(s, 4);
                st->oldest_usec = sqlite3_column_int64(s, 5);
        } else {
                r = store_errno(rc) ?: -EIO;
        }
        st->max_events = ob->max_events;
        st->max_bytes = ob->max_bytes;
        sqlite3_reset(s);
        return r;
}

/* The full policy: evict the oldest events until `need_events` more events
 * of `need_bytes` fit. Returns how many were evicted via *n. */
static int evict_oldest(struct outbox *ob, uint64_t need_events, uint64_t need_bytes, uint64_t *n)
{
        uint64_t events, bytes, k = 0, hs_first = 0, hs_last = 0;
        int64_t upto = -1;
        sqlite3_stmt *s;
        int r, rc;

        *n = 0;
        s = ob_stmt(ob, OB_DEPTH);
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
                sqlite3_reset(s);
                return store_errno(rc) ?: -EIO;
        }
        events = (uint64_t)sqlite3_column_int64(s, 0);
        bytes = (uint64_t)sqlite3_column_int64(s, 1);
        sqlite3_reset(s);
        if (events + need_events <= ob->max_events && bytes + need_bytes <= ob->max_bytes)
                return 0;
        s = ob_stmt(ob, OB_OLDEST);
        sqlite3_bind_int64(s, 1, (int64_t)(events < 100000 ? events : 100000));
        sqlite3_bind_int(s, 2, TEAM_EVENT_AUDIT_OUTBOX_FULL);
        while ((events + need_events > ob->max_events || bytes + need_bytes > ob->max_bytes) &&
               (rc = sqlite3_step(s)) == SQLITE_ROW) {
                const char *id = (const char *)sqlite3_column_text(s, 1);

                upto = sqlite3_column_int64(s, 0);
                if (sqlite3_column_int64(s, 3) > 0) {
                        hs_last = (uint64_t)sqlite3_column_int64(s, 3);
                        if (hs_first == 0)
                                hs_first = hs_last;
                }
                if (id) {
                        if (ob->evicted_pending + k == 0)
                                snprintf(ob->evicted_first, sizeof(ob->evicted_first), "%s", id);
                        snprintf(ob->evicted_last, sizeof(ob->evicted_last), "%s", id);
                }
                events--;
                bytes -= (uint64_t)sqlite3_column_int64(s, 2);
                k++;
        }
        sqlite3_reset(s);
        if (k == 0)
                return 0;
        s = ob_stmt(ob, OB_EVICT_UPTO);
        sqlite3_bind_int64(s, 1, upto);
        sqlite3_bind_int(s, 2, TEAM_EVENT_AUDIT_OUTBOX_FULL);
        r = ob_exec(s);
        if (r < 0)
                return r;
        s = ob_stmt(ob, OB_EVICTED_ADD);
        sqlite3_bind_int64(s, 1, (int64_t)k);
        r = ob_exec(s);
        if (r == 0)
                r = outbox_chain_dropped(ob, k, hs_first, hs_last);
        if (r < 0)
                return r;
        *n = k;
        return 0;
}

/* The row of a sealed event; the chain head moves to it. */
static int insert_row(struct outbox *ob, const struct team_audit_event *ev, const char *json, size_t len)
{
        char idbuf[SD_ID128_STRING_MAX];
        sqlite3_stmt *s = ob_stmt(ob, OB_INSERT);
        int r;

        sqlite3_bind_text(s, 1, sd_id128_to_string(ev->id, idbuf), 32, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 2, (int)ev->type);
        sqlite3_bind_int64(s, 3, ev->time_usec);
        sqlite3_bind_int64(s, 4, (int64_t)len);
        sqlite3_bind_text(s, 5, json, (int)len, SQLITE_STATIC);
        sqlite3_bind_int64(s, 6, (int64_t)ev->seq);
        sqlite3_bind_text(s, 7, ev->hash, TEAM_AUDIT_HASH_HEX, SQLITE_STATIC);
        r = ob_exec(s);
        if (r == 0)
                outbox_chain_advance(ob, ev);
        return r;
}

/* Seals ev into the chain and inserts its row. */
static int insert_event(struct outbox *ob, struct team_audit_event *ev)
{
        char *json = NULL;
        size_t len = 0;
        int r;

        r = outbox_chain_seal(ob, ev, &json, &len);
        if (r == 0)
                r = insert_row(ob, ev, json, len);
        free(json);
        return r;
}

/* Builds the AuditOutboxFull event of the evictions not yet announced. */
void outbox_full_alert_prepare(struct outbox *ob)
{
        struct outbox_stats st;

        if (team_audit_event_init(&ob->alert, TEAM_EVENT_AUDIT_OUTBOX_FULL) < 0)
                return;
        if (read_stats(ob, &st) < 0)
                st.evicted_total = 0;
        snprintf(ob->alert_message, sizeof(ob->alert_message),
                 "audit outbox full (max %llu events / %llu bytes): evicted the %llu oldest undelivered events "
                 "(%s .. %s), %llu in total; the newest are kept, every evicted event is still in journald",
                 (unsigned long long)ob->max_events, (unsigned long long)ob->max_bytes,
                 (unsigned long long)ob->evicted_pending, ob->evicted_first, ob->evicted_last,
                 (unsigned long long)st.evicted_total);
        ob->alert.message = ob->alert_message;
        ob->alert.host = ob->host;
        ob->alert.reason = "outbox full: oldest undelivered events evicted";
        ob->alert_due = true;
}

/* The message once the chain says what the alert declares. */
void outbox_full_alert_describe(struct outbox *ob)
{
        size_t n = strlen(ob->alert_message);

        if (ob->alert.dropped_count > 0)
                snprintf(ob->alert_message + n, sizeof(ob->alert_message) - n, "; the chain: dropped %llu events, seq %llu..%llu",
                         (unsigned long long)ob->alert.dropped_count, (unsigned long long)ob->alert.dropped_first,
                         (unsigned long long)ob->alert.dropped_last);
}

/* After the commit: the AuditOutboxFull entry goes to journald. */
static void announce(struct outbox *ob)
{
        if (!ob->alert_due)
                return;
        ob->alert_due = false;
        team_journal_audit(&ob->alert);
        ob->evicted_pending = 0;
        ob->last_alert_usec = outbox_now_usec();
}

/* Room the bound makes for an AuditOutboxFull before it is built (its
 * JSON is about 700 bytes). */
#define FULL_ALERT_ROOM 2048

/* The announcement is an event in the outbox too, so the sinks learn of
 * the gap; it replaces the previous one still waiting there, and declares
 * in the chain what it and the replaced ones dropped. */
static int insert_full_alert(struct outbox *ob)
{
        uint64_t evicted = 0, n_replaced, rmin, rmax;
        sqlite3_stmt *s;
        int r;

        s = ob_stmt(ob, OB_ALERT_SEQS);
        sqlite3_bind_int(s, 1, TEAM_EVENT_AUDIT_OUTBOX_FULL);
        if (sqlite3_step(s) != SQLITE_ROW) {
                sqlite3_reset(s);
                return -EIO;
        }
        n_replaced = (uint64_t)sqlite3_column_int64(s, 0);
        rmin = (uint64_t)sqlite3_column_int64(s, 1);
        rmax = (uint64_t)sqlite3_column_int64(s, 2);
        sqlite3_reset(s);
        s = ob_stmt(ob, OB_DROP_ALERTS);
        sqlite3_bind_int(s, 1, TEAM_EVENT_AUDIT_OUTBOX_FULL);
        r = ob_exec(s);
        if (r < 0)
                return r;
        if (sqlite3_changes(ob->db) > 0) {
                s = ob_stmt(ob, OB_EVICTED_ADD);
                sqlite3_bind_int64(s, 1, sqlite3_changes(ob->db));
                r = ob_exec(s);
                if (r < 0)
                        return r;
        }
        r = evict_oldest(ob, 1, FULL_ALERT_ROOM, &evicted);
        if (r < 0)
                return r;
        ob->evicted_pending += evicted;
        outbox_full_alert_prepare(ob);
        r = outbox_chain_declare(ob, &ob->alert, n_replaced, rmin, rmax);
        if (r == 0)
                outbox_full_alert_describe(ob);
        if (r == 0)
                r = insert_event(ob, &ob->alert);
        return r;
}

/* Seals ev into the chain, makes room, inserts it, and announces evictions
 * when due; in the caller's transaction. *json: ev's JSON (malloc'd). */
static int append_in_tx(struct outbox *ob, struct team_audit_event *ev, char **json, size_t *len)
{
        uint64_t evicted = 0;
        int r;

        *json = NULL;
        r = outbox_chain_seal(ob, ev, json, len);
        if (r == 0)
                r = evict_oldest(ob, 1, *len, &evicted);
        if (r == 0)
                r = insert_row(ob, ev, *json, *len);
        if (r < 0)
                goto fail;
        ob->evicted_pending += evicted;
        if (ob->evicted_pending > 0 && !ob->alert_due &&
            outbox_now_usec() - ob->last_alert_usec >= FULL_ALERT_INTERVAL_USEC) {
                r = insert_full_alert(ob);
                if (r < 0)
                        goto fail;
        }
        return 0;
fail:
        free(*json);
        *json = NULL;
        return r;
}

/* An event that comes with a state change commits in the caller's
 * transaction, synced to disk with it (synchronous=FULL). An event alone (a
 * PAM decision changes nothing else) commits in its own transaction with
 * synchronous=NORMAL: in WAL mode the commit is in the WAL in the kernel's
 * page cache before the caller gets its answer, so a crash or kill of teamd
 * loses nothing, and it reaches the disk at the next synced commit or
 * outbox_sync() (teamd: within a second). An fsync per decision would cost
 * about 200 µs on the disks we measured (docs/performance.md). */
int outbox_append(struct outbox *ob, struct team_audit_event *ev)
{
        bool own = !outbox_in_any_tx(ob);
        char *json = NULL;
        size_t len = 0;
        int r = 0;

        if (own) {
                r = outbox_begin_unsynced(ob);
                if (r < 0)
                        goto out;
        }
        r = append_in_tx(ob, ev, &json, &len);
        if (own) {
                if (r == 0)
                        r = outbox_commit(ob);
                else
                        outbox_rollback(ob);
        }
out:
        free(json);
        return r;
}

int outbox_record(struct outbox *ob, struct team_audit_event *ev)
{
        char *json = NULL;
        size_t len = 0;
        int r;

        if (!outbox_in_any_tx(ob) && outbox_group_join(ob) < 0)
                return outbox_append(ob, ev);
        r = append_in_tx(ob, ev, &json, &len);
        if (r == 0)
                r = outbox_pending_add(ob, ev);
        free(json);
        if (r < 0) {
                /* Both or neither: the state change must not commit without
                 * its event (the commit hook turns the COMMIT into a
                 * ROLLBACK, and the caller sees the error). */
                ob->doomed = true;
                teamd_log(LOG_ALERT, "audit: event %s (%s) could not be recorded (%s); its change is rolled back",
                          team_event_name(ev->type) ? team_event_name(ev->type) : "?",
                          sd_id128_to_string(ev->id, (char[SD_ID128_STRING_MAX]){ 0 }), strerror(-r));
        }
        outbox_group_count(ob);
        return 1;
}

int outbox_sync(struct outbox *ob)
{
        int rc;

        (void)outbox_group_commit(ob);
        if (!ob->unsynced || outbox_in_any_tx(ob))
                return 0;
        /* A passive checkpoint syncs the WAL first (synchronous=FULL), then
         * copies what it can into the database. */
        rc = sqlite3_wal_checkpoint_v2(ob->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
                return store_errno(rc) ?: -EIO;
        ob->unsynced = false;
        return 0;
}

int outbox_stats(struct outbox *ob, struct outbox_stats *st)
{
        return read_stats(ob, st);
}

int outbox_depth(struct outbox *ob, uint64_t *events, uint64_t *bytes)
{
        struct outbox_stats st;
        int r = read_stats(ob, &st);

        if (r < 0)
                return r;
        if (events)
                *events = st.depth_events;
        if (bytes)
                *bytes = st.depth_bytes;
        return 0;
}

int outbox_last_delivery(struct outbox *ob, const char *sink, int64_t *usec)
{
        sqlite3_stmt *s = ob_stmt(ob, sink ? OB_LAST_DELIVERY : OB_LAST_DELIVERY_ANY);
        int rc, r = 0;

        *usec = 0;
        if (sink)
                sqlite3_bind_text(s, 1, sink, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
                *usec = sqlite3_column_int64(s, 0);
        else if (rc != SQLITE_DONE)
                r = store_errno(rc) ?: -EIO;
        sqlite3_reset(s);
        return r;
}
