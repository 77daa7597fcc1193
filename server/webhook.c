/* SPDX-License-Identifier: BSD-3-Clause */
/* Webhook setup, lifecycle listener and durable enqueue; see webhook.h.
 * The delivery side is webhook_sender.c. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <curl/curl.h>
#include <json-c/json.h>
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "clock.h"
#include "lifecycle.h"
#include "server_config.h"
#include "store.h"
#include "webhook.h"
#include "webhook_format.h"
#include "webhook_private.h"

#define LOG_LINE_MAX 512

void webhook_log(int priority, const char *target, const char *fmt, ...)
{
        char msg[LOG_LINE_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (getenv("JOURNAL_STREAM"))
                sd_journal_send("MESSAGE=webhook %s: %s", target ? target : "-", msg,
                                "PRIORITY=%d", priority, "SYSLOG_IDENTIFIER=team-server",
                                "TEAM_WEBHOOK=%s", target ? target : "", NULL);
        else
                fprintf(stderr, "team-server: webhook %s: %s\n", target ? target : "-", msg);
}

/* http(s)://host... only; the URL itself never appears in err. */
static int check_url(const char *name, const char *url, char *err, size_t errlen)
{
        CURLU *u = curl_url();
        char *scheme = NULL, *host = NULL;
        int r = -EINVAL;

        if (!u)
                return -ENOMEM;
        if (!url || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0]) {
                snprintf(err, errlen, "webhook %s: url is not a valid URL", name);
                goto out;
        }
        if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
                snprintf(err, errlen, "webhook %s: url must be http:// or https://", name);
                goto out;
        }
        r = 0;
out:
        curl_free(scheme);
        curl_free(host);
        curl_url_cleanup(u);
        return r;
}

static void targets_free(struct webhook *w)
{
        size_t i;

        for (i = 0; i < w->n_targets; i++) {
                free(w->targets[i].name);
                if (w->targets[i].url)
                        explicit_bzero(w->targets[i].url, strlen(w->targets[i].url));
                free(w->targets[i].url);
        }
        free(w->targets);
        w->targets = NULL;
        w->n_targets = 0;
}

static int targets_init(struct webhook *w, const struct webhook_config *list, size_t n, char *err, size_t errlen)
{
        size_t i, j;
        int r;

        if (n == 0)
                return 0;
        w->targets = calloc(n, sizeof(*w->targets));
        if (!w->targets)
                return -ENOMEM;
        w->n_targets = n;
        for (i = 0; i < n; i++) {
                struct webhook_target *t = &w->targets[i];
                const char *fmt = list[i].format ? list[i].format : "json";

                if (!list[i].name || !list[i].name[0]) {
                        snprintf(err, errlen, "webhook without a name");
                        return -EINVAL;
                }
                for (j = 0; j < i; j++)
                        if (strcmp(list[j].name, list[i].name) == 0) {
                                snprintf(err, errlen, "webhook %s: configured twice", list[i].name);
                                return -EINVAL;
                        }
                if (webhook_format_parse(fmt, &t->format) < 0) {
                        snprintf(err, errlen, "webhook %s: format must be slack, teams or json", list[i].name);
                        return -EINVAL;
                }
                r = check_url(list[i].name, list[i].url, err, errlen);
                if (r < 0)
                        return r;
                t->owner = w;
                t->name = strdup(list[i].name);
                t->url = strdup(list[i].url);
                if (!t->name || !t->url)
                        return -ENOMEM;
        }
        return 0;
}

int webhook_start(struct srv_store *store, struct lc *lc, const struct webhook_config *list, size_t n,
                  const struct webhook_options *opts, struct webhook **out, char *err, size_t errlen)
{
        struct webhook *w;
        size_t i;
        int r;

        *out = NULL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->store = store;
        if (opts)
                w->opts = *opts;
        if (w->opts.backoff_cap == 0)
                w->opts.backoff_cap = 300;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->wake, NULL);
        if (n > 0 && (!store || !srv_store_has_webhook_head(store))) {
                snprintf(err, errlen, "webhook: the store has no ordered webhook queue (webhook_head)");
                r = -ENOTSUP;
                goto fail;
        }
        r = targets_init(w, list, n, err, errlen);
        if (r < 0)
                goto fail;
        if (n > 0 && lc) {
                r = lc_set_notify(lc, webhook_on_event, w);
                if (r < 0) {
                        snprintf(err, errlen, "webhook: cannot register with the lifecycle: %s", strerror(-r));
                        goto fail;
                }
        }
        if (w->n_targets > 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                snprintf(err, errlen, "webhook: cannot initialise libcurl");
                r = -EIO;
                goto fail;
        }
        w->curl_ready = w->n_targets > 0;
        for (i = 0; i < w->n_targets; i++) {
                r = -pthread_create(&w->targets[i].thread, NULL, webhook_sender_main, &w->targets[i]);
                if (r < 0) {
                        snprintf(err, errlen, "webhook %s: cannot start its sender: %s", w->targets[i].name,
                                 strerror(-r));
                        goto fail;
                }
                w->targets[i].started = true;
        }
        *out = w;
        return 0;
