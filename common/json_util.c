/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON helpers (see json_util.h). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <json.h>

#include "json_util.h"

int team_json_parse_object(const char *buf, size_t len, int max_depth, struct json_object **out,
                           const char **why)
{
        struct json_tokener *tok;
        struct json_object *obj = NULL;
        enum json_tokener_error jerr;
        int r = -EBADMSG;

        *out = NULL;
        if (!buf || len == 0) {
                *why = "empty payload";
                return -EBADMSG;
        }
        if (memchr(buf, '\0', len)) {
                *why = "payload contains a NUL byte";
                return -EBADMSG;
        }
        tok = json_tokener_new_ex(max_depth);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        obj = json_tokener_parse_ex(tok, buf, (int)len);
        jerr = json_tokener_get_error(tok);
        if (!obj || jerr != json_tokener_success) {
                *why = jerr == json_tokener_error_depth ? "JSON nested too deeply" : "malformed JSON";
                goto out;
        }
        if (json_tokener_get_parse_end(tok) != len) {
                *why = "trailing bytes after the JSON object";
                goto out;
        }
        if (!json_object_is_type(obj, json_type_object)) {
                *why = "payload is not a JSON object";
                goto out;
        }
        *out = obj;
        obj = NULL;
        r = 0;
out:
        json_object_put(obj);
        json_tokener_free(tok);
        return r;
}

int team_json_add(struct json_object *obj, const char *key, struct json_object *val)
{
        if (!val)
                return -ENOMEM;
        if (json_object_object_add(obj, key, val) < 0) {
                json_object_put(val);
                return -ENOMEM;
        }
        return 0;
}

int team_json_to_text(struct json_object *obj, size_t max, char **out, size_t *len)
{
        const char *text;
        size_t n = 0;

        text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
        if (!text)
                return -ENOMEM;
        if (n == 0 || n > max)
                return -EMSGSIZE;
        *out = strndup(text, n);
        if (!*out)
                return -ENOMEM;
        if (len)
                *len = n;
        return 0;
}
