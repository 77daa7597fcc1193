/* SPDX-License-Identifier: BSD-3-Clause */
/* teamd: the host agent. Arguments, configuration, start and stop. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include <systemd/sd-daemon.h>

#include "sync/api_probe.h"
#include "audit.h"
#include "audit/checkpoint.h"
#include "audit/checkpoint_report.h"
#include "breakglass_ship.h"
#include "conn.h"
#include "audit/journal.h"
#include "listen.h"
#include "maintenance.h"
#include "relay/relay.h"
#include "session_exec.h"
#include "session_watch.h"
#include "audit/shipper.h"
#include "sync/sync.h"
#include "teamd.h"

struct options {
        const char *config;
        bool config_given;
        bool foreground;
};

static void usage(FILE *f)
{
        fprintf(f, "Usage: teamd [--config FILE] [--foreground]\n"
                   "\n"
                   "The TEAM host agent: answers pam_team and teamctl on its Unix sockets.\n"
                   "\n"
                   "  -c, --config FILE   configuration (default %s)\n"
                   "  -f, --foreground    also write every journal entry to stderr\n"
                   "  -h, --help          this text\n"
                   "      --version       the version\n"
                   "\n"
                   "See teamd(8) and teamd.conf(5).\n",
                   TEAMD_DEFAULT_CONFIG);
}

/* 0: run, 1: exit 0 (help), -1: usage error. */
static int parse_args(int argc, char **argv, struct options *o)
{
        static const struct option longopts[] = {
                { "config", required_argument, NULL, 'c' },
                { "foreground", no_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { NULL, 0, NULL, 0 },
        };
        int c;

        o->config = TEAMD_DEFAULT_CONFIG;
        while ((c = getopt_long(argc, argv, "c:fh", longopts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        o->config = optarg;
                        o->config_given = true;
                        break;
                case 'f':
                        o->foreground = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 1;
                case 'V':
                        printf("teamd %s\n", PACKAGE_VERSION);
                        return 1;
                default:
                        usage(stderr);
                        return -1;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "teamd: unexpected argument '%s'\n", argv[optind]);
                usage(stderr);
                return -1;
        }
        return 0;
}

static int load(struct teamd *d, const struct options *o)
{
        char err[1024] = "";
        int r;

        r = teamd_config_load(o->config, !o->config_given, &d->cfg, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "%s\n", err[0] ? err : strerror(-r));
                return EX_CONFIG;
        }
        for (char **g = d->cfg.host_groups; g && *g; g++)
                d->n_host_groups++;
        d->host_groups = (const char *const *)d->cfg.host_groups;
        d->keyring = team_keyring_new();
        if (!d->keyring)
                return EX_OSERR;
        r = team_keyring_load_dir(d->keyring, d->cfg.trusted_keys, err, sizeof(err));
        if (r == -ENOENT)
                teamd_log(LOG_WARNING, "trusted_keys %s: %s; every grant will be rejected", d->cfg.trusted_keys,
                          err[0] ? err : "no such directory");
        else if (r < 0) {
                fprintf(stderr, "trusted_keys: %s\n", err[0] ? err : strerror(-r));
                return EX_CONFIG;
        }
        r = teamd_db_open(d->cfg.state_dir, d->cfg.max_grants, &d->store, err, sizeof(err));
        if (r < 0) {
                teamd_log(LOG_ERR, "grant store: %s", err[0] ? err : strerror(-r));
                return EX_CANTCREAT;
        }
        r = teamd_audit_start(d);
        if (r < 0) {
                teamd_log(LOG_ERR, "audit outbox: %s", strerror(-r));
                return EX_CANTCREAT;
        }
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int setup_loop(struct teamd *d, const struct teamd_listeners *l)
{
        sigset_t mask;
        int r;

        r = sd_event_default(&d->event);
        if (r < 0)
                return r;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);
        r = sd_event_add_signal(d->event, NULL, SIGTERM, on_signal, NULL);
        if (r >= 0)
                r = sd_event_add_signal(d->event, NULL, SIGINT, on_signal, NULL);
        if (r >= 0)
                r = sd_event_set_watchdog(d->event, true);
        if (r >= 0)
                r = teamd_conn_listen(d, l->priv_fd, true);
        if (r >= 0)
                r = teamd_conn_listen(d, l->user_fd, false);
        if (r >= 0)
                r = teamd_maintenance_start(d);
        if (r >= 0)
                r = teamd_audit_attach(d);
        if (r >= 0)
                r = relay_start(d, &d->relay);
        if (r >= 0 && (d->checkpoint_report = checkpoint_report_new(d)))
                audit_checkpoints_set_listener(d->checkpoints, checkpoint_report_send, d->checkpoint_report);
        if (r >= 0)
                r = bg_ship_start(d, &d->bg_ship);
        if (r >= 0)
                r = session_watch_start(d);
        if (r >= 0)
                r = session_exec_start(d);
        if (r >= 0)
                r = audit_shipping_start(d->event, &d->cfg, d->outbox, &d->shipping);
        if (r >= 0 && d->cfg.url) {
                d->api_state = TEAM_API_UNREACHABLE;
                if (d->cfg.token_file)
                        r = sync_start(d, &d->sync);
                else {
                        teamd_log(LOG_WARNING, "[server] url without token_file: only probing %s, no grant sync",
                                  d->cfg.url);
                        r = api_probe_start(d, &d->probe);
                }
        }
        return r < 0 ? r : 0;
}

static void started(struct teamd *d, const struct teamd_listeners *l)
{
        struct team_audit_event f = { .host = d->cfg.host_id };

        team_journal_event(TEAM_EVENT_DAEMON_STARTED, &f,
                           "teamd %s started for host %s (%s sockets %s and %s, %zu trusted keys, api %s)",
                           PACKAGE_VERSION, d->cfg.host_id, l->activated ? "activated" : "bound", l->priv_path,
                           l->user_path, team_keyring_count(d->keyring), d->cfg.url ? d->cfg.url : "none");
        sd_notify(0, "READY=1");
        teamd_update_status(d);
}

static void teardown(struct teamd *d, struct teamd_listeners *l)
{
        teamd_conn_close_all(d);
        bg_ship_free(d->bg_ship);
        audit_checkpoints_set_listener(d->checkpoints, NULL, NULL);
        checkpoint_report_free(d->checkpoint_report);
        d->checkpoint_report = NULL;
        relay_free(d->relay);
        session_exec_stop(d);
        session_watch_stop(d);
        sync_free(d->sync);
        api_probe_free(d->probe);
        teamd_maintenance_stop(d);
        audit_shipping_free(d->shipping);
        if (!l->activated) {
                if (l->priv_fd >= 0)
                        unlink(d->cfg.socket);
                if (l->user_fd >= 0)
                        unlink(d->cfg.user_socket);
        }
        sd_event_unref(d->event);
        teamd_listeners_close(l);
        teamd_audit_stop(d);
        teamd_db_close(d->store);
        team_keyring_free(d->keyring);
        teamd_config_free(&d->cfg);
}

int main(int argc, char **argv)
{
        struct teamd d = { .api_state = TEAM_API_UNCONFIGURED };
        struct teamd_listeners l = { .priv_fd = -1, .user_fd = -1 };
        struct options o = { .config = NULL };
        char err[512] = "";
        int r, ret;

        r = parse_args(argc, argv, &o);
        if (r != 0)
                return r > 0 ? EXIT_SUCCESS : EX_USAGE;
        if (o.foreground)
                team_journal_set_mirror(stderr);
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return EX_OSERR;
        ret = load(&d, &o);
        if (ret != 0)
                goto out;
        r = teamd_listen(d.cfg.socket, d.cfg.user_socket, &l, err, sizeof(err));
        if (r < 0) {
                teamd_log(LOG_ERR, "%s", err[0] ? err : strerror(-r));
                ret = EX_OSERR;
                goto out;
        }
        r = setup_loop(&d, &l);
        if (r < 0) {
                teamd_log(LOG_ERR, "cannot set up the event loop: %s", strerror(-r));
                ret = EX_OSERR;
                goto out;
        }
        started(&d, &l);
        r = sd_event_loop(d.event);
        sd_notify(0, "STOPPING=1");
        ret = r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        if (r < 0)
                teamd_log(LOG_ERR, "event loop failed: %s", strerror(-r));
        else
                teamd_log(LOG_INFO, "teamd stopped");
out:
        teardown(&d, &l);
        curl_global_cleanup();
        return ret;
}
