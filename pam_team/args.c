/* SPDX-License-Identifier: BSD-3-Clause */
/* Module arguments: a table of words, each with its own parser. An unknown
 * word, a bad value or a repeated word is a configuration error that the
 * entry points turn into PAM_SERVICE_ERR; nothing is guessed. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "args.h"
#include "parse.h"
#include "protocol.h"

struct arg_def {
        const char *name;
        bool takes_value;
        int (*parse)(pam_handle_t *pamh, const char *value, struct pam_team_args *a);
};

static int parse_role(pam_handle_t *pamh, const char *v, struct pam_team_args *a)
{
        if (!is_valid_token_name(v, TEAM_MAX_ROLE)) {
                pam_syslog(pamh, LOG_ERR, "role=%.*s: not a valid role name", TEAM_MAX_ROLE, v);
                return -EINVAL;
        }
        a->role = v;
        return 0;
}

static int parse_socket(pam_handle_t *pamh, const char *v, struct pam_team_args *a)
{
        if (v[0] != '/' || strlen(v) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
                pam_syslog(pamh, LOG_ERR, "socket=: must be an absolute path shorter than %zu bytes",
                           sizeof(((struct sockaddr_un *)NULL)->sun_path));
                return -EINVAL;
        }
        a->socket = v;
        return 0;
}

static int parse_failmode(pam_handle_t *pamh, const char *v, struct pam_team_args *a)
{
        if (strcmp(v, "secure") == 0)
                a->failmode_safe = false;
        else if (strcmp(v, "safe") == 0)
                a->failmode_safe = true;
        else {
                pam_syslog(pamh, LOG_ERR, "failmode=: must be secure or safe");
                return -EINVAL;
        }
        return 0;
}

static int parse_timeout(pam_handle_t *pamh, const char *v, struct pam_team_args *a)
{
        uint64_t n;

        if (parse_uint(v, PAM_TEAM_MIN_TIMEOUT_MS, PAM_TEAM_MAX_TIMEOUT_MS, &n) < 0) {
                pam_syslog(pamh, LOG_ERR, "timeout_ms=: must be a number of milliseconds in %d..%d",
                           PAM_TEAM_MIN_TIMEOUT_MS, PAM_TEAM_MAX_TIMEOUT_MS);
                return -EINVAL;
        }
        a->timeout_ms = (unsigned)n;
        return 0;
}

static int parse_wait(pam_handle_t *pamh, const char *v, struct pam_team_args *a)
{
        uint64_t n;

        if (parse_uint(v, 0, PAM_TEAM_MAX_WAIT_S, &n) < 0) {
                pam_syslog(pamh, LOG_ERR, "wait=: must be a number of seconds in 0..%d",
                           PAM_TEAM_MAX_WAIT_S);
                return -EINVAL;
        }
        a->wait_s = (unsigned)n;
        return 0;
}

static int parse_duration_arg(pam_handle_t *pamh, const char *v, struct pam_team_args *a)
{
        uint64_t n;

        if (parse_duration(v, PAM_TEAM_MIN_DURATION_S, PAM_TEAM_MAX_DURATION_S, &n) < 0) {
                pam_syslog(pamh, LOG_ERR, "duration=: must be a duration (900, 15m, 1h, 2d) of 1 minute to 366 days");
                return -EINVAL;
        }
        a->duration_s = (unsigned)n;
        return 0;
}

static int set_debug(pam_handle_t *pamh, const char *v, struct pam_team_args *a)
{
        a->debug = true;
        return 0;
}

static int set_prompt(pam_handle_t *pamh, const char *v, struct pam_team_args *a)
{
        a->prompt = true;
        return 0;
}

static int set_breakglass(pam_handle_t *pamh, const char *v, struct pam_team_args *a)
{
        a->breakglass = true;
        return 0;
}

/* An absolute path without "..": the set file and the spool are root's. */
static int check_abs_path(pam_handle_t *pamh, const char *name, const char *v)
{
        if (v[0] != '/' || strlen(v) > PAM_TEAM_MAX_PATH || strstr(v, "/../") ||
            (strlen(v) >= 3 && strcmp(v + strlen(v) - 3, "/..") == 0)) {
                pam_syslog(pamh, LOG_ERR, "%s=: must be an absolute path of at most %d bytes, without ..",
                           name, PAM_TEAM_MAX_PATH);
                return -EINVAL;
        }
        return 0;
}

