/* SPDX-License-Identifier: BSD-3-Clause */
/* AWS credentials for the audit sinks, resolved like the AWS SDKs do:
 *
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
 *      [, AWS_SESSION_TOKEN]
 *   2. shared credentials file ([aws] credentials_file, else
 *      AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials), profile
 *      [aws] profile, else AWS_PROFILE, else "default". The file must be a
 *      regular file owned by root (or teamd's user) and not readable by
 *      group or others.
 *   3. ECS/EKS container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI
 *      (loopback http or https) or http://169.254.170.2 +
 *      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, with
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE] when set.
 *   4. EC2 IMDSv2 ([aws] imds_endpoint, default http://169.254.169.254):
 *      PUT /latest/api/token, then the role's credentials under
 *      /latest/meta-data/iam/security-credentials/.
 *
 * Temporary credentials are refreshed before their Expiration (5 minutes
 * before, or a quarter of their lifetime when that is shorter). Secrets
 * are never logged and are wiped when replaced or freed.
 *
 * IMDS also gives the account id and region (instance identity document)
 * for [audit] account_id and the regions when they are unset. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "teamd_config.h"

struct http_client;
struct aws_creds;

#define AWS_KEY_MAX 256
#define AWS_TOKEN_MAX 8192

struct aws_credentials {
        char access_key_id[AWS_KEY_MAX + 1];
        char secret_access_key[AWS_KEY_MAX + 1];
        char session_token[AWS_TOKEN_MAX + 1];   /* "" when none */
        int64_t expiration;                      /* epoch seconds; 0: does not expire */
        int64_t obtained;
        const char *source;                      /* "environment", "shared file", "container", "imds" */
};

typedef void (*aws_creds_done_fn)(int err, void *userdata);

int aws_creds_new(sd_event *event, struct http_client *http, const struct teamd_config *cfg,
                  struct aws_creds **out);
void aws_creds_free(struct aws_creds *c);

/* Credentials good for now (not due for refresh), or NULL. */
const struct aws_credentials *aws_creds_current(struct aws_creds *c);
/* Forget the credentials (the service said they are expired or invalid). */
void aws_creds_invalidate(struct aws_creds *c);

/* Resolves the chain; done(err, userdata) runs once from the event loop:
 * 0 (aws_creds_current() now non-NULL), -ENOKEY (no source has
 * credentials) or another -errno. Callers waiting at once share one
 * resolution (up to 8). With want_identity the IMDS identity document is
 * fetched too (account id, region). */
int aws_creds_refresh(struct aws_creds *c, bool want_identity, aws_creds_done_fn done, void *userdata);

/* A waiter (by its userdata) no longer wants its callback. */
void aws_creds_forget_waiter(struct aws_creds *c, void *userdata);

/* From the IMDS identity document; NULL when not (yet) known. */
const char *aws_creds_account_id(const struct aws_creds *c);
const char *aws_creds_region(const struct aws_creds *c);

/* Parsing helpers (unit tests, fuzzing). */
/* The profile's keys from a shared credentials file's text. 0, -ENOENT (no
 * such profile or no keys in it) or -EBADMSG. */
int aws_creds_parse_file(const char *text, size_t len, const char *profile, struct aws_credentials *out);
/* {"AccessKeyId","SecretAccessKey","Token","Expiration"} (ECS and IMDS). */
int aws_creds_parse_json(const char *text, size_t len, struct aws_credentials *out);
/* "2026-11-25T15:20:34Z" (fractional seconds allowed) -> epoch seconds. */
int aws_parse_time(const char *s, int64_t *out);
