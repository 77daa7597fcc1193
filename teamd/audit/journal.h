/* SPDX-License-Identifier: BSD-3-Clause */
/* The one logging module of teamd: structured journald entries.
 *
 * Every audit event goes through team_journal_event(): one journald entry with
 * SYSLOG_IDENTIFIER=teamd, the event type's MESSAGE_ID and PRIORITY, MESSAGE,
 * TEAM_EVENT and the TEAM_* fields that are set (NULL fields are omitted).
 * Operational messages (startup errors, I/O trouble) go through teamd_log().
 * With a mirror stream (teamd --foreground) each entry is also written as one
 * line there; with a sink (unit tests) entries go to the sink instead of
 * journald. */
#pragma once

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "audit_event.h"


typedef void (*team_journal_sink_fn)(enum team_event_type type, const struct team_audit_event *f,
                                     const char *message, void *userdata);
/* The durable record (teamd/audit.c: the outbox). Called for every
 * team_journal_event() before the journald entry is written; a failure is
 * reported at LOG_ALERT and the journald entry is still written. Returns 1
 * when it took the event into an open transaction and will write the
 * journald entry itself (team_journal_audit) once that commits, so that
 * journald never shows an event whose state change was rolled back. It
 * gives ev its place in the host's chain (seq, prev, hash). */
typedef int (*team_journal_recorder_fn)(struct team_audit_event *ev, void *userdata);

/* NULL turns the mirror off. */
void team_journal_set_mirror(FILE *f);
#ifdef TEAM_TEST_HOOKS
/* Test programs only (built with -DTEAM_TEST_HOOKS): events go to fn
 * instead of journald; NULL restores journald. */
void team_journal_set_sink(team_journal_sink_fn fn, void *userdata);
#endif
/* NULL: events are not recorded beyond journald (unit tests, tools). */
void team_journal_set_recorder(team_journal_recorder_fn fn, void *userdata);

/* One audit event of type: f gives its fields (user, role, ..., command;
 * NULL: none), fmt its message; its id, time and place in the chain are
 * set here and by the recorder, whatever f holds there. */
void team_journal_event(enum team_event_type type, const struct team_audit_event *f, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* One audit event, already built (id, time, fields, message): the journald
 * entry (plus the mirror or the sink), without the recorder. Each entry
 * carries TEAM_EVENT_ID (the event id, the same in the outbox and at every
 * sink) and TEAM_OUTCOME besides the fields above. */
void team_journal_audit(const struct team_audit_event *ev);
void teamd_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
