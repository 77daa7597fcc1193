/* SPDX-License-Identifier: BSD-3-Clause */
/* SigV4-signed AWS requests through libcurl; see aws_request.h. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "audit/aws_request.h"

struct signer {
        char provider[160];
        char userpwd[AWS_KEY_MAX * 2 + 2];
};

/* http_client's setup hook gets the done callback's userdata, so the
 * signer rides in a small wrapper around the caller's. */
struct aws_request {
        struct signer sig;
        http_done_fn done;
        void *userdata;
        struct http_request *req;
};

static int setup(void *easy, void *userdata)
{
        struct aws_request *w = userdata;
        int ok = curl_easy_setopt(easy, CURLOPT_AWS_SIGV4, w->sig.provider) == CURLE_OK &&
                 curl_easy_setopt(easy, CURLOPT_USERPWD, w->sig.userpwd) == CURLE_OK;

        /* curl keeps its own copy */
        explicit_bzero(w->sig.userpwd, sizeof(w->sig.userpwd));
        return ok ? 0 : -EINVAL;
}

static void on_done(const struct http_result *res, void *userdata)
{
        struct aws_request *w = userdata;
        http_done_fn done = w->done;
        void *ud = w->userdata;

        explicit_bzero(w, sizeof(*w));
        free(w);
        done(res, ud);
}

int aws_request_start(struct http_client *http, const struct aws_credentials *k, const struct aws_request_options *o,
                      http_done_fn done, void *userdata, struct aws_request **out)
{
        char ct[128], target[160], token[AWS_TOKEN_MAX + 32];
        const char *headers[4];
        size_t nh = 0;
        struct aws_request *w;
        int r;

        if (strchr(k->access_key_id, ':'))
                return -EINVAL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->done = done;
        w->userdata = userdata;
        snprintf(w->sig.provider, sizeof(w->sig.provider), "aws:amz:%s:%s", o->region, o->service);
        snprintf(w->sig.userpwd, sizeof(w->sig.userpwd), "%s:%s", k->access_key_id, k->secret_access_key);
        snprintf(ct, sizeof(ct), "Content-Type: %s", o->content_type);
        headers[nh++] = ct;
        if (o->target) {
                snprintf(target, sizeof(target), "X-Amz-Target: %s", o->target);
                headers[nh++] = target;
        }
        if (k->session_token[0]) {
                snprintf(token, sizeof(token), "x-amz-security-token: %s", k->session_token);
                headers[nh++] = token;
        }
        /* No "Expect:" override here: libcurl 7.88 would sign the empty
         * header, and AWS does not see it. */
        headers[nh] = NULL;
        struct http_options ho = {
                .url = o->url,
                .method = "POST",
                .body = o->body,
                .body_len = o->body_len,
                .headers = headers,
                .timeout_ms = o->timeout_ms,
                .max_response = 256 * 1024,
                .setup = setup,
        };
        r = http_request_start(http, &ho, on_done, w, &w->req);
        explicit_bzero(token, sizeof(token));
        if (r < 0) {
                explicit_bzero(w, sizeof(*w));
                free(w);
                return r;
        }
        *out = w;
        return 0;
}

void aws_request_cancel(struct aws_request *w)
{
        if (!w)
                return;
        http_request_cancel(w->req);
        explicit_bzero(w, sizeof(*w));
        free(w);
}

int aws_percent_encode(char *buf, size_t cap, size_t *pos, const char *s)
{
        static const char hex[] = "0123456789ABCDEF";

        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '_' || c == '.' || c == '~';

                if (*pos + (keep ? 1 : 3) >= cap)
                        return -ENOSPC;
                if (keep) {
                        buf[(*pos)++] = (char)c;
                } else {
                        buf[(*pos)++] = '%';
                        buf[(*pos)++] = hex[c >> 4];
                        buf[(*pos)++] = hex[c & 15];
                }
        }
        buf[*pos] = '\0';
        return 0;
}

char *aws_endpoint(const char *override_url, const char *service, const char *region)
{
        char *u = NULL;

        if (override_url)
                return strdup(override_url);
        if (asprintf(&u, "https://%s.%s.amazonaws.com", service, region) < 0)
                return NULL;
        return u;
}

const char *aws_pick_region(const char *configured, const char *fallback)
{
        const char *env;

        if (configured)
                return configured;
        env = getenv("AWS_REGION");
        if (env && env[0])
                return env;
        env = getenv("AWS_DEFAULT_REGION");
        if (env && env[0])
                return env;
        return fallback;
}

bool aws_error_is_auth(const char *code)
{
        static const char *const auth[] = { "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId",
                                            "UnrecognizedClientException", "InvalidSignatureException",
                                            "IncompleteSignature", "SignatureDoesNotMatch", "AccessDeniedException",
                                            NULL };

        for (const char *const *p = auth; *p; p++)
                if (strcmp(code, *p) == 0)
                        return true;
        return false;
}

bool aws_error_is_throttle(long status, const char *code)
{
        return status == 429 || strstr(code, "Throttl") || strcmp(code, "TooManyRequestsException") == 0 ||
               strcmp(code, "RequestLimitExceeded") == 0 || strcmp(code, "LimitExceededException") == 0;
}
