/* SPDX-License-Identifier: BSD-3-Clause */
/* Lines of an audit export back to events; see audit_export.h. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "audit_chain.h"
#include "audit_export.h"
#include "json_util.h"

#define EXPORT_MAX_DEPTH 8

static struct json_object *member(struct json_object *o, const char *key, enum json_type type)
{
        struct json_object *v;

        if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
            !json_object_is_type(v, type))
                return NULL;
        return v;
}

/* A string member holding JSON: parsed (the caller puts it). */
static int parse_embedded(struct json_object *s, struct json_object **out, const char **why)
{
        return team_json_parse_object(json_object_get_string(s), (size_t)json_object_get_string_len(s),
                                      EXPORT_MAX_DEPTH, out, why);
}

/* Copies every member of src (an object, or absent) into dst; a key
 * already there must hold the same value. */
static int merge(struct json_object *dst, struct json_object *src, const char **why)
{
        if (!src)
                return 0;
        if (!json_object_is_type(src, json_type_object)) {
                *why = "a CloudTrail record part is not an object";
                return -EBADMSG;
        }
        json_object_object_foreach(src, k, v) {
                struct json_object *have;

                if (json_object_object_get_ex(dst, k, &have)) {
                        if (!json_object_equal(have, v)) {
                                *why = "a CloudTrail record gives one field two values";
                                return -EBADMSG;
                        }
                        continue;
                }
                if (team_json_add(dst, k, json_object_get(v)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* docs/audit.md, "From CloudTrail Lake back to the event". */
static int from_cloudtrail(struct json_object *rec, struct json_object **out, const char **why)
{
        struct json_object *ev = json_object_new_object(), *uid = member(rec, "UID", json_type_string);
        struct json_object *name = member(rec, "eventName", json_type_string);
        struct json_object *ident = member(rec, "userIdentity", json_type_object);
        struct json_object *t = ident ? member(ident, "type", json_type_string) : NULL;
        struct json_object *principal = ident ? member(ident, "principalId", json_type_string) : NULL;
        int r;

        *out = NULL;
        if (!ev)
                return -ENOMEM;
        if (!uid || !name) {
                *why = "a CloudTrail record without UID or eventName";
                r = -EBADMSG;
                goto fail;
        }
        if ((r = team_json_add(ev, "id", json_object_get(uid))) < 0 ||
            (r = team_json_add(ev, "type", json_object_get(name))) < 0)
                goto fail;
        if (t && principal && strcmp(json_object_get_string(t), "TeamUser") == 0 &&
            (r = team_json_add(ev, "user", json_object_get(principal))) < 0)
                goto fail;
        if ((r = merge(ev, ident ? member(ident, "details", json_type_object) : NULL, why)) < 0 ||
            (r = merge(ev, member(rec, "requestParameters", json_type_object), why)) < 0 ||
            (r = merge(ev, member(rec, "responseElements", json_type_object), why)) < 0 ||
            (r = merge(ev, member(rec, "additionalEventData", json_type_object), why)) < 0)
                goto fail;
        *out = ev;
        return 0;
fail:
        json_object_put(ev);
        return r;
}

/* A Lake query result row: [{"eventData": ..}, ..] into one object. */
static int row_to_object(struct json_object *arr, struct json_object **out, const char **why)
{
        struct json_object *o = json_object_new_object();
        int r = 0;

        *out = NULL;
        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(arr) && r == 0; i++)
                r = merge(o, json_object_array_get_idx(arr, i), why);
        if (r < 0) {
                json_object_put(o);
                return r;
        }
        *out = o;
        return 0;
}

/* root (consumed) to the event object (*ev, the caller's). */
static int to_event(struct json_object *root, struct json_object **ev, const char **why)
{
        struct json_object *v, *inner = NULL;
        int r;

        *ev = NULL;
        if ((v = member(root, "eventData", json_type_string))) {
                r = parse_embedded(v, &inner, why);
        } else if ((v = member(root, "eventData", json_type_object))) {
                inner = json_object_get(v);
                r = 0;
        } else if (member(root, "eventSource", json_type_string) && member(root, "UID", json_type_string)) {
                r = from_cloudtrail(root, ev, why);
                json_object_put(root);
                return r;
        } else if (!member(root, "type", json_type_string) &&
                   ((v = member(root, "message", json_type_string)) || (v = member(root, "@message", json_type_string)))) {
                r = parse_embedded(v, ev, why);
                json_object_put(root);
                return r;
        } else {
                *ev = root;
                return 0;
        }
        json_object_put(root);
        if (r < 0)
                return r;
        r = from_cloudtrail(inner, ev, why);
        json_object_put(inner);
        return r;
}

int team_audit_export_parse(const char *line, size_t len, struct team_audit_export_event *out, const char **why)
{
        struct json_object *root = NULL, *ev = NULL;
        enum json_tokener_error jerr;
        int r;

        memset(out, 0, sizeof(*out));
        *why = "not an audit event";
        if (len > TEAM_AUDIT_EXPORT_MAX_LINE || memchr(line, '\0', len)) {
                *why = "line too long or holds a NUL byte";
                return -EBADMSG;
        }
        if (len > 0 && line[0] == '[') {
                /* json-c's strict parse of an array, same bounds. */
                struct json_tokener *tok = json_tokener_new_ex(EXPORT_MAX_DEPTH);

                if (!tok)
                        return -ENOMEM;
                json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
                root = json_tokener_parse_ex(tok, line, (int)len);
                jerr = json_tokener_get_error(tok);
                r = root && jerr == json_tokener_success && json_tokener_get_parse_end(tok) == len &&
                            json_object_is_type(root, json_type_array)
                            ? 0
                            : -EBADMSG;
                json_tokener_free(tok);
                if (r == 0) {
                        struct json_object *o;

                        r = row_to_object(root, &o, why);
                        json_object_put(root);
                        root = o;
                } else {
                        json_object_put(root);
                        root = NULL;
                        *why = "not valid JSON";
                }
        } else {
                r = team_json_parse_object(line, len, EXPORT_MAX_DEPTH, &root, why);
        }
        if (r < 0)
                return r;
        r = to_event(root, &ev, why);
        if (r < 0)
                return r;
        r = team_audit_canonical(ev, TEAM_AUDIT_MAX_JSON, &out->canonical, &out->canonical_len);
        json_object_put(ev);
        if (r < 0) {
                *why = "the event is too large or holds a value no event has";
                goto fail;
        }
        r = team_audit_event_from_json(out->canonical, out->canonical_len, &out->parsed);
        if (r < 0) {
                *why = "not a pam_team audit event (a field is unknown, missing or malformed)";
                goto fail;
        }
        r = team_audit_hash(out->canonical, out->canonical_len, out->hash);
        if (r < 0)
                goto fail;
        return 0;
fail:
        team_audit_export_event_clear(out);
        return r;
}

void team_audit_export_event_clear(struct team_audit_export_event *e)
{
        if (!e)
                return;
        team_audit_event_parsed_clear(&e->parsed);
        free(e->canonical);
        memset(e, 0, sizeof(*e));
}
