/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl: the command line of TEAM. Global options, then a verb. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "central.h"
#include "teamctl.h"

struct verb {
        const char *name;
        int (*run)(struct teamctl *t, int argc, char **argv);
        void (*help)(void);
        const char *summary;
        bool central;   /* talks to team-server, not teamd: no teamd.conf needed */
};

static const struct verb verbs[] = {
        { "status", cmd_status, cmd_status_help, "your grants on this host, and teamd's view of the central API",
          false },
        { "grant", cmd_grant, cmd_grant_help, "grant add FILE|-: hand a signed grant to teamd (root)", false },
        { "sessions", cmd_sessions, cmd_sessions_help, "the open elevated sessions on this host (root)", false },
        { "session", cmd_session, cmd_session_help, "session end ID | show ID: end an open elevated session now, or show its timeline (root)", false },
        { "audit", cmd_audit, cmd_audit_help, "audit tail: this host's audit events from journald (root)", false },
        { "request", cmd_request, cmd_request_help, "ask team-server for a role on a host", true },
        { "list", cmd_list, cmd_list_help, "requests you filed, and pending ones you may decide", true },
        { "show", cmd_show, cmd_show_help, "one request, its decisions and its grant", true },
        { "approve", cmd_approve, cmd_approve_help, "approve a pending request", true },
        { "deny", cmd_deny, cmd_deny_help, "deny a pending request (--comment required)", true },
        { "cancel", cmd_cancel, cmd_cancel_help, "withdraw your pending request", true },
        { "revoke", cmd_revoke, cmd_revoke_help, "end a grant now", true },
        { "extend", cmd_extend, cmd_extend_help, "ask for more time on a grant", true },
        { "breakglass", cmd_breakglass, cmd_breakglass_help,
          "init|status (root): one-time emergency codes; uses|acknowledge: review their use", true },
};
#define N_VERBS (sizeof(verbs) / sizeof(verbs[0]))

static void usage(FILE *f)
{
        fprintf(f, "Usage: teamctl [--config FILE] [--socket PATH] [--server URL] [--json] VERB [ARGS]\n"
                   "\n"
                   "Verbs:\n");
        for (size_t i = 0; i < N_VERBS; i++)
                fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
        fprintf(f, "  %-10s %s\n", "help", "help VERB: more about one verb");
        fprintf(f, "\n"
                   "Options:\n"
                   "  -c, --config FILE   teamd.conf to read the socket paths from (default %s)\n"
                   "  -s, --socket PATH   talk to teamd on PATH\n"
                   "      --server URL    team-server for the central verbs (default $TEAM_SERVER)\n"
                   "      --cacert FILE   CA bundle for team-server's TLS (default $TEAM_CA_FILE)\n"
                   "  -j, --json          print the answer as JSON\n"
                   "  -h, --help          this text\n"
                   "\n"
                   "Exit status: 0 ok, 1 refused, 2 usage, 3 not found, 4 wrong state, 5 not allowed,\n"
                   "6 denied, 7 timed out, 8 cancelled, 9 expired, 69 unavailable, 78 configuration.\n"
                   "See teamctl(1).\n",
                TEAMD_DEFAULT_CONFIG);
}

static const struct verb *find_verb(const char *name)
{
        for (size_t i = 0; i < N_VERBS; i++)
                if (strcmp(verbs[i].name, name) == 0)
                        return &verbs[i];
        return NULL;
}

const char *teamctl_socket(const struct teamctl *t)
{
        if (t->socket_override)
                return t->socket_override;
        if (geteuid() == 0)
                return t->cfg.socket ? t->cfg.socket : TEAMD_DEFAULT_SOCKET;
        return t->cfg.user_socket ? t->cfg.user_socket : TEAMD_DEFAULT_USER_SOCKET;
}

/* An explicit --config must load; the default file may be missing, and
 * unreadable for users (their teamctl then uses the default socket paths). */
int teamctl_load_config(struct teamctl *t)
{
        char err[1024] = "";
        int r;

        r = teamd_config_load(t->config_path, !t->config_given, &t->cfg, err, sizeof(err));
        if (r == 0) {
                t->cfg_loaded = true;
                return 0;
        }
        /* A user who may not read the default file talks to the default
         * user socket; anything else wrong with the file is an error. */
        if (!t->config_given && r == -EACCES && geteuid() != 0) {
                memset(&t->cfg, 0, sizeof(t->cfg));
                return 0;
        }
        fprintf(stderr, "teamctl: %s\n", err[0] ? err : strerror(-r));
        return TEAMCTL_EXIT_CONFIG;
}

static int help_verb(int argc, char **argv)
{
        const struct verb *v;

        if (argc < 1) {
                usage(stdout);
                return TEAMCTL_EXIT_OK;
        }
        v = find_verb(argv[0]);
        if (!v) {
                fprintf(stderr, "teamctl: no verb '%s' (see teamctl --help)\n", argv[0]);
                return TEAMCTL_EXIT_USAGE;
        }
        v->help();
        return TEAMCTL_EXIT_OK;
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "config", required_argument, NULL, 'c' },
                { "socket", required_argument, NULL, 's' },
                { "json", no_argument, NULL, 'j' },
                { "server", required_argument, NULL, 'S' },
                { "cacert", required_argument, NULL, 'A' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { NULL, 0, NULL, 0 },
        };
        struct teamctl t = { .config_path = TEAMD_DEFAULT_CONFIG };
        const struct verb *v;
        int c, ret;

        /* '+': options stop at the verb; the verb parses its own. */
        while ((c = getopt_long(argc, argv, "+c:s:jh", longopts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        t.config_path = optarg;
                        t.config_given = true;
                        break;
                case 's':
                        t.socket_override = optarg;
                        break;
                case 'j':
                        t.json = true;
                        break;
                case 'S':
                        t.server = optarg;
                        break;
                case 'A':
                        t.cacert = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return TEAMCTL_EXIT_OK;
                case 'V':
                        printf("teamctl %s\n", PACKAGE_VERSION);
                        return TEAMCTL_EXIT_OK;
                default:
                        usage(stderr);
                        return TEAMCTL_EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                usage(stderr);
                return TEAMCTL_EXIT_USAGE;
        }
        if (strcmp(argv[optind], "help") == 0)
                return help_verb(argc - optind - 1, argv + optind + 1);
        v = find_verb(argv[optind]);
        if (!v) {
                fprintf(stderr, "teamctl: unknown verb '%s' (see teamctl --help)\n", argv[optind]);
                return TEAMCTL_EXIT_USAGE;
        }
        ret = v->central ? 0 : teamctl_load_config(&t);
        if (ret != 0)
                return ret;
        ret = v->run(&t, argc - optind - 1, argv + optind + 1);
        if (t.cfg_loaded)
                teamd_config_free(&t.cfg);
        return ret;
}
