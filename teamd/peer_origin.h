/* SPDX-License-Identifier: BSD-3-Clause */
/* Where a request came from, as the audit records it (RequestSubmitted).
 * On the root socket the peer is pam_team inside a root PAM application:
 * its service, tty and rhost are taken as given. On the user socket they
 * are the user's own claims, so teamd records what it can see itself, from
 * the SO_PEERCRED pid in /proc: the process name as TEAM_SERVICE and its
 * controlling terminal as TEAM_TTY; whatever the user claimed differently
 * is appended as "claimed:VALUE", and TEAM_RHOST (which teamd cannot
 * know) is only ever "claimed:VALUE". */
#pragma once

#include "dispatch.h"
#include "protocol.h"

struct peer_origin {
        char service[TEAM_MAX_SERVICE + 1];
        char tty[TEAM_MAX_TTY + 1];
        char rhost[TEAM_MAX_RHOST + 1];
};

void teamd_peer_origin(const struct teamd_peer *peer, const struct team_request *req, struct peer_origin *out);

/* The parsers of what /proc says (fuzzed: tests/fuzz/fuzz_peer_proc.c).
 * The controlling terminal's name from the text of /proc/PID/stat ("" for
 * none; 0, or -1 when the text is not a stat line). */
int peer_proc_stat_tty(const char *stat, char *tty, size_t size);
/* /proc/PID/comm (raw, len bytes) as one printable word in out. */
void peer_proc_comm(const char *raw, size_t len, char *out, size_t size);
