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
#include <stdio.h>
#include <sys/types.h>

#include "audit_event.h"

struct team_event_fields {
        const char *user;
        const char *role;
        const char *host;
        const char *grant_id;
        const char *request_id;
        const char *decision;   /* "allow" / "deny" */
        const char *reason;
        const char *service;
        const char *tty;
        const char *rhost;
        pid_t peer_pid;         /* 0: absent */
};

typedef void (*team_journal_sink_fn)(enum team_event_type type, const struct team_event_fields *f,
                                     const char *message, void *userdata);

/* NULL turns the mirror off. */
void team_journal_set_mirror(FILE *f);
/* NULL restores journald. */
void team_journal_set_sink(team_journal_sink_fn fn, void *userdata);

void team_journal_event(enum team_event_type type, const struct team_event_fields *f, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void teamd_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
