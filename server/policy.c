/* SPDX-License-Identifier: BSD-3-Clause */
/* Policy file: [role NAME] sections, parsed with common/config_parser.
 *
 * config_parser knows fixed section names, so loading takes two passes:
 * the first scans the section headers (each must be "[role NAME]", once),
 * the second hands config_parser a key table with one block of keys per
 * role, whose offsets point into that role's struct srv_role_policy. Then
 * every ticket_pattern is compiled with regcomp(REG_EXTENDED|REG_NOSUB). */
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

#define ROLE_PREFIX "role "
#define MAX_PATTERN 256
#define MAX_DURATION_CAP (366ULL * 24 * 3600)

struct role_scan {
        char *section;          /* "role NAME" as written */
        unsigned line;          /* of the header */
        unsigned pattern_line;  /* of ticket_pattern, 0 = none */
};

struct scan {
        struct role_scan *roles;
        size_t n;
};

static void scan_free(struct scan *sc)
{
        for (size_t i = 0; i < sc->n; i++)
                free(sc->roles[i].section);
        free(sc->roles);
        sc->roles = NULL;
        sc->n = 0;
}

static int scan_header(struct scan *sc, const char *start, size_t len, unsigned line, const char *filename,
                       char *err, size_t errlen)
{
        struct role_scan *nr;
        char *section = strndup(start, len);
        const char *name;

        if (!section)
                return -ENOMEM;
        name = section + strlen(ROLE_PREFIX);
        if (strncmp(section, ROLE_PREFIX, strlen(ROLE_PREFIX)) != 0 || !is_valid_token_name(name, SRV_MAX_NAME)) {
                snprintf(err, errlen, "%s:%u: unknown section [%s] (write [role NAME], NAME of letters, digits, "
                         "'.', '_' or '-')", filename, line, section);
                free(section);
                return -EINVAL;
        }
        for (size_t i = 0; i < sc->n; i++)
                if (strcmp(sc->roles[i].section, section) == 0) {
                        snprintf(err, errlen, "%s:%u: [%s] given twice (first on line %u; merge them)", filename,
                                 line, section, sc->roles[i].line);
                        free(section);
                        return -EINVAL;
                }
        if (sc->n >= SRV_POLICY_MAX_ROLES) {
                snprintf(err, errlen, "%s:%u: more than %d roles", filename, line, SRV_POLICY_MAX_ROLES);
                free(section);
                return -EINVAL;
        }
        nr = realloc(sc->roles, (sc->n + 1) * sizeof(*nr));
        if (!nr) {
                free(section);
                return -ENOMEM;
        }
        sc->roles = nr;
        nr[sc->n++] = (struct role_scan){ .section = section, .line = line };
        return 0;
}

/* Pass 1: section headers and the line of each ticket_pattern. Syntax
 * errors are left to config_parser (pass 2). */
static int scan_text(const char *text, const char *filename, struct scan *sc, char *err, size_t errlen)
{
        const char *p = text;
        unsigned line = 0;
        int r;

        if (strncmp(p, "\xef\xbb\xbf", 3) == 0)
                p += 3;   /* inih skips a UTF-8 byte order mark */

        while (*p) {
                const char *eol = strchr(p, '\n');
                size_t len = eol ? (size_t)(eol - p) : strlen(p);
                const char *q = p;

                line++;
                while (q < p + len && (*q == ' ' || *q == '\t'))
                        q++;
                if (q < p + len && *q == '[') {
                        const char *close = memchr(q, ']', (size_t)(p + len - q));

                        if (close) {
                                r = scan_header(sc, q + 1, (size_t)(close - q - 1), line, filename, err, errlen);
                                if (r < 0)
                                        return r;
                        }
                } else if (sc->n && strncmp(q, "ticket_pattern", 14) == 0 &&
                           (q[14] == ' ' || q[14] == '\t' || q[14] == '=')) {
                        sc->roles[sc->n - 1].pattern_line = line;
                }
                p += len;
                if (*p == '\n')
                        p++;
        }
        return 0;
}

#define ROLE_KEYS 10

