/* SPDX-License-Identifier: BSD-3-Clause */
/* team-server: the central approval API. Arguments, start, stop.
 *
 *   team-server [--config FILE]            serve
 *   team-server [--config FILE] admin ...  manage identities (admin.c)
 *
 * Signals are blocked in every thread and taken by sigtimedwait() in the
 * main thread: SIGTERM/SIGINT stop (new connections refused, every held
 * long-poll answered, then the daemon stopped); the wait times out for
 * the background sweeps: pending requests past their TTL every
 * EXPIRE_INTERVAL seconds, hosts whose audit checkpoints stopped every
 * checkpoint_sweep_interval() (server/checkpoints.h). Both are safe with
 * several instances on one database: each change is claimed by one. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include <systemd/sd-daemon.h>

#include "checkpoints.h"
#include "clock.h"
#include "feed.h"
#include "http.h"
#include "lifecycle.h"
#include "metrics.h"
#include "policy.h"
#include "rate_limit.h"
#include "routes.h"
#include "server.h"
#include "server_config.h"
#include "signer.h"
#include "store.h"
#include "webhook.h"

#define EXPIRE_INTERVAL 15
/* PostgreSQL connections beyond one per HTTP thread: the webhook senders,
 * the expiry and checkpoint sweeps. */
#define DB_SPARE_CONNECTIONS 4
#define DRAIN_MS 3000

static void usage(FILE *f)
{
        fprintf(f, "Usage: team-server [--config FILE]\n"
                   "       team-server [--config FILE] admin user add NAME [--groups a,b]\n"
                   "       team-server [--config FILE] admin host add ID [--groups a,b]\n"
                   "       team-server [--config FILE] admin user|host list|remove|set-groups|rotate-token ...\n"
                   "       team-server [--config FILE] admin host-key HOST [KEY | --clear]\n"
                   "       team-server admin migrate --from sqlite:PATH --to postgresql://...\n"
                   "\n"
                   "The TEAM central approval API.\n"
                   "\n"
                   "  -c, --config FILE   configuration (default %s)\n"
                   "  -h, --help          this text\n"
                   "      --version       the version\n"
                   "\n"
                   "See team-server(8) and team-server.conf(5).\n",
                   SERVER_DEFAULT_CONFIG);
}

/* More descriptors for many long-polls: the soft limit up to the hard. */
static void raise_nofile(void)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
        }
}

struct running {
        struct server_config cfg;
        struct srv_store *store;
        struct srv_policy *policy;
        struct srv_signer *signer;
        struct lc *lc;
        struct feed *feed;
        struct webhook *webhook;
        struct http_server *http;
        struct rate_limit *request_rate;
        struct server_app app;
};

static int start(struct running *s, char *err, size_t errlen)
{
        int r;

        r = srv_store_open(s->cfg.database, (unsigned)s->cfg.threads + DB_SPARE_CONNECTIONS, &s->store, err, errlen);
        if (r < 0)
                return r;
        r = srv_policy_load_file(s->cfg.policy, &s->policy, err, errlen);
        if (r < 0)
                return r;
        r = srv_signer_load(s->cfg.signing_keys, &s->signer, err, errlen);
        if (r < 0)
                return r;
        r = lc_new(s->store, s->policy, s->signer, &s->lc);
        if (r < 0) {
                snprintf(err, errlen, "cannot start the request lifecycle: %s", strerror(-r));
                return r;
        }
        r = feed_new(&s->feed);
        if (r < 0) {
                snprintf(err, errlen, "cannot start the feed timer: %s", strerror(-r));
                return r;
        }
        r = lc_set_notify(s->lc, routes_feed_notify, s->feed);
        if (r < 0) {
                snprintf(err, errlen, "cannot register the feed listener: %s", strerror(-r));
                return r;
        }
        /* Feed entries other instances commit on a shared database. */
        r = srv_store_feed_subscribe(s->store, feed_notify_or_all, s->feed);
        if (r < 0) {
                snprintf(err, errlen, "cannot listen for other instances' feed entries: %s", strerror(-r));
                return r;
        }
        r = webhook_start(s->store, s->lc, s->cfg.webhooks, s->cfg.n_webhooks, NULL, &s->webhook, err, errlen);
        if (r < 0)
                return r;
        if (s->cfg.request_rate_limit) {
                r = rate_limit_new(s->cfg.request_rate_limit, &s->request_rate);
                if (r < 0)
                        return r;
        }
        s->app = (struct server_app){
                .cfg = &s->cfg, .store = s->store, .lc = s->lc, .signer = s->signer, .feed = s->feed,
                .request_rate = s->request_rate,
                .policy = s->policy, .webhook = s->webhook,
        };
        metrics_init(server_route_names, server_n_routes);
        return http_server_start(&s->cfg, s->store, server_routes, server_n_routes, &s->app, &s->http, err, errlen);
}

/* Stop order: no new connections; wake every long-poll and wait (at most
 * DRAIN_MS) until each has been answered in full; stop MHD; the rest. */
