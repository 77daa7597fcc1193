/* SPDX-License-Identifier: BSD-3-Clause */
/* See request_obj.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json.h>

#include "format.h"
#include "parse.h"
#include "request_obj.h"
#include "text.h"

#define STR_MAX 4096   /* sanitized copy, bytes */

enum need { OPTIONAL, REQUIRED };

/* A string (or, when optional, null/absent -> NULL), sanitized. */
static int get_str(struct json_object *o, const char *key, enum need need, char **out, char *err, size_t errlen)
{
        struct json_object *v = NULL;
        char buf[STR_MAX];

        *out = NULL;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
                if (need == OPTIONAL)
                        return 0;
                snprintf(err, errlen, "the server's answer lacks \"%s\"", key);
                return -EINVAL;
        }
        if (!json_object_is_type(v, json_type_string)) {
                snprintf(err, errlen, "the server's \"%s\" is not a string", key);
                return -EINVAL;
        }
        text_sanitize(json_object_get_string(v), buf, sizeof(buf));
        *out = strdup(buf);
        return *out ? 0 : -ENOMEM;
}

static int get_int(struct json_object *o, const char *key, enum need need, int64_t *out, char *err, size_t errlen)
{
        struct json_object *v = NULL;

        *out = 0;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
                if (need == OPTIONAL)
                        return 0;
                snprintf(err, errlen, "the server's answer lacks \"%s\"", key);
                return -EINVAL;
        }
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0) {
                snprintf(err, errlen, "the server's \"%s\" is not a non-negative integer", key);
                return -EINVAL;
        }
        *out = json_object_get_int64(v);
        return 0;
}

static int get_decisions(struct json_object *o, struct api_request *r, char *err, size_t errlen)
{
        struct json_object *a = NULL;
        size_t n, i;
        int ret = 0;

        if (!json_object_object_get_ex(o, "decisions", &a) || json_object_is_type(a, json_type_null))
                return 0;
        if (!json_object_is_type(a, json_type_array)) {
                snprintf(err, errlen, "the server's \"decisions\" is not an array");
                return -EINVAL;
        }
        n = json_object_array_length(a);
        if (n == 0)
                return 0;
        r->decisions = calloc(n, sizeof(*r->decisions));
        if (!r->decisions)
                return -ENOMEM;
        for (i = 0; i < n && ret == 0; i++) {
                struct json_object *d = json_object_array_get_idx(a, i);
                struct api_decision *x = &r->decisions[i];

                r->n_decisions = i + 1;
                if (!json_object_is_type(d, json_type_object)) {
                        snprintf(err, errlen, "the server's \"decisions\" holds a non-object");
                        return -EINVAL;
                }
                ret = get_str(d, "by", REQUIRED, &x->by, err, errlen);
                if (ret == 0)
                        ret = get_str(d, "decision", REQUIRED, &x->decision, err, errlen);
                if (ret == 0)
                        ret = get_str(d, "comment", OPTIONAL, &x->comment, err, errlen);
                if (ret == 0)
                        ret = get_int(d, "at", OPTIONAL, &x->at, err, errlen);
        }
        return ret;
}

static int get_approvers(struct json_object *o, struct api_request *r, char *err, size_t errlen)
{
        struct json_object *a = NULL;
        char buf[256];
        size_t n, i;

        if (!json_object_object_get_ex(o, "approvers", &a) || json_object_is_type(a, json_type_null))
                return 0;
        if (!json_object_is_type(a, json_type_array)) {
                snprintf(err, errlen, "the server's \"approvers\" is not an array");
                return -EINVAL;
        }
        n = json_object_array_length(a);
        if (n == 0)
                return 0;
        r->approvers = calloc(n, sizeof(char *));
        if (!r->approvers)
                return -ENOMEM;
        for (i = 0; i < n; i++) {
                struct json_object *v = json_object_array_get_idx(a, i);
                if (!json_object_is_type(v, json_type_string)) {
                        snprintf(err, errlen, "the server's \"approvers\" holds a non-string");
                        return -EINVAL;
                }
                text_sanitize(json_object_get_string(v), buf, sizeof(buf));
                r->approvers[i] = strdup(buf);
                if (!r->approvers[i])
                        return -ENOMEM;
                r->n_approvers = i + 1;
        }
        return 0;
}

