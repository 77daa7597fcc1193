/* SPDX-License-Identifier: BSD-3-Clause */
/* The hosts' signed audit checkpoints (docs/audit.md "Checkpoints",
 * docs/api.md "POST /v1/hosts/{id}/checkpoints").
 *
 * Every teamd signs the head of its audit chain with its own Ed25519 key
 * at a fixed interval and sends the AuditCheckpoint to team-server, which
 * keeps, per host, the last one it accepted and the key they must carry.
 * What this catches without holding the events themselves:
 *   - the host's first verified checkpoint registers its key (trust on
 *     first use) unless an admin set one (team-server admin host-key);
 *     one signed with another key is refused: a reinstalled host, a
 *     second machine with the host's token, or a forgery;
 *   - a checkpoint behind the recorded one (lower seq), or another one
 *     for the recorded seq, is refused as a fork: a disk restored from a
 *     backup, a cloned machine, a rewritten chain;
 *   - a host whose checkpoints stop for [audit] checkpoint_alert_after:
 *     teamd stopped, its audit stuck, the host gone or cut off.
 * A fork whose seq has already passed the recorded one is not visible
 * here (only the events can show it: team-audit verify).
 *
 * Each alert is an audit row, a journald entry and a webhook job,
 * written in the transaction that records what caused it, so an alert
 * is raised exactly when its cause is committed, by one instance when
 * several share a PostgreSQL database. Refusals raise their alert once
 * per kind until a checkpoint is accepted again; the stop alert once
 * until the next accepted checkpoint, which raises "resumed". */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit_event.h"
#include "checkpoint_body.h"
#include "store.h"

struct webhook;


struct checkpoint_ctx {
        struct srv_store *store;
        struct webhook *webhook;        /* NULL: no webhook jobs */
        uint64_t alert_after;           /* seconds; 0: no stop alert */
};


enum checkpoint_outcome {
        CHECKPOINT_RECORDED = 0,        /* newer than the record (or the first): it is the record now */
        CHECKPOINT_DUPLICATE,           /* the recorded checkpoint again: nothing changed */
        CHECKPOINT_FORK,                /* behind the record, or another checkpoint for its seq: refused */
        CHECKPOINT_KEY_MISMATCH,        /* not signed with the registered key: refused */
};

struct checkpoint_result {
        enum checkpoint_outcome outcome;
        bool key_registered;            /* this checkpoint registered the host's key */
        bool alerted;                   /* an alert was raised for it */
        /* The record after the decision (seq 0: none). */
        int64_t recorded_seq;
        char recorded_head[TEAM_AUDIT_HASH_HEX + 1];
        int64_t recorded_time_usec;
        char registered_key[CHECKPOINT_KEY_LEN + 1];
};

/* Decides on a checkpoint checkpoint_parse() accepted, records the
 * outcome and raises its alerts. 0 (see out->outcome), or -ENOTCONN /
 * -EAGAIN (the database: try again), -EIO, -ENOMEM. */
int checkpoint_receive(const struct checkpoint_ctx *ctx, const char *host, const struct team_audit_event *ev,
                       int64_t now, struct checkpoint_result *out);

/* The stop alert for every host whose last accepted checkpoint was
 * received ctx->alert_after seconds before now or earlier, once per host
 * and quiet period, whichever instance gets there first. *raised (may be
 * NULL): how many this call raised. 0 or -errno. */
int checkpoint_sweep(const struct checkpoint_ctx *ctx, int64_t now, size_t *raised);
/* How often to sweep: a quarter of alert_after, 1 to 60 seconds. */
unsigned checkpoint_sweep_interval(uint64_t alert_after);

/* team-server admin host-key: registers key (NULL: forgets the host's
 * key and its recorded checkpoint, so that its next checkpoint starts
 * over with trust on first use). Setting keeps the recorded checkpoint
 * and clears a recorded refusal. The host must exist. -ENOENT: --clear
 * with nothing recorded. */
int checkpoint_set_key(const struct checkpoint_ctx *ctx, const char *host, const char *key, const char *actor,
                       int64_t now);
