/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared plumbing of the central verbs; see central.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json.h>

#include "api_client.h"
#include "central.h"
#include "parse.h"
#include "request_obj.h"
#include "unconst.h"

int central_parse(struct teamctl *t, const char *verb, int argc, char **argv, const struct option *opts,
                  int (*on)(struct teamctl *t, int c, const char *arg, void *ud), void *ud, void (*help)(void),
                  char **pos, size_t npos_max, size_t *npos)
{
        char **args = calloc((size_t)argc + 2, sizeof(char *));
        int c, ret;

        if (!args) {
                fprintf(stderr, "teamctl: out of memory\n");
                return EX_OSERR;
        }
        /* getopt wants argv[0]; the verb stands in for it. */
        args[0] = team_unconst(verb);
        for (int i = 0; i < argc; i++)
                args[i + 1] = argv[i];
        args[argc + 1] = NULL;
        *npos = 0;
        optind = 0;
        opterr = 0;
        /* GNU getopt permutes: operands end up after the options. */
        while ((c = getopt_long(argc + 1, args, ":", opts, NULL)) != -1) {
                switch (c) {
                case CENTRAL_OPT_SERVER:
                        t->server = optarg;
                        break;
                case CENTRAL_OPT_CACERT:
                        t->cacert = optarg;
                        break;
                case CENTRAL_OPT_JSON:
                        t->json = true;
                        break;
                case CENTRAL_OPT_HELP:
                        help();
                        ret = CENTRAL_HELP_SHOWN;
                        goto out;
                case ':':
                        fprintf(stderr, "teamctl: %s: %s needs a value (see teamctl help %s)\n", verb,
                                args[optind - 1], verb);
                        ret = TEAMCTL_EXIT_USAGE;
                        goto out;
                case '?':
                        fprintf(stderr, "teamctl: %s: unknown option '%s' (see teamctl help %s)\n", verb,
                                args[optind - 1], verb);
                        ret = TEAMCTL_EXIT_USAGE;
                        goto out;
                default:
                        ret = on ? on(t, c, optarg, ud) : TEAMCTL_EXIT_USAGE;
                        if (ret != 0)
                                goto out;
                        break;
                }
        }
        ret = 0;
        while (optind < argc + 1) {
                if (*npos == npos_max) {
                        fprintf(stderr, "teamctl: %s: unexpected argument '%s' (see teamctl help %s)\n", verb,
                                args[optind], verb);
                        ret = TEAMCTL_EXIT_USAGE;
                        goto out;
                }
                pos[(*npos)++] = args[optind++];
        }
out:
        free(args);
        return ret;
}

int central_open(struct teamctl *t, struct api_client **out)
{
        struct api_config cfg = { .server = t->server, .cacert = t->cacert };
        char err[1024];
        int ret = api_client_new(&cfg, out, err, sizeof(err));

        if (ret != 0)
                fprintf(stderr, "teamctl: %s\n", err);
        return ret;
}

int central_call(struct api_client *api, const char *method, const char *path, struct json_object *body,
                 struct json_object **out)
{
        char err[1024];
        int ret = api_call(api, method, path, body, out, err, sizeof(err));

        if (ret != 0)
                fprintf(stderr, "teamctl: %s\n", err);
        return ret;
}

int central_print_request(struct teamctl *t, struct json_object *o, const char *headline)
{
        struct api_request r;
        char err[256];

        if (api_request_decode(o, &r, err, sizeof(err)) < 0) {
                fprintf(stderr, "teamctl: %s; is TEAM_SERVER the team-server?\n", err);
                return TEAMCTL_EXIT_UNAVAILABLE;
        }
        if (t->json) {
                printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        } else {
                if (headline)
                        printf("%s\n", headline);
                api_request_print(&r, (int64_t)time(NULL));
        }
        api_request_clear(&r);
        return 0;
}

int central_check_id(const char *verb, const char *id, char prefix)
{
        if (id[0] == prefix && id[1] == '_' && is_valid_token_name(id, 64))
                return 0;
        fprintf(stderr, "teamctl: %s: '%s' is not a %s id (%c_ followed by hex; see teamctl list)\n", verb, id,
                prefix == 'r' ? "request" : "grant", prefix);
        return TEAMCTL_EXIT_USAGE;
}

int central_status_exit(const char *status)
{
        if (strcmp(status, "approved") == 0 || strcmp(status, "active") == 0)
                return TEAMCTL_EXIT_OK;
        if (strcmp(status, "denied") == 0)
                return TEAMCTL_EXIT_DENIED;
        if (strcmp(status, "cancelled") == 0)
                return TEAMCTL_EXIT_CANCELLED;
        if (strcmp(status, "expired") == 0 || strcmp(status, "revoked") == 0)
                return TEAMCTL_EXIT_EXPIRED;
        return -1;
}
