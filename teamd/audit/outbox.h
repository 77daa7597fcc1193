/* SPDX-License-Identifier: BSD-3-Clause */
/* The durable audit outbox: a table in teamd's own sqlite database
 * (STATE_DIR/grants.db), written in the same transaction as the state change
 * an event describes, before the PAM caller gets its answer.
 *
 * Writers (teamd/audit.c):
 *     outbox_begin(ob);  ...state change (db_grant_*, db_session_*)...;
 *     outbox_append(ob, &event);  outbox_commit(ob);
 *
 * Readers (teamd/audit/shipper.c, one per sink): outbox_fetch_batch() hands out the
 * oldest events that SINK has not yet acknowledged, in outbox order (seq);
 * the shipper sends them and then, per entry, outbox_ack() (delivered) or
 * outbox_dead_letter() (the sink refused it for good: invalid data). Entries
 * neither acked nor dead-lettered simply come back in the next fetch (retry;
 * backoff is the shipper's business). An event leaves the outbox when every
 * registered sink has acked or dead-lettered it. The event id (sd-id128,
 * entry.id) never changes across retries or restarts.
 *
 * Bound: outbox_max_events / outbox_max_bytes ([audit], default 1,000,000
 * events / 1 GiB). When an append would exceed it, the OLDEST undelivered
 * events are evicted to make room ("keep newest"): every eviction is counted
 * (outbox_stats.evicted_total, teamctl status) and announced by an
 * AuditOutboxFull event at PRIORITY=1 (alert) naming how many and the id
 * range, and every evicted event is still in journald. Never a silent drop;
 * see docs/audit.md "When the outbox is full".
 *
 * All functions return 0 or -errno. Single-threaded (teamd's event loop). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdint.h>

#include "audit_event.h"

struct teamd_db;
struct outbox;

/* Defaults of [audit] outbox_max_events / outbox_max_bytes. */
#define OUTBOX_DEFAULT_MAX_EVENTS 1000000ULL
#define OUTBOX_DEFAULT_MAX_BYTES (1ULL << 30)

/* Sink names the shipper uses (any [a-z0-9_-]{1,32} works). */
#define OUTBOX_SINK_CLOUDTRAIL "cloudtrail"
#define OUTBOX_SINK_CLOUDWATCH "cloudwatch"

struct outbox_entry {
        int64_t seq;            /* outbox order, strictly increasing */
        char id[SD_ID128_STRING_MAX]; /* event id: 32 lowercase hex, stable */
        char *json;             /* team_audit_event_to_json() text, NUL-terminated */
        size_t json_len;
        int64_t time_usec;      /* event time, CLOCK_REALTIME usec */
        enum team_event_type type;
};

struct outbox_stats {
        uint64_t depth_events;          /* events still held (any sink not done) */
        uint64_t depth_bytes;           /* sum of their JSON lengths */
        uint64_t max_events, max_bytes; /* the bound */
        uint64_t evicted_total;         /* events evicted by the full policy, ever */
        uint64_t dead_total;            /* dead-lettered entries, ever, all sinks */
        int64_t last_delivery_usec;     /* last outbox_ack() of any sink; 0: never */
        int64_t oldest_usec;            /* time of the oldest held event; 0: empty */
};

/* Opens the outbox on the grant store's database (creates its tables through
 * the store's migrations). sinks: the names of the configured sinks,
 * NULL-terminated (NULL or empty: no sink; events are still appended and
 * kept up to the bound, for the record and for `teamctl audit tail`). */
int outbox_open(struct teamd_db *store, uint64_t max_events, uint64_t max_bytes,
                const char *const *sinks, struct outbox **out);
/* Declares evictions not yet announced: an AuditOutboxFull in the outbox
 * (and so in the chain), then journald; outbox_close does it too. */
void outbox_declare_drops(struct outbox *ob);
void outbox_close(struct outbox *ob);
/* The host_id the outbox's own events (AuditOutboxFull, AuditDeadLetter)
 * carry as TEAM_HOST; copied. */
int outbox_set_host(struct outbox *ob, const char *host);

/* Signs an AuditCheckpoint once the outbox has given it its seq and prev:
 * sets ev->host_key and ev->signature (owned by the signer, valid until
 * the next call). 0 or -errno (the checkpoint is then not written). */
typedef int (*outbox_signer_fn)(struct team_audit_event *ev, void *userdata);
void outbox_set_signer(struct outbox *ob, outbox_signer_fn fn, void *userdata);
/* The chain head: the last sequence number given and its hash. */
int outbox_chain_head(struct outbox *ob, uint64_t *seq, char hash[static TEAM_AUDIT_HASH_HEX + 1]);