static int get_grant(struct json_object *o, struct api_request *r, char *err, size_t errlen)
{
        struct json_object *g = NULL;
        char *jws = NULL;
        int ret;

        if (!json_object_object_get_ex(o, "grant", &g) || json_object_is_type(g, json_type_null))
                return 0;
        if (!json_object_is_type(g, json_type_object)) {
                snprintf(err, errlen, "the server's \"grant\" is not an object");
                return -EINVAL;
        }
        r->has_grant = true;
        ret = get_str(g, "id", REQUIRED, &r->grant_id, err, errlen);
        if (ret == 0)
                ret = get_int(g, "nbf", REQUIRED, &r->grant_nbf, err, errlen);
        if (ret == 0)
                ret = get_int(g, "exp", REQUIRED, &r->grant_exp, err, errlen);
        if (ret == 0)
                ret = get_str(g, "jws", OPTIONAL, &jws, err, errlen);   /* type-checked only */
        free(jws);
        return ret;
}

int api_request_decode(struct json_object *o, struct api_request *r, char *err, size_t errlen)
{
        static const struct {
                const char *key;
                enum need need;
                size_t off;
        } strs[] = {
                { "id", REQUIRED, offsetof(struct api_request, id) },
                { "status", REQUIRED, offsetof(struct api_request, status) },
                { "role", REQUIRED, offsetof(struct api_request, role) },
                { "host", REQUIRED, offsetof(struct api_request, host) },
                { "user", REQUIRED, offsetof(struct api_request, user) },
                { "filed_by", OPTIONAL, offsetof(struct api_request, filed_by) },
                { "reason", OPTIONAL, offsetof(struct api_request, reason) },
                { "ticket", OPTIONAL, offsetof(struct api_request, ticket) },
                { "extends", OPTIONAL, offsetof(struct api_request, extends) },
        }, ints[] = {
                { "duration", REQUIRED, offsetof(struct api_request, duration) },
                { "start_at", OPTIONAL, offsetof(struct api_request, start_at) },
                { "created_at", REQUIRED, offsetof(struct api_request, created_at) },
                { "expires_at", OPTIONAL, offsetof(struct api_request, expires_at) },
                { "approvals_required", OPTIONAL, offsetof(struct api_request, approvals_required) },
                { "denials_required", OPTIONAL, offsetof(struct api_request, denials_required) },
        };
        int ret = 0;

        memset(r, 0, sizeof(*r));
        if (!json_object_is_type(o, json_type_object)) {
                snprintf(err, errlen, "the server's answer is not a request object");
                return -EINVAL;
        }
        for (size_t i = 0; ret == 0 && i < sizeof(strs) / sizeof(strs[0]); i++)
                ret = get_str(o, strs[i].key, strs[i].need, (char **)((char *)r + strs[i].off), err, errlen);
        for (size_t i = 0; ret == 0 && i < sizeof(ints) / sizeof(ints[0]); i++)
                ret = get_int(o, ints[i].key, ints[i].need, (int64_t *)((char *)r + ints[i].off), err, errlen);
        if (ret == 0)
                ret = get_decisions(o, r, err, errlen);
        if (ret == 0)
                ret = get_approvers(o, r, err, errlen);
        if (ret == 0)
                ret = get_grant(o, r, err, errlen);
        if (ret == -ENOMEM)
                snprintf(err, errlen, "out of memory");
        if (ret < 0)
                api_request_clear(r);
        return ret;
}

