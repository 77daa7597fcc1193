/* SPDX-License-Identifier: BSD-3-Clause */
/* teamd's audit trail: every audit event (team_journal_event) is appended
 * to the durable outbox (outbox.h) and written to journald; a handler that
 * changes state wraps the change and its event in one transaction:
 *
 *     teamd_audit_begin(d);
 *     r = db_grant_...(d->store, ...);
 *     team_journal_event(TEAM_EVENT_..., &f, "...");
 *     r = teamd_audit_end(d, r);      (commit when r == 0, else roll back)
 *
 * and answers its caller only after that.
 *
 * An event that comes alone (a PAM decision) joins the group of this turn
 * of the loop (outbox_set_group): answers built while a group is open are
 * held by the connection until it commits (teamd_conn_release_held). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct teamd;
struct team_response;

/* Opens the outbox on d->store with the [audit] bound and the configured
 * sinks, and makes it the journal's recorder. */
int teamd_audit_start(struct teamd *d);
void teamd_audit_stop(struct teamd *d);
/* On d->event: puts the outbox's unsynced commits on disk every second
 * (outbox_sync), and turns group commit on, each group ending when the
 * loop has nothing of higher priority ready. */
int teamd_audit_attach(struct teamd *d);

/* 0, or -errno when no transaction could be opened (the change then runs
 * in autocommit, its event in a transaction of its own). */
int teamd_audit_begin(struct teamd *d);
/* The same without an fsync at its commit (outbox_begin_unsynced): for a
 * change whose loss on a power cut needs no record, such as a session's
 * open and close (a power cut ends the session too). */
int teamd_audit_begin_unsynced(struct teamd *d);
/* Commits when r >= 0 (returns r, or the commit's error), rolls back
 * otherwise (returns r). A no-op without an open transaction. */
int teamd_audit_end(struct teamd *d, int r);

/* Commits the open group of lone events, if any, and releases the answers
 * that waited for it: before a transaction or a write the outbox does not
 * see (the grant sync's own), before reporting what was recorded, and at
 * shutdown. 0, or the commit's error (its events are in journald only). */
int teamd_audit_flush(struct teamd *d);
/* Whether an answer built now must wait for a group's commit. */
bool teamd_audit_group_open(const struct teamd *d);
/* Groups rolled back so far (outbox_groups_lost): an answer whose events
 * were recorded before this changed must not report success. */
uint64_t teamd_audit_groups_lost(const struct teamd *d);

/* The outbox's part of `teamctl status` (root): sinks, depth, evicted,
 * dead-lettered, last delivery. */
int teamd_audit_status(struct teamd *d, struct team_response *resp);
