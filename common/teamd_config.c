/* SPDX-License-Identifier: BSD-3-Clause */
/* teamd.conf: the key table and the defaults (see teamd_config.h and
 * teamd.conf(5)). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_parser.h"
#include "parse.h"
#include "teamd_config.h"

/* sockaddr_un.sun_path holds 108 bytes with the NUL. */
#define SOCKET_PATH_MAX 107
#define HOST_ID_MAX 255
#define HOST_GROUPS_MAX 64
#define MAX_GRANTS_DEFAULT 100000
#define MAX_GRANTS_LIMIT 10000000
#define CLOCK_SKEW_MAX 3600
#define EXEMPT_MAX 256
#define FAIL_OPEN_AFTER_DEFAULT 60
#define FAIL_OPEN_AFTER_MAX (24 * 3600)
#define OUTBOX_MAX_EVENTS_DEFAULT 1000000ULL
#define OUTBOX_MAX_EVENTS_LIMIT 1000000000ULL
#define OUTBOX_MAX_BYTES_DEFAULT (1ULL << 30)
#define OUTBOX_MAX_BYTES_LIMIT (1ULL << 40)

#define K(f) offsetof(struct teamd_config, f)
static const struct config_key teamd_keys[] = {
        { "teamd", "host_id", CONFIG_NAME, K(host_id), 1, HOST_ID_MAX },
        { "teamd", "host_groups", CONFIG_NAME_LIST, K(host_groups), 1, HOST_GROUPS_MAX },
        { "teamd", "state_dir", CONFIG_PATH, K(state_dir), 2, PATH_MAX - 1 },
        { "teamd", "socket", CONFIG_PATH, K(socket), 2, SOCKET_PATH_MAX },
        { "teamd", "user_socket", CONFIG_PATH, K(user_socket), 2, SOCKET_PATH_MAX },
        { "teamd", "trusted_keys", CONFIG_PATH, K(trusted_keys), 2, PATH_MAX - 1 },
        { "teamd", "clock_skew", CONFIG_DURATION, K(clock_skew), 0, CLOCK_SKEW_MAX },
        { "teamd", "max_grants", CONFIG_UINT, K(max_grants), 1, MAX_GRANTS_LIMIT },
        { "server", "url", CONFIG_URL, K(url), 8, 2048 },
        { "server", "token_file", CONFIG_PATH, K(token_file), 2, PATH_MAX - 1 },
        { "server", "ca_file", CONFIG_PATH, K(ca_file), 2, PATH_MAX - 1 },
        { "server", "fail_open_after", CONFIG_DURATION, K(fail_open_after), 0, FAIL_OPEN_AFTER_MAX },
        { "audit", "cloudtrail_channel_arn", CONFIG_STRING, K(cloudtrail_channel_arn), 20, 256 },
        { "audit", "cloudtrail_external_id", CONFIG_STRING, K(cloudtrail_external_id), 2, 1224 },
        { "audit", "cloudtrail_region", CONFIG_NAME, K(cloudtrail_region), 2, 64 },
        { "audit", "cloudtrail_endpoint", CONFIG_URL, K(cloudtrail_endpoint), 8, 2048 },
        { "audit", "cloudwatch_log_group", CONFIG_STRING, K(cloudwatch_log_group), 1, 512 },
        { "audit", "cloudwatch_log_stream", CONFIG_STRING, K(cloudwatch_log_stream), 1, 512 },
        { "audit", "cloudwatch_region", CONFIG_NAME, K(cloudwatch_region), 2, 64 },
        { "audit", "cloudwatch_endpoint", CONFIG_URL, K(cloudwatch_endpoint), 8, 2048 },
        { "audit", "account_id", CONFIG_NAME, K(account_id), 12, 12 },
        { "audit", "outbox_max_events", CONFIG_UINT, K(outbox_max_events), 10, OUTBOX_MAX_EVENTS_LIMIT },
        { "audit", "outbox_max_bytes", CONFIG_UINT, K(outbox_max_bytes), 65536, OUTBOX_MAX_BYTES_LIMIT },
        { "aws", "profile", CONFIG_NAME, K(aws_profile), 1, 128 },
        { "aws", "credentials_file", CONFIG_PATH, K(aws_credentials_file), 2, PATH_MAX - 1 },
        { "aws", "imds_endpoint", CONFIG_URL, K(aws_imds_endpoint), 8, 2048 },
        { "audit", "ship_timeout", CONFIG_DURATION, K(ship_timeout), 1, 300 },
        { "audit", "checkpoint_interval", CONFIG_DURATION, K(checkpoint_interval), 1, 86400 },
        { "teamd", "exempt_users", CONFIG_NAME_LIST, K(exempt_users), 1, EXEMPT_MAX },
        { "teamd", "exempt_groups", CONFIG_NAME_LIST, K(exempt_groups), 1, EXEMPT_MAX },
        { "teamd", "breakglass_spool", CONFIG_PATH, K(breakglass_spool), 2, PATH_MAX - 1 },
        { "sessions", "on_expiry", CONFIG_NAME, K(on_expiry), 1, 16 },
        { "sessions", "warn_before", CONFIG_LIST, K(warn_before), 1, TEAMD_WARN_BEFORE_MAX },
        { "sessions", "grace", CONFIG_DURATION, K(session_grace), 0, 300 },
        { "sessions", "hold", CONFIG_NAME, K(session_hold), 1, 16 },
        { "sessions", "record_commands", CONFIG_BOOL, K(record_commands), 0, 0 },
        { "sessions", "commands_per_second", CONFIG_UINT, K(commands_per_second), 1, 100000 },
        { "sessions", "commands_max", CONFIG_UINT, K(commands_max), 0, 100000000 },
};
#define N_KEYS (sizeof(teamd_keys) / sizeof(teamd_keys[0]))

