/* SPDX-License-Identifier: BSD-3-Clause */
/* Outbox events as CloudTrail Lake records; see cloudtrail_event.h. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "audit_event.h"
#include "audit/cloudtrail_event.h"
#include "json_util.h"

/* Length of s cut to at most max bytes without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
        if (len <= max)
                return len;
        len = max;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
                len--;
        return len;
}

static const char *get_str(struct json_object *ev, const char *key)
{
        struct json_object *v;

        if (!json_object_object_get_ex(ev, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static int add_str(struct json_object *o, const char *key, const char *val, size_t max)
{
        if (!val)
                return 0;
        return team_json_add(o, key, json_object_new_string_len(val, (int)utf8_cut(val, strlen(val), max)));
}

/* Copies the named members of ev (when present, any JSON type) into o,
 * strings cut at max bytes. */
static int copy_members_max(struct json_object *o, struct json_object *ev, const char *const *keys, size_t max)
{
        for (; *keys; keys++) {
                struct json_object *v;

                if (!json_object_object_get_ex(ev, *keys, &v) || !v)
                        continue;
                if (json_object_is_type(v, json_type_string)) {
                        if (add_str(o, *keys, json_object_get_string(v), max) < 0)
                                return -ENOMEM;
                } else if (team_json_add(o, *keys, json_object_get(v)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int copy_members(struct json_object *o, struct json_object *ev, const char *const *keys)
{
        return copy_members_max(o, ev, keys, CT_MAX_STRING);
}

/* eventTime: the event's own time, whole seconds, UTC. */
static int event_time(struct json_object *ev, char *buf, size_t len)
{
        struct json_object *v;
        struct tm tm;
        time_t t;

        if (!json_object_object_get_ex(ev, "time_usec", &v) || !json_object_is_type(v, json_type_int))
                return -EBADMSG;
        t = (time_t)(json_object_get_int64(v) / 1000000);
        if (t < 0 || !gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EBADMSG;
        return 0;
}

static bool is_ip(const char *s)
{
        unsigned char b[16];

        return s && (inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1);
}

static int user_identity(struct json_object *rec, struct json_object *ev)
{
        static const char *const detail_keys[] = { "host", "service", "tty", "rhost", "peer_pid", NULL };
        struct json_object *id = json_object_new_object(), *details = json_object_new_object();
        const char *user = get_str(ev, "user");
        const char *host = get_str(ev, "host");
        int r = -ENOMEM;

        if (!id || !details)
                goto out;
        if (add_str(id, "type", user ? "TeamUser" : "TeamHost", CT_MAX_IDENTITY_TYPE) < 0 ||
            add_str(id, "principalId", user ? user : host ? host : "teamd", CT_MAX_STRING) < 0 ||
            copy_members(details, ev, detail_keys) < 0)
                goto out;
        r = team_json_add(id, "details", details);
        details = NULL;
        if (r == 0)
                r = team_json_add(rec, "userIdentity", id);
        id = NULL;
out:
        json_object_put(details);
        json_object_put(id);
        return r;
}

static int add_object(struct json_object *rec, const char *key, struct json_object *ev, const char *const *keys)
{
        struct json_object *o = json_object_new_object();

        /* The message may be 2 KiB; the object's own limit is far above. */
        if (!o || copy_members_max(o, ev, keys, TEAM_AUDIT_MAX_MESSAGE) < 0) {
                json_object_put(o);
                return -ENOMEM;
        }
        return team_json_add(rec, key, o);
}

static int build(struct json_object *rec, struct json_object *ev, const char *account_id, const char *user_agent)
{
        static const char *const req_keys[] = { "role", "grant_id", "request_id", "session_id", "service", "tty",
                                                 "rhost", "reason", "exe", "argv", "cwd", "pid", "ppid", "uid",
                                                 "euid", NULL };
        static const char *const resp_keys[] = { "decision", "outcome", NULL };
        /* With the parts above, every member of the event: team-audit
         * rebuilds it from the record (docs/audit.md). */
        static const char *const extra_keys[] = { "v", "host", "message", "message_id", "priority", "time",
                                                   "truncated", "time_usec", "seq", "prev", "approvers", "ticket",
                                                   "dropped_count", "dropped_first", "dropped_last", "host_key",
                                                   "signature", "summarised", NULL };
        const char *type = get_str(ev, "type"), *id = get_str(ev, "id"), *outcome = get_str(ev, "outcome");
        const char *rhost = get_str(ev, "rhost");
        char when[32];

        if (!type || !id || event_time(ev, when, sizeof(when)) < 0)
                return -EBADMSG;
        if (add_str(rec, "version", "1.0", CT_MAX_VERSION) < 0 || user_identity(rec, ev) < 0 ||
            add_str(rec, "userAgent", user_agent, CT_MAX_STRING) < 0 ||
            add_str(rec, "eventSource", "teamd.pam_team", CT_MAX_STRING) < 0 ||
            add_str(rec, "eventName", type, CT_MAX_STRING) < 0 || add_str(rec, "eventTime", when, 32) < 0 ||
            add_str(rec, "UID", id, CT_MAX_STRING) < 0 || add_object(rec, "requestParameters", ev, req_keys) < 0 ||
            add_object(rec, "responseElements", ev, resp_keys) < 0)
                return -ENOMEM;
        if (outcome && strcmp(outcome, "failure") == 0) {
                const char *why = get_str(ev, "reason");

                if (add_str(rec, "errorCode", type, CT_MAX_STRING) < 0 ||
                    add_str(rec, "errorMessage", why ? why : type, CT_MAX_STRING) < 0)
                        return -ENOMEM;
        }
        if (is_ip(rhost) && add_str(rec, "sourceIPAddress", rhost, CT_MAX_STRING) < 0)
                return -ENOMEM;
        if (add_str(rec, "recipientAccountId", account_id, 12) < 0 ||
            add_object(rec, "additionalEventData", ev, extra_keys) < 0)
                return -ENOMEM;
        return 0;
}

/* Objects over their schema limit: the record is refused (dead letter)
 * rather than sent to be refused. Events are at most 16 KiB, so this
 * guards against a future field, not today's. */
static int check_sizes(struct json_object *rec)
{
        static const struct {
                const char *key;
                size_t max;
        } limits[] = {
                { "requestParameters", CT_MAX_OBJECT },
                { "responseElements", CT_MAX_OBJECT },
                { "additionalEventData", CT_MAX_ADDITIONAL },
        };

        for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
                struct json_object *v;

                if (json_object_object_get_ex(rec, limits[i].key, &v) &&
                    strlen(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)) > limits[i].max)
                        return -EBADMSG;
        }
        return 0;
}

int cloudtrail_event_data(const char *event_json, size_t len, const char *account_id, const char *user_agent,
                          char **out, size_t *out_len)
{
        struct json_object *ev = NULL, *rec = NULL;
        const char *why, *text;
        size_t n;
        int r;

        *out = NULL;
        *out_len = 0;
        if (!account_id || strlen(account_id) != 12 || strspn(account_id, "0123456789") != 12)
                return -EBADMSG;
        r = team_json_parse_object(event_json, len, 8, &ev, &why);
        if (r < 0)
                return r;
        rec = json_object_new_object();
        r = rec ? build(rec, ev, account_id, user_agent) : -ENOMEM;
        if (r == 0)
                r = check_sizes(rec);
        if (r < 0)
                goto out;
        text = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        n = text ? strlen(text) : 0;
        if (!text || n > CT_MAX_EVENT_DATA) {
                r = text ? -EBADMSG : -ENOMEM;
                goto out;
        }
        *out = strndup(text, n);
        if (!*out) {
                r = -ENOMEM;
                goto out;
        }
        *out_len = n;
out:
        json_object_put(rec);
        json_object_put(ev);
        return r;
}

int cloudtrail_checksum(const char *data, size_t len, char *out, size_t outlen)
{
        unsigned char md[SHA256_DIGEST_LENGTH];

        if (outlen < 45)
                return -EINVAL;
        if (!EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL))
                return -EIO;
        EVP_EncodeBlock((unsigned char *)out, md, (int)sizeof(md));
        return 0;
}
