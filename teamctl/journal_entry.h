/* SPDX-License-Identifier: BSD-3-Clause */
/* teamd's audit entries read back from journald (teamctl audit tail,
 * teamctl session show): one entry as a struct team_audit_event, and as
 * one line of text for a terminal. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-journal.h>

#include "audit_event.h"

/* The text an event read from the journal points into. */
struct journal_entry {
        char event[64], id[64], user[TEAM_AUDIT_MAX_FIELD + 1], role[TEAM_AUDIT_MAX_FIELD + 1],
                host[TEAM_AUDIT_MAX_FIELD + 1], grant_id[TEAM_AUDIT_MAX_FIELD + 1],
                request_id[TEAM_AUDIT_MAX_FIELD + 1], decision[64], reason[TEAM_AUDIT_MAX_FIELD + 1],
                service[TEAM_AUDIT_MAX_FIELD + 1], tty[TEAM_AUDIT_MAX_FIELD + 1], rhost[TEAM_AUDIT_MAX_FIELD + 1],
                pid[32], outcome[32], message[TEAM_AUDIT_MAX_MESSAGE + 1],
                approvers[TEAM_AUDIT_MAX_FIELD + 1], session_id[TEAM_AUDIT_MAX_FIELD + 1],
                exe[TEAM_AUDIT_MAX_FIELD + 1], cwd[TEAM_AUDIT_MAX_FIELD + 1], argv[TEAM_AUDIT_MAX_MESSAGE + 1],
                cmd_pid[32], cmd_ppid[32], cmd_uid[32], cmd_euid[32], summarised[32],
                ticket[TEAM_AUDIT_MAX_FIELD + 1], host_key[TEAM_AUDIT_MAX_FIELD + 1],
                signature[TEAM_AUDIT_MAX_FIELD + 1], seq[32], time_usec[32], dropped[3][32],
                hash[TEAM_AUDIT_HASH_HEX + 1];
};

/* The system journal, or the journal files in directory. */
int journal_entry_open(const char *directory, sd_journal **out);
/* Matches teamd's audit entries (SYSLOG_IDENTIFIER=teamd and the MESSAGE_ID
 * of every type in types, or of every type when types is NULL). */
int journal_entry_match_audit(sd_journal *j, const bool *types);
/* The current entry as an event whose strings point into t (*t is large:
 * allocate it). -ENOENT when the entry is not an audit event. */
int journal_entry_event(sd_journal *j, struct journal_entry *t, struct team_audit_event *ev);
/* The chain members of the current entry (docs/audit.md "The chain"):
 * seq, prev, the time teamd made it, the declared drops, the checkpoint's
 * key and signature, into ev (read with journal_entry_event first), and
 * the hash teamd gave it (TEAM_HASH) into t->hash ("" when absent). ev then
 * has every member of the event teamd chained. */
void journal_entry_chain(sd_journal *j, struct journal_entry *t, struct team_audit_event *ev);
/* Writes s with control characters as '?' (text for a terminal). */
void journal_entry_put_clean(const char *s);
/* "2026-12-03 18:40:01" in local time. */
void journal_entry_when(const struct team_audit_event *ev, char *buf, size_t len);
