/* SPDX-License-Identifier: BSD-3-Clause */
/* team-server admin user|host VERB ...: the identity lifecycle.
 *
 *   add NAME [--groups a,b]       create; print the new token
 *   list                          NAME<TAB>GROUPS<TAB>CREATED per line
 *   remove NAME                   its token stops working at once
 *   set-groups NAME a,b           replace the groups ("" for none)
 *   rotate-token NAME             a new token; the old one stops working
 *
 * A new token is printed once, as the last line of standard output; only
 * its SHA-256 is stored. admin host-key (a host's audit key) is in
 * admin_host_key.c, admin migrate in admin_migrate.c. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "auth.h"
#include "parse.h"
#include "server.h"
#include "server_config.h"
#include "store.h"

#define ADMIN_MAX_GROUPS 64

static int usage(void)
{
        fprintf(stderr, "usage: team-server [--config FILE] admin user|host add NAME [--groups a,b]\n"
                        "       team-server [--config FILE] admin user|host list\n"
                        "       team-server [--config FILE] admin user|host remove NAME\n"
                        "       team-server [--config FILE] admin user|host set-groups NAME a,b\n"
                        "       team-server [--config FILE] admin user|host rotate-token NAME\n"
                        "       team-server [--config FILE] admin host-key HOST [KEY | --clear]\n"
                        "       team-server admin migrate --from sqlite:PATH --to postgresql://...\n");
        return 2;
}

/* "a,b" -> {"a","b",NULL}; each a valid name. */
static int split_groups(const char *s, char ***out)
{
        char **v = NULL;
        size_t n = 0;
        const char *p = s;
        int r = 0;

        *out = NULL;
        v = calloc(ADMIN_MAX_GROUPS + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        while (s && *p) {
                const char *end = strchrnul(p, ',');

                if (n >= ADMIN_MAX_GROUPS) {
                        r = -E2BIG;
                        goto out;
                }
                v[n] = strndup(p, (size_t)(end - p));
                if (!v[n]) {
                        r = -ENOMEM;
                        goto out;
                }
                if (!is_valid_token_name(v[n++], SRV_MAX_NAME)) {
                        r = -EINVAL;
                        goto out;
                }
                p = *end ? end + 1 : end;
                if (*end && !*p) {
                        r = -EINVAL;
                        goto out;
                }
        }
        *out = v;
        v = NULL;
out:
        srv_strv_free(v);
        return r;
}

/* A new token into token and its hash stored for name: added (add) or
 * replacing the old one (rotate-token). */
static int issue_token(struct srv_store *store, bool host, bool rotate, const char *name, char **groups,
                       char *token, size_t tlen)
{
        uint8_t hash[SRV_TOKEN_HASH_LEN];
        int r;

        r = auth_token_generate(token, tlen, hash);
        if (r < 0)
                return r;
        if (rotate) {
                r = srv_store_identity_set_token(store, host, name, hash);
        } else if (host) {
                struct srv_host h = { .id = name, .groups = groups, .created_at = time(NULL) };

                r = srv_store_host_add(store, &h, hash);
        } else {
                struct srv_user u = { .name = name, .groups = groups, .created_at = time(NULL) };

                r = srv_store_user_add(store, &u, hash);
        }
        OPENSSL_cleanse(hash, sizeof(hash));
        return r;
}

static void print_row(const char *name, char *const *groups, int64_t created)
{
        char when[32] = "-";
        time_t t = (time_t)created;
        struct tm tm;

        if (created > 0 && gmtime_r(&t, &tm))
                strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        printf("%s\t", name);
        for (size_t i = 0; groups && groups[i]; i++)
                printf("%s%s", i ? "," : "", groups[i]);
        printf("%s\t%s\n", groups && groups[0] ? "" : "-", when);
}

static int list(struct srv_store *store, bool host)
{
        char **names = NULL;
        int r = srv_store_identity_list(store, host, &names);

        for (size_t i = 0; r == 0 && names[i]; i++) {
                struct srv_user u = { 0 };
                struct srv_host h = { 0 };

                if (host) {
                        r = srv_store_host_get(store, names[i], &h);
                        if (r == 0)
                                print_row(h.id, h.groups, h.created_at);
                } else {
                        r = srv_store_user_get(store, names[i], &u);
                        if (r == 0)
                                print_row(u.name, u.groups, u.created_at);
                }
                if (r == -ENOENT) /* removed meanwhile */
                        r = 0;
                srv_user_clear(&u);
                srv_host_clear(&h);
        }
        srv_strv_free(names);
        return r;
}

struct admin_args {
        const char *kind, *verb, *name, *groups;
        bool host;
};

/* argv: admin KIND VERB [NAME [GROUPS]] [--groups G], the option anywhere. */
static int parse_admin_args(int argc, char **argv, struct admin_args *a)
{
        /* names: positional NAME arguments; groups: takes a group list
         * (set-groups: required, as --groups or a third argument). */
        static const struct { const char *verb; int names; bool groups; } verbs[] = {
                { "add", 1, true }, { "list", 0, false }, { "remove", 1, false },
                { "set-groups", 1, true }, { "rotate-token", 1, false },
        };
        const char *pos[5] = { 0 };
        int np = 0, i;

        memset(a, 0, sizeof(*a));
        for (i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--groups") == 0 && i + 1 < argc)
                        a->groups = argv[++i];
                else if (strncmp(argv[i], "--groups=", 9) == 0)
                        a->groups = argv[i] + 9;
                else if ((argv[i][0] == '-' && argv[i][1]) || np >= 4)
                        return -EINVAL;
                else
                        pos[np++] = argv[i];
        }
        if (np < 2 || (strcmp(pos[0], "user") != 0 && strcmp(pos[0], "host") != 0))
                return -EINVAL;
        a->kind = pos[0];
        a->host = strcmp(pos[0], "host") == 0;
        a->verb = pos[1];
        for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
                bool set_groups = strcmp(a->verb, "set-groups") == 0;
                int extra = np - 2 - verbs[v].names;

                if (strcmp(verbs[v].verb, a->verb) != 0)
                        continue;
                if (set_groups && extra == 1 && !a->groups) {
                        a->groups = pos[3];
                        extra = 0;
                }
                if (extra != 0 || (a->groups && !verbs[v].groups) || (set_groups && !a->groups))
                        return -EINVAL;
                a->name = verbs[v].names ? pos[2] : NULL;
                return 0;
        }
        return -EINVAL;
}

