/* SPDX-License-Identifier: BSD-3-Clause */
/* CloudTrail Lake PutAuditEvents answers; see cloudtrail_response.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "audit/cloudtrail_response.h"
#include "json_util.h"
#include "printable.h"

#define MAX_DEPTH 6

bool cloudtrail_id_is_valid(const char *s, size_t len)
{
        if (len < 1 || len > CLOUDTRAIL_MAX_ID)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_'))
                        return false;
        }
        return true;
}

static bool code_is_valid(const char *s, size_t len)
{
        if (len < 1 || len > CLOUDTRAIL_MAX_CODE)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.'))
                        return false;
        }
        return true;
}

/* A required string member, checked by valid() (or printable when NULL),
 * copied into dst (cap bytes with the NUL). */
static int get_string(struct json_object *o, const char *key, size_t max, bool (*valid)(const char *, size_t),
                      char *dst, size_t cap, const char **why)
{
        struct json_object *v;
        const char *s;
        size_t len;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
                *why = "entry member missing or not a string";
                return -EBADMSG;
        }
        s = json_object_get_string(v);
        len = (size_t)json_object_get_string_len(v);
        if (len < 1 || len > max || len >= cap || memchr(s, '\0', len) ||
            (valid ? !valid(s, len) : !team_text_is_printable(s, len))) {
                *why = "entry member empty, too long or with bad characters";
                return -EBADMSG;
        }
        memcpy(dst, s, len);
        dst[len] = '\0';
        return 0;
}

static int get_list(struct json_object *top, const char *key, struct json_object **arr, size_t *n, const char **why)
{
        if (!json_object_object_get_ex(top, key, arr) || !json_object_is_type(*arr, json_type_array)) {
                *why = "successful/failed missing or not a list";
                return -EBADMSG;
        }
        *n = json_object_array_length(*arr);
        if (*n > CLOUDTRAIL_MAX_ENTRIES) {
                *why = "more than 100 entries";
                return -EBADMSG;
        }
        return 0;
}

static int parse_ok(struct json_object *arr, size_t n, struct cloudtrail_response *out, const char **why)
{
        for (size_t i = 0; i < n; i++) {
                struct json_object *e = json_object_array_get_idx(arr, i);
                struct cloudtrail_ok *ok = &out->ok[i];
                int r;

                if (!json_object_is_type(e, json_type_object)) {
                        *why = "entry is not an object";
                        return -EBADMSG;
                }
                r = get_string(e, "id", CLOUDTRAIL_MAX_ID, cloudtrail_id_is_valid, ok->id, sizeof(ok->id), why);
                if (r == 0)
                        r = get_string(e, "eventID", CLOUDTRAIL_MAX_ID, cloudtrail_id_is_valid, ok->event_id,
                                       sizeof(ok->event_id), why);
                if (r < 0)
                        return r;
                out->n_ok = i + 1;
        }
        return 0;
}

static int parse_failed(struct json_object *arr, size_t n, struct cloudtrail_response *out, const char **why)
{
        for (size_t i = 0; i < n; i++) {
                struct json_object *e = json_object_array_get_idx(arr, i);
                struct cloudtrail_failed *f = &out->failed[i];
                int r;

                if (!json_object_is_type(e, json_type_object)) {
                        *why = "entry is not an object";
                        return -EBADMSG;
                }
                r = get_string(e, "id", CLOUDTRAIL_MAX_ID, cloudtrail_id_is_valid, f->id, sizeof(f->id), why);
                if (r == 0)
                        r = get_string(e, "errorCode", CLOUDTRAIL_MAX_CODE, code_is_valid, f->code, sizeof(f->code),
                                       why);
                if (r == 0)
                        r = get_string(e, "errorMessage", CLOUDTRAIL_MAX_MESSAGE, NULL, f->message,
                                       sizeof(f->message), why);
                if (r < 0)
                        return r;
                out->n_failed = i + 1;
        }
        return 0;
}

/* The same id twice in one answer is not something we can act on. */
static int check_unique(const struct cloudtrail_response *out, const char **why)
{
        for (size_t i = 0; i < out->n_ok + out->n_failed; i++) {
                const char *a = i < out->n_ok ? out->ok[i].id : out->failed[i - out->n_ok].id;

                for (size_t j = i + 1; j < out->n_ok + out->n_failed; j++) {
                        const char *b = j < out->n_ok ? out->ok[j].id : out->failed[j - out->n_ok].id;

                        if (strcmp(a, b) == 0) {
                                *why = "an id appears twice in the answer";
                                return -EBADMSG;
                        }
                }
        }
        return 0;
}

int cloudtrail_response_parse(const char *buf, size_t len, struct cloudtrail_response *out, const char **why)
{
        struct json_object *top = NULL, *ok, *failed;
        const char *dummy;
        size_t n_ok = 0, n_failed = 0;
        int r;

        if (!why)
                why = &dummy;
        *why = NULL;
        out->n_ok = out->n_failed = 0;
        if (len > CLOUDTRAIL_MAX_RESPONSE) {
                *why = "answer too large";
                return -EBADMSG;
        }
        r = team_json_parse_object(buf, len, MAX_DEPTH, &top, why);
        if (r < 0)
                return r;
        r = get_list(top, "successful", &ok, &n_ok, why);
        if (r == 0)
                r = get_list(top, "failed", &failed, &n_failed, why);
        if (r == 0)
                r = parse_ok(ok, n_ok, out, why);
        if (r == 0)
                r = parse_failed(failed, n_failed, out, why);
        if (r == 0)
                r = check_unique(out, why);
        if (r < 0)
                out->n_ok = out->n_failed = 0;
        json_object_put(top);
        return r;
}

static void copy_member(struct json_object *top, const char *const *keys, char *dst, size_t cap)
{
        struct json_object *v;

        dst[0] = '\0';
        for (; *keys; keys++) {
                if (!json_object_object_get_ex(top, *keys, &v) || !json_object_is_type(v, json_type_string))
                        continue;
                const char *s = json_object_get_string(v);
                const char *hash = strrchr(s, '#');
                size_t n;

                if (hash && strcmp(*keys, "__type") == 0)
                        s = hash + 1;
                n = strnlen(s, cap - 1);
                if (!team_text_is_printable(s, n))
                        continue;
                memcpy(dst, s, n);
                dst[n] = '\0';
                return;
        }
}

int cloudtrail_error_parse(const char *buf, size_t len, char *code, size_t codelen, char *message,
                           size_t messagelen)
{
        static const char *const code_keys[] = { "__type", "code", "Code", NULL };
        static const char *const msg_keys[] = { "message", "Message", NULL };
        struct json_object *top = NULL;
        const char *why;
        int r;

        if (codelen == 0 || messagelen == 0)
                return -EINVAL;
        code[0] = message[0] = '\0';
        if (len > CLOUDTRAIL_MAX_RESPONSE)
                return -EBADMSG;
        r = team_json_parse_object(buf, len, MAX_DEPTH, &top, &why);
        if (r < 0)
                return r;
        copy_member(top, code_keys, code, codelen);
        copy_member(top, msg_keys, message, messagelen);
        json_object_put(top);
        return 0;
}

bool cloudtrail_error_is_retryable(const char *code)
{
        static const char *const permanent[] = {
                "FieldTooLong", "FieldNotFound", "InvalidChecksum", "InvalidData", "InvalidRecipient",
                "InvalidEventSource",
                NULL,
        };

        if (!code || !code[0])
                return true;
        for (const char *const *p = permanent; *p; p++)
                if (strcmp(code, *p) == 0)
                        return false;
        return true;
}
