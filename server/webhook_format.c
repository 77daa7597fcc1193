/* SPDX-License-Identifier: BSD-3-Clause */
/* Webhook bodies for Slack, Teams and json; see webhook_format.h. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "parse.h"
#include "webhook_format.h"

#define FIELD_MAX   200    /* user, role, host, ids, actor: chars */
#define REASON_MAX  500    /* reason, comment: chars */
#define JSON_STR_MAX 4096  /* any string in the json format */
#define JSON_DEPTH_MAX 8

int webhook_format_parse(const char *s, enum webhook_format *out)
{
        if (!s)
                return -EINVAL;
        if (strcmp(s, "slack") == 0)
                *out = WEBHOOK_FORMAT_SLACK;
        else if (strcmp(s, "teams") == 0)
                *out = WEBHOOK_FORMAT_TEAMS;
        else if (strcmp(s, "json") == 0)
                *out = WEBHOOK_FORMAT_JSON;
        else
                return -EINVAL;
        return 0;
}

const char *webhook_format_name(enum webhook_format f)
{
        switch (f) {
        case WEBHOOK_FORMAT_SLACK: return "slack";
        case WEBHOOK_FORMAT_TEAMS: return "teams";
        case WEBHOOK_FORMAT_JSON:  return "json";
        }
        return "?";
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid;
 * *cp receives the code point. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
        size_t n, i;
        uint32_t c = s[0], min;

        if (c < 0x80) {
                *cp = c;
                return 1;
        }
        if ((c & 0xe0) == 0xc0) {
                n = 2; c &= 0x1f; min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
                n = 3; c &= 0x0f; min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
                n = 4; c &= 0x07; min = 0x10000;
        } else {
                return 0;
        }
        for (i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (s[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        *cp = c;
        return n;
}

static bool is_unsafe_cp(uint32_t c)
{
        return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
               (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
               c == 0x2028 || c == 0x2029 || c == 0xfeff;
}

char *webhook_sanitize(const char *s, size_t max_chars)
{
        const unsigned char *p = (const unsigned char *)(s ? s : "");
        size_t len = strlen((const char *)p), chars = 0, o = 0;
        char *out = malloc(len + 4);

        if (!out)
                return NULL;
        while (*p) {
                uint32_t cp;
                size_t n = utf8_decode(p, &cp);

                if (chars == max_chars) {
                        memcpy(out + o, "...", 3);
                        o += 3;
                        break;
                }
                if (n == 0) {
                        out[o++] = '?';
                        p++;
                } else if (is_unsafe_cp(cp)) {
                        out[o++] = (cp == '\t' || cp == '\n' || cp == '\r') ? ' ' : '?';
                        p += n;
                } else {
                        memcpy(out + o, p, n);
                        o += n;
                        p += n;
                }
                chars++;
        }
        out[o] = '\0';
        return out;
}

/* Escapes for the chat's markup: Slack mrkdwn needs &, <, > as entities
 * (which also stops <!channel>, <@U..> and <url|text> injection). Teams
 * Adaptive Card markdown has no documented escape, so the one construct
 * that matters, a [text](url) link, is defused by turning brackets into
 * parentheses. Bold or italics in a reason are harmless. */
static char *escape_markup(enum webhook_format f, const char *s)
{
        size_t len = strlen(s), o = 0;
        char *out = malloc(len * 5 + 1);

        if (!out)
                return NULL;
        for (; *s; s++) {
                const char *rep = NULL;

                if (f == WEBHOOK_FORMAT_SLACK) {
                        if (*s == '&') rep = "&amp;";
                        else if (*s == '<') rep = "&lt;";
                        else if (*s == '>') rep = "&gt;";
                } else if (f == WEBHOOK_FORMAT_TEAMS) {
                        if (*s == '[') rep = "(";
                        else if (*s == ']') rep = ")";
                }
                if (rep) {
                        size_t rl = strlen(rep);
                        memcpy(out + o, rep, rl);
                        o += rl;
                } else {
                        out[o++] = *s;
                }
        }
        out[o] = '\0';
        return out;
}

/* Sanitized, escaped copy of s for display in format f. */
static char *display(enum webhook_format f, const char *s, size_t max_chars)
{
        char *clean = webhook_sanitize(s, max_chars), *esc;

        if (!clean || f == WEBHOOK_FORMAT_JSON)
                return clean;
        esc = escape_markup(f, clean);
        free(clean);
        return esc;
}

static const char *req_str(const struct json_object *req, const char *key)
{
        struct json_object *v;

        if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static int64_t req_int(const struct json_object *req, const char *key)
{
        struct json_object *v;

        if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_int))
                return 0;
        return json_object_get_int64(v);
}

/* A request's duration; "?" when the event carries none. */
static void show_duration(int64_t s, char *buf, size_t len)
{
        if (s <= 0)
                snprintf(buf, len, "?");
        else
                format_duration(s, "", buf, len);
}

/* The display strings of one event, escaped for the target format. */
struct view {
        char *id, *user, *role, *host, *reason, *ticket, *status, *actor, *comment, *grant, *type;
        char duration[32];
};

static void view_free(struct view *v)
{
        free(v->id); free(v->user); free(v->role); free(v->host); free(v->reason);
        free(v->ticket); free(v->status); free(v->actor); free(v->comment);
        free(v->grant); free(v->type);
}

static int view_init(struct view *v, enum webhook_format f, const struct webhook_event *ev)
{
        const struct json_object *req = ev->request;
        struct json_object *grant;
        const char *gid = NULL;

        memset(v, 0, sizeof(*v));
        if (json_object_object_get_ex(req, "grant", &grant) && json_object_is_type(grant, json_type_object))
                gid = req_str(grant, "id");
        v->id = display(f, req_str(req, "id"), FIELD_MAX);
        v->user = display(f, req_str(req, "user"), FIELD_MAX);
        v->role = display(f, req_str(req, "role"), FIELD_MAX);
        v->host = display(f, req_str(req, "host"), FIELD_MAX);
        v->reason = display(f, req_str(req, "reason"), REASON_MAX);
        v->ticket = display(f, req_str(req, "ticket"), FIELD_MAX);
        v->status = display(f, req_str(req, "status"), FIELD_MAX);
        v->actor = display(f, ev->actor ? ev->actor : "someone", FIELD_MAX);
        v->comment = display(f, ev->comment, REASON_MAX);
        v->grant = display(f, gid, FIELD_MAX);
        v->type = display(f, ev->type, FIELD_MAX);
        show_duration(req_int(req, "duration"), v->duration, sizeof(v->duration));
        if (!v->id || !v->user || !v->role || !v->host || !v->reason || !v->ticket ||
            !v->status || !v->actor || !v->comment || !v->grant || !v->type)
                return -ENOMEM;
        return 0;
}

/* The events about a host's audit checkpoints: no request behind them,
 * so a chat shows the host and what happened instead. */
static bool is_host_alert(const struct view *v)
{
        return strncmp(v->type, "host.", 5) == 0;
}

/* One-line summary (already escaped parts; the glue has no markup). */
static char *summary(const struct webhook_event *ev, const struct view *v)
{
        char *s = NULL;
        int r;

        if (strcmp(ev->type, WEBHOOK_EVENT_CREATED) == 0)
                r = asprintf(&s, "%s requests %s on %s for %s", v->user, v->role, v->host, v->duration);
        else if (strcmp(ev->type, WEBHOOK_EVENT_APPROVED) == 0)
                r = asprintf(&s, "%s approved %s on %s for %s (%s), now %s", v->actor, v->role, v->host,
                             v->user, v->duration, v->status);
        else if (strcmp(ev->type, WEBHOOK_EVENT_DENIED) == 0)
                r = asprintf(&s, "%s denied %s on %s for %s, now %s", v->actor, v->role, v->host, v->user,
                             v->status);
        else if (strcmp(ev->type, WEBHOOK_EVENT_BREAKGLASS) == 0)
                r = asprintf(&s, "BREAK-GLASS used on %s by %s (%s) %s; review: teamctl breakglass acknowledge %s",
                             v->host, v->user, v->role, v->reason, v->id);
        else if (strcmp(ev->type, WEBHOOK_EVENT_CHECKPOINTS_STOPPED) == 0)
                r = asprintf(&s, "AUDIT: checkpoints of host %s stopped: %s", v->host, v->reason);
        else if (strcmp(ev->type, WEBHOOK_EVENT_CHECKPOINTS_RESUMED) == 0)
                r = asprintf(&s, "Audit checkpoints of host %s resumed: %s", v->host, v->reason);
        else if (strcmp(ev->type, WEBHOOK_EVENT_CHAIN_FORK) == 0)
                r = asprintf(&s, "AUDIT CHAIN FORK on host %s: %s", v->host, v->reason);
        else if (strcmp(ev->type, WEBHOOK_EVENT_KEY_MISMATCH) == 0)
                r = asprintf(&s, "AUDIT KEY MISMATCH on host %s: %s", v->host, v->reason);
        else if (strcmp(ev->type, WEBHOOK_EVENT_REVOKED) == 0)
                r = asprintf(&s, "%s revoked %s on %s for %s", v->actor, v->role, v->host, v->user);
        else
                r = asprintf(&s, "%s: %s on %s for %s, now %s", v->type, v->role, v->host, v->user, v->status);
        return r < 0 ? NULL : s;
}

/* Builders: every new node is attached to its parent at once, so freeing
 * the root frees everything on any error path. */
static int put_str(struct json_object *o, const char *key, const char *val)
{
        struct json_object *s = json_object_new_string(val);

        if (!s || json_object_object_add(o, key, s) < 0) {
                json_object_put(s);
                return -ENOMEM;
        }
        return 0;
}

static int put_int(struct json_object *o, const char *key, int64_t val)
{
        struct json_object *i = json_object_new_int64(val);

        if (!i || json_object_object_add(o, key, i) < 0) {
                json_object_put(i);
                return -ENOMEM;
        }
        return 0;
}

static struct json_object *attach(struct json_object *parent, const char *key, struct json_object *child)
{
        int r;

        if (!child)
                return NULL;
        r = key ? json_object_object_add(parent, key, child) : json_object_array_add(parent, child);
        if (r < 0) {
                json_object_put(child);
                return NULL;
        }
        return child;
}

static int put_bool(struct json_object *o, const char *key, bool val)
{
        return attach(o, key, json_object_new_boolean(val)) ? 0 : -ENOMEM;
}

/* New object under parent[key], or appended to the array parent if key is NULL. */
static struct json_object *add_obj(struct json_object *parent, const char *key)
{
        return attach(parent, key, json_object_new_object());
}

static struct json_object *add_arr(struct json_object *parent, const char *key)
{
        return attach(parent, key, json_object_new_array());
}

/* {"type": ttype, "text": text} appended to arr (or under parent[key]). */
static struct json_object *add_text(struct json_object *parent, const char *key, const char *ttype,
                                    const char *text)
{
        struct json_object *o = add_obj(parent, key);

        if (!o || put_str(o, "type", ttype) < 0 || put_str(o, "text", text) < 0)
                return NULL;
        return o;
}

static int slack_field(struct json_object *fields, const char *title, const char *value)
{
        char *t = NULL;
        int r = -ENOMEM;

        if (asprintf(&t, "*%s*\n%s", title, value[0] ? value : "-") < 0)
                return -ENOMEM;
        if (add_text(fields, NULL, "mrkdwn", t))
                r = 0;
        free(t);
        return r;
}

/* Slack incoming webhook: {"text": summary, "blocks": [section, fields, context]}. */
static int slack_fill(struct json_object *root, const struct view *v, const char *sum)
{
        struct json_object *blocks, *b, *fields, *elems;
        char ctx[FIELD_MAX * 5 + 32];

        if (put_str(root, "text", sum) < 0 || !(blocks = add_arr(root, "blocks")))
                return -ENOMEM;
        if (!(b = add_obj(blocks, NULL)) || put_str(b, "type", "section") < 0 ||
            !add_text(b, "text", "mrkdwn", sum))
                return -ENOMEM;
        if (!(b = add_obj(blocks, NULL)) || put_str(b, "type", "section") < 0 ||
            !(fields = add_arr(b, "fields")))
                return -ENOMEM;
        if (is_host_alert(v)) {
                if (slack_field(fields, "Host", v->host) < 0 || slack_field(fields, "Details", v->reason) < 0)
                        return -ENOMEM;
        } else if (slack_field(fields, "Request", v->id) < 0 || slack_field(fields, "Status", v->status) < 0 ||
                   slack_field(fields, "Reason", v->reason) < 0 || slack_field(fields, "Ticket", v->ticket) < 0) {
                return -ENOMEM;
        }
        if (v->grant[0] && slack_field(fields, "Grant", v->grant) < 0)
                return -ENOMEM;
        if (v->comment[0] && slack_field(fields, "Comment", v->comment) < 0)
                return -ENOMEM;
        snprintf(ctx, sizeof(ctx), "team-server | %s", v->type);
        if (!(b = add_obj(blocks, NULL)) || put_str(b, "type", "context") < 0 ||
            !(elems = add_arr(b, "elements")) || !add_text(elems, NULL, "mrkdwn", ctx))
                return -ENOMEM;
        return 0;
}

static int teams_fact(struct json_object *facts, const char *title, const char *value)
{
        struct json_object *f = add_obj(facts, NULL);

        if (!f || put_str(f, "title", title) < 0 || put_str(f, "value", value[0] ? value : "-") < 0)
                return -ENOMEM;
        return 0;
}

/* Teams: a message with one Adaptive Card attachment (what Workflows
 * "post to a channel when a webhook request is received" and the older
 * incoming webhooks both accept). */
static int teams_fill(struct json_object *root, const struct view *v, const char *sum)
{
        struct json_object *atts, *att, *card, *body, *tb, *fs, *facts;

        if (put_str(root, "type", "message") < 0 || !(atts = add_arr(root, "attachments")) ||
            !(att = add_obj(atts, NULL)) ||
            put_str(att, "contentType", "application/vnd.microsoft.card.adaptive") < 0 ||
            !(card = add_obj(att, "content")))
                return -ENOMEM;
        if (put_str(card, "$schema", "http://adaptivecards.io/schemas/adaptive-card.json") < 0 ||
            put_str(card, "type", "AdaptiveCard") < 0 || put_str(card, "version", "1.4") < 0 ||
            !(body = add_arr(card, "body")))
                return -ENOMEM;
        if (!(tb = add_text(body, NULL, "TextBlock", sum)) ||
            put_bool(tb, "wrap", true) < 0 ||
            put_str(tb, "weight", "Bolder") < 0)
                return -ENOMEM;
        if (!(fs = add_obj(body, NULL)) || put_str(fs, "type", "FactSet") < 0 ||
            !(facts = add_arr(fs, "facts")))
                return -ENOMEM;
        if (is_host_alert(v)) {
                if (teams_fact(facts, "Host", v->host) < 0 || teams_fact(facts, "Details", v->reason) < 0 ||
                    teams_fact(facts, "Event", v->type) < 0)
                        return -ENOMEM;
        } else if (teams_fact(facts, "Request", v->id) < 0 || teams_fact(facts, "Status", v->status) < 0 ||
                   teams_fact(facts, "Reason", v->reason) < 0 || teams_fact(facts, "Ticket", v->ticket) < 0 ||
                   teams_fact(facts, "Event", v->type) < 0) {
                return -ENOMEM;
        }
        if (v->grant[0] && teams_fact(facts, "Grant", v->grant) < 0)
                return -ENOMEM;
        if (v->comment[0] && teams_fact(facts, "Comment", v->comment) < 0)
                return -ENOMEM;
        return 0;
}

/* Adds child (which may be NULL, json null) under parent[key] or to the
 * array parent; the child is consumed either way. */
static int add_value(struct json_object *parent, const char *key, struct json_object *child)
{
        int r = key ? json_object_object_add(parent, key, child) : json_object_array_add(parent, child);

        if (r < 0) {
                json_object_put(child);
                return -ENOMEM;
        }
        return 0;
}

/* Deep copy with every string sanitized and any "jws" or "token" member
 * dropped. *out is NULL for json null. */
static int clean_copy(struct json_object *in, int depth, struct json_object **out)
{
        struct json_object *o = NULL;

        *out = NULL;
        if (depth > JSON_DEPTH_MAX)
                return 0;
        switch (json_object_get_type(in)) {
        case json_type_null:
                return 0;
        case json_type_string: {
                char *s = webhook_sanitize(json_object_get_string(in), JSON_STR_MAX);

                if (s)
                        o = json_object_new_string(s);
                free(s);
                break;
        }
        case json_type_object:
                o = json_object_new_object();
                if (!o)
                        return -ENOMEM;
                json_object_object_foreach(in, key, val) {
                        struct json_object *c;

                        if (strcmp(key, "jws") == 0 || strcmp(key, "token") == 0)
                                continue;
                        if (clean_copy(val, depth + 1, &c) < 0 || add_value(o, key, c) < 0)
                                goto fail;
                }
                break;
        case json_type_array: {
                size_t i, n = json_object_array_length(in);

                o = json_object_new_array();
                if (!o)
                        return -ENOMEM;
                for (i = 0; i < n; i++) {
                        struct json_object *c;

                        if (clean_copy(json_object_array_get_idx(in, i), depth + 1, &c) < 0 ||
                            add_value(o, NULL, c) < 0)
                                goto fail;
                }
                break;
        }
        default:
                /* int, double, boolean: shared, they are immutable here */
                o = json_object_get(in);
                break;
        }
        if (!o)
                return -ENOMEM;
        *out = o;
        return 0;
fail:
        json_object_put(o);
        return -ENOMEM;
}

/* Sanitized string, or json null for NULL; -ENOMEM. */
static int put_opt_str(struct json_object *o, const char *key, const char *val, size_t max_chars)
{
        char *s;
        int r;

        if (!val)
                return add_value(o, key, NULL);
        s = webhook_sanitize(val, max_chars);
        if (!s)
                return -ENOMEM;
        r = put_str(o, key, s);
        free(s);
        return r;
}

/* Our event object: {"type", "at", "actor", "comment", "request"}. */
static int json_fill(struct json_object *root, const struct webhook_event *ev)
{
        struct json_object *req;

        if (put_opt_str(root, "type", ev->type, FIELD_MAX) < 0 || put_int(root, "at", ev->at) < 0 ||
            put_opt_str(root, "actor", ev->actor, FIELD_MAX) < 0 ||
            put_opt_str(root, "comment", ev->comment, REASON_MAX) < 0)
                return -ENOMEM;
        if (clean_copy(ev->request, 0, &req) < 0 || add_value(root, "request", req) < 0)
                return -ENOMEM;
        return 0;
}

int webhook_format_body(enum webhook_format f, const struct webhook_event *ev, char **out)
{
        struct json_object *root = NULL;
        struct view v;
        char *sum = NULL;
        const char *txt;
        int r;

        *out = NULL;
        if (!ev || !ev->type || !ev->request || !json_object_is_type(ev->request, json_type_object))
                return -EINVAL;
        r = view_init(&v, f, ev);
        if (r < 0)
                goto out;
        r = -ENOMEM;
        root = json_object_new_object();
        sum = summary(ev, &v);
        if (!root || !sum)
                goto out;
        switch (f) {
        case WEBHOOK_FORMAT_SLACK:
                r = slack_fill(root, &v, sum);
                break;
        case WEBHOOK_FORMAT_TEAMS:
                r = teams_fill(root, &v, sum);
                break;
        case WEBHOOK_FORMAT_JSON:
                r = json_fill(root, ev);
                break;
        default:
                r = -EINVAL;
        }
        if (r < 0)
                goto out;
        txt = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        *out = txt ? strdup(txt) : NULL;
        r = *out ? 0 : -ENOMEM;
out:
        json_object_put(root);
        free(sum);
        view_free(&v);
        return r;
}
