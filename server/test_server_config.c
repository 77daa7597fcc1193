/* SPDX-License-Identifier: BSD-3-Clause */
/* team-server.conf: [server] and [audit] keys, defaults, listen parsing
 * and the [webhook NAME] sections, with line numbers in every refusal. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "server_config.h"

static int parse(const char *text, struct server_config *cfg, char *err, size_t errlen)
{
        return server_config_parse_string(text, "t.conf", cfg, err, errlen);
}

static void test_defaults(void **state)
{
        struct server_config cfg;
        char err[512] = "";

        (void)state;
        assert_int_equal(parse("# nothing\n", &cfg, err, sizeof(err)), 0);
        assert_string_equal(cfg.listen, SERVER_DEFAULT_LISTEN);
        assert_string_equal(cfg.listen_host, "127.0.0.1");
        assert_int_equal(cfg.listen_port, 8750);
        assert_string_equal(cfg.database, SERVER_DEFAULT_DATABASE);
        assert_string_equal(cfg.policy, SERVER_DEFAULT_POLICY);
        assert_null(cfg.tls_cert);
        assert_int_equal(cfg.max_body, 65536);
        assert_int_equal(cfg.max_wait, 30);
        assert_int_equal(cfg.n_webhooks, 0);
        assert_int_equal(cfg.header_timeout, 10);
        assert_int_equal(cfg.max_anonymous_connections, SERVER_DEFAULT_MAX_CONNECTIONS / 4);
        assert_int_equal(cfg.max_connections_per_address, 256);
        assert_int_equal(cfg.request_rate_limit, 30);
        assert_int_equal(cfg.max_long_polls, 16384 - 4096 - 2048);
        assert_int_equal(cfg.checkpoint_alert_after, 900);
        server_config_free(&cfg);
        /* A short connection_timeout pulls the default header deadline below it. */
        assert_int_equal(parse("[server]\nmax_wait = 2\nconnection_timeout = 5\n", &cfg, err, sizeof(err)), 0);
        assert_int_equal(cfg.header_timeout, 4);
        server_config_free(&cfg);
}

/* [audit] checkpoint_alert_after: a duration, 0 disables, bounded, next
 * to webhook sections; a bad value names file, line and key. */
static void test_audit_section(void **state)
{
        struct server_config cfg;
        char err[512] = "";

        (void)state;
        assert_int_equal(parse("[webhook a]\nurl = https://h.example/x\n[audit]\ncheckpoint_alert_after = 15m\n",
                               &cfg, err, sizeof(err)), 0);
        assert_int_equal(cfg.checkpoint_alert_after, 900);
        assert_int_equal(cfg.n_webhooks, 1);
        server_config_free(&cfg);
        assert_int_equal(parse("[audit]\ncheckpoint_alert_after = 0\n", &cfg, err, sizeof(err)), 0);
        assert_int_equal(cfg.checkpoint_alert_after, 0);
        server_config_free(&cfg);
        assert_int_equal(parse("[audit]\ncheckpoint_alert_after = 2\n", &cfg, err, sizeof(err)), 0);
        assert_int_equal(cfg.checkpoint_alert_after, 2);
        server_config_free(&cfg);
        assert_int_equal(parse("[server]\n\n[audit]\ncheckpoint_alert_after = 400d\n", &cfg, err, sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "t.conf:4: [audit] checkpoint_alert_after"));
        assert_int_equal(parse("[audit]\ncheckpoint_interval = 5\n", &cfg, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "checkpoint_interval"));
}

static void test_full(void **state)
{
        static const char text[] =
                "[webhook chat]\n"
                "url = https://hooks.example.com/services/T/B/x/\n"
                "format = slack\n"
                "\n"
                "[server]\n"
                "listen = [::1]:9000\n"
                "database = /var/tmp/t.db\n"
                "max_body = 4096\n"
                "max_wait = 1m\n"
                "tls_cert = /etc/c.pem\n"
                "tls_key = /etc/k.pem\n"
                "[ webhook  audit ]\n"
                "url = http://127.0.0.1:9/x\n";
        struct server_config cfg;
        char err[512] = "";

        (void)state;
        assert_int_equal(parse(text, &cfg, err, sizeof(err)), 0);
        assert_string_equal(cfg.listen_host, "::1");
        assert_int_equal(cfg.listen_port, 9000);
        assert_int_equal(cfg.max_body, 4096);
        assert_int_equal(cfg.max_wait, 60);
        assert_string_equal(cfg.tls_key, "/etc/k.pem");
        assert_int_equal(cfg.n_webhooks, 2);
        assert_string_equal(cfg.webhooks[0].name, "chat");
        assert_string_equal(cfg.webhooks[0].url, "https://hooks.example.com/services/T/B/x/");
        assert_string_equal(cfg.webhooks[0].format, "slack");
        assert_string_equal(cfg.webhooks[1].name, "audit");
        assert_string_equal(cfg.webhooks[1].format, "json");
        server_config_free(&cfg);
}

