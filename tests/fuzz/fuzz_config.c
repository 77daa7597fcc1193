/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: teamd.conf parsing (common/teamd_config.c on the generic
 * table-driven INI parser, common/config_parser.c), a second table with
 * the types teamd.conf does not use (BOOL, LIST, STRING), and
 * team-server.conf (server/server_config.c) for fixed sections beside
 * named [webhook NAME] ones. Properties: no crash or leak; a refusal
 * always says why; what is accepted honours the table (absolute paths,
 * http(s) URLs, ranges) and every webhook has a valid, unique name. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config_parser.h"
#include "parse.h"
#include "server/server_config.h"
#include "teamd_config.h"

static void check_webhooks(const struct server_config *cfg)
{
        for (size_t i = 0; i < cfg->n_webhooks; i++) {
                const struct webhook_config *w = &cfg->webhooks[i];

                if (!is_valid_token_name(w->name, SERVER_WEBHOOK_NAME_MAX) || !w->url || !w->format)
                        abort();
                for (size_t j = 0; j < i; j++)
                        if (strcmp(cfg->webhooks[j].name, w->name) == 0)
                                abort();
        }
}

static void check_server(const char *text)
{
        struct server_config cfg;
        char err[512];
        int r = server_config_parse_string(text, "f", &cfg, err, sizeof(err));

        if (r < 0) {
                if ((r != -ENOMEM && err[0] == '\0') || cfg.webhooks || cfg.listen)
                        abort();
                return;
        }
        if (cfg.n_webhooks > SERVER_MAX_WEBHOOKS || cfg.listen_port == 0)
                abort();
        check_webhooks(&cfg);
        server_config_free(&cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct other {
        char *name;
        bool flag;
        char **list;
        uint64_t n;
};

static const struct config_key other_keys[] = {
        { "a", "name", CONFIG_STRING, offsetof(struct other, name), 1, 32 },
        { "a", "flag", CONFIG_BOOL, offsetof(struct other, flag), 0, 0 },
        { "a", "list", CONFIG_LIST, offsetof(struct other, list), 1, 4 },
        { "b", "n", CONFIG_UINT, offsetof(struct other, n), 5, 500 },
};

static void check_path(const char *p)
{
        if (p && p[0] != '/')
                abort();
}

static void check_teamd(const char *text)
{
        struct teamd_config cfg;
        char err[512];
        int r = teamd_config_load_string(text, &cfg, err, sizeof(err));

        if (r < 0) {
                if (r != -ENOMEM && err[0] == '\0')
                        abort();
                return;
        }
        if (!cfg.host_id || !is_valid_token_name(cfg.host_id, 255))
                abort();
        check_path(cfg.state_dir);
        check_path(cfg.socket);
        check_path(cfg.user_socket);
        check_path(cfg.trusted_keys);
        check_path(cfg.token_file);
        check_path(cfg.ca_file);
        if (strlen(cfg.socket) > 107 || strlen(cfg.user_socket) > 107)
                abort();
        if (cfg.clock_skew > 3600 || cfg.max_grants == 0)
                abort();
        if (cfg.url && strncmp(cfg.url, "https://", 8) != 0 && strncmp(cfg.url, "http://", 7) != 0)
                abort();
        for (char **g = cfg.host_groups; g && *g; g++)
                if (!is_valid_token_name(*g, 4095))
                        abort();
        teamd_config_free(&cfg);
}

static void check_other(const char *text)
{
        struct other o = { 0 };
        char err[256];
        int r = config_parse_string(other_keys, sizeof(other_keys) / sizeof(other_keys[0]), &o, text, "f", err,
                                    sizeof(err));

        if (r < 0 && r != -ENOMEM && err[0] == '\0')
                abort();
        if (r == 0 && o.n != 0 && (o.n < 5 || o.n > 500))
                abort();
        if (r == 0 && o.name && (strlen(o.name) < 1 || strlen(o.name) > 32))
                abort();
        config_free(other_keys, sizeof(other_keys) / sizeof(other_keys[0]), &o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text;

        if (size > 64 * 1024)
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        if (size)
                memcpy(text, data, size);
        text[size] = '\0';
        check_teamd(text);
        check_other(text);
        check_server(text);
        free(text);
        return 0;
}