static void stop(struct running *s)
{
        if (s->http) {
                http_server_quiesce(s->http);
                if (s->feed) {
                        uint64_t until = feed_now_ms() + DRAIN_MS;

                        feed_shutdown(s->feed);
                        while (feed_requests_in_flight(s->feed) > 0 && feed_now_ms() < until) {
                                struct timespec ts = { 0, 10 * 1000 * 1000 };

                                nanosleep(&ts, NULL);
                                feed_shutdown(s->feed);
                        }
                }
                http_server_stop(s->http);
        }
        webhook_stop(s->webhook);
        rate_limit_free(s->request_rate);
        feed_free(s->feed);
        lc_free(s->lc);
        srv_signer_free(s->signer);
        srv_policy_free(s->policy);
        srv_store_close(s->store);
        server_config_free(&s->cfg);
}

static uint64_t monotonic_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec;
}

/* The background sweeps, each on its own period. */
struct sweeps {
        uint64_t next_expire, next_checkpoints;
        unsigned checkpoint_period;     /* 0: no checkpoint sweep */
};

static void sweeps_init(struct sweeps *w, const struct server_config *cfg)
{
        uint64_t now = monotonic_s();

        w->checkpoint_period = cfg->checkpoint_alert_after ? checkpoint_sweep_interval(cfg->checkpoint_alert_after)
                                                           : 0;
        w->next_expire = now + EXPIRE_INTERVAL;
        w->next_checkpoints = now + w->checkpoint_period;
}

/* Runs what is due; returns the seconds until the next one is. */
static time_t sweeps_run(struct sweeps *w, struct running *s)
{
        uint64_t now = monotonic_s(), next;

        if (now >= w->next_expire) {
                lc_expire_due(s->lc);
                w->next_expire = now + EXPIRE_INTERVAL;
        }
        if (w->checkpoint_period && now >= w->next_checkpoints) {
                struct checkpoint_ctx ctx = {
                        .store = s->store, .webhook = s->webhook, .alert_after = s->cfg.checkpoint_alert_after,
                };

                checkpoint_sweep(&ctx, srv_now(), NULL);
                w->next_checkpoints = now + w->checkpoint_period;
        }
        next = w->next_expire;
        if (w->checkpoint_period && w->next_checkpoints < next)
                next = w->next_checkpoints;
        return next > now ? (time_t)(next - now) : 1;
}

static int serve(struct running *s)
{
        struct sweeps w;
        time_t wait_s = 1;
        sigset_t set;
        int sig;

        sd_notifyf(0, "READY=1\nSTATUS=listening on %s%s", s->cfg.listen, s->cfg.tls_cert ? " (TLS)" : "");
        fprintf(stderr, "team-server: listening on %s%s\n", s->cfg.listen, s->cfg.tls_cert ? " (TLS)" : "");
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sweeps_init(&w, &s->cfg);
        for (;;) {
                struct timespec ts = { wait_s, 0 };

                sig = sigtimedwait(&set, NULL, &ts);
                if (sig == SIGTERM || sig == SIGINT)
                        break;
                wait_s = sweeps_run(&w, s);
        }
        sd_notify(0, "STOPPING=1\nSTATUS=stopping");
        fprintf(stderr, "team-server: %s, stopping\n", strsignal(sig));
        return 0;
}

static int parse_args(int argc, char **argv, const char **config)
{
        static const struct option longopts[] = {
                { "config", required_argument, NULL, 'c' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { NULL, 0, NULL, 0 },
        };
        int c;

        *config = SERVER_DEFAULT_CONFIG;
        while ((c = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        *config = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 1;
                case 'V':
                        printf("team-server %s\n", PACKAGE_VERSION);
                        return 1;
                default:
                        usage(stderr);
                        return -1;
                }
        }
        return 0;
}

int main(int argc, char **argv)
{
        struct running s = { 0 };
        const char *config;
        char err[1024] = "";
        sigset_t set;
        int r, status;

        r = parse_args(argc, argv, &config);
        if (r != 0)
                return r > 0 ? 0 : EX_USAGE;
        r = server_config_load(config, &s.cfg, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "team-server: %s\n", err);
                return EX_CONFIG;
        }
        if (optind < argc) {
                if (strcmp(argv[optind], "admin") != 0) {
                        usage(stderr);
                        server_config_free(&s.cfg);
                        return EX_USAGE;
                }
                status = admin_main(&s.cfg, argc - optind, argv + optind);
                server_config_free(&s.cfg);
                return status;
        }
        /* Before any thread exists, so every thread inherits the mask. */
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        raise_nofile();
        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = start(&s, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "team-server: %s\n", err[0] ? err : strerror(-r));
                stop(&s);
                curl_global_cleanup();
                /* EX_UNAVAILABLE: the database did not answer (try again later). */
                return r == -ENOTCONN ? EX_UNAVAILABLE
                       : r == -EINVAL || r == -ENOENT || r == -EPERM ? EX_CONFIG : EXIT_FAILURE;
        }
        status = serve(&s);
        stop(&s);
        curl_global_cleanup();
        fprintf(stderr, "team-server: stopped\n");
        return status;
}