fail:
        /* A listener already registered with lc would outlive w: refuse
         * to go on (the caller exits on a start-up error). */
        webhook_stop(w);
        return r;
}

void webhook_stop(struct webhook *w)
{
        size_t i;

        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        w->stopping = true;
        pthread_cond_broadcast(&w->wake);
        pthread_mutex_unlock(&w->lock);
        for (i = 0; i < w->n_targets; i++)
                if (w->targets[i].started)
                        pthread_join(w->targets[i].thread, NULL);
        targets_free(w);
        if (w->curl_ready)
                curl_global_cleanup();
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        free(w);
}

/* The bodies of ev, one per target, formatted before any transaction. */
static int format_bodies(struct webhook *w, const struct webhook_event *ev, char ***out)
{
        char **bodies = calloc(w->n_targets, sizeof(*bodies));
        int r = 0;

        *out = NULL;
        if (!bodies)
                return -ENOMEM;
        for (size_t i = 0; i < w->n_targets && r == 0; i++)
                r = webhook_format_body(w->targets[i].format, ev, &bodies[i]);
        if (r < 0) {
                for (size_t i = 0; i < w->n_targets; i++)
                        free(bodies[i]);
                free(bodies);
                return r;
        }
        *out = bodies;
        return 0;
}

static int append_jobs(struct webhook *w, const struct webhook_event *ev, char **bodies)
{
        int r = 0;

        for (size_t i = 0; i < w->n_targets && r == 0; i++) {
                struct srv_webhook_job job = {
                        .target = w->targets[i].name,
                        .event = ev->type,
                        .body = bodies[i],
                        .created_at = ev->at,
                        .next_at = (int64_t)time(NULL),
                };

                r = srv_store_webhook_enqueue(w->store, &job);
        }
        return r;
}

static void free_bodies(struct webhook *w, char **bodies)
{
        for (size_t i = 0; bodies && i < w->n_targets; i++)
                free(bodies[i]);
        free(bodies);
}

void webhook_wake(struct webhook *w)
{
        if (!w || w->n_targets == 0)
                return;
        pthread_mutex_lock(&w->lock);
        w->generation++;
        pthread_cond_broadcast(&w->wake);
        pthread_mutex_unlock(&w->lock);
}

int webhook_enqueue_in(struct webhook *w, const struct webhook_event *ev)
{
        char **bodies = NULL;
        int r;

        if (!w || w->n_targets == 0)
                return 0;
        r = format_bodies(w, ev, &bodies);
        if (r == 0)
                r = append_jobs(w, ev, bodies);
        free_bodies(w, bodies);
        return r;
}

int webhook_enqueue(struct webhook *w, const struct webhook_event *ev)
{
        char **bodies = NULL;
        int r;

        if (!w || w->n_targets == 0)
                return 0;
        /* Format first, outside the transaction. */
        r = format_bodies(w, ev, &bodies);
        if (r < 0)
                return r;
        r = srv_store_begin(w->store);
        if (r < 0)
                goto out;
        r = append_jobs(w, ev, bodies);
        if (r < 0) {
                srv_store_rollback(w->store);
                goto out;
        }
        r = srv_store_commit(w->store);
        if (r == 0)
                webhook_wake(w);
out:
        free_bodies(w, bodies);
        return r;
}

int webhook_queue_depth(struct webhook *w, uint64_t *out)
{
        *out = 0;
        if (!w || !w->store)
                return 0;
        return srv_store_webhook_depth(w->store, out);
}

unsigned webhook_backoff(unsigned attempts, unsigned cap, uint32_t rnd)
{
        uint64_t base_ms, delay_ms;

        if (cap == 0)
                cap = 300;
        if (attempts == 0)
                attempts = 1;
        base_ms = attempts > 20 ? (uint64_t)cap * 1000 : (1000ULL << (attempts - 1));
        if (base_ms > (uint64_t)cap * 1000)
                base_ms = (uint64_t)cap * 1000;
        delay_ms = base_ms / 2 + rnd % (base_ms / 2 + 1);
        return delay_ms < 1000 ? 1 : (unsigned)((delay_ms + 999) / 1000);
}

/* ---- the request object, as the API shows it (minus the JWS) ---- */