static void fill_keys(struct config_key *k, const char *section, size_t base)
{
#define KEY(n, t, f, lo, hi) \
        (struct config_key){ section, n, t, base + offsetof(struct srv_role_policy, f), lo, hi }
        k[0] = KEY("max_duration", CONFIG_DURATION, max_duration, 1, MAX_DURATION_CAP);
        k[1] = KEY("approvals_required", CONFIG_UINT, approvals_required, 1, 32);
        k[2] = KEY("denials_required", CONFIG_UINT, denials_required, 1, 32);
        k[3] = KEY("approver_groups", CONFIG_NAME_LIST, approver_groups, 1, 64);
        k[4] = KEY("requester_groups", CONFIG_NAME_LIST, requester_groups, 1, 64);
        k[5] = KEY("host_groups", CONFIG_NAME_LIST, host_groups, 1, 64);
        k[6] = KEY("auto_approve_groups", CONFIG_NAME_LIST, auto_approve_groups, 1, 64);
        k[7] = KEY("require_reason", CONFIG_BOOL, require_reason, 0, 0);
        k[8] = KEY("ticket_pattern", CONFIG_STRING, ticket_pattern, 1, MAX_PATTERN);
        k[9] = KEY("request_ttl", CONFIG_DURATION, request_ttl, 1, MAX_DURATION_CAP);
#undef KEY
}

static void roles_free(struct srv_role_policy *roles, size_t n, size_t n_compiled)
{
        for (size_t i = 0; roles && i < n; i++) {
                struct srv_role_policy *rp = &roles[i];

                if (i < n_compiled && rp->ticket_pattern)
                        regfree(&rp->ticket_re);
                free(rp->name);
                free(rp->ticket_pattern);
                config_strv_free(rp->approver_groups);
                config_strv_free(rp->requester_groups);
                config_strv_free(rp->host_groups);
                config_strv_free(rp->auto_approve_groups);
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

static int compile_patterns(struct srv_role_policy *roles, const struct scan *sc, const char *filename,
                            size_t *n_compiled, char *err, size_t errlen)
{
        for (size_t i = 0; i < sc->n; i++) {
                struct srv_role_policy *rp = &roles[i];
                char why[128];
                int rc;

                if (rp->ticket_pattern && pattern_too_costly(rp->ticket_pattern)) {
                        snprintf(err, errlen, "%s:%u: [%s] ticket_pattern: %s (write a simpler pattern, "
                                 "e.g. ^INC-[0-9]{1,8}$)", filename, sc->roles[i].pattern_line,
                                 sc->roles[i].section, pattern_too_costly(rp->ticket_pattern));
                        return -EINVAL;
                }
                if (rp->ticket_pattern) {
                        rc = regcomp(&rp->ticket_re, rp->ticket_pattern, REG_EXTENDED | REG_NOSUB);
                        if (rc != 0) {
                                regerror(rc, &rp->ticket_re, why, sizeof(why));
                                snprintf(err, errlen, "%s:%u: [%s] ticket_pattern: not a POSIX extended regular "
                                         "expression: %s (fix the pattern)", filename, sc->roles[i].pattern_line,
                                         sc->roles[i].section, why);
                                return -EINVAL;
                        }
                }
                *n_compiled = i + 1;
        }
        return 0;
}

int srv_policy_load_string(const char *text, const char *filename, struct srv_policy **out, char *err,
                           size_t errlen)
{
        struct srv_role_policy *roles = NULL;
        struct config_key *keys = NULL;
        struct srv_policy *p = NULL;
        struct scan sc = { 0 };
        size_t n_compiled = 0;
        int r;

        *out = NULL;
        if (err && errlen)
                err[0] = '\0';
        filename = filename ? filename : "(string)";
        r = scan_text(text, filename, &sc, err, errlen);
        if (r < 0)
                goto out;
        roles = calloc(sc.n ? sc.n : 1, sizeof(*roles));
        keys = calloc(sc.n ? sc.n * ROLE_KEYS : 1, sizeof(*keys));
        if (!roles || !keys) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < sc.n; i++) {
                roles[i].name = strdup(sc.roles[i].section + strlen(ROLE_PREFIX));
                if (!roles[i].name) {
                        r = -ENOMEM;
                        goto out;
                }
                roles[i].max_duration = SRV_POLICY_DEFAULT_MAX_DURATION;
                roles[i].approvals_required = 1;
                roles[i].denials_required = 1;
                roles[i].require_reason = true;
                roles[i].request_ttl = SRV_POLICY_DEFAULT_TTL;
                fill_keys(&keys[i * ROLE_KEYS], sc.roles[i].section, i * sizeof(*roles));
        }
        r = config_parse_string(keys, sc.n * ROLE_KEYS, roles, text, filename, err, errlen);
        if (r < 0)
                goto out;
        r = compile_patterns(roles, &sc, filename, &n_compiled, err, errlen);
        if (r < 0)
                goto out;
        p = calloc(1, sizeof(*p));
        if (!p) {
                r = -ENOMEM;
                goto out;
        }
        p->roles = roles;
        p->n_roles = sc.n;
        roles = NULL;
        *out = p;
out:
        if (roles)
                roles_free(roles, sc.n, n_compiled);
        free(keys);
        scan_free(&sc);
        return r;
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
