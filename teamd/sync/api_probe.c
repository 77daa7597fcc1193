/* SPDX-License-Identifier: BSD-3-Clause */
/* Central API health probe; see api_probe.h. The HTTP side (libcurl multi
 * on the sd-event loop, timeouts, TLS verification, response cap) is
 * http_client's; this file only schedules GET URL/healthz and keeps
 * d->api_state. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "sync/api_probe.h"
#include "http_client.h"
#include "audit/journal.h"

#define MAX_BODY (64 * 1024)

struct api_probe {
        struct teamd *d;
        struct http_client *http;
        struct http_request *req;   /* the probe in flight, or NULL */
        sd_event_source *next;      /* when the next probe starts */
        char *url;
};

static void probe_schedule(struct api_probe *p, uint64_t usec);

static void set_state(struct api_probe *p, enum team_api_state state, const char *detail)
{
        struct teamd *d = p->d;

        snprintf(d->api_problem, sizeof(d->api_problem), "%s", detail ? detail : "");
        if (d->api_state == state && d->api_since != 0)
                return;
        d->api_state = state;
        d->api_since = teamd_now();
        teamd_log(state == TEAM_API_REACHABLE ? LOG_INFO : LOG_WARNING, "central API %s is %s%s%s", p->url,
                  team_api_state_to_string(state), detail ? ": " : "", detail ? detail : "");
        teamd_update_status(d);
}

static void on_done(const struct http_result *res, void *userdata)
{
        struct api_probe *p = userdata;

        p->req = NULL;
        if (http_result_api_state(res) == TEAM_API_REACHABLE) {
                set_state(p, TEAM_API_REACHABLE, NULL);
        } else {
                char detail[128];

                if (res->err != 0)
                        snprintf(detail, sizeof(detail), "%s", res->detail && *res->detail ? res->detail
                                                                                           : strerror(-res->err));
                else
                        snprintf(detail, sizeof(detail), "HTTP status %ld", res->status);
                /* A 4xx is an answer, not an outage. */
                set_state(p, http_result_api_state(res), detail);
        }
        probe_schedule(p, p->d->api_state == TEAM_API_REACHABLE ? API_PROBE_INTERVAL_UP_USEC
                                                                 : API_PROBE_INTERVAL_DOWN_USEC);
}

static int probe_begin(struct api_probe *p)
{
        const struct http_options o = {
                .url = p->url,
                .timeout_ms = API_PROBE_TIMEOUT_MS,
                .connect_timeout_ms = API_PROBE_TIMEOUT_MS,
                .max_response = MAX_BODY,
        };

        return http_request_start(p->http, &o, on_done, p, &p->req);
}

static int on_next(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct api_probe *p = userdata;

        if (p->req)
                return 0;
        if (probe_begin(p) < 0) {
                set_state(p, TEAM_API_FAILING, "cannot start a probe");
                probe_schedule(p, API_PROBE_INTERVAL_DOWN_USEC);
        }
        return 0;
}

static void probe_schedule(struct api_probe *p, uint64_t usec)
{
        if (sd_event_source_set_time_relative(p->next, usec) < 0 ||
            sd_event_source_set_enabled(p->next, SD_EVENT_ONESHOT) < 0)
                teamd_log(LOG_ERR, "cannot schedule the next API probe");
}

static char *healthz_url(const char *base)
{
        size_t n = strlen(base);
        char *u;

        while (n > 0 && base[n - 1] == '/')
                n--;
        u = malloc(n + sizeof("/healthz"));
        if (!u)
                return NULL;
        memcpy(u, base, n);
        memcpy(u + n, "/healthz", sizeof("/healthz"));
        return u;
}

int api_probe_start(struct teamd *d, struct api_probe **out)
{
        struct api_probe *p = calloc(1, sizeof(*p));
        int r = -ENOMEM;

        *out = NULL;
        if (!p)
                return -ENOMEM;
        p->d = d;
        p->url = healthz_url(d->cfg.url);
        if (!p->url)
                goto fail;
        r = http_client_new(d->event, d->cfg.ca_file, &p->http);
        if (r < 0)
                goto fail;
        /* The first probe runs as soon as the loop starts. */
        r = sd_event_add_time_relative(d->event, &p->next, CLOCK_MONOTONIC, 0, 0, on_next, p);
        if (r < 0)
                goto fail;
        *out = p;
        return 0;
fail:
        api_probe_free(p);
        return r;
}

void api_probe_free(struct api_probe *p)
{
        if (!p)
                return;
        http_client_free(p->http);      /* cancels the probe in flight */
        sd_event_source_disable_unref(p->next);
        free(p->url);
        free(p);
}
