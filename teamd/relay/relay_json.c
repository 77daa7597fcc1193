/* SPDX-License-Identifier: BSD-3-Clause */
/* The relay's JSON: the body it POSTs and the request objects and errors
 * the central API answers (docs/api.md). Whatever the API says is untrusted
 * text on its way to a terminal: every string is checked or sanitized and
 * capped before it enters a protocol answer. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "json_util.h"
#include "parse.h"
#include "relay/relay_private.h"

#define API_MAX_DEPTH 8

/* Length of the valid UTF-8 sequence at p (at most left bytes), 0 if
 * invalid: no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
        size_t n;
        unsigned char lo = 0x80, hi = 0xbf;

        if (p[0] < 0x80)
                return 1;
        if (p[0] >= 0xc2 && p[0] <= 0xdf)
                n = 2;
        else if (p[0] >= 0xe0 && p[0] <= 0xef)
                n = 3;
        else if (p[0] >= 0xf0 && p[0] <= 0xf4)
                n = 4;
        else
                return 0;
        if (p[0] == 0xe0)
                lo = 0xa0;
        else if (p[0] == 0xed)
                hi = 0x9f;
        else if (p[0] == 0xf0)
                lo = 0x90;
        else if (p[0] == 0xf4)
                hi = 0x8f;
        if (n > left || p[1] < lo || p[1] > hi)
                return 0;
        for (size_t i = 2; i < n; i++)
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
        return n;
}

char *relay_text(const char *s, size_t cap)
{
        size_t len = strlen(s), i = 0;
        unsigned char *out;

        if (len > cap) {
                len = cap;
                /* back off to a character boundary */
                while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
                        len--;
        }
        out = (unsigned char *)strndup(s, len);
        if (!out)
                return NULL;
        /* Control characters (C0, DEL, C1) and bytes that are not valid
         * UTF-8 become '?': the text ends up on terminals and in logs. */
        while (i < len) {
                size_t n = utf8_len(out + i, len - i);

                if (n == 0 || (n == 1 && (out[i] < 0x20 || out[i] == 0x7f))) {
                        out[i++] = '?';
                } else if (n == 2 && out[i] == 0xc2 && out[i + 1] <= 0x9f) {
                        out[i++] = '?';
                        out[i++] = '?';
                } else {
                        i += n;
                }
        }
        return (char *)out;
}

