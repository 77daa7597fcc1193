/* SPDX-License-Identifier: BSD-3-Clause */
/* Policy file: [role NAME] sections, parsed with common/config_parser.
 *
 * Each [role NAME] header makes a role with the defaults (open_role), and
 * its keys are read through role_keys into it. A ticket_pattern is checked
 * where it is written (check_role_value: cost, then regcomp) and compiled
 * for use once every role is read (compile_patterns). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_parser.h"
#include "parse.h"
#include "policy.h"
#include "store.h"

#define MAX_PATTERN 256
#define MAX_DURATION_CAP (366ULL * 24 * 3600)

#define R(f) offsetof(struct srv_role_policy, f)
static const struct config_key role_keys[] = {
        { "role", "max_duration", CONFIG_DURATION, R(max_duration), 1, MAX_DURATION_CAP },
        { "role", "approvals_required", CONFIG_UINT, R(approvals_required), 1, 32 },
        { "role", "denials_required", CONFIG_UINT, R(denials_required), 1, 32 },
        { "role", "approver_groups", CONFIG_NAME_LIST, R(approver_groups), 1, 64 },
        { "role", "requester_groups", CONFIG_NAME_LIST, R(requester_groups), 1, 64 },
        { "role", "host_groups", CONFIG_NAME_LIST, R(host_groups), 1, 64 },
        { "role", "auto_approve_groups", CONFIG_NAME_LIST, R(auto_approve_groups), 1, 64 },
        { "role", "require_reason", CONFIG_BOOL, R(require_reason), 0, 0 },
        { "role", "ticket_pattern", CONFIG_STRING, R(ticket_pattern), 1, MAX_PATTERN },
        { "role", "request_ttl", CONFIG_DURATION, R(request_ttl), 1, MAX_DURATION_CAP },
};
#define N_ROLE_KEYS (sizeof(role_keys) / sizeof(role_keys[0]))

/* The policy being read, and the header line of each role (for "first
 * on line N" when a role comes twice). */
struct policy_load {
        struct srv_policy *policy;
        unsigned lines[SRV_POLICY_MAX_ROLES];
};

static void roles_free(struct srv_role_policy *roles, size_t n, size_t n_compiled)
{
        for (size_t i = 0; roles && i < n; i++) {
                struct srv_role_policy *rp = &roles[i];

                if (i < n_compiled && rp->ticket_pattern)
                        regfree(&rp->ticket_re);
                config_free(role_keys, N_ROLE_KEYS, rp);
                free(rp->name);
        }
        free(roles);
}

void srv_policy_free(struct srv_policy *p)
{
        if (!p)
                return;
        roles_free(p->roles, p->n_roles, p->n_roles);
        free(p);
}

/* glibc's regcomp duplicates a subtree for every repetition, so a pattern
 * like "x++++…" or "(x{200}){200}" takes gigabytes before regcomp returns.
 * A ticket pattern never needs stacked quantifiers, bounds above
 * MAX_PATTERN_BOUND or many quantifiers: refuse those up front. */
#define MAX_PATTERN_BOUND 64
#define MAX_PATTERN_QUANTIFIERS 16
/* The ']' that closes the bracket expression opening at open, or NULL when
 * it is not closed (regcomp then refuses the pattern). A ']' right after
 * "[" or "[^" is a member, and "[:class:]", "[.coll.]" and "[=equiv=]"
 * inside hold ']' of their own. */
static const char *bracket_end(const char *open)
{
        const char *c = open + 1;

        if (*c == '^')
                c++;
        if (*c == ']')
                c++;
        for (; *c && *c != ']'; c++) {
                if (*c == '[' && (c[1] == ':' || c[1] == '.' || c[1] == '=')) {
                        char kind = c[1];

                        for (c += 2; *c && !(c[0] == kind && c[1] == ']'); c++)
                                ;
                        if (!*c)
                                return NULL;
                        c++;
                }
        }
        return *c ? c : NULL;
}

static const char *pattern_too_costly(const char *re)
{
        unsigned quantifiers = 0;
        bool after_quantifier = false;

        for (const char *c = re; *c; c++) {
                if (*c == '\\' && c[1]) {
                        c++;
                        after_quantifier = false;
                        continue;
                }
                if (*c == '[') {
                        c = bracket_end(c);
                        if (!c)
                                return NULL;
                        after_quantifier = false;
                        continue;
                }
                if (*c == '*' || *c == '+' || *c == '?' || *c == '{') {
                        if (after_quantifier)
                                return "stacked repetition operators";
                        if (++quantifiers > MAX_PATTERN_QUANTIFIERS)
                                return "more than 16 repetition operators";
                        if (*c == '{') {
                                char *end;
                                unsigned long lo = strtoul(c + 1, &end, 10), hi = lo;

                                if (*end == ',')
                                        hi = end[1] == '}' ? 0 : strtoul(end + 1, &end, 10);
                                if (lo > MAX_PATTERN_BOUND || hi > MAX_PATTERN_BOUND)
                                        return "a repetition bound above 64";
                                c = strchr(c, '}') ? strchr(c, '}') : c;
                        }
                        after_quantifier = true;
                        continue;
                }
                after_quantifier = false;
        }
        return NULL;
}