struct bad {
        const char *text;
        const char *want;   /* substring of the message */
};

static void test_refusals(void **state)
{
        static const struct bad cases[] = {
                { "[server]\nbogus = 1\n", "t.conf:2: [server] bogus: unknown key" },
                { "listen = 1.2.3.4:5\n", "t.conf:1:" },
                { "[other]\nx = 1\n", "unknown section [other]" },
                { "[server]\nlisten = 127.0.0.1:8750\nlisten = 127.0.0.1:8751\n", "t.conf:3: [server] listen: given twice" },
                { "[server]\nlisten = localhost:8750\n", "listen: \"localhost:8750\" is not ADDRESS:PORT" },
                { "[server]\nlisten = 127.0.0.1\n", "is not ADDRESS:PORT" },
                { "[server]\nlisten = 127.0.0.1:0\n", "is not ADDRESS:PORT" },
                { "[server]\nlisten = 127.0.0.1:65536\n", "is not ADDRESS:PORT" },
                { "[server]\nlisten = ::1:80\n", "is not ADDRESS:PORT" },
                { "[server]\nmax_body = 10\n", "[server] max_body" },
                { "[server]\nmax_wait = 61\n", "[server] max_wait" },
                { "[server]\nmax_wait = 40\nconnection_timeout = 30\n", "must be longer than max_wait" },
                { "[server]\ntls_cert = /etc/c.pem\n", "tls_cert and tls_key go together" },
                { "[server]\nmax_connections = 100\nmax_anonymous_connections = 100\n",
                  "max_anonymous_connections (100) must be below max_connections" },
                { "[server]\nheader_timeout = 90\n", "header_timeout (90s) must be shorter" },
                { "[server]\nmax_connections = 100\nmax_anonymous_connections = 50\nmax_long_polls = 50\n",
                  "must leave room below max_connections (100) for API calls" },
                { "[server]\nmax_connections = 100\nmax_anonymous_connections = 95\n",
                  "max_long_polls (0) and max_anonymous_connections (95) must leave room" },
                { "[server]\ndatabase = relative.db\n", "database: give an absolute sqlite path" },
                { "[server]\n\n[webhook a]\nformat = json\n", "t.conf:3: [webhook a]: url is missing" },
                { "[webhook a]\nurl = ftp://x/s3cr3t\n", "t.conf:1: [webhook a] url: not an http(s) URL" },
                { "[webhook a]\nurl = https://x/s3cr3t b\n", "t.conf:1: [webhook a] url: not an http(s) URL" },
                { "[webhook a]\nurl = https://x\nformat = xml\n", "[webhook a] format: \"xml\" is not a format" },
                { "[webhook a]\nurl = https://x\n[webhook a]\nurl = https://y\n", "t.conf:3: [webhook a]: given twice" },
                { "[webhook a]\nurl = https://x\nsecret = 1\n", "t.conf:3: [webhook a] secret: unknown key" },
                { "[webhook .a]\nurl = https://x\n", "[webhook .a]: not a valid name" },
                { "[webhook]\nurl = https://x\n", "unknown section [webhook]" },
                { "[server]\n[webhook a]\nurl = https://x\n[server]\nlisten = nope\n", "t.conf: [server] listen: \"nope\"" },
        };
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct server_config cfg;
                char err[512] = "";
                int r = parse(cases[i].text, &cfg, err, sizeof(err));

                if (r != -EINVAL || !strstr(err, cases[i].want))
                        fail_msg("case %zu: r=%d err=\"%s\", want \"%s\"", i, r, err, cases[i].want);
                if (strstr(err, "s3cr3t"))
                        fail_msg("case %zu: a webhook URL leaked into \"%s\"", i, err);
                assert_null(cfg.listen);
                assert_null(cfg.webhooks);
        }
}

static void test_load_file(void **state)
{
        char path[] = "/tmp/test_server_config.XXXXXX";
        struct server_config cfg;
        char err[512] = "";
        int fd;

        (void)state;
        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "[server]\nlisten = 127.0.0.1:1234\n", 33), 33);
        close(fd);
        assert_int_equal(server_config_load(path, &cfg, err, sizeof(err)), 0);
        assert_int_equal(cfg.listen_port, 1234);
        server_config_free(&cfg);
        unlink(path);
        assert_int_equal(server_config_load(path, &cfg, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, "--config"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_full),
                cmocka_unit_test(test_audit_section),
                cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_load_file),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
