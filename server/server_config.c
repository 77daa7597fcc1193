/* SPDX-License-Identifier: BSD-3-Clause */
/* team-server.conf (see server_config.h and team-server.conf(5)).
 *
 * [server] and [audit] are fixed sections of server_keys; each [webhook
 * NAME] header makes a webhook entry (open_webhook) whose keys are read
 * through webhook_keys. What one key cannot say alone (a URL fit to
 * send to, both TLS files, the connection budgets) is checked after. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_parser.h"
#include "parse.h"
#include "server_config.h"

#define K(f) offsetof(struct server_config, f)
static const struct config_key server_keys[] = {
        { "server", "listen", CONFIG_STRING, K(listen), 3, 80 },
        { "server", "database", CONFIG_STRING, K(database), 2, PATH_MAX - 1 },
        { "server", "signing_keys", CONFIG_PATH, K(signing_keys), 2, PATH_MAX - 1 },
        { "server", "policy", CONFIG_PATH, K(policy), 2, PATH_MAX - 1 },
        { "server", "tls_cert", CONFIG_PATH, K(tls_cert), 2, PATH_MAX - 1 },
        { "server", "tls_key", CONFIG_PATH, K(tls_key), 2, PATH_MAX - 1 },
        { "server", "max_body", CONFIG_UINT, K(max_body), 1024, SERVER_MAX_BODY_LIMIT },
        { "server", "max_wait", CONFIG_DURATION, K(max_wait), 1, SERVER_MAX_WAIT_LIMIT },
        { "server", "max_connections", CONFIG_UINT, K(max_connections), 16, 1000000 },
        { "server", "connection_timeout", CONFIG_DURATION, K(connection_timeout), 5, 3600 },
        { "server", "threads", CONFIG_UINT, K(threads), 1, 64 },
        { "server", "header_timeout", CONFIG_DURATION, K(header_timeout), 1, 600 },
        { "server", "max_anonymous_connections", CONFIG_UINT, K(max_anonymous_connections), 1, 1000000 },
        { "server", "max_connections_per_address", CONFIG_UINT, K(max_connections_per_address), 0, 1000000 },
        { "server", "max_long_polls", CONFIG_UINT, K(max_long_polls), 1, 1000000 },
        { "server", "request_rate_limit", CONFIG_UINT, K(request_rate_limit), 0, 1000000 },
        { "audit", "checkpoint_alert_after", CONFIG_DURATION, K(checkpoint_alert_after), 0,
          SERVER_MAX_CHECKPOINT_ALERT_AFTER },
};
#define N_SERVER_KEYS (sizeof(server_keys) / sizeof(server_keys[0]))

#define W(f) offsetof(struct webhook_config, f)
static const struct config_key webhook_keys[] = {
        /* STRING, checked by url_ok(): the parser would quote a bad URL in
         * its message, and webhook URLs carry credentials. */
        { "webhook", "url", CONFIG_STRING, W(url), 8, 2048 },
        { "webhook", "format", CONFIG_NAME, W(format), 1, 16 },
};
#define N_WEBHOOK_KEYS (sizeof(webhook_keys) / sizeof(webhook_keys[0]))

void server_config_free(struct server_config *cfg)
{
        size_t i;

        if (!cfg)
                return;
        config_free(server_keys, N_SERVER_KEYS, cfg);
        for (i = 0; i < cfg->n_webhooks; i++) {
                config_free(webhook_keys, N_WEBHOOK_KEYS, &cfg->webhooks[i]);
                free(cfg->webhooks[i].name);
        }
        free(cfg->webhooks);
        memset(cfg, 0, sizeof(*cfg));
}

static int set_defaults(struct server_config *cfg)
{
        memset(cfg, 0, sizeof(*cfg));
        cfg->listen = strdup(SERVER_DEFAULT_LISTEN);
        cfg->database = strdup(SERVER_DEFAULT_DATABASE);
        cfg->signing_keys = strdup(SERVER_DEFAULT_SIGNING_KEYS);
        cfg->policy = strdup(SERVER_DEFAULT_POLICY);
        cfg->max_body = SERVER_DEFAULT_MAX_BODY;
        cfg->max_wait = SERVER_DEFAULT_MAX_WAIT;
        cfg->max_connections = SERVER_DEFAULT_MAX_CONNECTIONS;
        cfg->connection_timeout = SERVER_DEFAULT_CONNECTION_TIMEOUT;
        cfg->threads = SERVER_DEFAULT_THREADS;
        cfg->max_connections_per_address = SERVER_DEFAULT_MAX_PER_ADDRESS;
        cfg->request_rate_limit = SERVER_DEFAULT_REQUEST_RATE;
        cfg->checkpoint_alert_after = SERVER_DEFAULT_CHECKPOINT_ALERT_AFTER;
        if (!cfg->listen || !cfg->database || !cfg->signing_keys || !cfg->policy)
                return -ENOMEM;
        return 0;
}

