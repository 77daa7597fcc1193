/* SPDX-License-Identifier: BSD-3-Clause */
/* The shipper's side of the outbox (see outbox.h): fetch, ack, dead
 * letter. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_private.h"
#include "audit/journal.h"
#include "audit/outbox.h"
#include "audit/outbox_private.h"

static int entry_read(sqlite3_stmt *s, struct outbox_entry *e)
{
        const char *id = (const char *)sqlite3_column_text(s, 1);
        const char *json = (const char *)sqlite3_column_text(s, 4);
        int type = sqlite3_column_int(s, 2);

        memset(e, 0, sizeof(*e));
        if (!id || !json)
                return -ENOMEM;
        e->seq = sqlite3_column_int64(s, 0);
        snprintf(e->id, sizeof(e->id), "%s", id);
        e->type = (type >= 0 && type < TEAM_EVENT__MAX) ? (enum team_event_type)type : TEAM_EVENT__MAX;
        e->time_usec = sqlite3_column_int64(s, 3);
        e->json_len = (size_t)sqlite3_column_bytes(s, 4);
        e->json = strndup(json, e->json_len);
        return e->json ? 0 : -ENOMEM;
}

int outbox_fetch_batch(struct outbox *ob, const char *sink, int64_t after_seq, size_t max_events, size_t max_bytes,
                       struct outbox_entry **entries, size_t *n)
{
        struct outbox_entry *v;
        size_t k = 0, bytes = 0;
        sqlite3_stmt *s;
        int r = 0, rc;

        /* Only committed events leave the host: a group that rolled back
         * after its rows were shipped would fork the chain at the sink. */
        (void)outbox_group_commit(ob);
        *entries = NULL;
        *n = 0;
        if (!sink || !outbox_sink_known(ob, sink) || max_events == 0 || max_events > 100000)
                return -EINVAL;
        v = calloc(max_events, sizeof(*v));
        if (!v)
                return -ENOMEM;
        s = ob_stmt(ob, OB_FETCH);
        sqlite3_bind_text(s, 1, sink, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, after_seq);
        sqlite3_bind_int64(s, 3, (int64_t)max_events);
        while (k < max_events && (rc = sqlite3_step(s)) == SQLITE_ROW) {
                size_t len = (size_t)sqlite3_column_bytes(s, 4);

                if (k > 0 && bytes + len > max_bytes)
                        break;
                r = entry_read(s, &v[k]);
                if (r < 0)
                        break;
                bytes += len;
                k++;
        }
        if (r == 0 && k < max_events && rc != SQLITE_ROW && rc != SQLITE_DONE)
                r = store_errno(rc) ?: -EIO;
        sqlite3_reset(s);
        if (r < 0) {
                outbox_entries_free(v, k);
                return r;
        }
        if (k == 0) {
                free(v);
                return 0;
        }
        *entries = v;
        *n = k;
        return 0;
}

void outbox_entries_free(struct outbox_entry *entries, size_t n)
{
        if (!entries)
                return;
        for (size_t i = 0; i < n; i++)
                free(entries[i].json);
        free(entries);
}

/* Marks seq done for sink (inside a transaction). */
static int mark_done(struct outbox *ob, const char *sink, int64_t seq)
{
        sqlite3_stmt *s;
        int r;

        if (ob->n_sinks <= 1) {
                s = ob_stmt(ob, OB_DELETE);
                sqlite3_bind_int64(s, 1, seq);
                return ob_exec(s);
        }
        s = ob_stmt(ob, OB_ACK_INSERT);
        sqlite3_bind_int64(s, 1, seq);
        sqlite3_bind_text(s, 2, sink, -1, SQLITE_STATIC);
        r = ob_exec(s);
        if (r < 0)
                return r;
        s = ob_stmt(ob, OB_DELETE_IF_DONE);
        sqlite3_bind_int64(s, 1, seq);
        sqlite3_bind_int64(s, 2, (int64_t)ob->n_sinks);
        return ob_exec(s);
}

/* Runs fn inside a transaction of its own, or the caller's. */
static int with_tx(struct outbox *ob, int (*fn)(struct outbox *ob, void *arg), void *arg)
{
        bool own;
        int r;

        /* Never inside a group of lone events: a delivery must not be
         * rolled back with them (it would be delivered again). */
        (void)outbox_group_commit(ob);
        own = !outbox_in_any_tx(ob);
        if (own && (r = outbox_begin(ob)) < 0)
                return r;
        r = fn(ob, arg);
        if (own) {
                if (r == 0)
                        r = outbox_commit(ob);
                else
                        outbox_rollback(ob);
        }
        return r;
}

