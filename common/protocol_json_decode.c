/* SPDX-License-Identifier: BSD-3-Clause */
/* The JSON decoders of the teamd protocol (see protocol.h,
 * docs/protocol.md). Strict: they walk the field tables of protocol.c
 * (protocol_table.h) and refuse unknown fields, wrong types, over-long
 * strings, embedded NULs and control characters. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "json_util.h"
#include "protocol.h"
#include "protocol_table.h"

/* ---- decoding ---- */

/* True when buf holds the escape \u0000: a backslash that is not itself
 * escaped (an odd run of backslashes) followed by u0000. The text
 * "\\u0000" (an escaped backslash, then u0000) is no NUL. */
static bool has_escaped_nul(const char *buf, size_t len)
{
        const char *p = buf, *end = buf + len;

        while ((p = memmem(p, (size_t)(end - p), "\\u0000", 6)) != NULL) {
                size_t run = 1;

                while ((size_t)(p - buf) >= run && p[-(ptrdiff_t)run] == '\\')
                        run++;
                if (run % 2 == 1)
                        return true;
                p++;
        }
        return false;
}

/* buf -> a JSON object within the frame cap, with no NUL byte even
 * escaped, starting with '{' and ending with '}' (json-c consumes blanks
 * after the object; we want none at all); or -EBADMSG and why. */
static int parse_object(const char *buf, size_t len, struct json_object **out, const char **why)
{
        int r;

        *out = NULL;
        if (buf && len > TEAM_PROTO_MAX_FRAME) {
                *why = "payload too large";
                return -EBADMSG;
        }
        if (buf && len > 0) {
                if (memchr(buf, '\0', len) || has_escaped_nul(buf, len)) {
                        *why = "payload contains a NUL byte";
                        return -EBADMSG;
                }
                if (buf[0] != '{') {
                        *why = "payload is not a JSON object";
                        return -EBADMSG;
                }
        }
        r = team_json_parse_object(buf, len, PROTO_MAX_DEPTH, out, why);
        if (r == 0 && buf[len - 1] != '}') {
                *why = "trailing bytes after the JSON object";
                json_object_put(*out);
                *out = NULL;
                r = -EBADMSG;
        }
        return r;
}

static int decode_fields(struct json_object *obj, const struct field_table *table, unsigned op,
                         void *base, const char *const *skip, bool check_required, const char **why);

/* A malloc'd copy of a JSON string that passes field f's checks. */
static int decode_string(const struct field *f, struct json_object *val, char **out, const char **why)
{
        const char *s;
        int len;

        if (!json_object_is_type(val, json_type_string)) {
                *why = "field has the wrong type (want a string)";
                return -EBADMSG;
        }
        s = json_object_get_string(val);
        len = json_object_get_string_len(val);
        if (!s || len < 0) {
                *why = "malformed string";
                return -EBADMSG;
        }
        *why = proto_check_string(f, s, (size_t)len);
        if (*why)
                return -EBADMSG;
        *out = strndup(s, (size_t)len);
        return *out ? 0 : -ENOMEM;
}

static int decode_list(const struct field *f, struct json_object *val, void *base, unsigned op, const char **why)
{
        const struct list_field *lf = proto_list_field(f->name);
        char **elems = field_ptr(base, f);
        size_t i, n;
        int r;

        if (!lf)
                return -EINVAL;
        if (!json_object_is_type(val, json_type_array)) {
                *why = lf->not_array;
                return -EBADMSG;
        }
        n = json_object_array_length(val);
        r = proto_list_alloc(lf, f, base, n, why);
        for (i = 0; i < n && r == 0; i++) {
                struct json_object *g = json_object_array_get_idx(val, i);

                if (!json_object_is_type(g, json_type_object)) {
                        *why = lf->not_object;
                        return -EBADMSG;
                }
                r = decode_fields(g, lf->elem, op, *elems + i * lf->elem_size, NULL, true, why);
        }
        return r;
}

/* A JSON integer that passes field f's number rule. */
static int decode_number(const struct field *f, struct json_object *val, int64_t *out, const char **why)
{
        if (!json_object_is_type(val, json_type_int)) {
                *why = "field has the wrong type";
                return -EBADMSG;
        }
        *out = json_object_get_int64(val);
        *why = proto_check_number(f, *out);
        return *why ? -EBADMSG : 0;
}

