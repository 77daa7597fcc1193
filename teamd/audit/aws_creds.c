/* SPDX-License-Identifier: BSD-3-Clause */
/* AWS credentials chain and cache; see aws_creds.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include <json-c/json.h>

#include "audit/aws_creds.h"
#include "http_client.h"
#include "audit/journal.h"
#include "json_util.h"
#include "read_bounded.h"
#include "teamd.h"

#define MAX_WAITERS 8
#define MAX_FILE (64 * 1024)
#define REFRESH_MARGIN 300
#define IMDS_DEFAULT "http://169.254.169.254"
#define ECS_HOST "http://169.254.170.2"
#define REMOTE_TIMEOUT_MS 2000u

enum step { STEP_IDLE, STEP_DEFER, STEP_ECS, STEP_IMDS_TOKEN, STEP_IMDS_IDENTITY, STEP_IMDS_ROLE, STEP_IMDS_CREDS };

struct waiter {
        aws_creds_done_fn done;
        void *userdata;
};

struct aws_creds {
        sd_event *event;
        struct http_client *http;
        const struct teamd_config *cfg;
        struct aws_credentials cur;
        bool have;
        enum step step;
        bool want_identity;
        struct http_request *req;
        sd_event_source *defer;          /* completes a synchronous resolution */
        int defer_err;
        struct waiter waiters[MAX_WAITERS];
        size_t n_waiters;
        char imds_token[256];
        char role[256];
        char account_id[16];
        char region[64];
};

int aws_creds_new(sd_event *event, struct http_client *http, const struct teamd_config *cfg, struct aws_creds **out)
{
        struct aws_creds *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        c->event = sd_event_ref(event);
        c->http = http;
        c->cfg = cfg;
        *out = c;
        return 0;
}

void aws_creds_free(struct aws_creds *c)
{
        if (!c)
                return;
        http_request_cancel(c->req);
        sd_event_source_disable_unref(c->defer);
        sd_event_unref(c->event);
        explicit_bzero(c, sizeof(*c));
        free(c);
}

static int64_t margin(const struct aws_credentials *k)
{
        int64_t life = k->expiration - k->obtained;

        return life / 4 < REFRESH_MARGIN ? life / 4 : REFRESH_MARGIN;
}

const struct aws_credentials *aws_creds_current(struct aws_creds *c)
{
        if (!c->have)
                return NULL;
        if (c->cur.expiration != 0 && teamd_now() >= c->cur.expiration - margin(&c->cur))
                return NULL;
        return &c->cur;
}

void aws_creds_invalidate(struct aws_creds *c)
{
        explicit_bzero(&c->cur, sizeof(c->cur));
        c->have = false;
}

const char *aws_creds_account_id(const struct aws_creds *c)
{
        return c->account_id[0] ? c->account_id : NULL;
}

const char *aws_creds_region(const struct aws_creds *c)
{
        return c->region[0] ? c->region : NULL;
}

static void install(struct aws_creds *c, struct aws_credentials *k, const char *source)
{
        aws_creds_invalidate(c);
        c->cur = *k;
        c->cur.obtained = teamd_now();
        c->cur.source = source;
        c->have = true;
        explicit_bzero(k, sizeof(*k));
        teamd_log(LOG_INFO, "AWS credentials from %s (access key id %.4s...)%s", source, c->cur.access_key_id,
                  c->cur.expiration ? ", temporary" : "");
}

static void finish(struct aws_creds *c, int err)
{
        struct waiter w[MAX_WAITERS];
        size_t n = c->n_waiters;

        c->step = STEP_IDLE;
        c->req = NULL;
        explicit_bzero(c->imds_token, sizeof(c->imds_token));
        memcpy(w, c->waiters, sizeof(w));
        c->n_waiters = 0;
        for (size_t i = 0; i < n; i++)
                w[i].done(err, w[i].userdata);
}

/* 1. environment */
static int from_env(struct aws_creds *c)
{
        const char *id = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
        const char *tok = getenv("AWS_SESSION_TOKEN");
        struct aws_credentials k = { .expiration = 0 };

        if (!id || !secret || !id[0] || !secret[0])
                return -ENOENT;
        if (strlen(id) > AWS_KEY_MAX || strlen(secret) > AWS_KEY_MAX || (tok && strlen(tok) > AWS_TOKEN_MAX))
                return -EBADMSG;
        memcpy(k.access_key_id, id, strlen(id));
        memcpy(k.secret_access_key, secret, strlen(secret));
        if (tok)
                memcpy(k.session_token, tok, strlen(tok));
        install(c, &k, "environment");
        return 0;
}

static int read_secret_file(const char *path, char *buf, size_t max, size_t *len)
{
        struct stat st;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        int r;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto out;
        }
        if (!S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 0077)) {
                teamd_log(LOG_ERR, "AWS credentials file %s refused: it must be a regular file owned by root "
                                   "and not readable by group or others (chmod 0600)", path);
                r = -EPERM;
                goto out;
        }
        r = team_read_bounded(fd, buf, max, len);
out:
        close(fd);
        return r;
}