static const char *get_string(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

/* "bob, carol" from the approvers array: valid names only, within the cap. */
static char *join_approvers(struct json_object *o)
{
        struct json_object *arr;
        char buf[TEAM_MAX_APPROVERS + 1] = "";
        size_t used = 0, n;

        if (json_object_object_get_ex(o, "approvers", &arr) && json_object_is_type(arr, json_type_array)) {
                n = json_object_array_length(arr);
                for (size_t i = 0; i < n; i++) {
                        struct json_object *v = json_object_array_get_idx(arr, i);
                        const char *name = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
                        size_t len;

                        if (!name || !is_valid_token_name(name, 64))
                                continue;
                        len = strlen(name);
                        /* Room for ", NAME" and, after it, ", ..." and the NUL. */
                        if (used + 2 + len + 6 > sizeof(buf)) {
                                memcpy(buf + used, used ? ", ..." : "...", used ? 6 : 4);
                                used += used ? 5 : 3;
                                break;
                        }
                        if (used) {
                                memcpy(buf + used, ", ", 2);
                                used += 2;
                        }
                        memcpy(buf + used, name, len + 1);
                        used += len;
                }
        }
        return strdup(buf);
}

/* "bob: not now" of the last decision, for a denial's message. */
static char *last_decision(struct json_object *o)
{
        struct json_object *arr, *last;
        const char *by, *comment;
        char buf[TEAM_MAX_REASON / 2];
        size_t n;

        if (!json_object_object_get_ex(o, "decisions", &arr) || !json_object_is_type(arr, json_type_array))
                return NULL;
        n = json_object_array_length(arr);
        if (n == 0)
                return NULL;
        last = json_object_array_get_idx(arr, n - 1);
        if (!json_object_is_type(last, json_type_object))
                return NULL;
        by = get_string(last, "by");
        comment = get_string(last, "comment");
        if (!by || !is_valid_token_name(by, 64))
                return NULL;
        snprintf(buf, sizeof(buf), "%s%s%s", by, comment && *comment ? ": " : "", comment ? comment : "");
        return relay_text(buf, sizeof(buf) - 1);
}

int relay_answer_parse(const char *body, size_t len, struct relay_answer *out)
{
        struct json_object *o = NULL, *v, *g;
        const char *why = NULL, *s;
        int r = -EBADMSG;

        memset(out, 0, sizeof(*out));
        if (!body || len == 0 || team_json_parse_object(body, len, API_MAX_DEPTH, &o, &why) < 0)
                return -EBADMSG;
        s = get_string(o, "id");
        if (!s || !is_valid_token_name(s, TEAM_MAX_ID))
                goto out;
        out->id = strdup(s);
        s = get_string(o, "status");
        if (!s || !is_valid_token_name(s, TEAM_MAX_REQUEST_STATUS))
                goto out;
        out->status = strdup(s);
        if (json_object_object_get_ex(o, "expires_at", &v) && json_object_is_type(v, json_type_int))
                out->expires_at = json_object_get_int64(v);
        if (out->expires_at < 0 || out->expires_at > INT64_C(253402300799))
                out->expires_at = 0;
        out->approvers = join_approvers(o);
        out->last_comment = last_decision(o);
        if (json_object_object_get_ex(o, "grant", &g) && json_object_is_type(g, json_type_object)) {
                s = get_string(g, "jws");
                if (s && strlen(s) <= TEAM_MAX_JWS)
                        out->jws = strdup(s);
                s = get_string(g, "id");
                if (s && is_valid_token_name(s, TEAM_MAX_ID))
                        out->grant_id = strdup(s);
        }
        r = out->id && out->status && out->approvers ? 0 : -ENOMEM;
out:
        json_object_put(o);
        if (r < 0)
                relay_answer_clear(out);
        return r;
}

void relay_answer_clear(struct relay_answer *a)
{
        if (!a)
                return;
        free(a->id);
        free(a->status);
        free(a->approvers);
        free(a->jws);
        free(a->grant_id);
        free(a->last_comment);
        memset(a, 0, sizeof(*a));
}

char *relay_error_message(const char *body, size_t len)
{
        struct json_object *o = NULL;
        const char *why = NULL, *s;
        char *out = NULL;

        if (!body || len == 0 || team_json_parse_object(body, len, API_MAX_DEPTH, &o, &why) < 0)
                return NULL;
        s = get_string(o, "message");
        if (s && *s)
                out = relay_text(s, TEAM_MAX_REASON - 64);
        json_object_put(o);
        return out;
}

char *relay_request_body(const char *host, const char *user, const struct team_request *req)
{
        struct json_object *b = json_object_new_object();
        char *out = NULL;
        int r = b ? 0 : -ENOMEM;

        if (r == 0)
                r = team_json_add(b, "role", json_object_new_string(req->role));
        if (r == 0)
                r = team_json_add(b, "host", json_object_new_string(host));
        if (r == 0)
                r = team_json_add(b, "user", json_object_new_string(user));
        if (r == 0)
                r = team_json_add(b, "duration", json_object_new_int64(req->duration));
        if (r == 0 && req->reason)
                r = team_json_add(b, "reason", json_object_new_string(req->reason));
        if (r == 0 && req->ticket)
                r = team_json_add(b, "ticket", json_object_new_string(req->ticket));
        if (r == 0)
                out = strdup(json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN));
        json_object_put(b);
        return out;
}
