/* teamd.conf: read by teamd, and by teamctl for the socket paths. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define TEAMD_DEFAULT_CONFIG "/etc/team/teamd.conf"
#define TEAMD_DEFAULT_SOCKET "/run/teamd/teamd.sock"
#define TEAMD_DEFAULT_USER_SOCKET "/run/teamd/user.sock"
#define TEAMD_DEFAULT_STATE_DIR "/var/lib/teamd"
#define TEAMD_DEFAULT_TRUSTED_KEYS "/etc/team/keys"
#define TEAMD_DEFAULT_CLOCK_SKEW 60

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
        /* [server] (the central API; issue 4 syncs from it) */
        char *url;
        char *token_file;
        char *ca_file;
};

/* Defaults, then the file if it exists (missing file = defaults only when
 * allow_missing). Fills host_id from the hostname when unset. */
int teamd_config_load(const char *path, bool allow_missing, struct teamd_config *cfg, char *err, size_t errlen);
int teamd_config_load_string(const char *text, struct teamd_config *cfg, char *err, size_t errlen);
void teamd_config_free(struct teamd_config *cfg);
