/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals of the outbox shared with db.c (the schema) and its unit
 * test. */
#pragma once

#include <stdbool.h>
#include <sqlite3.h>

#include "audit/outbox.h"

#define MAX_SINKS 8
#define MAX_SINK_NAME 32

enum ob_stmt {
        OB_INSERT,
        OB_STATS,
        OB_OLDEST,
        OB_EVICT_UPTO,
        OB_DROP_ALERTS,
        OB_EVICTED_ADD,
        OB_FETCH,
        OB_DELETE,
        OB_ACK_INSERT,
        OB_DELETE_IF_DONE,
        OB_SINK_DELIVERED,
        OB_DEAD_INSERT,
        OB_DEAD_ADD,
        OB_LAST_DELIVERY,
        OB_LAST_DELIVERY_ANY,
        OB_BEGIN,
        OB_DEPTH,
        OB_COMMIT,
        OB_ROLLBACK,
        OB_SYNC_NORMAL,
        OB_SYNC_FULL,
        OB_CHAIN_GET,
        OB_DATA_VERSION,
        OB_CHAIN_PEND,
        OB_CHAIN_DECLARE,
        OB_ALERT_SEQS,
        OB__MAX
};

struct outbox {
        sqlite3 *db;
        sqlite3_stmt *stmt[OB__MAX];
        uint64_t max_events, max_bytes;
        char sinks[MAX_SINKS][MAX_SINK_NAME + 1];
        size_t n_sinks;
        bool in_tx;
        bool tx_unsynced;               /* the open transaction commits without fsync */
        /* the full policy's announcements */
        uint64_t evicted_pending;       /* evicted, not yet announced */
        char evicted_first[SD_ID128_STRING_MAX], evicted_last[SD_ID128_STRING_MAX];
        int64_t last_alert_usec;
        bool alert_due;                 /* announce after the commit */
        struct team_audit_event alert;
        char alert_message[512];
        char *host;                     /* outbox_set_host() */
        bool unsynced;                  /* commits without fsync since the last outbox_sync() */
        struct team_audit_event_copy **pending; /* events whose journald entry waits for the commit */
        bool doomed;                    /* an event of the open transaction could not be recorded */
        size_t n_pending, cap_pending;
        /* The chain's seq and head as this connection sees them (its own
         * open transaction included), so that an event costs no read of
         * the chain; any rollback forgets them (on_rollback), and so does a
         * commit of another connection (another process appending to the
         * outbox), which changes chain_data_version. */
        bool chain_cached;
        int64_t chain_data_version;
        uint64_t chain_seq;
        char chain_head[TEAM_AUDIT_HASH_HEX + 1];
        outbox_signer_fn signer;        /* outbox_set_signer() */
        void *signer_userdata;
        /* Group commit (audit/outbox_group.c): the open transaction is a
         * group of lone events, committed by outbox_group_commit(). */
        bool in_group;
        bool group_ending;              /* the group's COMMIT is running */
        unsigned group_events;
        uint64_t groups_lost;           /* groups that rolled back, ever */
        outbox_group_done_fn group_done; /* NULL: no groups, a lone event commits at once */
        void *group_userdata;
};

/* A group commits once it holds this many events, so that a steady stream
 * of checks cannot hold its first answers back for long. */
#define OUTBOX_GROUP_MAX_EVENTS 64

/* Opens a group (an unsynced transaction) unless one is open; -EBUSY when
 * groups are off or another transaction is open (the event joins that). */
int outbox_group_join(struct outbox *ob);
/* One more event in the open group; commits it when full. */
void outbox_group_count(struct outbox *ob);

/* The outbox tables: one of db.c's migrations.
 *   outbox        the events still owed to some sink (seq never reused)
 *   outbox_acks   (seq, sink) done, when more than one sink is configured
 *   outbox_dead   entries a sink refused for good (invalid data)
 *   outbox_sinks  per sink: last successful delivery, counts
 *   outbox_stats  one row: events and bytes held (kept by the triggers),
 *                 evicted_total, dead_total */
#define OUTBOX_SCHEMA_SQL \
        "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE," \
        " type INTEGER NOT NULL, time_usec INTEGER NOT NULL, bytes INTEGER NOT NULL, json TEXT NOT NULL);" \
        "CREATE TABLE outbox_acks (seq INTEGER NOT NULL, sink TEXT NOT NULL, PRIMARY KEY (seq, sink)) WITHOUT ROWID;" \
        "CREATE TABLE outbox_dead (sink TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL," \
        " error_code TEXT, error_message TEXT, dead_at INTEGER NOT NULL, PRIMARY KEY (sink, seq));" \
        "CREATE TABLE outbox_sinks (sink TEXT PRIMARY KEY NOT NULL, last_delivery_usec INTEGER NOT NULL DEFAULT 0," \
        " delivered_total INTEGER NOT NULL DEFAULT 0);" \
        "CREATE TABLE outbox_stats (k INTEGER PRIMARY KEY CHECK (k = 1), events INTEGER NOT NULL," \
        " bytes INTEGER NOT NULL, evicted_total INTEGER NOT NULL, dead_total INTEGER NOT NULL);" \
        "INSERT INTO outbox_stats VALUES (1, 0, 0, 0, 0);" \
        "CREATE TRIGGER outbox_counted_in AFTER INSERT ON outbox BEGIN" \
        " UPDATE outbox_stats SET events = events + 1, bytes = bytes + new.bytes WHERE k = 1; END;" \
        "CREATE TRIGGER outbox_counted_out AFTER DELETE ON outbox BEGIN" \
        " UPDATE outbox_stats SET events = events - 1, bytes = bytes - old.bytes WHERE k = 1;" \
        " DELETE FROM outbox_acks WHERE seq = old.seq; END;"

