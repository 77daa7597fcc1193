/* SPDX-License-Identifier: BSD-3-Clause */
/* pam_team: the PAM entry points. Each one parses its arguments, asks
 * teamd one question, and maps the answer to a PAM code. Anything short of
 * a well-formed allow is a refusal; see docs/design.md for the table. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#define PAM_SM_AUTH
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "args.h"
#include "breakglass.h"
#include "conv.h"
#include "prompt.h"
#include "protocol.h"
#include "teamd_client.h"

#define SESSION_DATA "pam_team_session_id"
#define PAM_TEAM_EXPORT __attribute__((visibility("default")))

/* Text of an item, or NULL when unset or empty. */
static const char *item_text(pam_handle_t *pamh, int type)
{
        const void *v = NULL;

        if (pam_get_item(pamh, type, &v) != PAM_SUCCESS || !v || !*(const char *)v)
                return NULL;
        return v;
}

/* Whose grant a phase is about. sudo and su switch PAM_USER to the target
 * user (root) before opening the session and keep the person who asked in
 * PAM_RUSER; the account phase still runs with PAM_USER = that person.
 * sshd and login leave PAM_RUSER unset. The applications set both items as
 * root, so neither comes from the person. */
static const char *grant_holder(pam_handle_t *pamh, enum team_op op)
{
        const char *ruser = NULL;

        if (op == TEAM_OP_SESSION_OPEN || op == TEAM_OP_SESSION_CLOSE)
                ruser = item_text(pamh, PAM_RUSER);
        return ruser ? ruser : item_text(pamh, PAM_USER);
}

/* Fills the identity part of a request from the handle (pointers into
 * PAM's items, not copies). Returns a PAM code. */
static int fill_request(pam_handle_t *pamh, const struct pam_team_args *args,
                        enum team_op op, struct team_request *req)
{
        const char *user = grant_holder(pamh, op);
        const char *service = item_text(pamh, PAM_SERVICE);

        if (!user || strlen(user) > TEAM_MAX_USER) {
                pam_syslog(pamh, LOG_ERR, "PAM_USER is unset, empty or too long");
                return PAM_USER_UNKNOWN;
        }
        *req = (struct team_request){
                .op = op,
                .user = user,
                .role = args->role,
                .service = service ? service : "unknown",
                .tty = item_text(pamh, PAM_TTY),
                .rhost = item_text(pamh, PAM_RHOST),
                .failmode_safe = args->failmode_safe,
        };
        if (strlen(req->service) > TEAM_MAX_SERVICE)
                req->service = "unknown";
        if (req->tty && strlen(req->tty) > TEAM_MAX_TTY)
                req->tty = NULL;
        if (req->rhost && strlen(req->rhost) > TEAM_MAX_RHOST)
                req->rhost = NULL;
        return PAM_SUCCESS;
}

static void tell_unreachable(pam_handle_t *pamh, const char *why)
{
        char msg[256];

        snprintf(msg, sizeof(msg),
                 "pam_team: cannot reach teamd (%s); ask an administrator to check `systemctl status teamd`",
                 why);
        conv_error(pamh, msg);
}

static void tell_reason(pam_handle_t *pamh, const char *reason)
{
        char clean[PAM_TEAM_MAX_SHOWN + 1];

        conv_sanitize(reason && *reason ? reason : "access denied", clean, sizeof(clean));
        conv_error(pamh, clean);
}

static void tell_expiry(pam_handle_t *pamh, int flags, const struct team_response *resp)
{
        char when[64] = "an unknown time", msg[PAM_TEAM_MAX_SHOWN + 128], id[TEAM_MAX_ID + 1];

        if (resp->expires > 0)
                conv_format_utc(resp->expires, when, sizeof(when));
        conv_sanitize(resp->grant_id, id, sizeof(id));
        snprintf(msg, sizeof(msg), "pam_team: grant %s valid until %s", id, when);
        conv_info(pamh, flags, msg);
}