/* 2. shared credentials file */
static int from_file(struct aws_creds *c)
{
        const char *path = c->cfg->aws_credentials_file, *profile = c->cfg->aws_profile;
        char def[4096], *buf;
        struct aws_credentials k;
        size_t len = 0;
        int r;

        if (!path)
                path = getenv("AWS_SHARED_CREDENTIALS_FILE");
        if (!path && getenv("HOME") && snprintf(def, sizeof(def), "%s/.aws/credentials", getenv("HOME")) <
                                                 (int)sizeof(def))
                path = def;
        if (!profile)
                profile = getenv("AWS_PROFILE");
        if (!profile || !profile[0])
                profile = "default";
        if (!path)
                return -ENOENT;
        buf = malloc(MAX_FILE + 1);
        if (!buf)
                return -ENOMEM;
        r = read_secret_file(path, buf, MAX_FILE, &len);
        if (r == 0)
                r = aws_creds_parse_file(buf, len, profile, &k);
        explicit_bzero(buf, MAX_FILE + 1);
        free(buf);
        if (r == 0)
                install(c, &k, "shared file");
        else if (r != -ENOENT)
                teamd_log(LOG_WARNING, "AWS credentials file %s, profile %s: %s", path, profile,
                          r == -EBADMSG ? "malformed" : strerror(-r));
        return r;
}

static int start_get(struct aws_creds *c, const char *url, const char *method, const char *const *headers,
                     enum step step);

static const char *imds_base(const struct aws_creds *c)
{
        return c->cfg->aws_imds_endpoint ? c->cfg->aws_imds_endpoint : IMDS_DEFAULT;
}

