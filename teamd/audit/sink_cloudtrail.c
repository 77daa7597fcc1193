/* SPDX-License-Identifier: BSD-3-Clause */
/* CloudTrail Lake PutAuditEvents sink; see sink_cloudtrail.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <json-c/json.h>

#include "audit/aws_request.h"
#include "audit/cloudtrail_event.h"
#include "audit/cloudtrail_response.h"
#include "audit/journal.h"
#include "json_util.h"
#include "audit/sink_cloudtrail.h"

#define USER_AGENT "teamd/" PACKAGE_VERSION

struct ct_sink;

/* One PutAuditEvents in progress. */
struct ct_call {
        struct ct_call *next;
        struct ct_sink *sink;
        struct aws_request *req;
        bool waiting_creds;
        struct sink_item *items;
        size_t n;
        sink_done_fn done;
        void *userdata;
        struct cloudtrail_response resp;   /* big: on the heap, not the stack */
};

struct ct_sink {
        struct sink base;
        struct http_client *http;
        struct aws_creds *creds;
        const struct teamd_config *cfg;
        struct ct_call *calls;
};

static void call_unlink(struct ct_call *c)
{
        for (struct ct_call **p = &c->sink->calls; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        break;
                }
}

static void complete(struct ct_call *c, int err, long retry_after, bool throttled)
{
        sink_done_fn done = c->done;
        void *userdata = c->userdata;

        call_unlink(c);
        free(c);
        done(err, retry_after, throttled, userdata);
}

static void item_set(struct sink_item *it, enum sink_verdict v, const char *code, const char *msg)
{
        it->verdict = v;
        snprintf(it->code, sizeof(it->code), "%s", code ? code : "");
        snprintf(it->message, sizeof(it->message), "%s", msg ? msg : "");
}

static struct sink_item *find_item(struct ct_call *c, const char *id)
{
        for (size_t i = 0; i < c->n; i++)
                if (strcmp(c->items[i].entry->id, id) == 0)
                        return &c->items[i];
        return NULL;
}

static void on_success(struct ct_call *c, const char *body, size_t len)
{
        const char *why = NULL;

        if (cloudtrail_response_parse(body, len, &c->resp, &why) < 0) {
                teamd_log(LOG_WARNING, "CloudTrail Lake: unreadable PutAuditEvents answer (%s); batch retried",
                          why ? why : "out of memory");
                for (size_t i = 0; i < c->n; i++)
                        item_set(&c->items[i], SINK_RETRY, "BadAnswer", why);
                return;
        }
        for (size_t i = 0; i < c->n; i++)
                if (c->items[i].verdict == SINK_RETRY)
                        item_set(&c->items[i], SINK_RETRY, "NotInAnswer", "the answer did not mention the event");
        for (size_t i = 0; i < c->resp.n_ok; i++) {
                struct sink_item *it = find_item(c, c->resp.ok[i].id);

                if (it && it->verdict == SINK_RETRY)
                        item_set(it, SINK_DELIVERED, NULL, NULL);
        }
        for (size_t i = 0; i < c->resp.n_failed; i++) {
                const struct cloudtrail_failed *f = &c->resp.failed[i];
                struct sink_item *it = find_item(c, f->id);

                if (it && it->verdict == SINK_RETRY)
                        item_set(it, cloudtrail_error_is_retryable(f->code) ? SINK_RETRY : SINK_DEAD, f->code,
                                 f->message);
        }
}

