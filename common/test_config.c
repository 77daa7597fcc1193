/* SPDX-License-Identifier: BSD-3-Clause */
/* The table-driven INI parser (common/config_parser.c) and teamd.conf. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config_parser.h"
#include "teamd_config.h"

static char tmpdir[256];

static int setup(void **state)
{
        snprintf(tmpdir, sizeof(tmpdir), "%s/test_config.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
        char cmd[PATH_MAX + 16];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to tmpdir/name (mode 0644) and returns the path (static). */
static const char *write_file(const char *name, const char *text)
{
        static char path[PATH_MAX];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chmod(path, 0644), 0);
        return path;
}

/* Loads text as teamd.conf and expects a config error whose message
 * contains each of the given fragments. */
static void refuse(const char *text, const char *frag1, const char *frag2)
{
        struct teamd_config cfg;
        char err[512] = "";

        if (teamd_config_load_string(text, &cfg, err, sizeof(err)) != -EINVAL)
                fail_msg("accepted: %s", text);
        if (frag1 && !strstr(err, frag1))
                fail_msg("\"%s\" not in \"%s\"", frag1, err);
        if (frag2 && !strstr(err, frag2))
                fail_msg("\"%s\" not in \"%s\"", frag2, err);
        /* nothing is left to free */
        assert_null(cfg.socket);
        assert_null(cfg.host_id);
        teamd_config_free(&cfg);
}

static void test_defaults(void **state)
{
        struct teamd_config cfg;
        char host[HOST_NAME_MAX + 1] = "";
        char err[256];

        assert_int_equal(teamd_config_load_string("", &cfg, err, sizeof(err)), 0);
        assert_int_equal(gethostname(host, sizeof(host)), 0);
        assert_string_equal(cfg.host_id, host);
        assert_null(cfg.host_groups);
        assert_string_equal(cfg.state_dir, TEAMD_DEFAULT_STATE_DIR);
        assert_string_equal(cfg.socket, TEAMD_DEFAULT_SOCKET);
        assert_string_equal(cfg.user_socket, TEAMD_DEFAULT_USER_SOCKET);
        assert_string_equal(cfg.trusted_keys, TEAMD_DEFAULT_TRUSTED_KEYS);
        assert_int_equal(cfg.clock_skew, TEAMD_DEFAULT_CLOCK_SKEW);
        assert_int_equal(cfg.max_grants, 100000);
        assert_null(cfg.url);
        assert_null(cfg.token_file);
        assert_null(cfg.ca_file);
        teamd_config_free(&cfg);
        teamd_config_free(&cfg); /* twice is fine */
        teamd_config_free(NULL);

        /* comments and blank lines only */
        assert_int_equal(teamd_config_load_string("# teamd.conf\n\n; nothing\n[teamd]\n[server]\n", &cfg, err, sizeof(err)), 0);
        assert_string_equal(cfg.socket, TEAMD_DEFAULT_SOCKET);
        teamd_config_free(&cfg);
}

