/* SPDX-License-Identifier: BSD-3-Clause */
/* Strict request bodies (see json_body.h): one table of fields per
 * endpoint, one generic checker. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "claim_text.h"
#include "json_body.h"
#include "json_util.h"
#include "parse.h"

#define BODY_MAX_DEPTH 4

enum field_type {
        F_NAME,         /* is_valid_token_name() */
        F_TEXT,         /* printable text (no control characters), 1..max bytes */
        F_UINT,         /* JSON integer in [min, max] */
};

struct field {
        const char *name;
        enum field_type type;
        bool required;
        bool nullable;  /* null allowed (= absent) */
        uint64_t min, max;
        size_t offset;
};

static int check_string(const struct field *f, struct json_object *v, void *out, char *err, size_t errlen)
{
        const char *s = json_object_get_string(v);
        size_t len = (size_t)json_object_get_string_len(v);
        char *copy;
        int r;

        if (strlen(s) != len) {
                snprintf(err, errlen, "field \"%s\" contains a NUL character", f->name);
                return -EINVAL;
        }
        if (len < (f->min ? f->min : 1) || len > f->max) {
                snprintf(err, errlen, "field \"%s\" must be %llu to %llu bytes long", f->name,
                         (unsigned long long)(f->min ? f->min : 1), (unsigned long long)f->max);
                return -EINVAL;
        }
        if (f->type == F_NAME && !is_valid_token_name(s, (size_t)f->max)) {
                snprintf(err, errlen,
                         "field \"%s\" is not a valid name (letters, digits, '.', '_' and '-', not starting with '.')",
                         f->name);
                return -EINVAL;
        }
        r = team_claim_text_check(s, len, (size_t)f->max);
        if (r < 0) {
                snprintf(err, errlen, "field \"%s\" %s", f->name, team_claim_text_strerror(r));
                return -EINVAL;
        }
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        *(char **)out = copy;
        return 0;
}

static int check_uint(const struct field *f, struct json_object *v, void *out, char *err, size_t errlen)
{
        int64_t n;

        if (!json_object_is_type(v, json_type_int)) {
                snprintf(err, errlen, "field \"%s\" must be an integer", f->name);
                return -EINVAL;
        }
        errno = 0;
        n = json_object_get_int64(v);
        if (n < 0 || (uint64_t)n < f->min || (uint64_t)n > f->max) {
                snprintf(err, errlen, "field \"%s\" must be an integer from %llu to %llu", f->name,
                         (unsigned long long)f->min, (unsigned long long)f->max);
                return -EINVAL;
        }
        *(uint64_t *)out = (uint64_t)n;
        return 0;
}

