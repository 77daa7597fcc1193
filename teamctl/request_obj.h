/* SPDX-License-Identifier: BSD-3-Clause */
/* The request object of the central API (docs/api.md), decoded with every
 * field type-checked, strings sanitized for the terminal. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

struct api_decision {
        char *by, *decision, *comment;
        int64_t at;
};

struct api_request {
        char *id, *status, *role, *host, *user, *filed_by, *reason;
        char *ticket;    /* NULL: none */
        char *extends;   /* NULL: not an extension */
        int64_t duration, start_at, created_at, expires_at;
        int64_t approvals_required, denials_required;
        struct api_decision *decisions;
        size_t n_decisions;
        char **approvers;
        size_t n_approvers;
        bool has_grant;
        char *grant_id;
        int64_t grant_nbf, grant_exp;
};

/* 0, or -EINVAL with err naming the field that is missing or mistyped, or
 * -ENOMEM. On error *r is cleared. */
int api_request_decode(struct json_object *o, struct api_request *r, char *err, size_t errlen);
void api_request_clear(struct api_request *r);

/* Counts of approve / deny decisions. */
size_t api_request_count(const struct api_request *r, const char *decision);


/* A few lines describing the request (show, and after request/approve). */
void api_request_print(const struct api_request *r, int64_t now);
/* One sentence: "r_.. for sudo on web1: pending, 1 of 2 approvals". */
void api_request_summary(const struct api_request *r, char *buf, size_t len);
