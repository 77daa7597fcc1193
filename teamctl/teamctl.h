/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl: shared state of one invocation and the verb entry points. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sysexits.h>

#include "teamd_config.h"

/* Exit codes (teamctl(1)). */
#define TEAMCTL_EXIT_OK 0
#define TEAMCTL_EXIT_REFUSED 1
#define TEAMCTL_EXIT_USAGE 2
#define TEAMCTL_EXIT_UNAVAILABLE EX_UNAVAILABLE /* 69: teamd unreachable */
#define TEAMCTL_EXIT_CONFIG EX_CONFIG           /* 78 */
/* Central API verbs (request, list, show, approve, ...). */
#define TEAMCTL_EXIT_NOT_FOUND 3   /* no such request or grant (404) */
#define TEAMCTL_EXIT_CONFLICT 4    /* wrong state for that (409) */
#define TEAMCTL_EXIT_FORBIDDEN 5   /* not allowed (403) or token refused (401) */
#define TEAMCTL_EXIT_DENIED 6      /* --wait: the request was denied */
#define TEAMCTL_EXIT_TIMEOUT 7     /* --wait: --timeout passed first */
#define TEAMCTL_EXIT_CANCELLED 8   /* --wait: the request was cancelled */
#define TEAMCTL_EXIT_EXPIRED 9     /* --wait: it expired undecided, or its grant ended/was revoked */

struct teamctl {
        const char *config_path;
        bool config_given;
        const char *socket_override;  /* --socket */
        bool json;
        const char *server;           /* --server (central verbs) */
        const char *cacert;           /* --cacert (central verbs) */
        struct teamd_config cfg;
        bool cfg_loaded;
};

/* The socket this caller talks to: --socket, else `socket` for root and
 * `user_socket` for everyone else. */
const char *teamctl_socket(const struct teamctl *t);
/* Loads teamd.conf into t->cfg (the default file may be missing, or
 * unreadable for users): 0 or an exit code, the reason printed. */
int teamctl_load_config(struct teamctl *t);
struct team_request;
struct team_response;
/* Loads teamd.conf and sends REQ to teamd (teamctl_call); a failure or a
 * refusal (REFUSED when teamd gives no text) is printed and returned as an
 * exit code, with RESP and *RAW already freed. 0: RESP holds the answer. */
int teamctl_ask(struct teamctl *t, const struct team_request *req, struct team_response *resp, char **raw,
                const char *refused);

int cmd_grant(struct teamctl *t, int argc, char **argv);
int cmd_breakglass(struct teamctl *t, int argc, char **argv);
void cmd_breakglass_help(void);
/* cmd_breakglass_central.c: the uses reported to team-server. */
int breakglass_uses(struct teamctl *t, int argc, char **argv);
int breakglass_acknowledge(struct teamctl *t, int argc, char **argv);
int cmd_status(struct teamctl *t, int argc, char **argv);
int cmd_audit(struct teamctl *t, int argc, char **argv);
/* teamctl audit verify (cmd_audit_verify.c). */
int cmd_audit_verify(struct teamctl *t, int argc, char **argv);
int cmd_sessions(struct teamctl *t, int argc, char **argv);
int cmd_session(struct teamctl *t, int argc, char **argv);
/* teamctl session show ID (cmd_session_show.c); directory: a journal
 * directory, NULL for the system journal. */
int cmd_session_show(struct teamctl *t, const char *id, const char *directory);
void cmd_sessions_help(void);
void cmd_session_help(void);
struct team_response;
/* The open sessions of r, a table; with_user: a USER column. */
void teamctl_print_sessions(const struct team_response *r, int64_t now, bool with_user);
void cmd_audit_help(void);
void cmd_grant_help(void);
void cmd_status_help(void);
