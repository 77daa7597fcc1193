/* Internals of the outbox shared with store_db.c (the schema) and its unit
 * test. */
#pragma once

#include "outbox.h"

/* The outbox tables: one of store_db.c's migrations.
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

/* Builds the AuditOutboxFull event for the evictions not yet announced; it
 * goes to journald after the next commit. */
void outbox_full_alert_prepare(struct outbox *ob);
/* The event id of the row seq. */
int outbox_seq_event_id(struct outbox *ob, int64_t seq, char id[static SD_ID128_STRING_MAX]);