/* Maps teamd's answer to a check into a PAM code, talking to the person. */
static int judge_check(pam_handle_t *pamh, int flags, const struct pam_team_args *args,
                       const char *user, const struct team_response *resp)
{
        if (!resp->ok) {
                pam_syslog(pamh, LOG_ERR, "teamd refused the check: %s",
                           resp->error ? resp->error : "(no error text)");
                tell_unreachable(pamh, "teamd reported an error");
                return PAM_AUTHINFO_UNAVAIL;
        }
        if (resp->decision == TEAM_DECISION_ALLOW && resp->fail_open) {
                if (!args->failmode_safe) {
                        pam_syslog(pamh, LOG_ERR, "teamd answered fail_open without failmode=safe");
                        tell_unreachable(pamh, "malformed answer");
                        return PAM_AUTHINFO_UNAVAIL;
                }
                pam_syslog(pamh, LOG_WARNING, "%s allowed role %s in fail-safe mode", user, args->role);
                conv_info(pamh, flags, "pam_team: access allowed in fail-safe mode; this is audited");
                return PAM_SUCCESS;
        }
        if (resp->decision == TEAM_DECISION_ALLOW && resp->grant_id && *resp->grant_id) {
                if (args->debug) {
                        pam_syslog(pamh, LOG_DEBUG, "%s allowed role %s by grant %s",
                                   user, args->role, resp->grant_id);
                        tell_expiry(pamh, flags, resp);
                }
                return PAM_SUCCESS;
        }
        if (resp->decision == TEAM_DECISION_DENY || resp->decision == TEAM_DECISION_PENDING) {
                pam_syslog(pamh, LOG_NOTICE, "%s denied role %s", user, args->role);
                tell_reason(pamh, resp->reason);
                return PAM_PERM_DENIED;
        }
        pam_syslog(pamh, LOG_ERR, "teamd answered without a usable decision");
        tell_unreachable(pamh, "malformed answer");
        return PAM_AUTHINFO_UNAVAIL;
}

PAM_TEAM_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct pam_team_args args;
        struct team_request req;
        struct team_response resp = { 0 };
        const char *why = NULL;
        int rc;

        if (pam_team_args_parse(pamh, argc, argv, &args) < 0)
                return PAM_SERVICE_ERR;
        rc = fill_request(pamh, &args, TEAM_OP_CHECK, &req);
        if (rc != PAM_SUCCESS)
                return rc;
        if (args.debug)
                pam_syslog(pamh, LOG_DEBUG, "check user=%s role=%s service=%s failmode=%s",
                           req.user, req.role, req.service, args.failmode_safe ? "safe" : "secure");
        if (teamd_call(pamh, &args, &req, &resp, &why) < 0) {
                tell_unreachable(pamh, why);
                rc = PAM_AUTHINFO_UNAVAIL;
                goto out;
        }
        rc = judge_check(pamh, flags, &args, req.user, &resp);
        if (rc == PAM_PERM_DENIED && resp.decision == TEAM_DECISION_DENY && prompt_applies(pamh, flags, &args)) {
                /* Ask for a grant here and now; on approval, check again. */
                rc = prompt_run(pamh, flags, &args, &req);
                if (rc != PAM_SUCCESS)
                        goto out;
                team_response_clear(&resp);
                if (teamd_call(pamh, &args, &req, &resp, &why) < 0) {
                        tell_unreachable(pamh, why);
                        rc = PAM_AUTHINFO_UNAVAIL;
                        goto out;
                }
                rc = judge_check(pamh, flags, &args, req.user, &resp);
        }
out:
        if ((rc == PAM_PERM_DENIED || rc == PAM_AUTHINFO_UNAVAIL) && breakglass_applies(pamh, &args))
                rc = breakglass_run(pamh, flags, &args, &req);
        conv_refused(pamh, args.role, rc);
        if (args.debug)
                pam_syslog(pamh, LOG_DEBUG, "account: %s", pam_strerror(pamh, rc));
        team_response_clear(&resp);
        return rc;
}

