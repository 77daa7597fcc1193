/* SPDX-License-Identifier: BSD-3-Clause */
/* POST /v1/hosts/{id}/checkpoints: a host's teamd hands in its signed
 * audit checkpoint (server/checkpoints.h, docs/api.md). Only the host
 * itself may: the token must be the host's and the path its own id. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <syslog.h>

#include <json-c/json.h>

#include "checkpoint_alert.h"
#include "checkpoints.h"
#include "clock.h"
#include "json_util.h"
#include "routes.h"

/* 409: the refusal, with what the server keeps, so teamd can log both. */
static enum http_result reply_refused(struct http_req *req, const struct team_audit_event *ev,
                                      const struct checkpoint_result *res)
{
        bool fork = res->outcome == CHECKPOINT_FORK;
        json_object *o = json_object_new_object();
        char msg[512];
        int r;

        if (fork)
                snprintf(msg, sizeof(msg), "checkpoint seq %llu contradicts the recorded checkpoint seq %lld of this "
                         "host: its audit chain was rolled back or forked; the recorded one is kept and an alert "
                         "was raised", (unsigned long long)ev->seq, (long long)res->recorded_seq);
        else
                snprintf(msg, sizeof(msg), "checkpoint seq %llu is not signed with the key registered for this host; "
                         "it is refused and an alert was raised (an admin replaces the key with team-server admin "
                         "host-key)", (unsigned long long)ev->seq);
        if (!o)
                return http_reply_error(req, 500, "internal", "out of memory");
        r = team_json_add(o, "error", json_object_new_string(fork ? "chain_fork" : "key_mismatch"));
        r = r ?: team_json_add(o, "message", json_object_new_string(msg));
        r = r ?: team_json_add(o, "seq", json_object_new_int64((int64_t)ev->seq));
        r = r ?: team_json_add(o, "recorded_seq", json_object_new_int64(res->recorded_seq));
        if (r == 0 && res->recorded_head[0])
                r = team_json_add(o, "recorded_prev", json_object_new_string(res->recorded_head));
        if (r == 0 && res->recorded_seq > 0)
                r = team_json_add(o, "recorded_time_usec", json_object_new_int64(res->recorded_time_usec));
        if (r == 0 && res->registered_key[0])
                r = team_json_add(o, "registered_key", json_object_new_string(res->registered_key));
        if (r < 0) {
                json_object_put(o);
                return http_reply_error(req, 500, "internal", "out of memory");
        }
        return http_reply_json(req, 409, o);
}

static enum http_result reply_ok(struct http_req *req, const struct team_audit_event *ev)
{
        json_object *o = json_object_new_object();

        if (!o || team_json_add(o, "ok", json_object_new_boolean(1)) < 0 ||
            team_json_add(o, "seq", json_object_new_int64((int64_t)ev->seq)) < 0) {
                json_object_put(o);
                return http_reply_error(req, 500, "internal", "out of memory");
        }
        return http_reply_json(req, 200, o);
}

enum http_result route_hosts_checkpoint(struct http_req *req)
{
        struct server_app *app = req->app;
        struct checkpoint_ctx ctx = {
                .store = app->store, .webhook = app->webhook, .alert_after = app->cfg->checkpoint_alert_after,
        };
        struct team_audit_event_parsed p;
        struct checkpoint_result res;
        enum http_result out;
        char err[256] = "";
        int r;

        if (req->who.kind != IDENTITY_HOST)
                return http_reply_error(req, 403, "forbidden", "only a host token may hand in audit checkpoints");
        if (strcmp(req->params[0], req->who.name) != 0)
                return http_reply_error(req, 403, "forbidden", "a host may hand in only its own checkpoints");
        if (req->body_len > CHECKPOINT_MAX_BODY)
                return http_reply_error(req, 413, "too_large", "a checkpoint is at most %d bytes", CHECKPOINT_MAX_BODY);
        r = checkpoint_parse(req->body, req->body_len, req->who.name, &p, err, sizeof(err));
        if (r == -EKEYREJECTED) {
                /* Not an alert: a host that holds its token but signs
                 * garbage is broken, not forked. Its log says so. */
                checkpoint_log(LOG_WARNING, req->who.name, "refused: %s", err);
                return http_reply_error(req, 400, "bad_signature", "%s", err);
        }
        if (r == -EBADMSG)
                return http_reply_error(req, 400, "bad_request", "%s", err);
        if (r < 0)
                return http_reply_error(req, 500, "internal", "out of memory");
        r = checkpoint_receive(&ctx, req->who.name, &p.ev, srv_now(), &res);
        if (r == -ENOTCONN || r == -EAGAIN) {
                req->retry_after = SRV_STORE_RETRY_AFTER;
                out = http_reply_error(req, 503, "unavailable", "the database does not answer now; send the "
                                       "checkpoint again in a few seconds");
        } else if (r < 0) {
                out = http_reply_error(req, 500, "internal", "the checkpoint could not be recorded; try again");
        } else if (res.outcome == CHECKPOINT_FORK || res.outcome == CHECKPOINT_KEY_MISMATCH) {
                out = reply_refused(req, &p.ev, &res);
        } else {
                out = reply_ok(req, &p.ev);
        }
        team_audit_event_parsed_clear(&p);
        return out;
}