/* The cost and syntax of a ticket_pattern, where it is written. */
static int check_role_value(const struct config_key *key, const char *value, char *why, size_t whylen)
{
        const char *costly;
        regex_t re;
        char what[128];
        int rc;

        if (key->offset != R(ticket_pattern))
                return 0;
        costly = pattern_too_costly(value);
        if (costly) {
                snprintf(why, whylen, "%s (write a simpler pattern, e.g. ^INC-[0-9]{1,8}$)", costly);
                return -EINVAL;
        }
        rc = regcomp(&re, value, REG_EXTENDED | REG_NOSUB);
        if (rc == REG_ESPACE)
                return -ENOMEM;
        if (rc != 0) {
                regerror(rc, &re, what, sizeof(what));
                snprintf(why, whylen, "not a POSIX extended regular expression: %s (fix the pattern)", what);
                return -EINVAL;
        }
        regfree(&re);
        return 0;
}

/* [role NAME]: a new role with the defaults, its keys read into it. */
static int open_role(void *userdata, const char *name, unsigned line, struct config_section *section, char *why,
                     size_t whylen)
{
        struct policy_load *ld = userdata;
        struct srv_policy *p = ld->policy;
        struct srv_role_policy *roles, *rp;

        for (size_t i = 0; i < p->n_roles; i++)
                if (strcmp(p->roles[i].name, name) == 0) {
                        snprintf(why, whylen, "[role %s] given twice (first on line %u; merge them)", name,
                                 ld->lines[i]);
                        return -EINVAL;
                }
        if (p->n_roles >= SRV_POLICY_MAX_ROLES) {
                snprintf(why, whylen, "more than %d roles", SRV_POLICY_MAX_ROLES);
                return -EINVAL;
        }
        roles = realloc(p->roles, (p->n_roles + 1) * sizeof(*roles));
        if (!roles)
                return -ENOMEM;
        p->roles = roles;
        rp = &roles[p->n_roles];
        *rp = (struct srv_role_policy){
                .max_duration = SRV_POLICY_DEFAULT_MAX_DURATION,
                .approvals_required = 1,
                .denials_required = 1,
                .require_reason = true,
                .request_ttl = SRV_POLICY_DEFAULT_TTL,
        };
        rp->name = strdup(name);
        if (!rp->name)
                return -ENOMEM;
        ld->lines[p->n_roles++] = line;
        *section = (struct config_section){
                .keys = role_keys, .n_keys = N_ROLE_KEYS, .target = rp, .check = check_role_value,
        };
        return 0;
}

/* Compiled only now: the roles array moves while it grows, and a regex_t
 * is not promised to survive a move. check_role_value() already refused
 * what cannot compile, so only memory can fail here. */
static int compile_patterns(struct srv_policy *p, size_t *n_compiled)
{
        for (size_t i = 0; i < p->n_roles; i++) {
                struct srv_role_policy *rp = &p->roles[i];

                if (rp->ticket_pattern && regcomp(&rp->ticket_re, rp->ticket_pattern, REG_EXTENDED | REG_NOSUB) != 0)
                        return -ENOMEM;
                *n_compiled = i + 1;
        }
        return 0;
}

int srv_policy_load_string(const char *text, const char *filename, struct srv_policy **out, char *err,
                           size_t errlen)
{
        struct policy_load ld = { 0 };
        const struct config_kind role_kind = { "role", SRV_MAX_NAME, open_role, &ld };
        const struct config_spec spec = { .kinds = &role_kind, .n_kinds = 1 };
        size_t n_compiled = 0;
        int r;

        *out = NULL;
        if (err && errlen)
                err[0] = '\0';
        ld.policy = calloc(1, sizeof(*ld.policy));
        if (!ld.policy)
                return -ENOMEM;
        r = config_parse(&spec, text, filename, err, errlen);
        if (r == 0)
                r = compile_patterns(ld.policy, &n_compiled);
        if (r < 0) {
                roles_free(ld.policy->roles, ld.policy->n_roles, n_compiled);
                free(ld.policy);
                return r;
        }
        *out = ld.policy;
        return 0;
}

int srv_policy_load_file(const char *path, struct srv_policy **out, char *err, size_t errlen)
{
        char *text = NULL;
        int r;

        *out = NULL;
        r = config_read_file(path, &text, err, errlen);
        if (r < 0)
                return r;
        r = srv_policy_load_string(text, path, out, err, errlen);
        free(text);
        return r;
}

const struct srv_role_policy *srv_policy_find(const struct srv_policy *p, const char *role)
{
        for (size_t i = 0; p && role && i < p->n_roles; i++)
                if (strcmp(p->roles[i].name, role) == 0)
                        return &p->roles[i];
        return NULL;
}

bool srv_policy_ticket_ok(const struct srv_role_policy *rp, const char *ticket)
{
        if (!rp->ticket_pattern)
                return true;
        return ticket && regexec(&rp->ticket_re, ticket, 0, NULL, 0) == 0;
}
