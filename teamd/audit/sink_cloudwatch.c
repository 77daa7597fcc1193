/* SPDX-License-Identifier: BSD-3-Clause */
/* CloudWatch Logs PutLogEvents sink; see sink_cloudwatch.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <json-c/json.h>

#include "audit/aws_request.h"
#include "audit/cloudtrail_response.h"
#include "audit/journal.h"
#include "json_util.h"
#include "audit/sink_cloudwatch.h"

enum cw_step { CW_PUT, CW_CREATE_GROUP, CW_CREATE_STREAM };

struct cw_sink {
        struct sink base;
        struct http_client *http;
        struct aws_creds *creds;
        const struct teamd_config *cfg;
        struct aws_request *req;
        bool waiting_creds;
        bool created;                 /* group/stream creation tried since the last success */
        enum cw_step step;
        struct sink_item *items;
        size_t n, n_sent;
        sink_done_fn done;
        void *userdata;
};

static int cw_call(struct cw_sink *s, enum cw_step step);

static void complete(struct cw_sink *s, int err, long retry_after, bool throttled)
{
        sink_done_fn done = s->done;

        s->done = NULL;
        s->req = NULL;
        if (done)
                done(err, retry_after, throttled, s->userdata);
}

static void item_set(struct sink_item *it, enum sink_verdict v, const char *code, const char *msg)
{
        it->verdict = v;
        snprintf(it->code, sizeof(it->code), "%s", code ? code : "");
        snprintf(it->message, sizeof(it->message), "%s", msg ? msg : "");
}

static int64_t get_index(struct json_object *info, const char *key)
{
        struct json_object *v;

        if (!json_object_object_get_ex(info, key, &v) || !json_object_is_type(v, json_type_int))
                return -1;
        return json_object_get_int64(v);
}

/* 200: everything sent is delivered except what rejectedLogEventsInfo names. */
static void on_put_ok(struct cw_sink *s, const struct http_result *res)
{
        struct json_object *o = NULL, *info;
        int64_t too_new = -1, too_old = -1, expired = -1;
        const char *why;

        if (res->len > 0 && team_json_parse_object(res->body, res->len, 6, &o, &why) == 0 &&
            json_object_object_get_ex(o, "rejectedLogEventsInfo", &info) &&
            json_object_is_type(info, json_type_object)) {
                too_new = get_index(info, "tooNewLogEventStartIndex");
                too_old = get_index(info, "tooOldLogEventEndIndex");
                expired = get_index(info, "expiredLogEventEndIndex");
        }
        json_object_put(o);
        for (size_t i = 0; i < s->n_sent; i++) {
                int64_t k = (int64_t)i;

                if (too_new >= 0 && k >= too_new)
                        item_set(&s->items[i], SINK_DEAD, "TooNewLogEvent", "more than 2 hours in the future");
                else if (too_old >= 0 && k <= too_old)
                        item_set(&s->items[i], SINK_DEAD, "TooOldLogEvent", "older than 14 days");
                else if (expired >= 0 && k <= expired)
                        item_set(&s->items[i], SINK_DEAD, "ExpiredLogEvent", "older than the retention period");
                else
                        item_set(&s->items[i], SINK_DELIVERED, NULL, NULL);
        }
        s->created = false;
}

static void on_answer(const struct http_result *res, void *userdata)
{
        struct cw_sink *s = userdata;
        char code[129] = "", msg[512] = "";
        int r;

        s->req = NULL;
        if (res->err < 0) {
                teamd_log(LOG_WARNING, "CloudWatch Logs: request failed: %s", res->detail);
                complete(s, res->err, -1, false);
                return;
        }
        if (res->status == 200 && s->step == CW_PUT) {
                on_put_ok(s, res);
                complete(s, 0, -1, false);
                return;
        }
        if (res->status != 200)
                cloudtrail_error_parse(res->body, res->len, code, sizeof(code), msg, sizeof(msg));
        /* creating: "already exists" is as good as created */
        if (s->step != CW_PUT && (res->status == 200 || strcmp(code, "ResourceAlreadyExistsException") == 0)) {
                r = cw_call(s, s->step == CW_CREATE_GROUP ? CW_CREATE_STREAM : CW_PUT);
                if (r < 0)
                        complete(s, r, -1, false);
                return;
        }
        if (s->step == CW_PUT && strcmp(code, "ResourceNotFoundException") == 0 && !s->created) {
                teamd_log(LOG_NOTICE, "CloudWatch Logs: creating log group %s / stream %s",
                          s->cfg->cloudwatch_log_group, s->cfg->cloudwatch_log_stream);
                s->created = true;
                r = cw_call(s, CW_CREATE_GROUP);
                if (r < 0)
                        complete(s, r, -1, false);
                return;
        }
        if (aws_error_is_auth(code))
                aws_creds_invalidate(s->creds);
        teamd_log(LOG_WARNING, "CloudWatch Logs: HTTP %ld %s%s%s", res->status, code[0] ? code : "(no code)",
                  msg[0] ? ": " : "", msg);
        if (s->step == CW_PUT && res->status == 400 &&
            (strcmp(code, "InvalidParameterException") == 0 || strcmp(code, "SerializationException") == 0))
                r = -EBADMSG;
        else
                r = -EAGAIN;
        for (size_t i = 0; i < s->n; i++)
                item_set(&s->items[i], SINK_RETRY, code[0] ? code : "HttpError", msg);
        complete(s, r, res->retry_after_s, aws_error_is_throttle(res->status, code));
}