static void report_error(const struct admin_args *a, int r)
{
        if (r == -EEXIST)
                fprintf(stderr, "team-server: %s %s already exists\n", a->kind, a->name);
        else if (r == -ENOENT)
                fprintf(stderr, "team-server: there is no %s %s\n", a->kind, a->name);
        else
                fprintf(stderr, "team-server: cannot %s %s%s%s: %s\n", a->verb, a->kind, a->name ? " " : "",
                        a->name ? a->name : "", strerror(-r));
}

static int run(struct srv_store *store, const struct admin_args *a, char **groups)
{
        char token[AUTH_TOKEN_LEN + 1] = "";
        bool rotate = strcmp(a->verb, "rotate-token") == 0;
        int r;

        if (strcmp(a->verb, "list") == 0)
                return list(store, a->host);
        if (strcmp(a->verb, "remove") == 0) {
                r = srv_store_identity_remove(store, a->host, a->name);
                if (r == 0)
                        printf("%s %s removed; its token no longer works\n", a->kind, a->name);
                return r;
        }
        if (strcmp(a->verb, "set-groups") == 0) {
                r = srv_store_identity_set_groups(store, a->host, a->name, groups);
                if (r == 0)
                        printf("%s %s groups set\n", a->kind, a->name);
                return r;
        }
        r = issue_token(store, a->host, rotate, a->name, groups, token, sizeof(token));
        if (r == 0)
                printf("%s %s %s; its token (shown once, keep it secret):\n%s\n", a->kind, a->name,
                       rotate ? "has a new token, the old one no longer works" : "added", token);
        OPENSSL_cleanse(token, sizeof(token));
        return r;
}

/* Run as root, the admin commands become the owner of the database's
 * directory (the service's own user, see team-server.service) before
 * they open it, so that no file sqlite creates there (the database, its
 * -wal and -shm) ends up owned by root and unreadable by the service. */
static int become_database_owner(const char *database)
{
        char dir[PATH_MAX];
        struct stat sb;

        if (geteuid() != 0)
                return 0;
        if (snprintf(dir, sizeof(dir), "%s", database) >= (int)sizeof(dir))
                return -ENAMETOOLONG;
        if (stat(dirname(dir), &sb) < 0)
                return errno == ENOENT ? 0 : -errno;  /* the store says what is missing */
        if (sb.st_uid == 0)
                return 0;
        if (setgroups(0, NULL) < 0 || setgid(sb.st_gid) < 0 || setuid(sb.st_uid) < 0)
                return -errno;
        return 0;
}

int admin_open_store(const struct server_config *cfg, struct srv_store **out)
{
        char err[512] = "";
        int r;

        *out = NULL;
        r = srv_store_is_pg(cfg->database) ? 0
            : become_database_owner(cfg->database + (strncmp(cfg->database, "sqlite:", 7) == 0 ? 7 : 0));
        if (r < 0) {
                fprintf(stderr, "team-server: cannot become the owner of %s's directory: %s\n", cfg->database,
                        strerror(-r));
                return r;
        }
        r = srv_store_open(cfg->database, 1, out, err, sizeof(err));
        if (r < 0)
                fprintf(stderr, "team-server: %s\n", err[0] ? err : strerror(-r));
        return r;
}

int admin_main(const struct server_config *cfg, int argc, char **argv)
{
        struct srv_store *store = NULL;
        struct admin_args a;
        char **groups = NULL;
        int r, status = 1;

        if (argc >= 2 && strcmp(argv[1], "migrate") == 0)
                return admin_migrate_main(argc - 1, argv + 1);
        if (argc >= 2 && strcmp(argv[1], "host-key") == 0)
                return admin_host_key_main(cfg, argc - 1, argv + 1);
        if (parse_admin_args(argc, argv, &a) < 0)
                return usage();
        if (a.name && !is_valid_token_name(a.name, SRV_MAX_NAME)) {
                fprintf(stderr, "team-server: \"%s\" is not a valid %s name (letters, digits, '.', '_', '-'; at "
                                "most %d)\n", a.name, a.kind, SRV_MAX_NAME);
                return 2;
        }
        r = split_groups(a.groups, &groups);
        if (r < 0) {
                fprintf(stderr, "team-server: groups: give up to %d names separated by commas\n", ADMIN_MAX_GROUPS);
                return 2;
        }
        if (admin_open_store(cfg, &store) < 0)
                goto out;
        r = run(store, &a, groups);
        if (r < 0)
                report_error(&a, r);
        else
                status = 0;
        fflush(stdout);
out:
        srv_strv_free(groups);
        srv_store_close(store);
        return status;
}