static void test_good_file(void **state)
{
        const char *path = write_file("good.conf",
                "# a full teamd.conf\n"
                "[teamd]\n"
                "host_id = web1.example.com\n"
                "host_groups = web, prod ,eu-west-1\n"
                "state_dir = /var/lib/teamd-test\n"
                "socket = /run/teamd-test/teamd.sock\n"
                "user_socket=/run/teamd-test/user.sock\n"
                "trusted_keys = /etc/team/test-keys\n"
                "clock_skew = 2m\n"
                "max_grants = 500 ; inline comment\n"
                "\n"
                "[server]\n"
                "url = https://team.example.com:8443/api//\n"
                "token_file = /etc/team/token\n"
                "ca_file = /etc/team/ca.pem\n"
                "fail_open_after = 5m\n");
        struct teamd_config cfg;
        char err[256] = "";

        if (teamd_config_load(path, false, &cfg, err, sizeof(err)) != 0)
                fail_msg("%s", err);
        assert_string_equal(cfg.host_id, "web1.example.com");
        assert_non_null(cfg.host_groups);
        assert_string_equal(cfg.host_groups[0], "web");
        assert_string_equal(cfg.host_groups[1], "prod");
        assert_string_equal(cfg.host_groups[2], "eu-west-1");
        assert_null(cfg.host_groups[3]);
        assert_string_equal(cfg.state_dir, "/var/lib/teamd-test");
        assert_string_equal(cfg.socket, "/run/teamd-test/teamd.sock");
        assert_string_equal(cfg.user_socket, "/run/teamd-test/user.sock");
        assert_string_equal(cfg.trusted_keys, "/etc/team/test-keys");
        assert_int_equal(cfg.clock_skew, 120);
        assert_int_equal(cfg.max_grants, 500);
        assert_string_equal(cfg.url, "https://team.example.com:8443/api");
        assert_string_equal(cfg.token_file, "/etc/team/token");
        assert_string_equal(cfg.ca_file, "/etc/team/ca.pem");
        assert_int_equal(cfg.fail_open_after, 300);
        teamd_config_free(&cfg);
        assert_null(cfg.host_groups);
        assert_null(cfg.url);
}

static void test_unknown(void **state)
{
        const char *path = write_file("unknown.conf", "[teamd]\nhost_id = h1\nhots_groups = web\n");
        struct teamd_config cfg;
        char err[512] = "";
        char want[PATH_MAX + 32];

        assert_int_equal(teamd_config_load(path, false, &cfg, err, sizeof(err)), -EINVAL);
        snprintf(want, sizeof(want), "%s:3: [teamd] hots_groups: unknown key", path);
        if (strncmp(err, want, strlen(want)) != 0)
                fail_msg("\"%s\" does not start with \"%s\"", err, want);
        /* the message lists what is known */
        assert_non_null(strstr(err, "host_groups"));

        refuse("[teamd]\n[serverr]\nurl = https://x\n", "(string):3: [serverr] url: unknown section", "[server]");
        refuse("socket = /run/x.sock\n[teamd]\n", "(string):1: socket: key outside any section", "[teamd]");
        refuse("[server]\nhost_id = h\n", ":2: [server] host_id: unknown key", NULL);
        /* keys are case sensitive */
        refuse("[teamd]\nSocket = /run/x.sock\n", ":2: [teamd] Socket: unknown key", NULL);
}

static void test_bad_values(void **state)
{
        refuse("[teamd]\nclock_skew = 3601\n", ":2: [teamd] clock_skew: 3601 is out of range", "0 to 3600");
        refuse("[teamd]\nclock_skew = 2h\n", "clock_skew: 2h is out of range", NULL);
        refuse("[teamd]\nclock_skew = 1x\n", "clock_skew: \"1x\" is not a duration", NULL);
        refuse("[teamd]\nclock_skew = -1\n", "clock_skew", "not a duration");
        refuse("[teamd]\nmax_grants = 0\n", "max_grants: 0 is out of range", NULL);
        refuse("[teamd]\nmax_grants = 1e6\n", "max_grants: \"1e6\" is not a number", NULL);
        refuse("[teamd]\nmax_grants = 99999999999999999999999\n", "max_grants", "out of range");
        refuse("[teamd]\nmax_grants = +5\n", "max_grants", "not a number");
        refuse("[teamd]\nsocket = run/teamd.sock\n", "socket: \"run/teamd.sock\" is not an absolute path", NULL);
        refuse("[teamd]\nsocket = /run/teamd/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
               "socket: value must be", "bytes long");
        refuse("[teamd]\nstate_dir =\n", "state_dir: empty value", NULL);
        refuse("[teamd]\nhost_id = web 1\n", "host_id: \"web 1\" is not a valid name", NULL);
        refuse("[teamd]\nhost_id = .hidden\n", "host_id", "not a valid name");
        refuse("[teamd]\nhost_groups = a,,b\n", "host_groups: empty item", NULL);
        refuse("[teamd]\nhost_groups = a,\n", "host_groups: empty item", NULL);
        refuse("[teamd]\nhost_groups = a, b/c\n", "host_groups: \"b/c\" is not a valid name", NULL);
        refuse("[server]\nurl = ftp://team.example.com\n", "url: \"ftp://team.example.com\" is not an http(s) URL", NULL);
        refuse("[server]\nurl = https://\n", "url", "not an http(s) URL");
        refuse("[server]\nurl = https:///path\n", "url", "not an http(s) URL");
        refuse("[server]\nurl = https://a b\n", "url", "not an http(s) URL");
        refuse("[server]\nurl = team.example.com\n", "url", "not an http(s) URL");
        refuse("[teamd]\nsocket = /run/x\x01.sock\n", "socket: value contains a control character", NULL);
        refuse("[teamd]\ntrusted_keys = /a\tb\n", "trusted_keys", "control character");
}