static int put(struct json_object *o, const char *key, struct json_object *v)
{
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static struct json_object *opt_string(const char *s)
{
        return s ? json_object_new_string(s) : NULL;
}

static int put_decisions(struct json_object *o, const struct srv_request *r)
{
        struct json_object *arr = json_object_new_array();
        size_t i;

        if (!arr || put(o, "decisions", arr) < 0)
                return -ENOMEM;
        for (i = 0; i < r->n_decisions; i++) {
                const struct srv_decision *d = &r->decisions[i];
                struct json_object *e = json_object_new_object();

                if (!e || json_object_array_add(arr, e) < 0) {
                        json_object_put(e);
                        return -ENOMEM;
                }
                if (put(e, "by", json_object_new_string(d->by ? d->by : "")) < 0 ||
                    put(e, "decision", json_object_new_string(d->decision == SRV_DECISION_APPROVE ? "approve"
                                                                                                 : "deny")) < 0 ||
                    put(e, "comment", opt_string(d->comment)) < 0 ||
                    put(e, "at", json_object_new_int64(d->at)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int put_grant(struct json_object *o, const struct srv_grant *g)
{
        struct json_object *j;

        if (!g)
                return put(o, "grant", NULL);
        j = json_object_new_object();
        if (!j || put(o, "grant", j) < 0)
                return -ENOMEM;
        if (put(j, "id", json_object_new_string(g->id ? g->id : "")) < 0 ||
            put(j, "nbf", json_object_new_int64(g->nbf)) < 0 || put(j, "exp", json_object_new_int64(g->exp)) < 0)
                return -ENOMEM;
        if (g->revoked_at && put(j, "revoked_at", json_object_new_int64(g->revoked_at)) < 0)
                return -ENOMEM;
        return 0;
}

/* New reference, or NULL on ENOMEM. */
static struct json_object *request_json(const struct srv_request *r, int64_t now)
{
        struct json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        if (put(o, "id", json_object_new_string(r->id ? r->id : "")) < 0 ||
            put(o, "status", json_object_new_string(lc_status_name(lc_request_status(r, now)))) < 0 ||
            put(o, "role", json_object_new_string(r->role ? r->role : "")) < 0 ||
            put(o, "host", json_object_new_string(r->host ? r->host : "")) < 0 ||
            put(o, "user", json_object_new_string(r->user ? r->user : "")) < 0 ||
            put(o, "filed_by", json_object_new_string(r->filed_by ? r->filed_by : "")) < 0 ||
            put(o, "duration", json_object_new_int64(r->duration)) < 0 ||
            put(o, "reason", opt_string(r->reason)) < 0 || put(o, "ticket", opt_string(r->ticket)) < 0 ||
            put(o, "start_at", json_object_new_int64(r->start_at)) < 0 ||
            put(o, "created_at", json_object_new_int64(r->created_at)) < 0 ||
            put(o, "expires_at", json_object_new_int64(r->expires_at)) < 0 ||
            put(o, "approvals_required", json_object_new_int64(r->approvals_required)) < 0 ||
            put(o, "denials_required", json_object_new_int64(r->denials_required)) < 0 ||
            put_decisions(o, r) < 0 || put(o, "extends", opt_string(r->extends)) < 0 ||
            put_grant(o, r->grant) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

/* "user:bob" reads as "bob" in a chat; "host:web1" stays. */
static const char *display_actor(const char *actor)
{
        if (actor && strncmp(actor, "user:", 5) == 0)
                return actor + 5;
        return actor;
}

void webhook_on_event(const struct lc_notice *n, void *ctx)
{
        struct webhook *w = ctx;
        struct webhook_event ev = { 0 };
        struct json_object *req;
        int r;

        switch (n->event) {
        case LC_EVENT_REQUEST_CREATED:
                ev.type = WEBHOOK_EVENT_CREATED;
                break;
        case LC_EVENT_REQUEST_DECIDED:
                ev.type = n->approve ? WEBHOOK_EVENT_APPROVED : WEBHOOK_EVENT_DENIED;
                break;
        case LC_EVENT_GRANT_REVOKED:
                ev.type = WEBHOOK_EVENT_REVOKED;
                break;
        default:
                return;
        }
        if (!w || w->n_targets == 0 || !n->request)
                return;
        ev.at = srv_now();
        ev.actor = display_actor(n->actor);
        ev.comment = n->comment;
        req = request_json(n->request, ev.at);
        if (!req) {
                webhook_log(LOG_ERR, NULL, "%s for %s not queued: out of memory", ev.type, n->request->id);
                return;
        }
        ev.request = req;
        r = webhook_enqueue(w, &ev);
        if (r < 0)
                webhook_log(LOG_ERR, NULL, "%s for %s not queued: %s", ev.type, n->request->id, strerror(-r));
        json_object_put(req);
}