/* The host's chain (outbox_chain.c; docs/audit.md "The chain"): one row
 * with the last sequence number and its hash, the dropped events not yet
 * declared by an AuditOutboxFull (pend_*), and the range the newest one
 * declared (decl_*). Each outbox row carries its host_seq. */
#define CHAIN_SCHEMA_SQL \
        "CREATE TABLE audit_chain (k INTEGER PRIMARY KEY CHECK (k = 1), seq INTEGER NOT NULL, head TEXT NOT NULL," \
        " pend_count INTEGER NOT NULL DEFAULT 0, pend_first INTEGER NOT NULL DEFAULT 0," \
        " pend_last INTEGER NOT NULL DEFAULT 0, decl_count INTEGER NOT NULL DEFAULT 0," \
        " decl_first INTEGER NOT NULL DEFAULT 0, decl_last INTEGER NOT NULL DEFAULT 0);" \
        "INSERT INTO audit_chain (k, seq, head) VALUES (1, 0," \
        " '0000000000000000000000000000000000000000000000000000000000000000');" \
        "ALTER TABLE outbox ADD COLUMN host_seq INTEGER;"

/* The chain's head lives in the newest chained outbox row (host_seq and
 * its host_hash), written with the row: an event's commit touches no page
 * for the chain. audit_chain takes a row's seq and hash when the row is
 * deleted (acknowledged, evicted, dead-lettered) while it is the newest
 * deleted, so the head survives an empty outbox. */
#define CHAIN_HEAD_IN_ROWS_SQL \
        "ALTER TABLE outbox ADD COLUMN host_hash TEXT;" \
        "CREATE TRIGGER outbox_chain_kept AFTER DELETE ON outbox" \
        " WHEN old.host_hash IS NOT NULL AND old.host_seq > (SELECT seq FROM audit_chain WHERE k = 1) BEGIN" \
        " UPDATE audit_chain SET seq = old.host_seq, head = old.host_hash WHERE k = 1; END;"

/* Gives ev the next sequence number and the chain head as prev (and, for
 * an AuditCheckpoint, the signer's key and signature), then its JSON in
 * *json (malloc'd) and its hash in ev->hash; outbox_chain_advance() makes
 * it the head once its row is in. Inside the open transaction. */
int outbox_chain_seal(struct outbox *ob, struct team_audit_event *ev, char **json, size_t *len);
void outbox_chain_advance(struct outbox *ob, const struct team_audit_event *ev);
/* The bound evicted count events, host_seq first..last (0: rows from
 * before the chain). */
int outbox_chain_dropped(struct outbox *ob, uint64_t count, uint64_t first, uint64_t last);
/* Fills alert->dropped_* with what it declares: the drops not yet declared,
 * plus, when it replaces n_replaced undelivered AuditOutboxFull events
 * (host_seq rmin..rmax), those and what the newest of them declared. */
int outbox_chain_declare(struct outbox *ob, struct team_audit_event *alert, uint64_t n_replaced, uint64_t rmin,
                         uint64_t rmax);
/* Dropped events not yet declared (after a crash: announced at open). */
int outbox_chain_pending_drops(struct outbox *ob, uint64_t *count);

/* Builds the AuditOutboxFull event for the evictions not yet announced; it
 * goes to journald after the next commit. */
void outbox_full_alert_prepare(struct outbox *ob);
/* Adds the declared "dropped N events, seq A..B" to its message. */
void outbox_full_alert_describe(struct outbox *ob);
/* The event id of the row seq. */
int outbox_seq_event_id(struct outbox *ob, int64_t seq, char id[static SD_ID128_STRING_MAX]);

int64_t outbox_now_usec(void);
/* Reset and cleared, ready to bind. */
sqlite3_stmt *ob_stmt(struct outbox *ob, enum ob_stmt which);
/* Steps a statement that returns no row: 0 or -errno. */
int ob_exec(sqlite3_stmt *st);
bool outbox_sink_known(const struct outbox *ob, const char *sink);
/* A transaction is open on the database: ours, or a store module's. */
bool outbox_in_any_tx(const struct outbox *ob);
/* The commit and rollback hooks (outbox_pending.c). */
void outbox_hooks_install(struct outbox *ob);
void outbox_hooks_remove(struct outbox *ob);
/* An event whose journald entry waits for the commit, copied as the chain
 * sealed it (seq, prev, hash): the commit writes it without reading it
 * back. */
int outbox_pending_add(struct outbox *ob, const struct team_audit_event *ev);