static int parse_bg_file(pam_handle_t *pamh, const char *v, struct pam_team_args *a)
{
        if (check_abs_path(pamh, "breakglass_file", v) < 0)
                return -EINVAL;
        a->breakglass_file = v;
        return 0;
}

static int parse_bg_spool(pam_handle_t *pamh, const char *v, struct pam_team_args *a)
{
        if (check_abs_path(pamh, "breakglass_spool", v) < 0)
                return -EINVAL;
        a->breakglass_spool = v;
        return 0;
}

/* The helper is loaded into the host only if it is a root-owned regular
 * file that neither group nor others can write (breakglass.c checks that on
 * the descriptor it loads), like the default one. Naming another file here
 * is a packaging and test knob (the test suite points the build tree's
 * module at the build tree's helper): it gives nothing a PAM line does not
 * already give, since whoever writes the line names the module itself. No
 * environment variable or other run-time input can move it. */
static int parse_bg_helper(pam_handle_t *pamh, const char *v, struct pam_team_args *a)
{
        if (check_abs_path(pamh, "breakglass_helper", v) < 0)
                return -EINVAL;
        a->breakglass_helper = v;
        return 0;
}

static const struct arg_def arg_table[] = {
        { "role",       true,  parse_role },
        { "socket",     true,  parse_socket },
        { "failmode",   true,  parse_failmode },
        { "timeout_ms", true,  parse_timeout },
        { "wait",       true,  parse_wait },
        { "duration",   true,  parse_duration_arg },
        { "debug",      false, set_debug },
        { "prompt",     false, set_prompt },
        { "breakglass", false, set_breakglass },
        { "breakglass_file", true, parse_bg_file },
        { "breakglass_spool", true, parse_bg_spool },
        { "breakglass_helper", true, parse_bg_helper },
};
#define N_ARGS (sizeof(arg_table) / sizeof(arg_table[0]))

/* Finds the table entry for one word; *value points after '=' or is NULL. */
static const struct arg_def *lookup(const char *word, const char **value, size_t *index)
{
        const char *eq = strchr(word, '=');
        size_t len = eq ? (size_t)(eq - word) : strlen(word);

        for (size_t i = 0; i < N_ARGS; i++) {
                if (strlen(arg_table[i].name) == len && strncmp(arg_table[i].name, word, len) == 0) {
                        *value = eq ? eq + 1 : NULL;
                        *index = i;
                        return &arg_table[i];
                }
        }
        return NULL;
}

static int parse_one(pam_handle_t *pamh, const char *word, bool seen[N_ARGS],
                     struct pam_team_args *out)
{
        const char *value = NULL;
        size_t index = 0;
        const struct arg_def *def = lookup(word, &value, &index);

        if (!def) {
                pam_syslog(pamh, LOG_ERR, "unknown module argument \"%.64s\"", word);
                return -EINVAL;
        }
        if (seen[index]) {
                pam_syslog(pamh, LOG_ERR, "module argument %s given twice", def->name);
                return -EINVAL;
        }
        seen[index] = true;
        if (def->takes_value && (!value || !*value)) {
                pam_syslog(pamh, LOG_ERR, "module argument %s needs a value (%s=...)", def->name, def->name);
                return -EINVAL;
        }
        if (!def->takes_value && value) {
                pam_syslog(pamh, LOG_ERR, "module argument %s takes no value", def->name);
                return -EINVAL;
        }
        return def->parse(pamh, value, out);
}

int pam_team_args_parse(pam_handle_t *pamh, int argc, const char **argv,
                        struct pam_team_args *out)
{
        bool seen[N_ARGS] = { false };

        *out = (struct pam_team_args){
                .socket = PAM_TEAM_DEFAULT_SOCKET,
                .timeout_ms = PAM_TEAM_DEFAULT_TIMEOUT_MS,
                .wait_s = PAM_TEAM_DEFAULT_WAIT_S,
                .duration_s = PAM_TEAM_DEFAULT_DURATION_S,
                .breakglass_file = PAM_TEAM_DEFAULT_BG_FILE,
                .breakglass_spool = PAM_TEAM_DEFAULT_BG_SPOOL,
                .breakglass_helper = PAM_TEAM_DEFAULT_BG_HELPER,
        };
        for (int i = 0; i < argc; i++) {
                if (!argv[i] || parse_one(pamh, argv[i], seen, out) < 0)
                        return -EINVAL;
        }
        if (!out->role) {
                pam_syslog(pamh, LOG_ERR, "module argument role=ROLE is required");
                return -EINVAL;
        }
        return 0;
}
