/* SPDX-License-Identifier: BSD-3-Clause */
/* The approval policy: an INI file of [role NAME] sections (see
 * team-server.policy(5)). Loaded once at start; read-only afterwards, so
 * any thread may use it.
 *
 *   [role sudo]
 *   max_duration = 4h
 *   approvals_required = 2
 *   denials_required = 1
 *   approver_groups = sre, security
 *   requester_groups = dev
 *   host_groups = web, prod
 *   require_reason = yes
 *   ticket_pattern = ^(INC|CHG)-[0-9]+$
 *   request_ttl = 1h
 *   auto_approve_groups = oncall
 *
 * An unknown section or key, a bad value or a ticket_pattern that regcomp
 * refuses is an error naming FILE:LINE: [role NAME] key. */
#pragma once

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRV_POLICY_MAX_ROLES 256
#define SRV_POLICY_DEFAULT_MAX_DURATION (8 * 3600)
#define SRV_POLICY_DEFAULT_TTL 3600

struct srv_role_policy {
        char *name;
        uint64_t max_duration;        /* seconds, default 8h */
        uint64_t approvals_required;  /* 1..32, default 1 */
        uint64_t denials_required;    /* 1..32, default 1 */
        char **approver_groups;       /* NULL-terminated; NULL = nobody (auto-approve only) */
        char **requester_groups;      /* NULL = any known user */
        char **host_groups;           /* NULL = any known host or group */
        char **auto_approve_groups;   /* NULL = none */
        bool require_reason;          /* default yes */
        char *ticket_pattern;         /* NULL = tickets optional and free-form */
        regex_t ticket_re;            /* compiled when ticket_pattern */
        uint64_t request_ttl;         /* seconds, default 1h */
};

struct srv_policy {
        struct srv_role_policy *roles;
        size_t n_roles;
};

/* Loads path (same file rules as config_parse_file: no symlink, regular,
 * owned by root or us, not world-writable). 0, or -errno with err filled
 * with one sentence "FILE:LINE: [role NAME] key: why". */
int srv_policy_load_file(const char *path, struct srv_policy **out, char *err, size_t errlen);
int srv_policy_load_string(const char *text, const char *filename, struct srv_policy **out, char *err,
                           size_t errlen);
void srv_policy_free(struct srv_policy *p);

/* The role's policy, or NULL. */
const struct srv_role_policy *srv_policy_find(const struct srv_policy *p, const char *role);
/* Does ticket satisfy the role's ticket_pattern? (true when no pattern) */
bool srv_policy_ticket_ok(const struct srv_role_policy *rp, const char *ticket);
