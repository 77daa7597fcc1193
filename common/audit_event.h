/* SPDX-License-Identifier: BSD-3-Clause */
/* The one audit event model of pam_team.
 *
 * Every event has a type with a fixed journald MESSAGE_ID (also in
 * systemd/teamd.catalog) and a name used as TEAM_EVENT, a stable unique
 * event id (sd-id128, 32 lowercase hex; the same in journald TEAM_EVENT_ID,
 * in the outbox and at every sink, across retries and restarts), a time and
 * the fields below. The JSON form (team_audit_event_to_json) is what the
 * outbox stores and what the sinks read back (team_audit_event_from_json);
 * docs/audit.md lists every type and field.
 *
 * The ids of the first nine types are fixed forever: operators' journalctl
 * filters and the message catalog rely on them. Append new types only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-id128.h>

enum team_event_type {
        TEAM_EVENT_ELEVATION_ALLOWED = 0,
        TEAM_EVENT_ELEVATION_DENIED,
        TEAM_EVENT_FAIL_OPEN,
        TEAM_EVENT_SESSION_OPENED,
        TEAM_EVENT_SESSION_CLOSED,
        TEAM_EVENT_GRANT_RECEIVED,
        TEAM_EVENT_GRANT_REJECTED,
        TEAM_EVENT_GRANT_EXPIRED,
        TEAM_EVENT_DAEMON_STARTED,
        /* audit shipping */
        TEAM_EVENT_REQUEST_SUBMITTED,
        TEAM_EVENT_GRANT_REVOKED,
        TEAM_EVENT_SESSION_TERMINATED,
        TEAM_EVENT_BREAK_GLASS_USED,
        TEAM_EVENT_EXEMPT_PASS,
        TEAM_EVENT_AUDIT_OUTBOX_FULL,
        TEAM_EVENT_AUDIT_DEAD_LETTER,
        TEAM_EVENT_BREAK_GLASS_SET_CREATED,
        TEAM_EVENT_API_REFUSED,
        /* ending sessions */
        TEAM_EVENT_SESSION_WARNED,
        TEAM_EVENT_SESSION_EXTENDED,
        TEAM_EVENT_SESSION_END_FAILED,
        /* the chain */
        TEAM_EVENT_AUDIT_CHECKPOINT,
        /* what ran under each grant */
        TEAM_EVENT_SESSION_COMMAND,
        TEAM_EVENT_SESSION_COMMANDS_SUMMARISED,
        TEAM_EVENT__MAX
};

const char *team_event_name(enum team_event_type t);      /* "ElevationAllowed", ... */
sd_id128_t team_event_message_id(enum team_event_type t);
int team_event_priority(enum team_event_type t);          /* LOG_* */
/* "ElevationAllowed" -> type; -EINVAL when unknown. */
int team_event_from_name(const char *name, enum team_event_type *t);

/* Bounds the JSON codec enforces (bytes, without the NUL). */
#define TEAM_AUDIT_MAX_FIELD 1024
#define TEAM_AUDIT_MAX_MESSAGE 2048
#define TEAM_AUDIT_MAX_JSON 16384
/* Sequence numbers and counts stay exact in any JSON reader (2^53 - 1). */
#define TEAM_AUDIT_MAX_SEQ 9007199254740991ULL
/* A SHA-256 in lowercase hex. */
#define TEAM_AUDIT_HASH_HEX 64

/* A program executed in an elevated session (SessionCommand). argv is
 * escaped (proc_exec.h): one line of printable text. */
struct team_audit_command {
        bool present;
        int64_t pid, ppid;
        int64_t uid, euid;
        const char *exe;
        const char *cwd;
        const char *argv;
};

/* One event. Strings are borrowed (NULL: absent, omitted from journald and
 * JSON). */
struct team_audit_event {
        enum team_event_type type;
        sd_id128_t id;          /* event id; team_audit_event_init() makes one */
        int64_t time_usec;      /* CLOCK_REALTIME, microseconds */
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
        const char *outcome;    /* "success" / "failure"; NULL: by type (team_audit_event_outcome) */
        const char *message;    /* human text (journald MESSAGE) */
        /* Grant context (GrantReceived and the events of a grant's life):
         * the approvers (comma-separated) and the request's ticket. */
        const char *approvers;
        const char *ticket;
        /* The elevated session it happened in (session events). */
        const char *session_id;
        /* SessionCommand: the program. SessionCommandsSummarised: how many
         * executions it stands for (counted, not recorded one by one). */
        struct team_audit_command command;
        uint64_t summarised;
        /* The host's chain (docs/audit.md "The chain"), set by the outbox
         * when the event is appended: its sequence number (0: not chained)
         * and the SHA-256 (hex) of the previous event's canonical form. */
        uint64_t seq;
        char prev[TEAM_AUDIT_HASH_HEX + 1];
        /* The event's own chain hash, once it is appended; journald's
         * TEAM_HASH. Not part of the JSON form (it is the hash of it). */
        char hash[TEAM_AUDIT_HASH_HEX + 1];
        /* AuditOutboxFull: events the outbox dropped, seq A..B (0: none). */
        uint64_t dropped_count, dropped_first, dropped_last;
        /* AuditCheckpoint: the host key (base64url of the raw Ed25519
         * public key) and its signature over the checkpoint statement. */
        const char *host_key;
        const char *signature;
};

/* Zeroes ev, sets type, a fresh random id and the current time. */
int team_audit_event_init(struct team_audit_event *ev, enum team_event_type type);
/* ev->outcome, or the type's default: "failure" for ElevationDenied,
 * GrantRejected, AuditDeadLetter and AuditOutboxFull, else "success". */
const char *team_audit_event_outcome(const struct team_audit_event *ev);

/* The JSON object (one line, no newline):
 * {"v":1,"id":"32hex","type":"ElevationAllowed","time":"2026-11-25T15:20:34.123456Z",
 *  "time_usec":N,"message_id":"32hex","priority":6,"outcome":"success",
 *  "user":..,"role":..,"host":..,"grant_id":..,"request_id":..,"decision":..,
 *  "reason":..,"service":..,"tty":..,"rhost":..,"peer_pid":N,"message":..,
 *  "seq":N,"prev":"64hex",...}
 * in its canonical form (audit_chain.h: keys sorted, no white space), so
 * the chain hash of an event is the SHA-256 of exactly these bytes.
 * Absent fields are omitted. Fields longer than TEAM_AUDIT_MAX_FIELD are cut
 * (UTF-8 safe) and the event gets "truncated":true. *out is malloc'd. */
int team_audit_event_to_json(const struct team_audit_event *ev, char **out, size_t *len);

/* An event that outlives the strings it borrowed: ev's strings point into
 * buf. One allocation for the strings; free with team_audit_event_copy_free(). */
struct team_audit_event_copy {
        struct team_audit_event ev;
        char *buf;
};
int team_audit_event_copy(const struct team_audit_event *src, struct team_audit_event_copy **out);
void team_audit_event_copy_free(struct team_audit_event_copy *c);

/* The parsed form: ev's strings point into the parse tree kept alive by
 * holder; free with team_audit_event_parsed_clear(). */
struct team_audit_event_parsed {
        struct team_audit_event ev;
        int truncated;
        void *holder;
};
/* Strict: an object, known keys only, every field type-checked and bounded;
 * -EBADMSG otherwise. */
int team_audit_event_from_json(const char *json, size_t len, struct team_audit_event_parsed *out);
void team_audit_event_parsed_clear(struct team_audit_event_parsed *p);
