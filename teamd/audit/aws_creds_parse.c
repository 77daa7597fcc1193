/* SPDX-License-Identifier: BSD-3-Clause */
/* AWS credentials: the pure parsers (shared credentials file, ECS/IMDS
 * JSON, ISO 8601 times); see aws_creds.h. The shared file is read by hand,
 * not with inih: Debian's inih stops at 200-byte lines and session tokens
 * are longer. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "audit/aws_creds.h"
#include "json_util.h"

static const char *trim(const char *s, const char *end, size_t *len)
{
        while (s < end && (*s == ' ' || *s == '\t'))
                s++;
        while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
                end--;
        *len = (size_t)(end - s);
        return s;
}

static int set_field(char *dst, size_t cap, const char *v, size_t len)
{
        if (len == 0 || len >= cap || memchr(v, '\0', len))
                return -EBADMSG;
        memcpy(dst, v, len);
        dst[len] = '\0';
        return 0;
}

/* "[name]" (credentials file) or "[profile name]" (config file style). */
static bool section_is(const char *s, size_t len, const char *profile)
{
        size_t plen = strlen(profile);

        if (len < 2 || s[0] != '[' || s[len - 1] != ']')
                return false;
        s++;
        len -= 2;
        if (len > 8 && strncmp(s, "profile ", 8) == 0) {
                s += 8;
                len -= 8;
        }
        return len == plen && memcmp(s, profile, plen) == 0;
}

static int take_line(const char *key, size_t klen, const char *v, size_t vlen, struct aws_credentials *out)
{
        if (klen == 17 && memcmp(key, "aws_access_key_id", 17) == 0)
                return set_field(out->access_key_id, sizeof(out->access_key_id), v, vlen);
        if (klen == 21 && memcmp(key, "aws_secret_access_key", 21) == 0)
                return set_field(out->secret_access_key, sizeof(out->secret_access_key), v, vlen);
        if (klen == 17 && memcmp(key, "aws_session_token", 17) == 0)
                return set_field(out->session_token, sizeof(out->session_token), v, vlen);
        return 0;
}

int aws_creds_parse_file(const char *text, size_t len, const char *profile, struct aws_credentials *out)
{
        const char *p = text, *end = text + len;
        bool in = false;
        int r = 0;

        memset(out, 0, sizeof(*out));
        while (p < end && r == 0) {
                const char *nl = memchr(p, '\n', (size_t)(end - p)), *eq;
                const char *line_end = nl ? nl : end;
                size_t n, klen, vlen;
                const char *s = trim(p, line_end, &n), *k, *v;

                p = nl ? nl + 1 : end;
                if (n == 0 || s[0] == '#' || s[0] == ';')
                        continue;
                if (s[0] == '[') {
                        in = section_is(s, n, profile);
                        continue;
                }
                if (!in)
                        continue;
                eq = memchr(s, '=', n);
                if (!eq)
                        return -EBADMSG;
                k = trim(s, eq, &klen);
                v = trim(eq + 1, s + n, &vlen);
                r = take_line(k, klen, v, vlen, out);
        }
        if (r == 0 && (!out->access_key_id[0] || !out->secret_access_key[0]))
                r = -ENOENT;
        if (r < 0)
                explicit_bzero(out, sizeof(*out));
        return r;
}

int aws_parse_time(const char *s, int64_t *out)
{
        struct tm tm = { 0 };
        const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        time_t t;

        if (!end)
                return -EBADMSG;
        if (*end == '.') {
                end++;
                if (*end < '0' || *end > '9')
                        return -EBADMSG;
                while (*end >= '0' && *end <= '9')
                        end++;
        }
        if (strcmp(end, "Z") != 0 && strcmp(end, "+00:00") != 0)
                return -EBADMSG;
        t = timegm(&tm);
        if (t < 0) /* also timegm's -1 error: nothing valid is before 1970 */
                return -EBADMSG;
        *out = (int64_t)t;
        return 0;
}

static int json_field(struct json_object *o, const char *key, char *dst, size_t cap, bool required)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v))
                return required ? -EBADMSG : 0;
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        return set_field(dst, cap, json_object_get_string(v), (size_t)json_object_get_string_len(v));
}

int aws_creds_parse_json(const char *text, size_t len, struct aws_credentials *out)
{
        struct json_object *o = NULL, *v;
        const char *why;
        char when[64] = "";
        int r;

        memset(out, 0, sizeof(*out));
        r = team_json_parse_object(text, len, 4, &o, &why);
        if (r < 0)
                return r;
        /* IMDS says "Code": "Success"; anything else is a failure. */
        if (json_object_object_get_ex(o, "Code", &v) &&
            (!json_object_is_type(v, json_type_string) || strcmp(json_object_get_string(v), "Success") != 0))
                r = -EBADMSG;
        if (r == 0)
                r = json_field(o, "AccessKeyId", out->access_key_id, sizeof(out->access_key_id), true);
        if (r == 0)
                r = json_field(o, "SecretAccessKey", out->secret_access_key, sizeof(out->secret_access_key), true);
        if (r == 0)
                r = json_field(o, "Token", out->session_token, sizeof(out->session_token), false);
        if (r == 0)
                r = json_field(o, "Expiration", when, sizeof(when), false);
        if (r == 0 && when[0])
                r = aws_parse_time(when, &out->expiration);
        if (r < 0)
                explicit_bzero(out, sizeof(*out));
        json_object_put(o);
        return r;
}