/* http(s)://HOST..., no blanks or characters a URL cannot hold. */
static bool url_ok(const char *v)
{
        size_t skip = strncmp(v, "https://", 8) == 0 ? 8 : strncmp(v, "http://", 7) == 0 ? 7 : 0;

        return skip && v[skip] != '\0' && v[skip] != '/' && !strpbrk(v, " \t\"<>\\^`{|}");
}

/* The config being read, and the header line of each webhook: its
 * messages point there, whichever key is wrong or missing. */
struct webhook_load {
        struct server_config *cfg;
        unsigned lines[SERVER_MAX_WEBHOOKS];
};

/* [webhook NAME]: a new, empty entry, its keys read into it. */
static int open_webhook(void *userdata, const char *name, unsigned line, struct config_section *section, char *why,
                        size_t whylen)
{
        struct webhook_load *ld = userdata;
        struct server_config *cfg = ld->cfg;
        struct webhook_config *hooks, *w;

        for (size_t i = 0; i < cfg->n_webhooks; i++)
                if (strcmp(cfg->webhooks[i].name, name) == 0) {
                        snprintf(why, whylen, "[webhook %s]: given twice (one section per webhook)", name);
                        return -EINVAL;
                }
        if (cfg->n_webhooks >= SERVER_MAX_WEBHOOKS) {
                snprintf(why, whylen, "[webhook %s]: more than %d webhooks", name, SERVER_MAX_WEBHOOKS);
                return -EINVAL;
        }
        hooks = realloc(cfg->webhooks, (cfg->n_webhooks + 1) * sizeof(*hooks));
        if (!hooks)
                return -ENOMEM;
        cfg->webhooks = hooks;
        w = &hooks[cfg->n_webhooks];
        *w = (struct webhook_config){ .name = strdup(name) };
        if (!w->name)
                return -ENOMEM;
        ld->lines[cfg->n_webhooks++] = line;
        *section = (struct config_section){ .keys = webhook_keys, .n_keys = N_WEBHOOK_KEYS, .target = w };
        return 0;
}

/* A webhook read whole: a URL to send to, a known format (default json). */
static int check_webhook(struct webhook_config *w, const char *filename, unsigned header_line, char *err,
                         size_t errlen)
{
        if (!w->url) {
                snprintf(err, errlen, "%s:%u: [webhook %s]: url is missing (add url = https://...)", filename,
                         header_line, w->name);
                return -EINVAL;
        }
        if (!url_ok(w->url)) {
                snprintf(err, errlen, "%s:%u: [webhook %s] url: not an http(s) URL (write it like "
                                      "https://hooks.example.com/...; the value is not shown, it may hold a secret)",
                         filename, header_line, w->name);
                return -EINVAL;
        }
        if (!w->format) {
                w->format = strdup("json");
                if (!w->format)
                        return -ENOMEM;
        }
        if (strcmp(w->format, "slack") != 0 && strcmp(w->format, "teams") != 0 && strcmp(w->format, "json") != 0) {
                snprintf(err, errlen, "%s:%u: [webhook %s] format: \"%s\" is not a format (use slack, teams or json)",
                         filename, header_line, w->name, w->format);
                return -EINVAL;
        }
        return 0;
}

static int parse_listen(struct server_config *cfg, const char *filename, char *err, size_t errlen)
{
        const char *l = cfg->listen, *colon, *host;
        size_t hlen;
        uint64_t port;
        unsigned char buf[16];
        bool v6 = l[0] == '[';

        colon = strrchr(l, ':');
        if (!colon || (v6 && (colon == l || colon[-1] != ']')))
                goto bad;
        host = l + (v6 ? 1 : 0);
        hlen = (size_t)(colon - host) - (v6 ? 1 : 0);
        if (hlen == 0 || hlen >= sizeof(cfg->listen_host))
                goto bad;
        memcpy(cfg->listen_host, host, hlen);
        cfg->listen_host[hlen] = '\0';
        if (inet_pton(v6 ? AF_INET6 : AF_INET, cfg->listen_host, buf) != 1)
                goto bad;
        if (parse_uint(colon + 1, 1, 65535, &port) < 0)
                goto bad;
        cfg->listen_port = (uint16_t)port;
        return 0;
bad:
        snprintf(err, errlen,
                 "%s: [server] listen: \"%s\" is not ADDRESS:PORT (write a numeric address and a port, like "
                 "127.0.0.1:8750 or [::1]:8750)",
                 filename, l);
        return -EINVAL;
}