static void on_answer(const struct http_result *res, void *userdata)
{
        struct ct_call *c = userdata;
        char code[129] = "", msg[512] = "";
        bool throttled = false;

        c->req = NULL;
        if (res->err < 0) {
                teamd_log(LOG_WARNING, "CloudTrail Lake: PutAuditEvents failed: %s", res->detail);
                complete(c, res->err, -1, false);
                return;
        }
        if (res->status == 200) {
                on_success(c, res->body, res->len);
                complete(c, 0, -1, false);
                return;
        }
        cloudtrail_error_parse(res->body, res->len, code, sizeof(code), msg, sizeof(msg));
        throttled = aws_error_is_throttle(res->status, code);
        if (aws_error_is_auth(code))
                aws_creds_invalidate(c->sink->creds);
        teamd_log(LOG_WARNING, "CloudTrail Lake: PutAuditEvents HTTP %ld %s%s%s", res->status,
                  code[0] ? code : "(no code)", msg[0] ? ": " : "", msg);
        /* A 400 that is about the data: the shipper splits the batch until
         * the one bad event is alone, then dead-letters it. */
        if (res->status == 400 && !throttled && !aws_error_is_auth(code) &&
            (strcmp(code, "ValidationException") == 0 || strcmp(code, "SerializationException") == 0 ||
             strcmp(code, "ChannelUnsupportedSchema") == 0)) {
                for (size_t i = 0; i < c->n; i++)
                        item_set(&c->items[i], SINK_RETRY, code, msg);
                complete(c, -EBADMSG, res->retry_after_s, false);
                return;
        }
        complete(c, -EAGAIN, res->retry_after_s, throttled);
}

static int add_entry(struct json_object *arr, struct sink_item *it, const char *account_id, size_t *total)
{
        struct json_object *o = NULL;
        char *data = NULL, sum[64];
        size_t len = 0;
        int r = cloudtrail_event_data(it->entry->json, it->entry->json_len, account_id, USER_AGENT, &data, &len);

        if (r == -EBADMSG) {
                item_set(it, SINK_DEAD, "InvalidData", "the event cannot be made into a CloudTrail Lake record");
                return 0;
        }
        if (r < 0)
                return r;
        if (*total + len * 2 + 200 > CLOUDTRAIL_MAX_BODY) {
                free(data);
                return -ENOSPC; /* next batch */
        }
        r = cloudtrail_checksum(data, len, sum, sizeof(sum));
        o = json_object_new_object();
        if (r == 0 && (!o || team_json_add(o, "id", json_object_new_string(it->entry->id)) < 0 ||
                       team_json_add(o, "eventData", json_object_new_string_len(data, (int)len)) < 0 ||
                       team_json_add(o, "eventDataChecksum", json_object_new_string(sum)) < 0))
                r = -ENOMEM;
        free(data);
        if (r == 0) {
                r = json_object_array_add(arr, o) < 0 ? -ENOMEM : 0;
                if (r == 0)
                        o = NULL;
                *total += len * 2 + 200; /* eventData escaped in JSON: at worst twice, in practice ~1.2x */
        }
        json_object_put(o);
        return r;
}

static char *build_url(struct ct_sink *s, const char *region)
{
        char *base = aws_endpoint(s->cfg->cloudtrail_endpoint, "cloudtrail-data", region), *url = NULL;
        size_t cap, pos;

        if (!base)
                return NULL;
        cap = strlen(base) + 64 + 3 * (strlen(s->cfg->cloudtrail_channel_arn) +
                                        (s->cfg->cloudtrail_external_id ? strlen(s->cfg->cloudtrail_external_id) : 0));
        url = malloc(cap);
        if (url) {
                pos = (size_t)snprintf(url, cap, "%s/PutAuditEvents?channelArn=", base);
                /* keys in sorted order: channelArn < externalId */
                int r = aws_percent_encode(url, cap, &pos, s->cfg->cloudtrail_channel_arn);

                if (r == 0 && s->cfg->cloudtrail_external_id) {
                        pos += (size_t)snprintf(url + pos, cap - pos, "&externalId=");
                        r = aws_percent_encode(url, cap, &pos, s->cfg->cloudtrail_external_id);
                }
                if (r < 0) {
                        free(url);
                        url = NULL;
                }
        }
        free(base);
        return url;
}

