/* SPDX-License-Identifier: BSD-3-Clause */
/* --wait: poll the request until it is decided; see central.h. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json.h>

#include "api_client.h"
#include "central.h"
#include "request_obj.h"

#define WAIT_POLL_MS 1000

static int64_t mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static void show_line(const struct api_request *r, int64_t left_ms, const char *note)
{
        char sum[512], left[32];
        int64_t s = (left_ms + 999) / 1000;

        api_request_summary(r, sum, sizeof(sum));
        if (s >= 3600)
                snprintf(left, sizeof(left), "%lld:%02lld:%02lld", (long long)(s / 3600),
                         (long long)(s % 3600 / 60), (long long)(s % 60));
        else
                snprintf(left, sizeof(left), "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
        /* \r + erase to end of line: one line that updates in place. */
        printf("\r\033[K%s; waiting, %s left%s%s", sum, left, note ? "; " : "", note ? note : "");
        fflush(stdout);
}

/* One poll: 0 with *r decoded (and *raw kept), or an exit code. */
static int poll_once(struct api_client *api, const char *path, struct api_request *r, struct json_object **raw,
                     char *err, size_t errlen)
{
        struct json_object *o = NULL;
        char why[256];
        int ret = api_call(api, "GET", path, NULL, &o, err, errlen);

        if (ret != 0)
                return ret;
        if (api_request_decode(o, r, why, sizeof(why)) < 0) {
                snprintf(err, errlen, "%s; is TEAM_SERVER the team-server?", why);
                json_object_put(o);
                return TEAMCTL_EXIT_UNAVAILABLE;
        }
        json_object_put(*raw);
        *raw = o;
        return 0;
}

static void finish(struct teamctl *t, bool tty, struct json_object *raw, const struct api_request *r)
{
        char sum[512];

        if (tty)
                printf("\r\033[K");
        if (t->json) {
                printf("%s\n", json_object_to_json_string_ext(raw, JSON_C_TO_STRING_PLAIN));
                return;
        }
        api_request_summary(r, sum, sizeof(sum));
        printf("%s\n", sum);
        if (r->has_grant)
                api_request_print(r, (int64_t)time(NULL));
}

int central_wait(struct teamctl *t, struct api_client *api, const char *id, int64_t timeout_s)
{
        bool tty = isatty(STDOUT_FILENO) && !t->json;
        int64_t deadline = mono_ms() + timeout_s * 1000;
        struct json_object *raw = NULL;
        struct api_request r = { 0 };
        char path[128], err[1024], note[1100] = "";
        bool have = false;
        int ret;

        snprintf(path, sizeof(path), "/v1/requests/%s", id);
        for (;;) {
                struct api_request next;
                int64_t left;

                ret = poll_once(api, path, &next, &raw, err, sizeof(err));
                if (ret == 0) {
                        api_request_clear(&r);
                        r = next;
                        have = true;
                        note[0] = '\0';
                        ret = central_status_exit(r.status);
                        if (ret >= 0) {
                                finish(t, tty, raw, &r);
                                if (ret != 0 && !t->json)
                                        fprintf(stderr, "teamctl: request %s was %s\n", id, r.status);
                                goto out;
                        }
                } else if (ret == TEAMCTL_EXIT_UNAVAILABLE) {
                        /* A blip in the network is not the end of a wait. */
                        snprintf(note, sizeof(note), "retrying: %s", err);
                } else {
                        if (tty)
                                printf("\r\033[K");
                        fprintf(stderr, "teamctl: %s\n", err);
                        goto out;
                }
                left = deadline - mono_ms();
                if (left <= 0)
                        break;
                if (tty && have)
                        show_line(&r, left, note[0] ? note : NULL);
                sleep_ms(left < WAIT_POLL_MS ? left : WAIT_POLL_MS);
        }
        if (tty)
                printf("\r\033[K");
        if (t->json && raw)
                printf("%s\n", json_object_to_json_string_ext(raw, JSON_C_TO_STRING_PLAIN));
        fprintf(stderr, "teamctl: still %s after %lld s of waiting; see it with teamctl show %s%s%s\n",
                have ? r.status : "unknown", (long long)timeout_s, id, note[0] ? "; last error: " : "",
                note[0] ? note + strlen("retrying: ") : "");
        ret = TEAMCTL_EXIT_TIMEOUT;
out:
        fflush(stdout);
        api_request_clear(&r);
        json_object_put(raw);
        return ret;
}
