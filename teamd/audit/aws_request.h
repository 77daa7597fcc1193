/* SPDX-License-Identifier: BSD-3-Clause */
/* One SigV4-signed AWS request on teamd's http_client: libcurl's
 * CURLOPT_AWS_SIGV4 does the signing ("aws:amz:REGION:SERVICE", the
 * provider given explicitly, as libcurl 7.88 needs), the session token
 * goes in x-amz-security-token, X-Amz-Date is left to libcurl. Shared by
 * the CloudTrail Lake and CloudWatch Logs sinks. */
#pragma once

#include <stddef.h>

#include "audit/aws_creds.h"
#include "http_client.h"

struct aws_request_options {
        const char *url;            /* query already percent-encoded, keys sorted */
        const char *region;
        const char *service;        /* "cloudtrail-data", "logs" */
        const char *content_type;   /* "application/json", ... */
        const char *target;         /* X-Amz-Target, or NULL */
        const char *body;
        size_t body_len;
        uint32_t timeout_ms;
};

struct aws_request;

/* done(res, userdata) runs once from the loop unless aws_request_cancel()
 * comes first; *out is valid until then. */
int aws_request_start(struct http_client *http, const struct aws_credentials *k, const struct aws_request_options *o,
                      http_done_fn done, void *userdata, struct aws_request **out);
/* NULL ok. */
void aws_request_cancel(struct aws_request *r);

/* Appends s percent-encoded (RFC 3986 unreserved kept, upper-case hex) to
 * buf (cap bytes with the NUL) at *pos; -ENOSPC when it does not fit. */
int aws_percent_encode(char *buf, size_t cap, size_t *pos, const char *s);

/* "https://SERVICE.REGION.amazonaws.com" or the override (trailing '/'
 * already stripped by the config parser). malloc'd. */
char *aws_endpoint(const char *override_url, const char *service, const char *region);

/* The region: the configured one, else AWS_REGION, else AWS_DEFAULT_REGION,
 * else fallback (IMDS); NULL when none. */
const char *aws_pick_region(const char *configured, const char *fallback);

/* AWS error answers that mean "get new credentials". */
bool aws_error_is_auth(const char *code);
bool aws_error_is_throttle(long status, const char *code);