static int decode_value(const struct field *f, struct json_object *val, void *base, unsigned op, const char **why)
{
        void *p = field_ptr(base, f);
        const char *s;
        int i;

        switch (f->type) {
        case FT_STR:
                return decode_string(f, val, (char **)p, why);
        case FT_BOOL:
                if (!json_object_is_type(val, json_type_boolean))
                        break;
                *(bool *)p = json_object_get_boolean(val);
                return 0;
        case FT_TIME:
        case FT_SECONDS:
        case FT_COUNT:
                return decode_number(f, val, p, why);
        case FT_DECISION:
        case FT_API_STATE:
                if (!json_object_is_type(val, json_type_string))
                        break;
                s = json_object_get_string(val);
                i = f->type == FT_DECISION ? proto_decision_from_string(s) : proto_api_state_from_string(s);
                if (i < 0) {
                        *why = f->type == FT_DECISION ? "unknown decision" : "unknown api_state";
                        return -EBADMSG;
                }
                if (f->type == FT_DECISION)
                        *(enum team_decision *)p = (enum team_decision)i;
                else
                        *(enum team_api_state *)p = (enum team_api_state)i;
                return 0;
        case FT_LIST:
                return decode_list(f, val, base, op, why);
        }
        *why = "field has the wrong type";
        return -EBADMSG;
}

static bool in_list(const char *const *list, const char *s)
{
        for (; list && *list; list++)
                if (strcmp(*list, s) == 0)
                        return true;
        return false;
}

/* Every member of obj must be in skip or a field of table that op allows. */
static int decode_fields(struct json_object *obj, const struct field_table *table, unsigned op,
                         void *base, const char *const *skip, bool check_required, const char **why)
{
        size_t i;
        int r;

        json_object_object_foreach(obj, key, val) {
                const struct field *f = NULL;

                if (in_list(skip, key))
                        continue;
                for (i = 0; i < table->n; i++) {
                        if ((table->fields[i].allowed & OP(op)) && strcmp(table->fields[i].name, key) == 0) {
                                f = &table->fields[i];
                                break;
                        }
                }
                if (!f) {
                        *why = "unknown field";
                        return -EBADMSG;
                }
                r = decode_value(f, val, base, op, why);
                if (r < 0)
                        return r;
        }
        if (!check_required)
                return 0;
        for (i = 0; i < table->n; i++) {
                const struct field *f = &table->fields[i];

                if ((f->required & OP(op)) && !json_object_object_get_ex(obj, f->name, NULL)) {
                        *why = "a required field is missing";
                        return -EBADMSG;
                }
        }
        return 0;
}

/* The start of every decode: a strict object carrying "v": TEAM_PROTO_VERSION. */
static int open_payload(const char *buf, size_t len, struct json_object **out, const char **why)
{
        struct json_object *v;
        int r;

        r = parse_object(buf, len, out, why);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(*out, "v", &v)) {
                *why = "missing protocol version \"v\"";
                r = -EBADMSG;
        } else if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != TEAM_PROTO_VERSION) {
                *why = "unsupported protocol version";
                r = -EBADMSG;
        }
        if (r < 0) {
                json_object_put(*out);
                *out = NULL;
        }
        return r;
}

int team_request_decode(const char *buf, size_t len, struct team_request *out, const char **why)
{
        static const char *const skip[] = { "v", "op", NULL };
        struct json_object *obj = NULL, *op;
        const char *dummy;
        int r;

        if (!why)
                why = &dummy;
        *why = NULL;
        if (!out)
                return -EINVAL;
        memset(out, 0, sizeof(*out));
        r = open_payload(buf, len, &obj, why);
        if (r < 0)
                return r;
        r = -EBADMSG;
        if (!json_object_object_get_ex(obj, "op", &op) || !json_object_is_type(op, json_type_string)) {
                *why = "missing op";
                goto out;
        }
        if (team_op_from_string(json_object_get_string(op), &out->op) < 0) {
                *why = "unknown op";
                goto out;
        }
        r = decode_fields(obj, &proto_request_table, out->op, out, skip, true, why);
out:
        if (r < 0)
                team_request_clear(out);
        json_object_put(obj);
        return r;
}

int team_response_decode(enum team_op op, const char *buf, size_t len, struct team_response *out, const char **why)
{
        static const char *const skip[] = { "v", "ok", "error", NULL };
        struct json_object *obj = NULL, *val;
        const char *dummy;
        int r;

        if (!why)
                why = &dummy;
        *why = NULL;
        if (!out || (unsigned)op >= TEAM_OP__MAX)
                return -EINVAL;
        memset(out, 0, sizeof(*out));
        r = open_payload(buf, len, &obj, why);
        if (r < 0)
                return r;
        r = -EBADMSG;
        if (!json_object_object_get_ex(obj, "ok", &val) || !json_object_is_type(val, json_type_boolean)) {
                *why = "missing or mistyped \"ok\"";
                goto out;
        }
        out->ok = json_object_get_boolean(val);
        if (json_object_object_get_ex(obj, "error", &val)) {
                r = decode_string(&proto_error_field, val, &out->error, why);
                if (r < 0)
                        goto out;
        } else if (!out->ok) {
                r = -EBADMSG;
                *why = "a refusal without \"error\"";
                goto out;
        }
        r = decode_fields(obj, &proto_response_table, op, out, skip, out->ok, why);
        if (r < 0)
                goto out;
        *why = proto_check_response(op, out);
        if (*why)
                r = -EBADMSG;
out:
        if (r < 0)
                team_response_clear(out);
        json_object_put(obj);
        return r;
}