static int set_defaults(struct teamd_config *cfg)
{
        memset(cfg, 0, sizeof(*cfg));
        cfg->state_dir = strdup(TEAMD_DEFAULT_STATE_DIR);
        cfg->socket = strdup(TEAMD_DEFAULT_SOCKET);
        cfg->user_socket = strdup(TEAMD_DEFAULT_USER_SOCKET);
        cfg->trusted_keys = strdup(TEAMD_DEFAULT_TRUSTED_KEYS);
        cfg->breakglass_spool = strdup(TEAMD_DEFAULT_BREAKGLASS_SPOOL);
        cfg->clock_skew = TEAMD_DEFAULT_CLOCK_SKEW;
        cfg->max_grants = MAX_GRANTS_DEFAULT;
        cfg->fail_open_after = FAIL_OPEN_AFTER_DEFAULT;
        cfg->ship_timeout = 10;
        cfg->checkpoint_interval = 300;
        cfg->outbox_max_events = OUTBOX_MAX_EVENTS_DEFAULT;
        cfg->outbox_max_bytes = OUTBOX_MAX_BYTES_DEFAULT;
        cfg->session_grace = 5;
        cfg->record_commands = true;
        cfg->commands_per_second = 20;
        cfg->commands_max = 10000;
        cfg->warn_before_secs[0] = 300;
        cfg->warn_before_secs[1] = 60;
        cfg->n_warn_before = 2;
        if (!cfg->state_dir || !cfg->socket || !cfg->user_socket || !cfg->trusted_keys || !cfg->breakglass_spool)
                return -ENOMEM;
        return 0;
}

/* host_id defaults to the host name, which must then be a valid name. */
static int fill_host_id(struct teamd_config *cfg, const char *source, char *err, size_t errlen)
{
        char name[HOST_NAME_MAX + 1];

        if (cfg->host_id)
                return 0;
        if (gethostname(name, sizeof(name)) < 0) {
                int r = -errno;

                snprintf(err, errlen, "%s: [teamd] host_id: not set and gethostname() failed: %s (set host_id)",
                         source, strerror(-r));
                return r;
        }
        name[sizeof(name) - 1] = '\0';
        if (!is_valid_token_name(name, HOST_ID_MAX)) {
                snprintf(err, errlen, "%s: [teamd] host_id: not set and the host name is not a valid id (set host_id)",
                         source);
                return -EINVAL;
        }
        cfg->host_id = strdup(name);
        return cfg->host_id ? 0 : -ENOMEM;
}