void api_request_clear(struct api_request *r)
{
        free(r->id);
        free(r->status);
        free(r->role);
        free(r->host);
        free(r->user);
        free(r->filed_by);
        free(r->reason);
        free(r->ticket);
        free(r->extends);
        for (size_t i = 0; i < r->n_decisions; i++) {
                free(r->decisions[i].by);
                free(r->decisions[i].decision);
                free(r->decisions[i].comment);
        }
        free(r->decisions);
        for (size_t i = 0; i < r->n_approvers; i++)
                free(r->approvers[i]);
        free(r->approvers);
        free(r->grant_id);
        memset(r, 0, sizeof(*r));
}

size_t api_request_count(const struct api_request *r, const char *decision)
{
        size_t n = 0;

        for (size_t i = 0; i < r->n_decisions; i++)
                if (strcmp(r->decisions[i].decision, decision) == 0)
                        n++;
        return n;
}

void api_request_summary(const struct api_request *r, char *buf, size_t len)
{
        char dur[32], tmp[1024];

        format_duration(r->duration, " ", dur, sizeof(dur));
        if (strcmp(r->status, "pending") == 0)
                snprintf(tmp, sizeof(tmp), "%s: %s for %s on %s (%s) is pending, %zu of %lld approvals", r->id,
                         r->role, r->user, r->host, dur, api_request_count(r, "approve"),
                         (long long)(r->approvals_required ? r->approvals_required : 1));
        else
                snprintf(tmp, sizeof(tmp), "%s: %s for %s on %s (%s) is %s", r->id, r->role, r->user, r->host, dur,
                         r->status);
        /* snprintf may have cut a character in two; this cuts cleanly. */
        text_sanitize(tmp, buf, len);
}

static void print_time(const char *label, int64_t t, int64_t now)
{
        char when[64], rel[32];

        format_local_time(t, when, sizeof(when));
        format_relative(t, now, rel, sizeof(rel));
        printf("%-12s %s (%s)\n", label, when, rel);
}

void api_request_print(const struct api_request *r, int64_t now)
{
        char dur[32];

        format_duration(r->duration, " ", dur, sizeof(dur));
        printf("%-12s %s\n", "request:", r->id);
        printf("%-12s %s\n", "status:", r->status);
        printf("%-12s %s for %s on %s, %s\n", "role:", r->role, r->user, r->host, dur);
        printf("%-12s %s\n", "reason:", r->reason ? r->reason : "");
        if (r->ticket)
                printf("%-12s %s\n", "ticket:", r->ticket);
        if (r->filed_by)
                printf("%-12s %s\n", "filed by:", r->filed_by);
        if (r->extends)
                printf("%-12s %s\n", "extends:", r->extends);
        print_time("created:", r->created_at, now);
        if (r->start_at > 0)
                print_time("start:", r->start_at, now);
        if (strcmp(r->status, "pending") == 0) {
                if (r->expires_at > 0)
                        print_time("expires:", r->expires_at, now);
                printf("%-12s %zu of %lld", "approvals:", api_request_count(r, "approve"),
                       (long long)(r->approvals_required ? r->approvals_required : 1));
                if (r->n_approvers > 0) {
                        printf(", from any of:");
                        for (size_t i = 0; i < r->n_approvers; i++)
                                printf("%s %s", i ? "," : "", r->approvers[i]);
                }
                printf("\n");
        }
        for (size_t i = 0; i < r->n_decisions; i++) {
                const struct api_decision *d = &r->decisions[i];
                char when[64];

                format_local_time(d->at, when, sizeof(when));
                printf("%-12s %s by %s at %s%s%s\n", i == 0 ? "decisions:" : "", d->decision, d->by, when,
                       d->comment ? ": " : "", d->comment ? d->comment : "");
        }
        if (r->has_grant) {
                printf("%-12s %s\n", "grant:", r->grant_id);
                print_time("  from:", r->grant_nbf, now);
                print_time("  until:", r->grant_exp, now);
        }
}