/* [sessions]: defaults, warn_before sorted largest first, bad values. */
static void test_sessions(void **state)
{
        struct teamd_config cfg;
        char err[512] = "";

        (void)state;
        assert_int_equal(teamd_config_load_string("[teamd]\nhost_id = h\n", &cfg, err, sizeof(err)), 0);
        assert_false(cfg.on_expiry_warn);
        assert_int_equal(cfg.session_grace, 5);
        assert_int_equal(cfg.n_warn_before, 2);
        assert_int_equal(cfg.warn_before_secs[0], 300);
        assert_int_equal(cfg.warn_before_secs[1], 60);
        teamd_config_free(&cfg);
        assert_int_equal(teamd_config_load_string("[teamd]\nhost_id = h\n[sessions]\non_expiry = warn\n"
                                                  "warn_before = 60, 600, 5\ngrace = 10s\nhold = tree\n",
                                                  &cfg, err, sizeof(err)), 0);
        assert_true(cfg.on_expiry_warn);
        assert_int_equal(cfg.session_grace, 10);
        assert_int_equal(cfg.n_warn_before, 3);
        assert_int_equal(cfg.warn_before_secs[0], 600);
        assert_int_equal(cfg.warn_before_secs[1], 60);
        assert_int_equal(cfg.warn_before_secs[2], 5);
        assert_string_equal(cfg.session_hold, "tree");
        teamd_config_free(&cfg);
        refuse("[sessions]\non_expiry = kill\n", "on_expiry: 'kill' is neither terminate nor warn", NULL);
        refuse("[sessions]\nwarn_before = 0\n", "warn_before: '0' is not a number of seconds", NULL);
        refuse("[sessions]\nwarn_before = 5m\n", "warn_before", "not a number of seconds");
        refuse("[sessions]\nwarn_before = 1,2,3,4,5,6,7,8,9\n", "warn_before", NULL);
        refuse("[sessions]\ngrace = 301\n", "grace", "out of range");
        refuse("[sessions]\nhold = magic\n", "hold: 'magic' is not auto, scope, cgroup or tree", NULL);
        refuse("[sessions]\nbogus = 1\n", "bogus", NULL);
}

static void test_duplicate_and_syntax(void **state)
{
        refuse("[teamd]\nsocket = /run/a.sock\nsocket = /run/b.sock\n", "(string):3: [teamd] socket: given twice", NULL);
        /* the same key in a repeated section is still a duplicate */
        refuse("[teamd]\nmax_grants = 5\n[server]\n[teamd]\nmax_grants = 6\n", ":5: [teamd] max_grants: given twice", NULL);
        /* continuation lines (inih multi-line values) are refused too */
        refuse("[teamd]\nhost_groups = a\n  b\n", ":3: [teamd] host_groups: given twice", NULL);
        refuse("[teamd]\nthis line has no equals sign\n", "(string):2: syntax error", NULL);
        refuse("[teamd\nsocket = /run/a.sock\n", "(string):1: syntax error", NULL);
        /* the first error wins */
        refuse("[teamd]\nbogus = 1\nno equals\n", ":2: [teamd] bogus: unknown key", NULL);
        refuse("[teamd]\nno equals\nbogus = 1\n", ":2: syntax error", NULL);

        /* lines inih would split are refused, not misread */
        char text[512];
        int n = snprintf(text, sizeof(text), "[teamd]\n# ok\nstate_dir = /");
        memset(text + n, 'a', 300);
        snprintf(text + n + 300, sizeof(text) - (size_t)n - 300, "\n");
        refuse(text, "(string):3: line too long", NULL);
}

