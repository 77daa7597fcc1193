/* teamctl: shared state of one invocation and the verb entry points. */
#pragma once

#include <stdbool.h>
#include <sysexits.h>

#include "teamd_config.h"

/* Exit codes (teamctl(1)). */
#define TEAMCTL_EXIT_OK 0
#define TEAMCTL_EXIT_REFUSED 1
#define TEAMCTL_EXIT_USAGE 2
#define TEAMCTL_EXIT_UNAVAILABLE EX_UNAVAILABLE /* 69: teamd unreachable */
#define TEAMCTL_EXIT_CONFIG EX_CONFIG           /* 78 */

struct teamctl {
        const char *config_path;
        bool config_given;
        const char *socket_override;  /* --socket */
        bool json;
        struct teamd_config cfg;
        bool cfg_loaded;
};

/* The socket this caller talks to: --socket, else `socket` for root and
 * `user_socket` for everyone else. */
const char *teamctl_socket(const struct teamctl *t);

int cmd_grant(struct teamctl *t, int argc, char **argv);
int cmd_status(struct teamctl *t, int argc, char **argv);
void cmd_grant_help(void);
void cmd_status_help(void);