/* Credentials, account and region are known: build and send. */
static int post(struct ct_call *c, const struct aws_credentials *k)
{
        struct ct_sink *s = c->sink;
        const char *account = s->cfg->account_id ? s->cfg->account_id : aws_creds_account_id(s->creds);
        const char *region = aws_pick_region(s->cfg->cloudtrail_region, aws_creds_region(s->creds));
        struct json_object *top = json_object_new_object(), *arr = json_object_new_array();
        size_t total = 64, sent = 0;
        char *url = NULL;
        int r = 0;

        if (account && (strlen(account) != 12 || strspn(account, "0123456789") != 12)) {
                /* a configuration error, not the events' fault: keep them */
                teamd_log(LOG_ERR, "CloudTrail Lake: [audit] account_id must be 12 digits");
                r = -ENOKEY;
                goto out;
        }
        if (!account || !region) {
                teamd_log(LOG_ERR, "CloudTrail Lake: %s unknown (set [audit] %s)", account ? "region" : "account id",
                          account ? "cloudtrail_region" : "account_id");
                r = -ENOKEY;
                goto out;
        }
        for (size_t i = 0; i < c->n && r == 0; i++) {
                size_t before = json_object_array_length(arr);

                r = add_entry(arr, &c->items[i], account, &total);
                if (r == 0 && json_object_array_length(arr) > before)
                        sent++;
        }
        if (r == -ENOSPC)
                r = 0; /* the rest stay RETRY with no code: next batch */
        url = r == 0 ? build_url(s, region) : NULL;
        if (r == 0 && (!url || !top))
                r = -ENOMEM;
        if (r < 0 || sent == 0)
                goto out;
        r = team_json_add(top, "auditEvents", arr);
        arr = NULL;
        if (r < 0)
                goto out;
        const char *body = json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        struct aws_request_options o = {
                .url = url, .region = region, .service = "cloudtrail-data",
                .content_type = "application/json", .body = body, .body_len = strlen(body),
                .timeout_ms = (uint32_t)(s->cfg->ship_timeout * 1000),
        };
        r = aws_request_start(s->http, k, &o, on_answer, c, &c->req);
out:
        json_object_put(arr);
        json_object_put(top);
        free(url);
        return r < 0 ? r : (int)sent;
}

static void on_creds(int err, void *userdata)
{
        struct ct_call *c = userdata;
        const struct aws_credentials *k;
        int r;

        c->waiting_creds = false;
        k = err == 0 ? aws_creds_current(c->sink->creds) : NULL;
        if (!k) {
                teamd_log(LOG_WARNING, "CloudTrail Lake: no AWS credentials (%s)",
                          err == -ENOKEY || err == 0 ? "none found in the chain" : strerror(-err));
                complete(c, err < 0 ? err : -ENOKEY, -1, false);
                return;
        }
        r = post(c, k);
        if (r <= 0)
                complete(c, r, -1, false); /* r == 0: every item was dead before sending */
}

static bool need_identity(const struct ct_sink *s)
{
        return (!s->cfg->account_id && !aws_creds_account_id(s->creds)) ||
               !aws_pick_region(s->cfg->cloudtrail_region, aws_creds_region(s->creds));
}

static int ct_send(struct sink *base, struct sink_item *items, size_t n, sink_done_fn done, void *userdata)
{
        struct ct_sink *s = (struct ct_sink *)base;
        struct ct_call *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        *c = (struct ct_call){ .sink = s, .items = items, .n = n, .done = done, .userdata = userdata };
        /* Always through the credentials step: it completes from the loop,
         * at once when the cached credentials are good. */
        c->waiting_creds = true;
        r = aws_creds_refresh(s->creds, need_identity(s), on_creds, c);
        if (r < 0) {
                free(c);
                return r;
        }
        c->next = s->calls;
        s->calls = c;
        return 0;
}

static void ct_cancel(struct sink *base)
{
        struct ct_sink *s = (struct ct_sink *)base;

        while (s->calls) {
                struct ct_call *c = s->calls;

                s->calls = c->next;
                aws_request_cancel(c->req);
                if (c->waiting_creds)
                        aws_creds_forget_waiter(s->creds, c);
                free(c);
        }
}

static void ct_free(struct sink *base)
{
        if (!base)
                return;
        ct_cancel(base);
        free(base);
}

int sink_cloudtrail_new(struct http_client *http, struct aws_creds *creds, const struct teamd_config *cfg,
                        struct sink **out)
{
        struct ct_sink *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        s->base = (struct sink){
                .name = OUTBOX_SINK_CLOUDTRAIL,
                .max_events = CLOUDTRAIL_BATCH_EVENTS,
                .max_bytes = 400 * 1024,
                .max_inflight = CLOUDTRAIL_MAX_INFLIGHT,
                .send = ct_send,
                .cancel = ct_cancel,
                .free = ct_free,
        };
        s->http = http;
        s->creds = creds;
        s->cfg = cfg;
        *out = &s->base;
        return 0;
}