static int imds_next(struct aws_creds *c, enum step step)
{
        char url[2600], hdr[300];
        const char *headers[] = { hdr, NULL };

        if (step == STEP_IMDS_TOKEN) {
                const char *put_headers[] = { "X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL };

                snprintf(url, sizeof(url), "%s/latest/api/token", imds_base(c));
                return start_get(c, url, "PUT", put_headers, step);
        }
        snprintf(hdr, sizeof(hdr), "X-aws-ec2-metadata-token: %s", c->imds_token);
        if (step == STEP_IMDS_IDENTITY)
                snprintf(url, sizeof(url), "%s/latest/dynamic/instance-identity/document", imds_base(c));
        else if (step == STEP_IMDS_ROLE)
                snprintf(url, sizeof(url), "%s/latest/meta-data/iam/security-credentials/", imds_base(c));
        else
                snprintf(url, sizeof(url), "%s/latest/meta-data/iam/security-credentials/%s", imds_base(c),
                         c->role);
        int r = start_get(c, url, "GET", headers, step);

        explicit_bzero(hdr, sizeof(hdr));
        return r;
}

/* 3. container credentials: the URL and the authorization header. */
static int ecs_start(struct aws_creds *c)
{
        const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
        const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        const char *tok = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
        const char *tok_file = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        char url[2600], hdr[4200] = "", tbuf[4097];
        const char *headers[] = { hdr, NULL };
        size_t n = 0;
        int r;

        if (rel && rel[0] == '/')
                snprintf(url, sizeof(url), "%s%s", ECS_HOST, rel);
        else if (full && (strncmp(full, "https://", 8) == 0 || strncmp(full, "http://127.", 11) == 0 ||
                          strncmp(full, "http://localhost", 16) == 0 || strncmp(full, "http://[::1]", 12) == 0 ||
                          strncmp(full, "http://169.254.170.", 19) == 0))
                snprintf(url, sizeof(url), "%s", full);
        else
                return -ENOENT;
        if (tok_file && read_secret_file(tok_file, tbuf, sizeof(tbuf) - 1, &n) == 0) {
                while (n > 0 && (tbuf[n - 1] == '\n' || tbuf[n - 1] == '\r'))
                        n--;
                tbuf[n] = '\0';
                tok = tbuf;
        }
        if (tok && tok[0] && !strpbrk(tok, "\r\n"))
                snprintf(hdr, sizeof(hdr), "Authorization: %s", tok);
        r = start_get(c, url, "GET", hdr[0] ? headers : NULL, STEP_ECS);
        explicit_bzero(hdr, sizeof(hdr));
        explicit_bzero(tbuf, sizeof(tbuf));
        return r;
}

static void on_identity(struct aws_creds *c, const char *body, size_t len)
{
        struct json_object *o = NULL, *v;
        const char *why;

        if (team_json_parse_object(body, len, 4, &o, &why) < 0)
                return;
        if (json_object_object_get_ex(o, "accountId", &v) && json_object_is_type(v, json_type_string) &&
            json_object_get_string_len(v) == 12 && strspn(json_object_get_string(v), "0123456789") == 12)
                snprintf(c->account_id, sizeof(c->account_id), "%s", json_object_get_string(v));
        if (json_object_object_get_ex(o, "region", &v) && json_object_is_type(v, json_type_string) &&
            json_object_get_string_len(v) < (int)sizeof(c->region) &&
            strspn(json_object_get_string(v), "abcdefghijklmnopqrstuvwxyz0123456789-") ==
                    (size_t)json_object_get_string_len(v))
                snprintf(c->region, sizeof(c->region), "%s", json_object_get_string(v));
        json_object_put(o);
}

/* Where the chain goes after a step answered (ok) or failed. */
static int after(struct aws_creds *c, enum step step, const struct http_result *res)
{
        bool ok = res->err == 0 && res->status == 200;
        struct aws_credentials k;
        size_t n;

        switch (step) {
        case STEP_ECS:
                if (ok && aws_creds_parse_json(res->body, res->len, &k) == 0) {
                        install(c, &k, "container");
                        return c->want_identity ? imds_next(c, STEP_IMDS_TOKEN) : 1;
                }
                teamd_log(LOG_WARNING, "AWS container credentials: %s",
                          res->err ? res->detail : "bad answer");
                return imds_next(c, STEP_IMDS_TOKEN);
        case STEP_IMDS_TOKEN:
                if (!ok || res->len == 0 || res->len >= sizeof(c->imds_token) || strpbrk(res->body, "\r\n"))
                        return c->have ? 1 : -ENOKEY;
                memcpy(c->imds_token, res->body, res->len + 1);
                return imds_next(c, c->want_identity ? STEP_IMDS_IDENTITY : STEP_IMDS_ROLE);
        case STEP_IMDS_IDENTITY:
                if (ok)
                        on_identity(c, res->body, res->len);
                return c->have ? 1 : imds_next(c, STEP_IMDS_ROLE);
        case STEP_IMDS_ROLE:
                n = ok ? strcspn(res->body, "\r\n") : 0;
                if (n == 0 || n >= sizeof(c->role) || strspn(res->body, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                                      "abcdefghijklmnopqrstuvwxyz0123456789+=,.@_-") < n)
                        return -ENOKEY;
                memcpy(c->role, res->body, n);
                c->role[n] = '\0';
                return imds_next(c, STEP_IMDS_CREDS);
        case STEP_IMDS_CREDS:
                if (ok && aws_creds_parse_json(res->body, res->len, &k) == 0) {
                        install(c, &k, "imds");
                        return 1;
                }
                return -ENOKEY;
        default:
                return -EINVAL;
        }
}

static void on_answer(const struct http_result *res, void *userdata)
{
        struct aws_creds *c = userdata;
        int r;

        c->req = NULL;
        r = after(c, c->step, res);
        if (r != 0)
                finish(c, r > 0 ? 0 : r);
}

static int start_get(struct aws_creds *c, const char *url, const char *method, const char *const *headers,
                     enum step step)
{
        struct http_options o = {
                .url = url,
                .method = method,
                .headers = headers,
                .timeout_ms = REMOTE_TIMEOUT_MS,
                .connect_timeout_ms = REMOTE_TIMEOUT_MS,
                .max_response = 64 * 1024,
        };
        int r;

        c->step = step;
        r = http_request_start(c->http, &o, on_answer, c, &c->req);
        return r < 0 ? r : 0;
}

static int on_defer(sd_event_source *s, void *userdata)
{
        struct aws_creds *c = userdata;

        finish(c, c->defer_err);
        return 0;
}

static int complete_later(struct aws_creds *c, int err)
{
        int r;

        c->defer_err = err;
        c->step = STEP_DEFER; /* busy until the defer runs */
        sd_event_source_disable_unref(c->defer);
        c->defer = NULL;
        r = sd_event_add_defer(c->event, &c->defer, on_defer, c);
        if (r >= 0)
                r = sd_event_source_set_enabled(c->defer, SD_EVENT_ONESHOT);
        return r < 0 ? r : 0;
}

int aws_creds_refresh(struct aws_creds *c, bool want_identity, aws_creds_done_fn done, void *userdata)
{
        int r;

        if (c->n_waiters >= MAX_WAITERS)
                return -EBUSY;
        c->waiters[c->n_waiters++] = (struct waiter){ done, userdata };
        if (c->step != STEP_IDLE)
                return 0;
        c->want_identity = want_identity && !c->account_id[0];
        if (aws_creds_current(c) && !c->want_identity) {
                r = complete_later(c, 0);
                goto out;
        }
        aws_creds_invalidate(c);
        if (from_env(c) == 0 || from_file(c) == 0) {
                if (c->want_identity)
                        r = imds_next(c, STEP_IMDS_TOKEN);
                else
                        r = complete_later(c, 0);
        } else {
                r = ecs_start(c);
                if (r == -ENOENT)
                        r = imds_next(c, STEP_IMDS_TOKEN);
        }
out:
        if (r < 0) {
                c->n_waiters--;
                c->step = STEP_IDLE;
        }
        return r;
}

void aws_creds_forget_waiter(struct aws_creds *c, void *userdata)
{
        size_t j = 0;

        for (size_t i = 0; i < c->n_waiters; i++)
                if (c->waiters[i].userdata != userdata)
                        c->waiters[j++] = c->waiters[i];
        c->n_waiters = j;
}
