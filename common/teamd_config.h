/* SPDX-License-Identifier: BSD-3-Clause */
/* teamd.conf: read by teamd, and by teamctl for the socket paths. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "breakglass_spool.h"

#define TEAMD_DEFAULT_CONFIG "/etc/team/teamd.conf"
#define TEAMD_DEFAULT_SOCKET "/run/teamd/teamd.sock"
#define TEAMD_DEFAULT_USER_SOCKET "/run/teamd/user.sock"
#define TEAMD_DEFAULT_STATE_DIR "/var/lib/teamd"
#define TEAMD_DEFAULT_TRUSTED_KEYS "/etc/team/keys"
#define TEAMD_DEFAULT_BREAKGLASS_SPOOL TEAM_BG_DEFAULT_SPOOL
#define TEAMD_DEFAULT_CLOCK_SKEW 60
#define TEAMD_WARN_BEFORE_MAX 8
#define TEAMD_WARN_BEFORE_LIMIT (7 * 24 * 3600)

struct teamd_config {
        /* [teamd] */
        char *host_id;          /* default: gethostname() */
        char **host_groups;     /* NULL-terminated, may be NULL */
        char *state_dir;
        char *socket;
        char *user_socket;
        char *trusted_keys;
        uint64_t clock_skew;    /* seconds, 0..3600 */
        uint64_t max_grants;    /* store cap, default 100000 */
        /* [server] (the central API grants are synced from) */
        char *url;
        char *token_file;
        char *ca_file;
        uint64_t fail_open_after;       /* seconds unreachable before failmode=safe may allow, default 60 */
        /* [audit] sinks (teamd/audit/shipper.c). A sink is on when its
         * required keys are set: CloudTrail Lake needs
         * cloudtrail_channel_arn, CloudWatch Logs needs cloudwatch_log_group
         * and cloudwatch_log_stream. Regions default to AWS_REGION, then
         * the instance's region from IMDS. */
        char *cloudtrail_channel_arn;
        char *cloudtrail_external_id;
        char *cloudtrail_region;
        char *cloudtrail_endpoint;      /* override (tests, VPC endpoints) */
        char *cloudwatch_log_group;
        char *cloudwatch_log_stream;
        char *cloudwatch_region;
        char *cloudwatch_endpoint;      /* override */
        char *account_id;               /* recipientAccountId; IMDS when unset */
        /* [audit] the outbox bound (teamd/audit/outbox.h: when full, the oldest
         * undelivered events are evicted with an alert) */
        uint64_t outbox_max_events;     /* default 1000000 */
        uint64_t outbox_max_bytes;      /* default 1 GiB */
        /* [audit] checkpoint_interval: seconds between signed checkpoints
         * of the host's audit chain (teamd/audit/checkpoint.c), default 300 */
        uint64_t checkpoint_interval;
        /* [aws] */
        char *aws_profile;              /* "profile"; default AWS_PROFILE, then "default" */
        char *aws_credentials_file;     /* "credentials_file"; default ~/.aws/credentials */
        char *aws_imds_endpoint;        /* "imds_endpoint"; default http://169.254.169.254 */
        uint64_t ship_timeout;          /* [audit] ship_timeout: seconds per sink request, default 10 */
        /* [teamd] accounts that pass the gate without a grant (every pass
         * audited as ExemptPass; teamd/decide.c). NULL-terminated, may be NULL. */
        char **exempt_users;
        char **exempt_groups;
        /* [teamd] where pam_team and teamctl spool break-glass events for
         * teamd to ship (teamd/breakglass_ship.c). */
        char *breakglass_spool;
        /* [sessions] (teamd/session_watch.c): what happens to open elevated
         * sessions when their grant ends */
        char *on_expiry;                /* "terminate" (default) or "warn" */
        char **warn_before;             /* seconds before the end, as given */
        uint64_t session_grace;         /* "grace": SIGTERM -> SIGKILL, seconds */
        char *session_hold;             /* "hold": auto (default), scope, cgroup, tree */
        /* what runs in them (teamd/session_exec.c) */
        bool record_commands;           /* default yes */
        uint64_t commands_per_second;   /* SessionCommand events per session per second */
        uint64_t commands_max;          /* SessionCommand events per session */
        /* derived from the above by the loader */
        bool on_expiry_warn;
        uint64_t warn_before_secs[TEAMD_WARN_BEFORE_MAX]; /* descending */
        size_t n_warn_before;
};

/* Defaults, then the file if it exists (missing file = defaults only when
 * allow_missing). Fills host_id from the hostname when unset. */
int teamd_config_load(const char *path, bool allow_missing, struct teamd_config *cfg, char *err, size_t errlen);
int teamd_config_load_string(const char *text, struct teamd_config *cfg, char *err, size_t errlen);
void teamd_config_free(struct teamd_config *cfg);