static bool is_one_of(const char *v, const char *const *allowed)
{
        for (; *allowed; allowed++)
                if (strcmp(v, *allowed) == 0)
                        return true;
        return false;
}

/* [sessions]: the names checked, warn_before as numbers, largest first. */
static int derive_sessions(struct teamd_config *cfg, const char *source, char *err, size_t errlen)
{
        static const char *const expiry[] = { "terminate", "warn", NULL };
        static const char *const hold[] = { "auto", "scope", "cgroup", "tree", NULL };
        size_t n = 0;

        if (cfg->on_expiry && !is_one_of(cfg->on_expiry, expiry)) {
                snprintf(err, errlen, "%s: [sessions] on_expiry: '%s' is neither terminate nor warn", source,
                         cfg->on_expiry);
                return -EINVAL;
        }
        cfg->on_expiry_warn = cfg->on_expiry && strcmp(cfg->on_expiry, "warn") == 0;
        if (cfg->session_hold && !is_one_of(cfg->session_hold, hold)) {
                snprintf(err, errlen, "%s: [sessions] hold: '%s' is not auto, scope, cgroup or tree", source,
                         cfg->session_hold);
                return -EINVAL;
        }
        if (!cfg->warn_before)
                return 0;
        for (char **w = cfg->warn_before; *w; w++) {
                uint64_t v;
                if (parse_uint(*w, 1, TEAMD_WARN_BEFORE_LIMIT, &v) < 0) {
                        snprintf(err, errlen, "%s: [sessions] warn_before: '%s' is not a number of seconds (1..%d)",
                                 source, *w, TEAMD_WARN_BEFORE_LIMIT);
                        return -EINVAL;
                }
                size_t i = n++;
                /* insertion, largest first */
                for (; i > 0 && cfg->warn_before_secs[i - 1] < v; i--)
                        cfg->warn_before_secs[i] = cfg->warn_before_secs[i - 1];
                cfg->warn_before_secs[i] = v;
        }
        cfg->n_warn_before = n;
        return 0;
}

/* Whichever the source, the result is either a complete config or
 * nothing at all (cfg freed) and a message in err. */
static int finish_load(struct teamd_config *cfg, int r, const char *source, char *err, size_t errlen)
{
        if (r == 0)
                r = fill_host_id(cfg, source, err, errlen);
        if (r == 0)
                r = derive_sessions(cfg, source, err, errlen);
        if (r == -ENOMEM && err && errlen && err[0] == '\0')
                snprintf(err, errlen, "%s: out of memory", source);
        if (r < 0)
                teamd_config_free(cfg);
        return r;
}

/* From the file path, or from text when from_text is set. */
static int load(const char *path, bool allow_missing, bool from_text, const char *text, struct teamd_config *cfg,
                char *err, size_t errlen)
{
        const char *source = from_text ? "(string)" : path;
        char dummy[1];
        int r;

        if (!err || errlen == 0) {
                err = dummy;
                errlen = sizeof(dummy);
        }
        err[0] = '\0';
        if (!cfg || (from_text && !text))
                return -EINVAL;
        r = set_defaults(cfg);
        if (r == 0 && from_text)
                r = config_parse_string(teamd_keys, N_KEYS, cfg, text, source, err, errlen);
        else if (r == 0)
                r = config_parse_file(teamd_keys, N_KEYS, cfg, path, allow_missing, err, errlen);
        return finish_load(cfg, r, source, err, errlen);
}

int teamd_config_load(const char *path, bool allow_missing, struct teamd_config *cfg, char *err, size_t errlen)
{
        return load(path ? path : TEAMD_DEFAULT_CONFIG, allow_missing, false, NULL, cfg, err, errlen);
}

int teamd_config_load_string(const char *text, struct teamd_config *cfg, char *err, size_t errlen)
{
        return load(NULL, false, true, text, cfg, err, errlen);
}

void teamd_config_free(struct teamd_config *cfg)
{
        if (!cfg)
                return;
        config_free(teamd_keys, N_KEYS, cfg);
        free(cfg->host_id);
        cfg->host_id = NULL;
}
