/* SPDX-License-Identifier: BSD-3-Clause */
/* Request dispatch; see dispatch.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "dispatch.h"
#include "audit/journal.h"

typedef int (*handler_fn)(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                          struct team_response *resp);

static const struct {
        handler_fn fn;
        bool user_socket;   /* allowed on the user socket */
        bool decides;       /* an error on the way must answer deny */
} handlers[TEAM_OP__MAX] = {
        [TEAM_OP_CHECK] = { teamd_handle_check, false, true },
        [TEAM_OP_SESSION_OPEN] = { teamd_handle_session_open, false, true },
        [TEAM_OP_SESSION_CLOSE] = { teamd_handle_session_close, false, false },
        [TEAM_OP_GRANT_ADD] = { teamd_handle_grant_add, false, false },
        [TEAM_OP_STATUS] = { teamd_handle_status, true, false },
        [TEAM_OP_REQUEST] = { teamd_handle_request, true, false },
        [TEAM_OP_REQUEST_WAIT] = { teamd_handle_request_wait, true, false },
        [TEAM_OP_REQUEST_CANCEL] = { teamd_handle_request_cancel, true, false },
        [TEAM_OP_SESSIONS] = { teamd_handle_sessions, false, false },
        [TEAM_OP_SESSION_END] = { teamd_handle_session_end, false, false },
};

__attribute__((format(printf, 3, 0)))
static int set_text(struct team_response *resp, char **field, const char *fmt, va_list ap)
{
        char buf[TEAM_MAX_REASON];

        vsnprintf(buf, sizeof(buf), fmt, ap);
        free(*field);
        *field = strdup(buf);
        return *field ? 0 : -ENOMEM;
}

int teamd_response_error(struct team_response *resp, const char *fmt, ...)
{
        va_list ap;
        int r;

        resp->ok = false;
        va_start(ap, fmt);
        r = set_text(resp, &resp->error, fmt, ap);
        va_end(ap);
        return r;
}

int teamd_response_deny(struct team_response *resp, const char *fmt, ...)
{
        va_list ap;
        int r;

        resp->ok = true;
        resp->decision = TEAM_DECISION_DENY;
        resp->fail_open = false;
        free(resp->grant_id);
        resp->grant_id = NULL;
        free(resp->session_id);
        resp->session_id = NULL;
        resp->expires = 0;
        va_start(ap, fmt);
        r = set_text(resp, &resp->reason, fmt, ap);
        va_end(ap);
        return r;
}

int teamd_dispatch(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                   struct team_response *resp)
{
        int r;

        memset(resp, 0, sizeof(*resp));
        if ((unsigned)req->op >= TEAM_OP__MAX || !handlers[req->op].fn) {
                teamd_response_error(resp, "unknown operation");
                return 0;
        }
        if (!peer->privileged && !handlers[req->op].user_socket) {
                teamd_response_error(resp, "%s is only answered on teamd's root socket",
                                     team_op_to_string(req->op));
                return 0;
        }
        r = handlers[req->op].fn(d, peer, req, resp);
        if (r == TEAMD_DEFERRED)
                return r;
        if (r >= 0)
                return 0;
        teamd_log(LOG_ERR, "%s from pid %ld failed: %s", team_op_to_string(req->op), (long)peer->pid, strerror(-r));
        team_response_clear(resp);
        memset(resp, 0, sizeof(*resp));
        if (handlers[req->op].decides)
                teamd_response_deny(resp, "teamd could not decide (%s); an administrator should check "
                                          "'journalctl -u teamd'", strerror(-r));
        else
                teamd_response_error(resp, "teamd failed: %s; an administrator should check 'journalctl -u teamd'",
                                     strerror(-r));
        return 0;
}
