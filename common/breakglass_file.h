/* SPDX-License-Identifier: BSD-3-Clause */
/* The break-glass set file (default /etc/team/breakglass): the hashes of
 * one set of codes and the wrong-code counter, in one small text file that
 * is locked, read, changed and replaced whole (breakglass_store.c).
 *
 *     team-breakglass 1
 *     role console
 *     ttl 900
 *     created 1764650000
 *     kdf scrypt 32768 8 1 <set salt, 32 hex>
 *     failures <count> <window start, unix s>
 *     locked_until <unix s, 0 = not locked>
 *     code 1 unused <slot salt, 32 hex> <hash, 64 hex>
 *     code 2 used <slot salt> <hash>
 *
 * Exactly these lines in this order, one space between fields, every line
 * ending in '\n', slots numbered 1..n; anything else is -EBADMSG. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "breakglass_code.h"

#define TEAM_BG_DEFAULT_FILE "/etc/team/breakglass"
#define TEAM_BG_MAX_CODES 100
#define TEAM_BG_MAX_FILE 16384
#define TEAM_BG_MAX_ROLE 64
#define TEAM_BG_MIN_TTL_S 60
#define TEAM_BG_MAX_TTL_S (24 * 3600)
/* After TEAM_BG_MAX_FAILURES wrong or used codes within TEAM_BG_FAIL_WINDOW_S,
 * nobody is asked for TEAM_BG_LOCKOUT_S. */
#define TEAM_BG_MAX_FAILURES 5
#define TEAM_BG_FAIL_WINDOW_S 900
#define TEAM_BG_LOCKOUT_S 900
#define TEAM_BG_MAX_TIME 253402300799LL  /* 9999-12-31 */

struct team_bg_slot {
        bool used;
        uint8_t salt[TEAM_BG_SALT_LEN];
        uint8_t hash[TEAM_BG_HASH_LEN];
};

struct team_bg_set {
        char role[TEAM_BG_MAX_ROLE + 1];
        uint64_t ttl_s;
        int64_t created;
        struct team_bg_kdf kdf;
        unsigned failures;
        int64_t fail_since;
        int64_t locked_until;
        unsigned n_slots;
        struct team_bg_slot slots[TEAM_BG_MAX_CODES];
};

/* Strict parse of len bytes (no NUL needed). 0 or -EBADMSG. */
int team_bg_set_parse(const char *buf, size_t len, struct team_bg_set *out);
/* The file's text; *out is malloc'd (free it), *len without the NUL.
 * 0, -EINVAL (a set the parser would refuse) or -ENOMEM. */
int team_bg_set_format(const struct team_bg_set *set, char **out, size_t *len);
/* Slots not yet used. */
unsigned team_bg_set_unused(const struct team_bg_set *set);

/* Counts one wrong or used code at now; locks the set when it is the
 * TEAM_BG_MAX_FAILURES-th within the window. */
void team_bg_set_count_failure(struct team_bg_set *set, int64_t now);
/* True while locked (now < locked_until). */
bool team_bg_set_locked(const struct team_bg_set *set, int64_t now);
/* The slot (1-based) whose hash matches the code's key, used or not
 * (the caller tells a used code from an unknown one), comparing every
 * slot in constant time; 0 when none matches. */
unsigned team_bg_set_match(const struct team_bg_set *set, const uint8_t key[TEAM_BG_KEY_LEN]);
