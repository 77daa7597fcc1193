/* SPDX-License-Identifier: BSD-3-Clause */
/* What server/checkpoints.c reports: one audit row, webhook jobs (alerts
 * only) and one journald entry per event. The row and the jobs are
 * written inside the caller's transaction, the journald entry and the
 * senders' wake-up once it committed. */
#pragma once

#include <stdint.h>

#include "audit_event.h"
#include "store.h"

struct webhook;

enum checkpoint_event {
        CP_EVENT_STOPPED = 0,           /* alert: host.checkpoints_stopped */
        CP_EVENT_RESUMED,               /* alert: host.checkpoints_resumed */
        CP_EVENT_FORK,                  /* alert: host.chain_fork */
        CP_EVENT_KEY_MISMATCH,          /* alert: host.key_mismatch */
        CP_EVENT_KEY_REGISTERED,        /* trust on first use; audit and journald only */
        CP_EVENT_KEY_SET,               /* by an admin */
        CP_EVENT_KEY_CLEARED,           /* by an admin */
        CP_EVENT__MAX
};

#define CP_REASON_MAX 1024

struct checkpoint_alert {
        enum checkpoint_event event;
        const char *host;
        const char *actor;              /* "host:ID", "server", "admin" */
        int64_t at;                     /* the server's clock */
        /* The host's record before the event (NULL or seq 0: none). */
        const struct srv_checkpoint *recorded;
        /* The checkpoint that caused it (NULL: the sweep, an admin). */
        const struct team_audit_event *ev;
        const char *key;                /* KEY_SET / KEY_REGISTERED: the key */
        uint64_t alert_after;           /* STOPPED: the quiet period */
        char reason[CP_REASON_MAX];     /* filled by checkpoint_alert_record() */
};

/* "HostChainFork", ... (the audit row's event and TEAM_EVENT). */
const char *checkpoint_event_name(enum checkpoint_event e);

/* Inside the caller's transaction: fills a->reason, appends the audit
 * row and, for the alerts, one webhook job per webhook (w may be NULL). */
int checkpoint_alert_record(struct srv_store *store, struct webhook *w, struct checkpoint_alert *a);
/* After the commit: the journald entry (and a line on stderr when not
 * under journald) and the webhook senders' wake-up. */
void checkpoint_alert_announce(struct webhook *w, const struct checkpoint_alert *a);

/* A line for team-server's journal (stderr when not under journald),
 * for what is not an audit event (a refused signature, a failed sweep). */
void checkpoint_log(int priority, const char *host, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