/* [KIND NAME] sections: the callback makes each object, its keys are
 * parsed like a fixed section's, and headers are checked where they stand. */
struct item {
        char *name;
        uint64_t n;
        char *tag;
};

struct items {
        bool flag;
        struct item v[4];
        size_t n;
};

static const struct config_key fixed_keys[] = {
        { "a", "flag", CONFIG_BOOL, offsetof(struct items, flag), 0, 0 },
};

static const struct config_key item_keys[] = {
        { "item", "n", CONFIG_UINT, offsetof(struct item, n), 1, 9 },
        { "item", "tag", CONFIG_NAME, offsetof(struct item, tag), 1, 8 },
};

static int check_tag(const struct config_key *key, const char *value, char *why, size_t whylen)
{
        if (strcmp(key->name, "tag") == 0 && strcmp(value, "bad") == 0) {
                snprintf(why, whylen, "refused for the test");
                return -EINVAL;
        }
        return 0;
}

static int open_item(void *userdata, const char *name, unsigned line, struct config_section *section, char *why,
                     size_t whylen)
{
        struct items *it = userdata;

        for (size_t i = 0; i < it->n; i++)
                if (strcmp(it->v[i].name, name) == 0) {
                        snprintf(why, whylen, "[item %s] given twice", name);
                        return -EINVAL;
                }
        if (it->n == 4 || !(it->v[it->n].name = strdup(name)))
                return -ENOMEM;
        *section = (struct config_section){ item_keys, 2, &it->v[it->n++], check_tag };
        return 0;
}

static int parse_items(const char *text, struct items *it, char *err, size_t errlen)
{
        const struct config_kind kind = { "item", 64, open_item, it };
        const struct config_spec spec = { fixed_keys, 1, it, &kind, 1 };

        memset(it, 0, sizeof(*it));
        return config_parse(&spec, text, NULL, err, errlen);
}

static void free_items(struct items *it)
{
        for (size_t i = 0; i < it->n; i++) {
                config_free(item_keys, 2, &it->v[i]);
                free(it->v[i].name);
        }
}

static void refuse_items(const char *text, const char *want)
{
        struct items it = { 0 };
        char err[512] = "";

        if (parse_items(text, &it, err, sizeof(err)) != -EINVAL || !strstr(err, want))
                fail_msg("\"%s\": got \"%s\", want \"%s\"", text, err, want);
        free_items(&it);
}

