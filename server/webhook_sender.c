/* SPDX-License-Identifier: BSD-3-Clause */
/* One sender thread per webhook: delivers the target's queued jobs
 * strictly in order, with retry, backoff and jitter; see webhook.h. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <sys/random.h>
#include <curl/curl.h>

#include "store.h"
#include "webhook_private.h"

#define SEND_TIMEOUT_MS 5000L
#define ANSWER_CAP (64 * 1024)        /* bytes of an answer read (and discarded) */
#define IDLE_WAIT_S 60                /* re-check the queue at least this often */
#define STORE_ERROR_WAIT_S 5
#define ERROR_MAX 160

static bool stopping(struct webhook *w)
{
        bool s;

        pthread_mutex_lock(&w->lock);
        s = w->stopping;
        pthread_mutex_unlock(&w->lock);
        return s;
}

struct answer {
        size_t seen;
        bool capped;
};

static size_t discard_answer(char *data, size_t size, size_t nmemb, void *userdata)
{
        struct answer *a = userdata;
        size_t n = size * nmemb;

        (void)data;
        if (a->seen + n > ANSWER_CAP) {
                a->capped = true;
                return 0;             /* stop reading: CURLE_WRITE_ERROR */
        }
        a->seen += n;
        return n;
}

static int abort_if_stopping(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                             curl_off_t ulnow)
{
        (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
        return stopping(clientp) ? 1 : 0;
}

/* POSTs body to the target. 0 on a 2xx answer, else -EIO with a short
 * reason in err (never the URL). */
static int post(struct webhook_target *t, const char *body, char *err, size_t errlen)
{
        struct curl_slist *hdrs = NULL, *h;
        struct answer ans = { 0 };
        long code = 0;
        CURLcode rc;
        CURL *c;
        int r = -EIO;

        c = curl_easy_init();
        if (!c) {
                snprintf(err, errlen, "cannot create a curl handle");
                return -ENOMEM;
        }
        h = curl_slist_append(hdrs, "Content-Type: application/json");
        if (h)
                hdrs = h;
        h = h ? curl_slist_append(hdrs, "Expect:") : NULL;
        if (!h) {
                snprintf(err, errlen, "out of memory");
                r = -ENOMEM;
                goto out;
        }
        hdrs = h;
        if (curl_easy_setopt(c, CURLOPT_URL, t->url) != CURLE_OK ||
            curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK) {
                snprintf(err, errlen, "url refused by libcurl");
                goto out;
        }
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        curl_easy_setopt(c, CURLOPT_USERAGENT, "team-server/" PACKAGE_VERSION);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, SEND_TIMEOUT_MS);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_answer);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &ans);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, abort_if_stopping);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, t->owner);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        rc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && ans.capped)) {
                snprintf(err, errlen, "%s", curl_easy_strerror(rc));
                goto out;
        }
        if (code < 200 || code > 299) {
                snprintf(err, errlen, "HTTP %ld", code);
                goto out;
        }
        r = 0;
out:
        curl_slist_free_all(hdrs);
        curl_easy_cleanup(c);
        return r;
}

static uint32_t random32(void)
{
        uint32_t v = 0;

        if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
                v = (uint32_t)time(NULL) * 2654435761u;
        return v;
}

/* Records a failed attempt: reschedules, or gives up after max_attempts.
 * Returns the job's next_at (SRV_WEBHOOK_GAVE_UP when it gave up). */
static int64_t record_failure(struct webhook_target *t, const struct srv_webhook_job *job, const char *why)
{
        struct webhook *w = t->owner;
        unsigned attempts = job->attempts + 1;
        int64_t next;
        int r;

        if (w->opts.max_attempts && attempts >= w->opts.max_attempts) {
                next = SRV_WEBHOOK_GAVE_UP;
                webhook_log(LOG_ERR, t->name, "job %" PRId64 " (%s) failed for good after %u attempts: %s; kept in the queue",
                            job->id, job->event ? job->event : "?", attempts, why);
        } else {
                unsigned delay = webhook_backoff(attempts, w->opts.backoff_cap, random32());

                next = (int64_t)time(NULL) + delay;
                webhook_log(attempts == 1 ? LOG_WARNING : LOG_NOTICE, t->name,
                            "job %" PRId64 " (%s) attempt %u failed: %s; next in %u s", job->id,
                            job->event ? job->event : "?", attempts, why, delay);
        }
        r = srv_store_webhook_retry(w->store, job->id, next, attempts, why);
        if (r < 0)
                webhook_log(LOG_ERR, t->name, "job %" PRId64 ": cannot record the attempt: %s", job->id,
                            strerror(-r));
        return next;
}

/* Delivers due jobs of t in order until one fails, none is due, or the
 * server stops. Returns when to look again (epoch seconds). */
static int64_t deliver_due(struct webhook_target *t)
{
        struct webhook *w = t->owner;
        int64_t now;

        while (!stopping(w)) {
                struct srv_webhook_job job = { 0 };
                char why[ERROR_MAX];
                int64_t next;
                int r;

                now = (int64_t)time(NULL);
                r = srv_store_webhook_head(w->store, t->name, &job);
                if (r == -ENOENT)
                        return now + IDLE_WAIT_S;
                if (r < 0) {
                        webhook_log(LOG_ERR, t->name, "cannot read the queue: %s", strerror(-r));
                        return now + STORE_ERROR_WAIT_S;
                }
                if (job.next_at > now) {
                        next = job.next_at;
                        srv_webhook_job_clear(&job);
                        return next;
                }
                if (post(t, job.body ? job.body : "", why, sizeof(why)) == 0) {
                        r = srv_store_webhook_done(w->store, job.id);
                        if (r < 0)
                                /* Delivered but still queued: it will go out again (at least once). */
                                webhook_log(LOG_ERR, t->name, "job %" PRId64 " delivered but not removed: %s", job.id,
                                            strerror(-r));
                        else if (job.attempts > 0)
                                webhook_log(LOG_NOTICE, t->name, "job %" PRId64 " (%s) delivered after %u failed attempts",
                                            job.id, job.event ? job.event : "?", job.attempts);
                        srv_webhook_job_clear(&job);
                        if (r < 0)
                                return now + STORE_ERROR_WAIT_S;
                        continue;
                }
                if (stopping(w)) {
                        /* aborted by shutdown: not an attempt */
                        srv_webhook_job_clear(&job);
                        break;
                }
                next = record_failure(t, &job, why);
                srv_webhook_job_clear(&job);
                if (next != SRV_WEBHOOK_GAVE_UP)
                        return next;
        }
        return (int64_t)time(NULL);
}

void *webhook_sender_main(void *arg)
{
        struct webhook_target *t = arg;
        struct webhook *w = t->owner;
        uint64_t seen;

        pthread_mutex_lock(&w->lock);
        seen = w->generation;
        pthread_mutex_unlock(&w->lock);
        for (;;) {
                int64_t wake = deliver_due(t), now = (int64_t)time(NULL);
                struct timespec until = { 0 };

                if (wake > now + IDLE_WAIT_S)
                        wake = now + IDLE_WAIT_S;
                until.tv_sec = (time_t)wake;
                pthread_mutex_lock(&w->lock);
                /* Sleep until the head is due, a job is queued or we stop. */
                while (!w->stopping && w->generation == seen &&
                       pthread_cond_timedwait(&w->wake, &w->lock, &until) == 0)
                        ;
                seen = w->generation;
                if (w->stopping) {
                        pthread_mutex_unlock(&w->lock);
                        break;
                }
                pthread_mutex_unlock(&w->lock);
        }
        return NULL;
}