/* The anonymous budget must leave room for authenticated clients. */
static int check_admission(struct server_config *cfg, const char *filename, char *err, size_t errlen)
{
        if (!cfg->max_anonymous_connections)
                cfg->max_anonymous_connections = cfg->max_connections / 4;
        if (!cfg->header_timeout)
                cfg->header_timeout = cfg->connection_timeout > SERVER_DEFAULT_HEADER_TIMEOUT
                                              ? SERVER_DEFAULT_HEADER_TIMEOUT
                                              : cfg->connection_timeout - 1;
        if (cfg->max_anonymous_connections >= cfg->max_connections) {
                snprintf(err, errlen, "%s: [server] max_anonymous_connections (%llu) must be below max_connections "
                         "(%llu): the rest is kept for authenticated feed and API clients", filename,
                         (unsigned long long)cfg->max_anonymous_connections,
                         (unsigned long long)cfg->max_connections);
                return -EINVAL;
        }
        /* An eighth of max_connections stays for API calls. */
        if (!cfg->max_long_polls && cfg->max_connections - cfg->max_anonymous_connections > cfg->max_connections / 8)
                cfg->max_long_polls = cfg->max_connections - cfg->max_anonymous_connections -
                                      cfg->max_connections / 8;
        if (cfg->max_long_polls == 0 || cfg->max_long_polls >= cfg->max_connections ||
            cfg->max_long_polls + cfg->max_anonymous_connections >= cfg->max_connections) {
                snprintf(err, errlen, "%s: [server] max_long_polls (%llu) and max_anonymous_connections (%llu) "
                         "must leave room below max_connections (%llu) for API calls", filename,
                         (unsigned long long)cfg->max_long_polls,
                         (unsigned long long)cfg->max_anonymous_connections,
                         (unsigned long long)cfg->max_connections);
                return -EINVAL;
        }
        if (cfg->header_timeout >= cfg->connection_timeout) {
                snprintf(err, errlen, "%s: [server] header_timeout (%llus) must be shorter than connection_timeout "
                         "(%llus)", filename, (unsigned long long)cfg->header_timeout,
                         (unsigned long long)cfg->connection_timeout);
                return -EINVAL;
        }
        return 0;
}

/* An absolute sqlite path ("sqlite:" in front allowed) or a libpq URI.
 * The value is not echoed: a URI may hold what must not be logged. */
static int check_database(const char *db, const char *filename, char *err, size_t errlen)
{
        if (strncmp(db, "sqlite:", 7) == 0)
                db += 7;
        if (db[0] == '/' || strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0)
                return 0;
        snprintf(err, errlen, "%s: [server] database: give an absolute sqlite path (/var/lib/team-server/team.db) "
                              "or a PostgreSQL URI (postgresql://USER@HOST/DB)", filename);
        return -EINVAL;
}

static int check_config(struct server_config *cfg, const char *filename, char *err, size_t errlen)
{
        int r = parse_listen(cfg, filename, err, errlen);

        r = r ?: check_database(cfg->database, filename, err, errlen);
        if (r < 0)
                return r;
        if (!cfg->tls_cert != !cfg->tls_key) {
                snprintf(err, errlen, "%s: [server] tls_cert and tls_key go together (set both, or neither for "
                                      "plain HTTP behind a proxy)", filename);
                return -EINVAL;
        }
        if (cfg->connection_timeout <= cfg->max_wait) {
                snprintf(err, errlen, "%s: [server] connection_timeout (%llus) must be longer than max_wait (%llus)",
                         filename, (unsigned long long)cfg->connection_timeout, (unsigned long long)cfg->max_wait);
                return -EINVAL;
        }
        return check_admission(cfg, filename, err, errlen);
}

int server_config_parse_string(const char *text, const char *filename, struct server_config *cfg, char *err,
                               size_t errlen)
{
        struct webhook_load ld = { .cfg = cfg };
        const struct config_kind webhook_kind = { "webhook", SERVER_WEBHOOK_NAME_MAX, open_webhook, &ld };
        const struct config_spec spec = {
                .keys = server_keys, .n_keys = N_SERVER_KEYS, .target = cfg, .kinds = &webhook_kind, .n_kinds = 1,
        };
        int r;

        if (!filename)
                filename = "(string)";
        r = set_defaults(cfg);
        if (r == 0)
                r = config_parse(&spec, text, filename, err, errlen);
        for (size_t i = 0; r == 0 && i < cfg->n_webhooks; i++)
                r = check_webhook(&cfg->webhooks[i], filename, ld.lines[i], err, errlen);
        if (r == 0)
                r = check_config(cfg, filename, err, errlen);
        if (r < 0)
                server_config_free(cfg);
        return r;
}

int server_config_load(const char *path, struct server_config *cfg, char *err, size_t errlen)
{
        char *text = NULL;
        int r;

        memset(cfg, 0, sizeof(*cfg));
        r = config_read_file(path, &text, err, errlen);
        if (r == -ENOENT)
                snprintf(err, errlen, "%s: no such file (create it, or give another with --config)", path);
        if (r < 0)
                return r;
        r = server_config_parse_string(text, path, cfg, err, errlen);
        free(text);
        return r;
}