static void test_named_sections(void **state)
{
        static const char long_name[] = "n23456789012345678901234567890123456789012345678901234567890";
        struct items it = { 0 };
        char text[256], err[512] = "";

        snprintf(text, sizeof(text), "[a]\nflag = yes\n[item one]\nn = 7\n[ item  two ]\n[item %s]\ntag = x\n",
                 long_name);
        assert_int_equal(parse_items(text, &it, err, sizeof(err)), 0);
        assert_true(it.flag);
        assert_int_equal(it.n, 3);
        assert_string_equal(it.v[0].name, "one");
        assert_int_equal(it.v[0].n, 7);
        assert_string_equal(it.v[1].name, "two");
        assert_null(it.v[1].tag);
        assert_string_equal(it.v[2].name, long_name); /* longer than inih keeps */
        assert_string_equal(it.v[2].tag, "x");
        free_items(&it);

        refuse_items("[a]\n[other]\n", "(string):2: unknown section [other] (known sections: [a], [item NAME])");
        refuse_items("[item]\n", "(string):1: unknown section [item] (write [item NAME]");
        refuse_items("[item .x]\n", "(string):1: unknown section [item .x]: not a valid name");
        refuse_items("[item one]\nbogus = 1\n", "(string):2: [item one] bogus: unknown key (known keys in [item one]: n, tag)");
        refuse_items("[item one]\nn = 1\nn = 2\n", "(string):3: [item one] n: given twice");
        refuse_items("[item one]\nn = 10\n", "(string):2: [item one] n: 10 is out of range");
        refuse_items("[item x]\n[a]\n[item x]\n", "(string):3: [item x] given twice");
        refuse_items("[item one]\ntag = bad\n", "(string):2: [item one] tag: refused for the test");
        /* an indented line after a key continues its value (inih), even "[...]" */
        refuse_items("[item one]\ntag = x\n  [item two]\n", "(string):3: [item one] tag: given twice");
        refuse_items("flag = yes\n", "(string):1: flag: key outside any section (put it under one of [a], [item NAME])");
}

static void test_files(void **state)
{
        struct teamd_config cfg;
        char err[512], path[PATH_MAX], link[PATH_MAX];
        const char *good = write_file("f.conf", "[teamd]\nmax_grants = 7\n");

        /* missing file */
        snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
        assert_int_equal(teamd_config_load(path, true, &cfg, err, sizeof(err)), 0);
        assert_string_equal(cfg.socket, TEAMD_DEFAULT_SOCKET);
        assert_int_equal(cfg.max_grants, 100000);
        assert_int_equal(cfg.fail_open_after, 60);
        assert_non_null(cfg.host_id);
        teamd_config_free(&cfg);
        assert_int_equal(teamd_config_load(path, false, &cfg, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, path));
        assert_non_null(strstr(err, "no such file"));
        assert_null(cfg.socket);

        /* a symlink is refused, even to a good file */
        snprintf(path, sizeof(path), "%s", good);
        snprintf(link, sizeof(link), "%s/link.conf", tmpdir);
        assert_int_equal(symlink(path, link), 0);
        assert_int_equal(teamd_config_load(link, true, &cfg, err, sizeof(err)), -ELOOP);
        assert_non_null(strstr(err, "symbolic link"));
        assert_int_equal(teamd_config_load(path, false, &cfg, err, sizeof(err)), 0);
        assert_int_equal(cfg.max_grants, 7);
        teamd_config_free(&cfg);

        /* writable by everyone */
        assert_int_equal(chmod(path, 0666), 0);
        assert_int_equal(teamd_config_load(path, false, &cfg, err, sizeof(err)), -EPERM);
        assert_non_null(strstr(err, "writable by everyone"));
        /* writable by its group: refused too (whoever writes it picks who gets root) */
        assert_int_equal(chmod(path, 0664), 0);
        assert_int_equal(teamd_config_load(path, false, &cfg, err, sizeof(err)), -EPERM);
        assert_non_null(strstr(err, "writable by its group"));
        assert_int_equal(chmod(path, 0644), 0);

        /* a directory */
        assert_int_equal(teamd_config_load(tmpdir, false, &cfg, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "not a regular file"));

        /* larger than 1 MiB */
        char *big = malloc(CONFIG_MAX_FILE + 2);
        assert_non_null(big);
        memset(big, '#', CONFIG_MAX_FILE + 1);
        big[CONFIG_MAX_FILE + 1] = '\0';
        const char *bigpath = write_file("big.conf", big);
        assert_int_equal(teamd_config_load(bigpath, false, &cfg, err, sizeof(err)), -EFBIG);
        free(big);

        /* a NUL byte */
        snprintf(path, sizeof(path), "%s/nul.conf", tmpdir);
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "[teamd]\n\0\n", 10), 10);
        close(fd);
        assert_int_equal(teamd_config_load(path, false, &cfg, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "NUL"));

        /* a small error buffer truncates, never overflows; NULL is fine */
        char tiny[8];
        assert_int_equal(teamd_config_load_string("[x]\ny=1\n", &cfg, tiny, sizeof(tiny)), -EINVAL);
        assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
        assert_int_equal(teamd_config_load_string("[x]\ny=1\n", &cfg, NULL, 0), -EINVAL);
}

