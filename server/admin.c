/* team-server admin user add NAME --groups a,b
 * team-server admin host add ID --groups a,b
 *
 * Creates the identity and prints its new bearer token once, as the last
 * line of standard output. Only the token's SHA-256 is stored. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "auth.h"
#include "parse.h"
#include "server.h"
#include "server_config.h"
#include "store.h"

#define ADMIN_MAX_GROUPS 64

static int usage(void)
{
        fprintf(stderr, "usage: team-server [--config FILE] admin user add NAME [--groups a,b]\n"
                        "       team-server [--config FILE] admin host add ID [--groups a,b]\n");
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

static int add(struct srv_store *store, bool host, const char *name, char **groups, char *token, size_t tlen)
{
        uint8_t hash[SRV_TOKEN_HASH_LEN];
        int r;

        r = auth_token_generate(token, tlen, hash);
        if (r < 0)
                return r;
        if (host) {
                struct srv_host h = { .id = (char *)name, .groups = groups };

                r = srv_store_host_add(store, &h, hash);
        } else {
                struct srv_user u = { .name = (char *)name, .groups = groups };

                r = srv_store_user_add(store, &u, hash);
        }
        OPENSSL_cleanse(hash, sizeof(hash));
        return r;
}

int admin_main(const struct server_config *cfg, int argc, char **argv)
{
        struct srv_store *store = NULL;
        const char *groups_arg = NULL, *kind, *name;
        char token[AUTH_TOKEN_LEN + 1] = "";
        char **groups = NULL, err[512] = "";
        bool host;
        int r, status = 1;

        /* argv: admin KIND add NAME [--groups G], the option anywhere */
        {
                const char *pos[4] = { 0 };
                int np = 0, i;

                for (i = 1; i < argc; i++) {
                        if (strcmp(argv[i], "--groups") == 0 && i + 1 < argc) {
                                groups_arg = argv[++i];
                        } else if (strncmp(argv[i], "--groups=", 9) == 0) {
                                groups_arg = argv[i] + 9;
                        } else if (argv[i][0] == '-' || np >= 3) {
                                return usage();
                        } else {
                                pos[np++] = argv[i];
                        }
                }
                if (np != 3 || strcmp(pos[1], "add") != 0)
                        return usage();
                kind = pos[0];
                name = pos[2];
        }
        if (strcmp(kind, "user") != 0 && strcmp(kind, "host") != 0)
                return usage();
        host = strcmp(kind, "host") == 0;
        if (!is_valid_token_name(name, SRV_MAX_NAME)) {
                fprintf(stderr, "team-server: \"%s\" is not a valid %s name (letters, digits, '.', '_', '-'; at "
                                "most %d)\n", name, kind, SRV_MAX_NAME);
                return 2;
        }
        r = split_groups(groups_arg, &groups);
        if (r < 0) {
                fprintf(stderr, "team-server: --groups: give up to %d names separated by commas\n",
                        ADMIN_MAX_GROUPS);
                return 2;
        }
        r = srv_store_open_sqlite(cfg->database, &store, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "team-server: %s\n", err[0] ? err : strerror(-r));
                goto out;
        }
        r = add(store, host, name, groups, token, sizeof(token));
        if (r == -EEXIST) {
                fprintf(stderr, "team-server: %s %s already exists\n", kind, name);
                goto out;
        }
        if (r < 0) {
                fprintf(stderr, "team-server: cannot add %s %s: %s\n", kind, name, strerror(-r));
                goto out;
        }
        printf("%s %s added; its token (shown once, keep it secret):\n%s\n", kind, name, token);
        fflush(stdout);
        status = 0;
out:
        OPENSSL_cleanse(token, sizeof(token));
        srv_strv_free(groups);
        srv_store_close(store);
        return status;
}
