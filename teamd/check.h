/* SPDX-License-Identifier: BSD-3-Clause */
/* Evaluating a check request against the store: shared by check and
 * session_open. */
#pragma once

#include "decide.h"
#include "dispatch.h"
#include "audit/journal.h"

struct evaluation {
        struct grant_row *rows;
        size_t n_rows;
        struct decide_result result;
};

/* 0 with ev filled (the caller clears it), -EINVAL with resp filled when the
 * request is malformed, or -errno. */
int teamd_evaluate(struct teamd *d, const struct team_request *req, struct evaluation *ev);
void evaluation_clear(struct evaluation *ev);
/* The TEAM_* fields of a request and its decision. */
void teamd_event_fields(const struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                        const struct decide_result *res, struct team_audit_event *f);
/* ElevationAllowed / ElevationDenied / FailOpen for one evaluation. */
void teamd_event_decision(const struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                          const struct decide_result *res);
/* Copies the decision into resp. */
int teamd_response_decision(const struct decide_result *res, struct team_response *resp);
