/* SPDX-License-Identifier: BSD-3-Clause */
/* The host's audit chain, kept in the outbox's database and advanced in
 * the transaction that writes each outbox row, so a crash or kill -9 can
 * neither fork it (two events with one seq) nor leave a gap: a
 * rolled-back event gives its seq back. The head is the newest
 * chained outbox row's (seq, hash), audit_chain's once the outbox no
 * longer holds it. See docs/audit.md, "The chain". */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_chain.h"
#include "db_private.h"
#include "audit/outbox_private.h"

struct chain_row {
        uint64_t seq;
        char head[TEAM_AUDIT_HASH_HEX + 1];
        uint64_t pend_count, pend_first, pend_last;
        uint64_t decl_count, decl_first, decl_last;
};

static int chain_read(struct outbox *ob, struct chain_row *row)
{
        sqlite3_stmt *s = ob_stmt(ob, OB_CHAIN_GET);
        const unsigned char *head;
        int rc = sqlite3_step(s), r = 0;

        memset(row, 0, sizeof(*row));
        if (rc != SQLITE_ROW) {
                r = rc == SQLITE_DONE ? -ENOENT : (store_errno(rc) ?: -EIO);
                goto out;
        }
        row->seq = (uint64_t)sqlite3_column_int64(s, 0);
        head = sqlite3_column_text(s, 1);
        if (!head || sqlite3_column_bytes(s, 1) != TEAM_AUDIT_HASH_HEX) {
                r = -EBADMSG;
                goto out;
        }
        memcpy(row->head, head, TEAM_AUDIT_HASH_HEX);
        row->pend_count = (uint64_t)sqlite3_column_int64(s, 2);
        row->pend_first = (uint64_t)sqlite3_column_int64(s, 3);
        row->pend_last = (uint64_t)sqlite3_column_int64(s, 4);
        row->decl_count = (uint64_t)sqlite3_column_int64(s, 5);
        row->decl_first = (uint64_t)sqlite3_column_int64(s, 6);
        row->decl_last = (uint64_t)sqlite3_column_int64(s, 7);
out:
        sqlite3_reset(s);
        return r;
}

void outbox_set_signer(struct outbox *ob, outbox_signer_fn fn, void *userdata)
{
        ob->signer = fn;
        ob->signer_userdata = userdata;
}

int outbox_chain_head(struct outbox *ob, uint64_t *seq, char hash[static TEAM_AUDIT_HASH_HEX + 1])
{
        struct chain_row row;
        int r = chain_read(ob, &row);

        if (r < 0)
                return r;
        *seq = row.seq;
        memcpy(hash, row.head, TEAM_AUDIT_HASH_HEX + 1);
        return 0;
}

/* Inside a write transaction nobody else can commit, so an unchanged
 * version means the cached head is still the head. */
static int data_version(struct outbox *ob, int64_t *out)
{
        sqlite3_stmt *s = ob_stmt(ob, OB_DATA_VERSION);
        int rc = sqlite3_step(s), r = 0;

        if (rc == SQLITE_ROW)
                *out = sqlite3_column_int64(s, 0);
        else
                r = store_errno(rc) ?: -EIO;
        sqlite3_reset(s);
        return r;
}

int outbox_chain_seal(struct outbox *ob, struct team_audit_event *ev, char **json, size_t *len)
{
        struct chain_row row;
        int64_t version = 0;
        int r;

        *json = NULL;
        r = data_version(ob, &version);
        if (r < 0)
                return r;
        if (!ob->chain_cached || version != ob->chain_data_version) {
                r = chain_read(ob, &row);
                if (r < 0)
                        return r;
                ob->chain_data_version = version;
                ob->chain_seq = row.seq;
                memcpy(ob->chain_head, row.head, sizeof(ob->chain_head));
                ob->chain_cached = true;
        }
        if (ob->chain_seq >= TEAM_AUDIT_MAX_SEQ)
                return -ERANGE;
        ev->seq = ob->chain_seq + 1;
        memcpy(ev->prev, ob->chain_head, sizeof(ev->prev));
        /* The chain is the outbox's, one per host: every link names it, or
         * a verifier that follows a host's chain sees holes. */
        if (ob->host)
                ev->host = ob->host;
        if (ev->type == TEAM_EVENT_AUDIT_CHECKPOINT) {
                r = ob->signer ? ob->signer(ev, ob->signer_userdata) : -ENOKEY;
                if (r < 0)
                        return r;
        }
        r = team_audit_event_to_json(ev, json, len);
        if (r == 0)
                r = team_audit_hash(*json, *len, ev->hash);
        if (r < 0) {
                free(*json);
                *json = NULL;
        }
        return r;
}

/* The row just inserted holds the new head (CHAIN_HEAD_IN_ROWS_SQL): only
 * the cache moves. A rollback forgets the cache, and the head is read
 * again from what the database kept. */
void outbox_chain_advance(struct outbox *ob, const struct team_audit_event *ev)
{
        ob->chain_seq = ev->seq;
        memcpy(ob->chain_head, ev->hash, sizeof(ob->chain_head));
        ob->chain_cached = true;
}

int outbox_chain_dropped(struct outbox *ob, uint64_t count, uint64_t first, uint64_t last)
{
        sqlite3_stmt *s = ob_stmt(ob, OB_CHAIN_PEND);

        sqlite3_bind_int64(s, 1, (int64_t)count);
        sqlite3_bind_int64(s, 2, (int64_t)first);
        sqlite3_bind_int64(s, 3, (int64_t)last);
        return ob_exec(s);
}

static void range_add(uint64_t *first, uint64_t *last, uint64_t a, uint64_t b)
{
        if (a == 0)
                return;
        if (*first == 0 || a < *first)
                *first = a;
        if (b > *last)
                *last = b;
}

int outbox_chain_declare(struct outbox *ob, struct team_audit_event *alert, uint64_t n_replaced, uint64_t rmin,
                         uint64_t rmax)
{
        struct chain_row row;
        uint64_t count = 0, first = 0, last = 0;
        sqlite3_stmt *s;
        int r = chain_read(ob, &row);

        if (r < 0)
                return r;
        if (n_replaced > 0) {
                /* The replaced alerts never reach some sink: this one
                 * declares them and everything they declared. */
                count = row.decl_count + n_replaced;
                range_add(&first, &last, row.decl_first, row.decl_last);
                range_add(&first, &last, rmin, rmax);
        }
        count += row.pend_count;
        range_add(&first, &last, row.pend_first, row.pend_last);
        alert->dropped_count = count;
        alert->dropped_first = first;
        alert->dropped_last = last;
        s = ob_stmt(ob, OB_CHAIN_DECLARE);
        sqlite3_bind_int64(s, 1, (int64_t)count);
        sqlite3_bind_int64(s, 2, (int64_t)first);
        sqlite3_bind_int64(s, 3, (int64_t)last);
        return ob_exec(s);
}

int outbox_chain_pending_drops(struct outbox *ob, uint64_t *count)
{
        struct chain_row row;
        int r = chain_read(ob, &row);

        *count = r == 0 ? row.pend_count : 0;
        return r;
}
