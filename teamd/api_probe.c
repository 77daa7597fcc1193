/* Central API health probe; see api_probe.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <syslog.h>
#include <time.h>
#include <curl/curl.h>

#include "api_probe.h"
#include "journal.h"

#define MAX_BODY (64 * 1024)

struct api_probe {
        struct teamd *d;
        CURLM *multi;
        CURL *easy;                 /* the probe in flight, or NULL */
        sd_event_source *curl_timer;
        sd_event_source *next;      /* when the next probe starts */
        char *url;
        size_t body_len;
};

static void probe_schedule(struct api_probe *p, uint64_t usec);

static void set_state(struct api_probe *p, enum team_api_state state, const char *detail)
{
        struct teamd *d = p->d;

        if (d->api_state == state && d->api_since != 0)
                return;
        d->api_state = state;
        d->api_since = teamd_now();
        teamd_log(state == TEAM_API_REACHABLE ? LOG_INFO : LOG_WARNING, "central API %s is %s%s%s", p->url,
                  team_api_state_to_string(state), detail ? ": " : "", detail ? detail : "");
        teamd_update_status(d);
}

static void finish(struct api_probe *p, CURLcode result)
{
        long code = 0;

        curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &code);
        if (result == CURLE_OK && code >= 200 && code < 300) {
                set_state(p, TEAM_API_REACHABLE, NULL);
        } else {
                char detail[128];

                if (result != CURLE_OK)
                        snprintf(detail, sizeof(detail), "%s", curl_easy_strerror(result));
                else
                        snprintf(detail, sizeof(detail), "HTTP status %ld", code);
                set_state(p, TEAM_API_UNREACHABLE, detail);
        }
        curl_multi_remove_handle(p->multi, p->easy);
        curl_easy_cleanup(p->easy);
        p->easy = NULL;
        probe_schedule(p, p->d->api_state == TEAM_API_REACHABLE ? API_PROBE_INTERVAL_UP_USEC
                                                                 : API_PROBE_INTERVAL_DOWN_USEC);
}

static void check_done(struct api_probe *p)
{
        CURLMsg *m;
        int left;

        while ((m = curl_multi_info_read(p->multi, &left)))
                if (m->msg == CURLMSG_DONE && m->easy_handle == p->easy)
                        finish(p, m->data.result);
}

static int on_socket_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct api_probe *p = userdata;
        int action = 0, running = 0;

        if (revents & EPOLLIN)
                action |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                action |= CURL_CSELECT_OUT;
        if (revents & (EPOLLERR | EPOLLHUP))
                action |= CURL_CSELECT_ERR;
        curl_multi_socket_action(p->multi, fd, action, &running);
        check_done(p);
        return 0;
}

/* CURLMOPT_SOCKETFUNCTION: one io source per curl socket. */
static int on_curl_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
        struct api_probe *p = userp;
        sd_event_source *src = socketp;
        uint32_t events = 0;

        if (what == CURL_POLL_REMOVE) {
                sd_event_source_disable_unref(src);
                curl_multi_assign(p->multi, fd, NULL);
                return 0;
        }
        if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
                events |= EPOLLIN;
        if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
                events |= EPOLLOUT;
        if (src)
                return sd_event_source_set_io_events(src, events) < 0 ? -1 : 0;
        if (sd_event_add_io(p->d->event, &src, fd, events, on_socket_io, p) < 0)
                return -1;
        curl_multi_assign(p->multi, fd, src);
        return 0;
}

static int on_curl_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct api_probe *p = userdata;
        int running = 0;

        curl_multi_socket_action(p->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        check_done(p);
        return 0;
}

/* CURLMOPT_TIMERFUNCTION: -1 stops the timer, otherwise fire in ms. */
static int on_curl_timer_change(CURLM *multi, long timeout_ms, void *userp)
{
        struct api_probe *p = userp;
        uint64_t usec = timeout_ms > 0 ? (uint64_t)timeout_ms * 1000 : 0;

        if (timeout_ms < 0)
                return sd_event_source_set_enabled(p->curl_timer, SD_EVENT_OFF) < 0 ? -1 : 0;
        if (sd_event_source_set_time_relative(p->curl_timer, usec) < 0)
                return -1;
        return sd_event_source_set_enabled(p->curl_timer, SD_EVENT_ONESHOT) < 0 ? -1 : 0;
}

/* The body is not needed, only bounded. */
static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        struct api_probe *p = userdata;
        size_t n = size * nmemb;

        if (n > MAX_BODY - p->body_len)
                return 0;
        p->body_len += n;
        return n;
}

static int probe_begin(struct api_probe *p)
{
        CURL *e = curl_easy_init();

        if (!e)
                return -ENOMEM;
        p->body_len = 0;
        if (curl_easy_setopt(e, CURLOPT_URL, p->url) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)API_PROBE_TIMEOUT_MS) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)API_PROBE_TIMEOUT_MS) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_WRITEDATA, p) != CURLE_OK ||
            (p->d->cfg.ca_file && curl_easy_setopt(e, CURLOPT_CAINFO, p->d->cfg.ca_file) != CURLE_OK) ||
            curl_multi_add_handle(p->multi, e) != CURLM_OK) {
                curl_easy_cleanup(e);
                return -EINVAL;
        }
        p->easy = e;
        return 0;
}

static int on_next(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct api_probe *p = userdata;

        if (p->easy)
                return 0;
        if (probe_begin(p) < 0) {
                set_state(p, TEAM_API_UNREACHABLE, "cannot start a probe");
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
        p->multi = curl_multi_init();
        if (!p->url || !p->multi)
                goto fail;
        curl_multi_setopt(p->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
        curl_multi_setopt(p->multi, CURLMOPT_SOCKETDATA, p);
        curl_multi_setopt(p->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer_change);
        curl_multi_setopt(p->multi, CURLMOPT_TIMERDATA, p);
        r = sd_event_add_time_relative(d->event, &p->curl_timer, CLOCK_MONOTONIC, 0, 0, on_curl_timer, p);
        if (r < 0)
                goto fail;
        sd_event_source_set_enabled(p->curl_timer, SD_EVENT_OFF);
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
        if (p->easy) {
                curl_multi_remove_handle(p->multi, p->easy);
                curl_easy_cleanup(p->easy);
        }
        if (p->multi)
                curl_multi_cleanup(p->multi);
        sd_event_source_disable_unref(p->curl_timer);
        sd_event_source_disable_unref(p->next);
        free(p->url);
        free(p);
}
