/* SPDX-License-Identifier: BSD-3-Clause */
/* Break-glass uses: POST /v1/breakglass (a host reports a use of its
 * emergency codes), GET /v1/breakglass (the approvers of the use's role
 * review them), POST /v1/breakglass/{id}/acknowledge (one of them records
 * the review). A report is audited and notified to every webhook. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "breakglass_spool.h"
#include "clock.h"
#include "json_util.h"
#include "printable.h"
#include "policy.h"
#include "routes.h"
#include "webhook.h"
#include "webhook_format.h"

#define BG_ID_LEN (2 + 32)
#define BG_LIST_MAX 500
#define BG_COMMENT_MAX 1024

static void utc(int64_t t, char *buf, size_t len)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                snprintf(buf, len, "%lld", (long long)t);
}

static void add_str(json_object *o, const char *key, const char *v)
{
        if (v)
                json_object_object_add(o, key, json_object_new_string(v));
}

static json_object *use_json(const struct srv_breakglass_use *u)
{
        json_object *o = json_object_new_object();
        char when[64], reason[256];

        if (!o)
                return NULL;
        utc(u->used_at, when, sizeof(when));
        snprintf(reason, sizeof(reason), "at %s via %s (tty %s), code %lld; window until ", when,
                 u->service ? u->service : "?", u->tty ? u->tty : "-", (long long)u->slot);
        utc(u->window_end, when, sizeof(when));
        strncat(reason, when, sizeof(reason) - strlen(reason) - 1);
        add_str(o, "id", u->id);
        add_str(o, "host", u->host);
        add_str(o, "user", u->user);
        add_str(o, "role", u->role);
        add_str(o, "service", u->service);
        add_str(o, "tty", u->tty);
        add_str(o, "rhost", u->rhost);
        json_object_object_add(o, "time", json_object_new_int64(u->used_at));
        json_object_object_add(o, "window_end", json_object_new_int64(u->window_end));
        json_object_object_add(o, "slot", json_object_new_int64(u->slot));
        json_object_object_add(o, "received_at", json_object_new_int64(u->received_at));
        add_str(o, "reason", reason);
        add_str(o, "status", u->ack_by ? "acknowledged" : "unacknowledged");
        add_str(o, "acknowledged_by", u->ack_by);
        if (u->ack_at)
                json_object_object_add(o, "acknowledged_at", json_object_new_int64(u->ack_at));
        add_str(o, "comment", u->ack_comment);
        return o;
}

/* Audit row and webhook jobs of a new use (the row is in the store). */
static void announce(struct server_app *app, const struct srv_breakglass_use *u, const char *actor)
{
        struct srv_audit_record a = {
                .at = u->received_at, .event = "BreakGlassUsed", .actor = actor,
                .user = u->user, .role = u->role, .host = u->host,
        };
        json_object *o = use_json(u);
        struct webhook_event ev = { .type = WEBHOOK_EVENT_BREAKGLASS, .actor = actor, .at = u->used_at };
        const struct srv_role_policy *rp = srv_policy_find(app->policy, u->role);
        char who[512] = "to be reviewed by the approvers of the role";

        /* Name the groups who must review it (the webhook reaches them). */
        if (rp && rp->approver_groups && rp->approver_groups[0]) {
                size_t len = (size_t)snprintf(who, sizeof(who), "to be reviewed by:");

                for (size_t i = 0; rp->approver_groups[i] && len < sizeof(who); i++)
                        len += (size_t)snprintf(who + len, sizeof(who) - len, " %s", rp->approver_groups[i]);
        }
        ev.comment = who;
        if (o) {
                a.reason = json_object_get_string(json_object_object_get(o, "reason"));
                ev.request = o;
                if (app->webhook && webhook_enqueue(app->webhook, &ev) < 0)
                        fprintf(stderr, "team-server: break-glass use %s: webhook not queued\n", u->id);
        }
        if (srv_store_audit_append(app->store, &a) < 0)
                fprintf(stderr, "team-server: break-glass use %s: audit row not written\n", u->id);
        json_object_put(o);
}

enum http_result route_breakglass_report(struct http_req *req)
{
        struct server_app *app = req->app;
        struct team_bg_record rec;
        struct srv_breakglass_use u = { 0 };
        char id[BG_ID_LEN + 1];
        json_object *o;
        int r;

        if (req->who.kind != IDENTITY_HOST)
                return http_reply_error(req, 403, "forbidden", "only a host token may report a break-glass use");
        if (team_bg_record_from_json(req->body, req->body_len, &rec) < 0 || rec.type != TEAM_BG_RECORD_USED)
                return http_reply_error(req, 400, "bad_request", "not a break-glass use record");
        snprintf(id, sizeof(id), "b_%s", rec.id);
        u = (struct srv_breakglass_use){
                .id = id, .host = req->who.name, .user = rec.user, .role = rec.role,
                .service = rec.service, .tty = rec.tty, .rhost = rec.rhost,
                .used_at = rec.time_usec / 1000000, .window_end = rec.window_end, .slot = rec.slot,
                .received_at = srv_now(),
        };
        r = srv_store_breakglass_insert(app->store, &u);
        if (r == 0)
                announce(app, &u, req->who.principal);
        o = r == 0 ? use_json(&u) : NULL;
        team_bg_record_clear(&rec);
        if (r == -EEXIST)
                return http_reply_error(req, 409, "conflict", "this use was reported already");
        if (r < 0 || !o) {
                json_object_put(o);
                return http_reply_error(req, 500, "internal", "the use could not be stored; try again");
        }
        return http_reply_json(req, 201, o);
}

