/* SPDX-License-Identifier: BSD-3-Clause */
/* What the central-API verbs of teamctl share: their common options, the
 * client setup, printing a request object, exit codes from a status. */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "teamctl.h"

struct api_client;
struct json_object;

/* Long options every central verb accepts (append to a verb's table). */
enum {
        CENTRAL_OPT_SERVER = 0x100,
        CENTRAL_OPT_CACERT,
        CENTRAL_OPT_JSON,
        CENTRAL_OPT_HELP,
        CENTRAL_OPT_TIMEOUT,   /* only verbs that wait list it */
        CENTRAL_OPT_VERB = 0x200,   /* verb-specific options start here */
};
#define CENTRAL_LONGOPTS                                                      \
        { "server", required_argument, NULL, CENTRAL_OPT_SERVER },            \
        { "cacert", required_argument, NULL, CENTRAL_OPT_CACERT },            \
        { "json", no_argument, NULL, CENTRAL_OPT_JSON },                      \
        { "help", no_argument, NULL, CENTRAL_OPT_HELP }

/* Text for the help of every central verb. */
#define CENTRAL_HELP_OPTIONS                                                                \
        "      --server URL   the team-server (default: $TEAM_SERVER)\n"                  \
        "      --cacert FILE  CA bundle for its TLS certificate (default: $TEAM_CA_FILE,\n" \
        "                     else the system store)\n"                                    \
        "      --json         print the server's answer as JSON\n"                        \
        "The token comes from $TEAM_TOKEN, else ~/.config/team/token (mode 0600).\n"

/* Parses argv (the verb's arguments, without the verb) with getopt_long.
 * Common options are handled here; for every other option on() is called
 * (returns 0 or an exit code). Positional arguments land in pos[] (at most
 * npos_max; more is a usage error). Returns 0, TEAMCTL_EXIT_OK + help
 * shown (-1), or an exit code. */
int central_parse(struct teamctl *t, const char *verb, int argc, char **argv, const struct option *opts,
                  int (*on)(struct teamctl *t, int c, const char *arg, void *ud), void *ud, void (*help)(void),
                  char **pos, size_t npos_max, size_t *npos);
#define CENTRAL_HELP_SHOWN (-1)

/* Builds the API client from t (prints the reason on failure). */
int central_open(struct teamctl *t, struct api_client **out);

/* Calls the API and prints the reason on failure: 0 or an exit code. */
int central_call(struct api_client *api, const char *method, const char *path, struct json_object *body,
                 struct json_object **out);

/* Prints o as JSON (t->json) or as a request (headline first, if any).
 * Returns 0, or 69 when it is not a well-formed request object. */
int central_print_request(struct teamctl *t, struct json_object *o, const char *headline);

/* A request or grant id fit for a URL path ("r_..." / "g_..."). */
int central_check_id(const char *verb, const char *id, char prefix);

/* Exit code that a request's final status means for --wait (0 approved or
 * active; 6 denied; 8 cancelled; 9 expired or revoked), or -1 while it is
 * still pending. */
int central_status_exit(const char *status);

/* Polls GET /v1/requests/ID every second until the request leaves
 * "pending" or timeout_s passes (7). A tty on stdout gets one updating
 * status line with the time left. */
int central_wait(struct teamctl *t, struct api_client *api, const char *id, int64_t timeout_s);

/* Verbs. */
int cmd_request(struct teamctl *t, int argc, char **argv);
int cmd_list(struct teamctl *t, int argc, char **argv);
int cmd_show(struct teamctl *t, int argc, char **argv);
int cmd_approve(struct teamctl *t, int argc, char **argv);
int cmd_deny(struct teamctl *t, int argc, char **argv);
int cmd_cancel(struct teamctl *t, int argc, char **argv);
int cmd_revoke(struct teamctl *t, int argc, char **argv);
int cmd_extend(struct teamctl *t, int argc, char **argv);
void cmd_request_help(void);
void cmd_list_help(void);
void cmd_show_help(void);
void cmd_approve_help(void);
void cmd_deny_help(void);
void cmd_cancel_help(void);
void cmd_revoke_help(void);
void cmd_extend_help(void);

/* teamctl request with no --server and no TEAM_SERVER: through teamd's
 * socket (cmd_request_relay.c). */
int cmd_request_relay(struct teamctl *t, const char *role, uint64_t duration, const char *reason,
                      const char *ticket, bool wait, uint64_t timeout_s);

/* After POST /v1/requests or /extend: print the new request, or wait for
 * its decision (--wait; timeout_s 0 = 15 minutes). */
int central_after_file(struct teamctl *t, struct api_client *api, struct json_object *o, bool wait,
                       uint64_t timeout_s);