static int check_field(const struct field *f, struct json_object *v, void *target, char *err, size_t errlen)
{
        void *out = (char *)target + f->offset;

        if (!v) {
                if (f->nullable && !f->required)
                        return 0;
                snprintf(err, errlen, "field \"%s\" must not be null", f->name);
                return -EINVAL;
        }
        if (f->type == F_UINT)
                return check_uint(f, v, out, err, errlen);
        if (!json_object_is_type(v, json_type_string)) {
                snprintf(err, errlen, "field \"%s\" must be a string", f->name);
                return -EINVAL;
        }
        return check_string(f, v, out, err, errlen);
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool blank(const char *body, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (!is_blank(body[i]))
                        return false;
        return true;
}

/* Parses the whole of body as one JSON object (team_json_parse_object's
 * rules). White space may follow it: clients end bodies with a newline,
 * and json-c stops reading at the closing brace. */
static int parse_object(const char *body, size_t len, struct json_object **out, char *err, size_t errlen)
{
        const char *why = NULL;
        int r;

        *out = NULL;
        if (len > INT32_MAX) {
                snprintf(err, errlen, "the body is not JSON text");
                return -EINVAL;
        }
        while (len > 0 && is_blank(body[len - 1]))
                len--;
        r = team_json_parse_object(body, len, BODY_MAX_DEPTH, out, &why);
        if (r == -EBADMSG) {
                snprintf(err, errlen, "the body is not one JSON object (%s)", why);
                r = -EINVAL;
        }
        return r;
}

/* Checks body against fields, storing into target. On error target may
 * hold some copied strings: the caller clears it. */
static int parse_fields(const char *body, size_t len, const struct field *fields, size_t n, void *target,
                        char *err, size_t errlen)
{
        struct json_object *obj = NULL;
        size_t i;
        int r = 0;

        if (err && errlen)
                err[0] = '\0';
        if (!body || blank(body, len))
                obj = json_object_new_object();
        else
                r = parse_object(body, len, &obj, err, errlen);
        if (r < 0)
                return r;
        if (!obj)
                return -ENOMEM;
        json_object_object_foreach(obj, key, val) {
                bool known = false;

                (void)val;
                for (i = 0; i < n && !known; i++)
                        known = strcmp(fields[i].name, key) == 0;
                if (!known) {
                        snprintf(err, errlen, "unknown field \"%.64s\"", key);
                        r = -EINVAL;
                        goto out;
                }
        }
        for (i = 0; i < n; i++) {
                struct json_object *v = NULL;
                bool present = json_object_object_get_ex(obj, fields[i].name, &v);

                if (!present) {
                        if (fields[i].required) {
                                snprintf(err, errlen, "field \"%s\" is required", fields[i].name);
                                r = -EINVAL;
                                goto out;
                        }
                        continue;
                }
                r = check_field(&fields[i], v, target, err, errlen);
                if (r < 0)
                        goto out;
        }
out:
        json_object_put(obj);
        return r;
}

#define RC(f) offsetof(struct body_request_create, f)
static const struct field request_create_fields[] = {
        { "role", F_NAME, true, false, 1, JSON_BODY_NAME_MAX, RC(role) },
        { "host", F_NAME, true, false, 1, JSON_BODY_NAME_MAX, RC(host) },
        { "duration", F_UINT, true, false, 1, JSON_BODY_DURATION_MAX, RC(duration) },
        { "reason", F_TEXT, false, true, 1, JSON_BODY_REASON_MAX, RC(reason) },
        { "ticket", F_TEXT, false, true, 1, JSON_BODY_TICKET_MAX, RC(ticket) },
        { "start_at", F_UINT, false, true, 0, JSON_BODY_EPOCH_MAX, RC(start_at) },
        { "user", F_NAME, false, true, 1, JSON_BODY_NAME_MAX, RC(user) },
};

#define DC(f) offsetof(struct body_decision, f)
static const struct field decision_fields[] = {
        { "comment", F_TEXT, false, true, 1, JSON_BODY_COMMENT_MAX, DC(comment) },
};

#define RV(f) offsetof(struct body_revoke, f)
static const struct field revoke_fields[] = {
        { "reason", F_TEXT, false, true, 1, JSON_BODY_REASON_MAX, RV(reason) },
};

#define EX(f) offsetof(struct body_extend, f)
static const struct field extend_fields[] = {
        { "duration", F_UINT, true, false, 1, JSON_BODY_DURATION_MAX, EX(duration) },
        { "reason", F_TEXT, false, true, 1, JSON_BODY_REASON_MAX, EX(reason) },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Frees the strings the table names and zeroes target (NULL-safe): every
 * char * of a body struct is in its table. */
static void clear_fields(const struct field *fields, size_t n, void *target, size_t size)
{
        if (!target)
                return;
        for (size_t i = 0; i < n; i++)
                if (fields[i].type != F_UINT)
                        free(*(char **)((char *)target + fields[i].offset));
        memset(target, 0, size);
}

/* parse_fields() into a zeroed target, cleared again on error. */
static int parse_body(const char *body, size_t len, const struct field *fields, size_t n, void *target,
                      size_t size, char *err, size_t errlen)
{
        int r;

        memset(target, 0, size);
        r = parse_fields(body, len, fields, n, target, err, errlen);
        if (r < 0)
                clear_fields(fields, n, target, size);
        return r;
}

void body_request_create_clear(struct body_request_create *b)
{
        clear_fields(request_create_fields, N(request_create_fields), b, sizeof(*b));
}

void body_decision_clear(struct body_decision *b)
{
        clear_fields(decision_fields, N(decision_fields), b, sizeof(*b));
}

void body_revoke_clear(struct body_revoke *b)
{
        clear_fields(revoke_fields, N(revoke_fields), b, sizeof(*b));
}

void body_extend_clear(struct body_extend *b)
{
        clear_fields(extend_fields, N(extend_fields), b, sizeof(*b));
}

int json_body_request_create(const char *body, size_t len, struct body_request_create *out, char *err,
                             size_t errlen)
{
        return parse_body(body, len, request_create_fields, N(request_create_fields), out, sizeof(*out), err,
                          errlen);
}

int json_body_decision(const char *body, size_t len, struct body_decision *out, char *err, size_t errlen)
{
        return parse_body(body, len, decision_fields, N(decision_fields), out, sizeof(*out), err, errlen);
}

int json_body_revoke(const char *body, size_t len, struct body_revoke *out, char *err, size_t errlen)
{
        return parse_body(body, len, revoke_fields, N(revoke_fields), out, sizeof(*out), err, errlen);
}

int json_body_extend(const char *body, size_t len, struct body_extend *out, char *err, size_t errlen)
{
        return parse_body(body, len, extend_fields, N(extend_fields), out, sizeof(*out), err, errlen);
}
