/* SPDX-License-Identifier: BSD-3-Clause */
/* Checkpoints to team-server; see checkpoint_report.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "checkpoint_report.h"
#include "http_client.h"
#include "audit/journal.h"
#include "relay/relay_private.h"
#include "teamd.h"

struct checkpoint_report {
        struct teamd *d;
        struct http_request *req;       /* the POST in flight, or NULL */
        unsigned long long seq;         /* of that POST */
};

struct checkpoint_report *checkpoint_report_new(struct teamd *d)
{
        struct checkpoint_report *c;

        if (!d->relay || !d->cfg.url || !d->cfg.token_file)
                return NULL;
        c = calloc(1, sizeof(*c));
        if (c)
                c->d = d;
        return c;
}

static void on_answer(const struct http_result *res, void *userdata)
{
        struct checkpoint_report *c = userdata;

        c->req = NULL;
        if (res->err == 0 && res->status >= 200 && res->status < 300)
                return;
        if (res->err == 0 && res->status == 409)
                /* team-server keeps a later checkpoint, or another key, for
                 * this host: a restored disk, a second host with the same
                 * id, or a replaced key. It has raised its alert. */
                teamd_log(LOG_ALERT, "team-server refused audit checkpoint seq %llu: %.*s", c->seq,
                          (int)(res->len > 300 ? 300 : res->len), res->body ? res->body : "");
        else
                teamd_log(LOG_WARNING, "audit checkpoint seq %llu not sent to team-server (%s%ld%s%s); the next"
                          " checkpoint carries the chain on", c->seq, res->err ? "error " : "HTTP ",
                          res->err ? (long)-res->err : res->status, res->detail && res->detail[0] ? ": " : "",
                          res->detail ? res->detail : "");
}

void checkpoint_report_send(const struct team_audit_event *ev, void *userdata)
{
        struct checkpoint_report *c = userdata;
        char path[512], err[256], *url = NULL, *body = NULL;
        int r;

        if (!c)
                return;
        if (c->req) {
                http_request_cancel(c->req);
                c->req = NULL;
        }
        if ((size_t)snprintf(path, sizeof(path), "/v1/hosts/%s/checkpoints", c->d->cfg.host_id) >= sizeof(path))
                return;
        r = team_audit_event_to_json(ev, &body, NULL);
        if (r == 0)
                url = relay_url(c->d->relay, path);
        c->seq = (unsigned long long)ev->seq;
        if (!url || relay_http(c->d->relay, "POST", url, body, on_answer, c, &c->req, err, sizeof(err)) < 0) {
                c->req = NULL;
                teamd_log(LOG_WARNING, "audit checkpoint seq %llu not sent to team-server: %s", c->seq,
                          url ? err : "out of memory");
        }
        free(url);
        free(body);
}

void checkpoint_report_free(struct checkpoint_report *c)
{
        if (!c)
                return;
        if (c->req)
                http_request_cancel(c->req);
        free(c);
}