/* Whether the caller approves role (the policy's approver_groups). */
static bool approves(struct http_req *req, const char *role)
{
        struct server_app *app = req->app;
        const struct srv_role_policy *rp = srv_policy_find(app->policy, role);

        return req->who.kind == IDENTITY_USER && rp &&
               srv_strv_intersects((const char *const *)rp->approver_groups, (const char *const *)req->who.groups);
}

enum http_result route_breakglass_list(struct http_req *req)
{
        struct server_app *app = req->app;
        const char *all = http_query(req, "all");
        struct srv_breakglass_use *list = NULL;
        json_object *o = NULL, *arr = NULL;
        size_t n = 0;
        int r;

        if (req->who.kind != IDENTITY_USER)
                return http_reply_error(req, 403, "forbidden", "break-glass uses are for approvers");
        r = srv_store_breakglass_list(app->store, all && strcmp(all, "1") == 0, BG_LIST_MAX, &list, &n);
        if (r < 0)
                return http_reply_error(req, 500, "internal", "cannot read the break-glass uses");
        o = json_object_new_object();
        arr = json_object_new_array();
        for (size_t i = 0; o && arr && i < n; i++)
                if (approves(req, list[i].role))
                        json_object_array_add(arr, use_json(&list[i]));
        srv_breakglass_list_free(list, n);
        if (!o || !arr) {
                json_object_put(o);
                json_object_put(arr);
                return http_reply_error(req, 500, "internal", "out of memory");
        }
        json_object_object_add(o, "uses", arr);
        return http_reply_json(req, 200, o);
}

static int comment_of(struct http_req *req, char **out)
{
        json_object *o = NULL, *c = NULL;
        const char *why = NULL;
        int r = 0;

        *out = NULL;
        if (req->body_len == 0)
                return 0;
        if (team_json_parse_object(req->body, req->body_len, 3, &o, &why) < 0)
                return -EINVAL;
        json_object_object_foreach(o, key, val) {
                if (strcmp(key, "comment") != 0 || !json_object_is_type(val, json_type_string) ||
                    json_object_get_string_len(val) > BG_COMMENT_MAX ||
                    !team_text_is_printable(json_object_get_string(val), (size_t)json_object_get_string_len(val)))
                        r = -EINVAL;
                else
                        c = val;
        }
        if (r == 0 && c && !(*out = strdup(json_object_get_string(c))))
                r = -ENOMEM;
        json_object_put(o);
        return r;
}

enum http_result route_breakglass_ack(struct http_req *req)
{
        struct server_app *app = req->app;
        struct srv_breakglass_use *list = NULL, *u = NULL;
        char *comment = NULL;
        size_t n = 0;
        enum http_result res;
        int r;

        if (strlen(req->params[0]) != BG_ID_LEN || strncmp(req->params[0], "b_", 2) != 0)
                return http_reply_error(req, 404, "not_found", "no such break-glass use");
        if (comment_of(req, &comment) < 0)
                return http_reply_error(req, 400, "bad_request", "the body is {\"comment\": TEXT} (optional)");
        r = srv_store_breakglass_list(app->store, true, BG_LIST_MAX * 20, &list, &n);
        for (size_t i = 0; r == 0 && i < n && !u; i++)
                if (strcmp(list[i].id, req->params[0]) == 0)
                        u = &list[i];
        if (r < 0)
                res = http_reply_error(req, 500, "internal", "cannot read the break-glass uses");
        else if (!u)
                res = http_reply_error(req, 404, "not_found", "no such break-glass use");
        else if (!approves(req, u->role))
                res = http_reply_error(req, 403, "forbidden", "only an approver of %s may acknowledge it", u->role);
        else if ((r = srv_store_breakglass_ack(app->store, u->id, req->who.name, srv_now(), comment)) ==
                 -EALREADY)
                res = http_reply_error(req, 409, "conflict", "acknowledged already");
        else if (r < 0)
                res = http_reply_error(req, 500, "internal", "cannot record the acknowledgement");
        else {
                struct srv_audit_record a = {
                        .at = srv_now(), .event = (char *)"BreakGlassAcknowledged", .actor = req->who.principal,
                        .user = u->user, .role = u->role, .host = u->host, .reason = comment,
                };
                json_object *o = json_object_new_object();

                (void)srv_store_audit_append(app->store, &a);
                add_str(o, "id", u->id);
                add_str(o, "acknowledged_by", req->who.name);
                res = http_reply_json(req, 200, o);
        }
        srv_breakglass_list_free(list, n);
        free(comment);
        return res;
}