/* The parser is generic: a table of a different program. */
struct other_config {
        char *name;
        bool verbose;
        bool quiet;
        char **origins;
        uint64_t port;
        uint64_t timeout;
};

static const struct config_key other_keys[] = {
        { "main", "name", CONFIG_STRING, offsetof(struct other_config, name), 1, 8 },
        { "main", "verbose", CONFIG_BOOL, offsetof(struct other_config, verbose), 0, 0 },
        { "main", "quiet", CONFIG_BOOL, offsetof(struct other_config, quiet), 0, 0 },
        { "main", "origins", CONFIG_LIST, offsetof(struct other_config, origins), 2, 3 },
        { "net", "port", CONFIG_UINT, offsetof(struct other_config, port), 1, 65535 },
        { "net", "timeout", CONFIG_DURATION, offsetof(struct other_config, timeout), 1, 86400 },
};
#define N_OTHER (sizeof(other_keys) / sizeof(other_keys[0]))

static void test_generic(void **state)
{
        struct other_config c = { .quiet = true };
        char err[256] = "";
        int r;

        r = config_parse_string(other_keys, N_OTHER, &c,
                                "[main]\nname = my app\nverbose = yes\nquiet = off\norigins = a b, c d\n"
                                "[net]\nport = 8443\ntimeout = 1d\n",
                                "other.conf", err, sizeof(err));
        if (r != 0)
                fail_msg("%s", err);
        assert_string_equal(c.name, "my app");
        assert_true(c.verbose);
        assert_false(c.quiet);
        assert_string_equal(c.origins[0], "a b");
        assert_string_equal(c.origins[1], "c d");
        assert_null(c.origins[2]);
        assert_int_equal(c.port, 8443);
        assert_int_equal(c.timeout, 86400);
        config_free(other_keys, N_OTHER, &c);
        assert_null(c.name);
        assert_null(c.origins);

        assert_int_equal(config_parse_string(other_keys, N_OTHER, &c, "[main]\nverbose = maybe\n", "o.conf", err, sizeof(err)),
                         -EINVAL);
        assert_string_equal(err, "o.conf:2: [main] verbose: \"maybe\" is not a boolean (use yes or no)");
        assert_int_equal(config_parse_string(other_keys, N_OTHER, &c, "[main]\norigins = one\n", "o.conf", err, sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "1 items; give 2 to 3"));
        assert_int_equal(config_parse_string(other_keys, N_OTHER, &c, "[main]\norigins = 1,2,3,4\n", "o.conf", err, sizeof(err)),
                         -EINVAL);
        assert_int_equal(config_parse_string(other_keys, N_OTHER, &c, "[main]\nname = 123456789\n", "o.conf", err, sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "1 to 8 bytes"));
        assert_int_equal(config_parse_string(other_keys, N_OTHER, &c, "[net]\nport = 65536\n", "o.conf", err, sizeof(err)),
                         -EINVAL);
        /* a later value replaces the default, a list is replaced whole */
        assert_int_equal(config_parse_string(other_keys, N_OTHER, &c, "[main]\norigins = x,y\n", "o.conf", err, sizeof(err)), 0);
        assert_string_equal(c.origins[1], "y");
        config_free(other_keys, N_OTHER, &c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_good_file),
                cmocka_unit_test(test_unknown),
                cmocka_unit_test(test_bad_values),
                cmocka_unit_test(test_sessions),
                cmocka_unit_test(test_duplicate_and_syntax),
                cmocka_unit_test(test_named_sections),
                cmocka_unit_test(test_files),
                cmocka_unit_test(test_generic),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