struct ack_args {
        const char *sink;
        const int64_t *seqs;
        size_t n;
};

static int ack_fn(struct outbox *ob, void *arg)
{
        const struct ack_args *a = arg;
        sqlite3_stmt *s;
        int r = 0;

        for (size_t i = 0; r == 0 && i < a->n; i++)
                r = mark_done(ob, a->sink, a->seqs[i]);
        if (r < 0)
                return r;
        s = ob_stmt(ob, OB_SINK_DELIVERED);
        sqlite3_bind_text(s, 1, a->sink, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, outbox_now_usec());
        sqlite3_bind_int64(s, 3, (int64_t)a->n);
        return ob_exec(s);
}

int outbox_ack(struct outbox *ob, const char *sink, const int64_t *seqs, size_t n)
{
        struct ack_args a = { .sink = sink, .seqs = seqs, .n = n };

        if (!sink || !outbox_sink_known(ob, sink) || (n > 0 && !seqs))
                return -EINVAL;
        if (n == 0)
                return 0;
        return with_tx(ob, ack_fn, &a);
}

struct dead_args {
        const char *sink;
        int64_t seq;
        const char *code, *message;
        char id[SD_ID128_STRING_MAX];
        bool moved;
};

static int dead_fn(struct outbox *ob, void *arg)
{
        struct dead_args *a = arg;
        sqlite3_stmt *s = ob_stmt(ob, OB_DEAD_INSERT);
        int r;

        sqlite3_bind_text(s, 1, a->sink, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, a->seq);
        sqlite3_bind_text(s, 3, a->code, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, a->message, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, outbox_now_usec());
        r = ob_exec(s);
        if (r < 0)
                return r;
        if (sqlite3_changes(ob->db) == 0)
                return 0;       /* gone already, or dead-lettered before */
        a->moved = true;
        s = ob_stmt(ob, OB_DEAD_ADD);
        r = ob_exec(s);
        if (r == 0)
                r = outbox_seq_event_id(ob, a->seq, a->id);
        if (r == 0)
                r = mark_done(ob, a->sink, a->seq);
        return r;
}

int outbox_dead_letter(struct outbox *ob, const char *sink, int64_t seq, const char *error_code,
                       const char *error_message)
{
        struct dead_args a = { .sink = sink, .seq = seq, .code = error_code, .message = error_message };
        struct team_audit_event ev;
        char msg[512];
        int r;

        if (!sink || !outbox_sink_known(ob, sink))
                return -EINVAL;
        r = with_tx(ob, dead_fn, &a);
        if (r < 0 || !a.moved)
                return r;
        /* The alert: journald only (the event itself sits in outbox_dead). */
        if (team_audit_event_init(&ev, TEAM_EVENT_AUDIT_DEAD_LETTER) == 0) {
                snprintf(msg, sizeof(msg), "audit event %s refused for good by sink %s: %s%s%s; kept in outbox_dead",
                         a.id, sink, error_code ? error_code : "error", error_message ? ": " : "",
                         error_message ? error_message : "");
                ev.message = msg;
                ev.reason = error_code ? error_code : "refused";
                ev.service = sink;
                ev.host = ob->host;
                team_journal_audit(&ev);
        }
        return 0;
}

int outbox_seq_event_id(struct outbox *ob, int64_t seq, char id[static SD_ID128_STRING_MAX])
{
        sqlite3_stmt *s;
        int rc, r = -ENOENT;

        rc = sqlite3_prepare_v2(ob->db, "SELECT id FROM outbox WHERE seq = ?1", -1, &s, NULL);
        if (rc != SQLITE_OK)
                return store_errno(rc) ?: -EIO;
        sqlite3_bind_int64(s, 1, seq);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW && sqlite3_column_text(s, 0)) {
                snprintf(id, SD_ID128_STRING_MAX, "%s", (const char *)sqlite3_column_text(s, 0));
                r = 0;
        } else if (rc != SQLITE_DONE) {
                r = store_errno(rc) ?: -EIO;
        }
        sqlite3_finalize(s);
        return r;
}
