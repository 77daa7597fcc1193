/* SPDX-License-Identifier: BSD-3-Clause */
/* team-server.conf: [server] and [audit] keys through common/config_parser.h's table,
 * plus any number of [webhook NAME] sections (see team-server.conf(5)). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERVER_DEFAULT_CONFIG "/etc/team/team-server.conf"
#define SERVER_DEFAULT_LISTEN "127.0.0.1:8750"
#define SERVER_DEFAULT_DATABASE "/var/lib/team-server/team.db"
#define SERVER_DEFAULT_SIGNING_KEYS "/etc/team/signing-keys"
#define SERVER_DEFAULT_POLICY "/etc/team/policy.conf"
#define SERVER_DEFAULT_MAX_BODY (64 * 1024)
#define SERVER_MAX_BODY_LIMIT (16 * 1024 * 1024)
#define SERVER_DEFAULT_MAX_WAIT 30
#define SERVER_MAX_WAIT_LIMIT 60
#define SERVER_DEFAULT_MAX_CONNECTIONS 16384
#define SERVER_DEFAULT_CONNECTION_TIMEOUT 90
#define SERVER_DEFAULT_THREADS 4
#define SERVER_DEFAULT_HEADER_TIMEOUT 10
#define SERVER_DEFAULT_MAX_PER_ADDRESS 256
#define SERVER_DEFAULT_REQUEST_RATE 30
#define SERVER_DEFAULT_CHECKPOINT_ALERT_AFTER 900
#define SERVER_MAX_CHECKPOINT_ALERT_AFTER (30ULL * 24 * 3600)
#define SERVER_MAX_WEBHOOKS 16
#define SERVER_WEBHOOK_NAME_MAX 64

struct webhook_config {
        char *name;         /* from [webhook NAME] */
        char *url;          /* http(s) URL, required */
        char *format;       /* "slack" | "teams" | "json" (default json) */
};

struct server_config {
        char *listen;               /* "HOST:PORT" or "[V6]:PORT" as written */
        char *database;
        char *signing_keys;
        char *policy;
        char *tls_cert;             /* both or neither */
        char *tls_key;
        uint64_t max_body;          /* bytes */
        uint64_t max_wait;          /* seconds, the cap on ?wait= */
        uint64_t max_connections;
        uint64_t connection_timeout; /* seconds of idleness before MHD closes */
        uint64_t threads;           /* MHD worker threads */
        uint64_t header_timeout;    /* seconds an unauthenticated connection has per request (default
                                     * 10, below connection_timeout) */
        uint64_t max_anonymous_connections; /* unauthenticated at once (default max_connections / 4) */
        uint64_t max_connections_per_address; /* 0: no limit (behind a load balancer) */
        uint64_t max_long_polls;    /* feed requests held at once (default: what anonymous and the API leave) */
        uint64_t request_rate_limit; /* requests filed per identity per minute; 0: no limit */
        /* [audit]: seconds without a host's signed audit checkpoint
         * before an alert (server/checkpoints.h); 0: no such alert. */
        uint64_t checkpoint_alert_after;

        struct webhook_config *webhooks;
        size_t n_webhooks;

        /* Derived from listen. */
        char listen_host[64];       /* numeric address, no brackets */
        uint16_t listen_port;
};

/* Loads path (refused if a symlink, not owned by root or the caller,
 * writable by others). Returns 0, or -errno with "FILE:LINE: ..." in err;
 * on error cfg is freed. */
int server_config_load(const char *path, struct server_config *cfg, char *err, size_t errlen);
/* The same from text (tests, fuzzing); filename names it in messages. */
int server_config_parse_string(const char *text, const char *filename, struct server_config *cfg,
                               char *err, size_t errlen);
void server_config_free(struct server_config *cfg);
