/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl grant add FILE|-: hand a signed grant to teamd (root). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json.h>

#include "client.h"
#include "format.h"
#include "jws.h"
#include "teamctl.h"

void cmd_grant_help(void)
{
        printf("Usage: teamctl [--config FILE] [--socket PATH] [--json] grant add FILE|-\n"
               "\n"
               "Hands a signed grant (a compact JWS, e.g. from team-sign-grant or an\n"
               "approver on another network) to teamd, which verifies it against the\n"
               "keys in trusted_keys and stores it. '-' reads the grant from stdin.\n"
               "Needs root: teamd accepts grants only on its root socket.\n"
               "\n"
               "Exit status: 0 stored (or already stored), 1 rejected (teamd says why),\n"
               "2 usage, 69 teamd unreachable, 78 configuration error.\n");
}

/* Reads at most TEAM_MAX_JWS bytes of token, whitespace trimmed. */
static int read_token(const char *path, char **out, char *err, size_t errlen)
{
        size_t cap = TEAM_MAX_JWS + 2, len = 0;
        char *buf = malloc(cap + 1);
        int fd, r = 0;

        if (!buf)
                return -ENOMEM;
        fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
                goto out;
        }
        while (len < cap) {
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
                        goto out;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' || buf[len - 1] == '\t'))
                len--;
        buf[len] = '\0';
        if (len == 0 || len > TEAM_MAX_JWS) {
                r = -EINVAL;
                snprintf(err, errlen, "%s: %s", path, len ? "too large for a grant" : "empty; expected a grant");
        }
out:
        if (fd > STDIN_FILENO)
                close(fd);
        if (r < 0)
                free(buf);
        else
                *out = buf;
        return r;
}

/* The "on HOST" part of the message: the audience claim, read from the token
 * teamd has just verified (display only). */
static void describe_claims(const char *jws, char *role, size_t rlen, char *aud, size_t alen)
{
        const char *p1 = strchr(jws, '.'), *p2 = p1 ? strchr(p1 + 1, '.') : NULL;
        struct json_object *o = NULL, *v;
        struct json_tokener *tok;
        uint8_t *payload = NULL;
        size_t n = 0;

        snprintf(role, rlen, "?");
        snprintf(aud, alen, "?");
        if (!p2 || team_b64url_decode(p1 + 1, (size_t)(p2 - p1 - 1), &payload, &n) < 0)
                return;
        tok = json_tokener_new();
        if (tok && n < (size_t)TEAM_MAX_JWS)
                o = json_tokener_parse_ex(tok, (const char *)payload, (int)n);
        json_tokener_free(tok);
        if (o && json_object_object_get_ex(o, "role", &v) && json_object_is_type(v, json_type_string))
                snprintf(role, rlen, "%s", json_object_get_string(v));
        if (o && json_object_object_get_ex(o, "aud", &v)) {
                if (json_object_is_type(v, json_type_string))
                        snprintf(aud, alen, "%s", json_object_get_string(v));
                else if (json_object_is_type(v, json_type_array))
                        snprintf(aud, alen, "%s", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
        }
        json_object_put(o);
        free(payload);
}

static int grant_add(struct teamctl *t, const char *path)
{
        struct team_request req = { .op = TEAM_OP_GRANT_ADD };
        struct team_response resp;
        char err[1024], until[64], rel[32], role[TEAM_MAX_ROLE + 1], aud[256];
        char *raw = NULL, *jws = NULL;
        int ret;

        if (read_token(path, &jws, err, sizeof(err)) < 0) {
                fprintf(stderr, "teamctl: %s\n", err);
                return TEAMCTL_EXIT_REFUSED;
        }
        req.jws = jws;
        ret = teamctl_call(teamctl_socket(t), &req, &resp, &raw, err, sizeof(err));
        if (ret != 0) {
                fprintf(stderr, "teamctl: %s\n", err);
                goto out;
        }
        if (t->json)
                printf("%s\n", raw);
        if (!resp.ok) {
                fprintf(stderr, "teamctl: grant rejected: %s\n", resp.error ? resp.error : "(no reason given)");
                ret = TEAMCTL_EXIT_REFUSED;
        } else if (!t->json) {
                describe_claims(req.jws, role, sizeof(role), aud, sizeof(aud));
                format_local_time(resp.expires, until, sizeof(until));
                format_relative(resp.expires, (int64_t)time(NULL), rel, sizeof(rel));
                printf("grant %s for %s on %s until %s (%s) stored\n", resp.grant_id, role, aud, until, rel);
        }
        team_response_clear(&resp);
out:
        free(raw);
        free(jws);
        return ret;
}

int cmd_grant(struct teamctl *t, int argc, char **argv)
{
        if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
                cmd_grant_help();
                return TEAMCTL_EXIT_OK;
        }
        if (argc != 2 || strcmp(argv[0], "add") != 0) {
                fprintf(stderr, "teamctl: usage: teamctl grant add FILE|-  (see teamctl help grant)\n");
                return TEAMCTL_EXIT_USAGE;
        }
        return grant_add(t, argv[1]);
}