/* The shared transaction (BEGIN IMMEDIATE / COMMIT / ROLLBACK) on the
 * database the grant store writes too. */
int outbox_begin(struct outbox *ob);
/* The same for a change that needs no fsync before its answer
 * (synchronous=NORMAL until it ends): in WAL mode the commit is in the
 * kernel's page cache, so a crash or kill of teamd loses nothing; only a
 * power loss before the next synced commit or outbox_sync() (within a
 * second) could. */
int outbox_begin_unsynced(struct outbox *ob);
int outbox_commit(struct outbox *ob);
void outbox_rollback(struct outbox *ob);

/* Appends one event inside the caller's transaction (or its own when none is
 * open), giving it its place in the host's chain (ev->seq, prev, hash are
 * set). Applies the full policy first. In its own transaction the commit
 * is not fsynced (a teamd crash loses nothing; power loss may lose what
 * the next outbox_sync() has not yet written): see outbox.c. */
int outbox_append(struct outbox *ob, struct team_audit_event *ev);
/* outbox_append() for teamd's journal (team_journal_recorder_fn): 0 when the
 * event committed in its own transaction (the caller writes the journald
 * entry now), 1 when it joined an open transaction: its journald entry is
 * then written right after that transaction commits (whoever commits it),
 * and never if it rolls back. An event that cannot be appended to an open
 * transaction dooms it: its COMMIT becomes a ROLLBACK and fails, so a state
 * change never commits without its event (an alert says so). */
int outbox_record(struct outbox *ob, struct team_audit_event *ev);
/* Group commit (audit/outbox_group.c). With done set, an event recorded
 * while no transaction is open (outbox_record) opens a group instead of
 * committing alone; later lone events join it. The group commits at
 * outbox_group_commit(), when it is full, or before any other transaction
 * of the outbox begins; done(r) follows every group's end: 0 committed,
 * -errno rolled back (its events are lost: whoever waited for them must
 * not report success). NULL turns groups off (the default). */
typedef void (*outbox_group_done_fn)(int r, void *userdata);
void outbox_set_group(struct outbox *ob, outbox_group_done_fn done, void *userdata);
bool outbox_group_open(const struct outbox *ob);
/* Commits the open group, if any (0 then), and any group its done callback
 * opened; the first failure otherwise. */
int outbox_group_commit(struct outbox *ob);
/* Groups that rolled back since the outbox was opened: whoever recorded an
 * event and sees this change before the event's group ended must assume
 * the event is lost. */
uint64_t outbox_groups_lost(const struct outbox *ob);

/* Puts every committed event on disk (a passive WAL checkpoint); nothing to
 * do when every commit since the last call was synced. teamd calls it
 * every second (audit.c) and at exit. */
int outbox_sync(struct outbox *ob);

/* Up to max_events (1..100 sensible) entries whose JSON totals at most
 * max_bytes (at least one entry is returned even when it alone is larger),
 * oldest first, with seq > after_seq, not yet acked or dead-lettered by
 * sink. *entries is malloc'd; free with outbox_entries_free(). *n == 0: none. */
int outbox_fetch_batch(struct outbox *ob, const char *sink, int64_t after_seq, size_t max_events,
                       size_t max_bytes, struct outbox_entry **entries, size_t *n);
void outbox_entries_free(struct outbox_entry *entries, size_t n);

/* Sink delivered these entries (by seq); records the delivery time. One
 * transaction. Unknown or already-acked seqs are ignored. */
int outbox_ack(struct outbox *ob, const char *sink, const int64_t *seqs, size_t n);

/* Sink refused the entry for good: it moves to the dead-letter table
 * (outbox_dead: sink, seq, event id, JSON, error code and message, time)
 * and counts as done for that sink; an alert-priority journald entry names
 * the event id and the error. */
int outbox_dead_letter(struct outbox *ob, const char *sink, int64_t seq, const char *error_code,
                       const char *error_message);

/* Events held / bytes held (either pointer may be NULL). */
int outbox_depth(struct outbox *ob, uint64_t *events, uint64_t *bytes);
/* Last successful delivery (usec) of sink, or of any sink when sink is
 * NULL; 0 when never. */
int outbox_last_delivery(struct outbox *ob, const char *sink, int64_t *usec);
int outbox_stats(struct outbox *ob, struct outbox_stats *st);