static void free_session_id(pam_handle_t *pamh, void *data, int error_status)
{
        free(data);
}

PAM_TEAM_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct pam_team_args args;
        struct team_request req;
        struct team_response resp = { 0 };
        const char *why = NULL;
        char *id = NULL;
        int rc;

        if (pam_team_args_parse(pamh, argc, argv, &args) < 0)
                return PAM_SERVICE_ERR;
        rc = fill_request(pamh, &args, TEAM_OP_SESSION_OPEN, &req);
        if (rc != PAM_SUCCESS)
                return PAM_SESSION_ERR;
        rc = PAM_SESSION_ERR;
        if (teamd_call(pamh, &args, &req, &resp, &why) < 0) {
                if (breakglass_session(pamh, req.user, why))
                        rc = PAM_SUCCESS;
                else
                        tell_unreachable(pamh, why);
                goto out;
        }
        if (!resp.ok) {
                pam_syslog(pamh, LOG_ERR, "teamd refused session_open: %s",
                           resp.error ? resp.error : "(no error text)");
                tell_unreachable(pamh, "teamd reported an error");
                goto out;
        }
        if (resp.decision != TEAM_DECISION_ALLOW && breakglass_session(pamh, req.user, "teamd has no grant")) {
                rc = PAM_SUCCESS;
                goto out;
        }
        if (resp.decision != TEAM_DECISION_ALLOW || !resp.session_id || !*resp.session_id) {
                pam_syslog(pamh, LOG_NOTICE, "%s: session for role %s refused", req.user, args.role);
                tell_reason(pamh, resp.reason);
                goto out;
        }
        id = strdup(resp.session_id);
        if (!id || pam_set_data(pamh, SESSION_DATA, id, free_session_id) != PAM_SUCCESS) {
                free(id);
                pam_syslog(pamh, LOG_CRIT, "cannot keep the session id");
                goto out;
        }
        if (args.debug)
                pam_syslog(pamh, LOG_DEBUG, "session %s opened", resp.session_id);
        rc = PAM_SUCCESS;
out:
        team_response_clear(&resp);
        return rc;
}

PAM_TEAM_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct pam_team_args args;
        struct team_request req;
        struct team_response resp = { 0 };
        const void *id = NULL;
        const char *why = NULL;
        int rc;

        if (pam_team_args_parse(pamh, argc, argv, &args) < 0)
                return PAM_SERVICE_ERR;
        if (pam_get_data(pamh, SESSION_DATA, &id) != PAM_SUCCESS || !id) {
                if (args.debug)
                        pam_syslog(pamh, LOG_DEBUG, "no session was opened; nothing to close");
                return PAM_SUCCESS;
        }
        rc = fill_request(pamh, &args, TEAM_OP_SESSION_CLOSE, &req);
        if (rc != PAM_SUCCESS)
                return PAM_SESSION_ERR;
        req.session_id = id;
        rc = PAM_SESSION_ERR;
        if (teamd_call(pamh, &args, &req, &resp, &why) < 0) {
                pam_syslog(pamh, LOG_ERR, "session %s: close not recorded (%s)", (const char *)id, why);
                goto out;
        }
        if (!resp.ok) {
                pam_syslog(pamh, LOG_ERR, "teamd refused session_close of %s: %s", (const char *)id,
                           resp.error ? resp.error : "(no error text)");
                goto out;
        }
        if (args.debug)
                pam_syslog(pamh, LOG_DEBUG, "session %s closed", (const char *)id);
        (void)pam_set_data(pamh, SESSION_DATA, NULL, NULL);
        rc = PAM_SUCCESS;
out:
        team_response_clear(&resp);
        return rc;
}

PAM_TEAM_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        return PAM_IGNORE;
}

PAM_TEAM_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        return PAM_IGNORE;
}