static int add_group_stream(struct json_object *top, const struct teamd_config *cfg, bool stream)
{
        if (team_json_add(top, "logGroupName", json_object_new_string(cfg->cloudwatch_log_group)) < 0)
                return -ENOMEM;
        if (stream && team_json_add(top, "logStreamName", json_object_new_string(cfg->cloudwatch_log_stream)) < 0)
                return -ENOMEM;
        return 0;
}

/* The batch, in outbox order with timestamps made non-decreasing (the
 * service wants them sorted; the outbox order is the truth). */
static int add_events(struct cw_sink *s, struct json_object *top)
{
        struct json_object *arr = json_object_new_array();
        size_t total = 200;
        int64_t last_ms = 0;

        if (!arr)
                return -ENOMEM;
        s->n_sent = 0;
        for (size_t i = 0; i < s->n; i++) {
                const struct outbox_entry *e = s->items[i].entry;
                struct json_object *ev = json_object_new_object();
                int64_t ms = e->time_usec / 1000;

                if (total + e->json_len * 2 + 64 > CLOUDWATCH_MAX_BODY) {
                        json_object_put(ev);
                        break;
                }
                if (ms < last_ms)
                        ms = last_ms;
                last_ms = ms;
                if (!ev || team_json_add(ev, "timestamp", json_object_new_int64(ms)) < 0 ||
                    team_json_add(ev, "message", json_object_new_string_len(e->json, (int)e->json_len)) < 0 ||
                    json_object_array_add(arr, ev) < 0) {
                        json_object_put(ev);
                        json_object_put(arr);
                        return -ENOMEM;
                }
                total += e->json_len * 2 + 64;
                s->n_sent++;
        }
        return team_json_add(top, "logEvents", arr);
}

static int cw_call(struct cw_sink *s, enum cw_step step)
{
        static const char *const targets[] = { "Logs_20140328.PutLogEvents", "Logs_20140328.CreateLogGroup",
                                               "Logs_20140328.CreateLogStream" };
        const struct aws_credentials *k = aws_creds_current(s->creds);
        const char *region = aws_pick_region(s->cfg->cloudwatch_region, aws_creds_region(s->creds));
        struct json_object *top = json_object_new_object();
        char *url = NULL;
        int r;

        if (!k)
                return -ENOKEY;
        if (!region) {
                teamd_log(LOG_ERR, "CloudWatch Logs: region unknown (set [audit] cloudwatch_region)");
                json_object_put(top);
                return -ENOKEY;
        }
        s->step = step;
        r = top ? add_group_stream(top, s->cfg, step != CW_CREATE_GROUP) : -ENOMEM;
        if (r == 0 && step == CW_PUT)
                r = add_events(s, top);
        url = r == 0 ? aws_endpoint(s->cfg->cloudwatch_endpoint, "logs", region) : NULL;
        if (r == 0 && !url)
                r = -ENOMEM;
        if (r == 0) {
                char *u2 = NULL;

                /* the JSON protocol posts to "/" */
                if (asprintf(&u2, "%s/", url) < 0)
                        r = -ENOMEM;
                free(url);
                url = u2;
        }
        if (r == 0) {
                const char *body = json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN |
                                                                               JSON_C_TO_STRING_NOSLASHESCAPE);
                struct aws_request_options o = {
                        .url = url, .region = region, .service = "logs",
                        .content_type = "application/x-amz-json-1.1", .target = targets[step],
                        .body = body, .body_len = strlen(body),
                        .timeout_ms = (uint32_t)(s->cfg->ship_timeout * 1000),
                };
                r = aws_request_start(s->http, k, &o, on_answer, s, &s->req);
        }
        free(url);
        json_object_put(top);
        return r;
}

static void on_creds(int err, void *userdata)
{
        struct cw_sink *s = userdata;
        int r;

        s->waiting_creds = false;
        r = err < 0 ? err : cw_call(s, CW_PUT);
        if (r < 0) {
                teamd_log(LOG_WARNING, "CloudWatch Logs: cannot send: %s",
                          r == -ENOKEY ? "no AWS credentials or region" : strerror(-r));
                complete(s, r, -1, false);
        }
}

static int cw_send(struct sink *base, struct sink_item *items, size_t n, sink_done_fn done, void *userdata)
{
        struct cw_sink *s = (struct cw_sink *)base;
        bool need = !aws_pick_region(s->cfg->cloudwatch_region, aws_creds_region(s->creds));
        int r;

        if (s->done)
                return -EBUSY;
        s->items = items;
        s->n = n;
        s->done = done;
        s->userdata = userdata;
        s->waiting_creds = true;
        r = aws_creds_refresh(s->creds, need, on_creds, s);
        if (r < 0) {
                s->waiting_creds = false;
                s->done = NULL;
        }
        return r;
}

static void cw_cancel(struct sink *base)
{
        struct cw_sink *s = (struct cw_sink *)base;

        aws_request_cancel(s->req);
        s->req = NULL;
        if (s->waiting_creds)
                aws_creds_forget_waiter(s->creds, s);
        s->waiting_creds = false;
        s->done = NULL;
}

static void cw_free(struct sink *base)
{
        if (!base)
                return;
        cw_cancel(base);
        free(base);
}

int sink_cloudwatch_new(struct http_client *http, struct aws_creds *creds, const struct teamd_config *cfg,
                        struct sink **out)
{
        struct cw_sink *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        s->base = (struct sink){
                .name = OUTBOX_SINK_CLOUDWATCH,
                .max_events = CLOUDWATCH_BATCH_EVENTS,
                .max_bytes = 450 * 1024,
                .max_inflight = 1,  /* the stream keeps outbox order */
                .send = cw_send,
                .cancel = cw_cancel,
                .free = cw_free,
        };
        s->http = http;
        s->creds = creds;
        s->cfg = cfg;
        *out = &s->base;
        return 0;
}
