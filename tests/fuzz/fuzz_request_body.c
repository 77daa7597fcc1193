/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: team-server's strict request-body parser
 * (server/json_body.c). The first byte picks the endpoint ('c' create
 * request, 'd' decision, 'r' revoke, 'e' extend: byte % 4), the rest is
 * the body. Properties: no crash or leak; a refusal always says why;
 * what is accepted honours the bounds (lengths, names, no control
 * characters, integer ranges). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/json_body.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t max, bool required)
{
        const char *p;

        if (!s) {
                if (required)
                        abort();
                return;
        }
        if (strlen(s) == 0 || strlen(s) > max)
                abort();
        for (p = s; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        abort();
}

static void check_name(const char *s, bool required)
{
        if (!s) {
                if (required)
                        abort();
                return;
        }
        if (!is_valid_token_name(s, JSON_BODY_NAME_MAX))
                abort();
}

static void check_refusal(int r, const char *err)
{
        if (r == -EINVAL && err[0] == '\0')
                abort();
        if (r < 0 && r != -EINVAL && r != -ENOMEM)
                abort();
}

static void run_create(const char *body, size_t len)
{
        struct body_request_create b;
        char err[256];
        int r = json_body_request_create(body, len, &b, err, sizeof(err));

        check_refusal(r, err);
        if (r < 0) {
                if (b.role || b.host || b.reason || b.ticket || b.user)
                        abort();
                return;
        }
        check_name(b.role, true);
        check_name(b.host, true);
        check_name(b.user, false);
        check_text(b.reason, JSON_BODY_REASON_MAX, false);
        check_text(b.ticket, JSON_BODY_TICKET_MAX, false);
        if (b.duration < 1 || b.duration > JSON_BODY_DURATION_MAX || b.start_at > JSON_BODY_EPOCH_MAX)
                abort();
        body_request_create_clear(&b);
}

static void run_decision(const char *body, size_t len)
{
        struct body_decision b;
        char err[256];
        int r = json_body_decision(body, len, &b, err, sizeof(err));

        check_refusal(r, err);
        if (r == 0)
                check_text(b.comment, JSON_BODY_COMMENT_MAX, false);
        body_decision_clear(&b);
}

static void run_revoke(const char *body, size_t len)
{
        struct body_revoke b;
        char err[256];
        int r = json_body_revoke(body, len, &b, err, sizeof(err));

        check_refusal(r, err);
        if (r == 0)
                check_text(b.reason, JSON_BODY_REASON_MAX, false);
        body_revoke_clear(&b);
}

static void run_extend(const char *body, size_t len)
{
        struct body_extend b;
        char err[256];
        int r = json_body_extend(body, len, &b, err, sizeof(err));

        check_refusal(r, err);
        if (r == 0) {
                check_text(b.reason, JSON_BODY_REASON_MAX, false);
                if (b.duration < 1 || b.duration > JSON_BODY_DURATION_MAX)
                        abort();
        }
        body_extend_clear(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *body;
        char *copy;
        size_t len;

        if (size == 0 || size > 128 * 1024)
                return 0;
        len = size - 1;
        /* A private copy without a terminating NUL, so ASan sees overreads. */
        copy = malloc(len ? len : 1);
        if (!copy)
                return 0;
        memcpy(copy, data + 1, len);
        body = copy;
        switch (data[0] % 4) {
        case 0: run_decision(body, len); break;
        case 1: run_extend(body, len); break;
        case 2: run_revoke(body, len); break;
        default: run_create(body, len); break;
        }
        free(copy);
        return 0;
}
