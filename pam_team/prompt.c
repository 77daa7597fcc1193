/* SPDX-License-Identifier: BSD-3-Clause */
/* The `prompt` flow; see prompt.h. What the person sees:
 *
 *   pam_team: no grant for sudo on web1; ...            (the deny, as before)
 *   pam_team: you can ask for sudo now; an approver must agree (Ctrl-C gives up).
 *   Reason for sudo (empty gives up): disk full on /var          (one prompt)
 *   pam_team: request r_6c1f0e7d2a9b3c4d filed; who can approve: bob, carol
 *   pam_team: waiting up to 5:00 for the approval...
 *   pam_team: still waiting for r_6c1f0e7d2a9b3c4d, 4:50 left
 *   pam_team: request r_6c1f0e7d2a9b3c4d approved
 *
 * Every server-supplied text is sanitized (conv_sanitize) before it is
 * shown; every typed text is checked (one line, printable, capped) before
 * it is sent. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>

#include "conv.h"
#include "printable.h"
#include "prompt.h"
#include "teamd_client.h"

#define ASK_TRIES 3

static bool has_terminal(pam_handle_t *pamh)
{
        const void *v = NULL;
        const char *tty;
        char path[TEAM_MAX_TTY + 8];
        struct stat st;

        if (pam_get_item(pamh, PAM_TTY, &v) != PAM_SUCCESS || !v || !*(const char *)v)
                return false;
        tty = v;
        if (strlen(tty) > TEAM_MAX_TTY || strcmp(tty, "ssh") == 0 || strchr(tty, ':'))
                return false;   /* sshd's placeholder, X displays */
        snprintf(path, sizeof(path), "%s%s", tty[0] == '/' ? "" : "/dev/", tty);
        return stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

/* PAM_SILENT is not consulted: sudo passes it to pam_acct_mgmt() on every
 * run, terminal or not, so it says nothing about whether a person is
 * there. `prompt` on the PAM line is the administrator's choice to talk to
 * that person; the terminal check and the conversation (which fails under
 * sudo -n) decide whether anyone can answer. */
bool prompt_applies(pam_handle_t *pamh, int flags, const struct pam_team_args *args)
{
        (void)flags;
        return args->prompt && has_terminal(pamh);
}

static void say(pam_handle_t *pamh, int flags, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(pam_handle_t *pamh, int flags, const char *fmt, ...)
{
        char msg[PAM_TEAM_MAX_SHOWN + 256];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        conv_info(pamh, flags, msg);
}

/* Asks one line. PAM_SUCCESS with *out malloc'd (may be ""), or the
 * conversation's error (sudo -n, Ctrl-C, no terminal after all). Lines that
 * are too long or not printable are asked again, at most ASK_TRIES times. */
static int ask(pam_handle_t *pamh, const char *question, size_t cap, char **out)
{
        int rc = PAM_CONV_ERR;

        *out = NULL;
        for (int i = 0; i < ASK_TRIES; i++) {
                char *line = NULL;
                size_t len;

                rc = pam_prompt(pamh, PAM_PROMPT_ECHO_ON, &line, "%s", question);
                if (rc != PAM_SUCCESS) {
                        free(line);
                        return rc;
                }
                if (!line)
                        return PAM_CONV_ERR;
                len = strlen(line);
                if (len <= cap && team_text_is_printable(line, len)) {
                        *out = line;
                        return PAM_SUCCESS;
                }
                free(line);
                conv_error(pamh, len > cap ? "pam_team: that is too long; please keep it shorter"
                                           : "pam_team: please type one line of plain text");
                rc = PAM_CONV_ERR;
        }
        return rc;
}

/* ask() with the signals the flow holds let through, as a conversation
 * expects (Ctrl-C at the question ends it); one already pending ends the
 * flow instead, before it could reach the application's handler unseen. */
static int ask_released(pam_handle_t *pamh, struct prompt_signals *ps, const char *question, size_t cap,
                        char **out)
{
        int rc;

        *out = NULL;
        if (prompt_signals_pending())
                return PAM_CONV_ERR;
        prompt_signals_release(ps);
        rc = ask(pamh, question, cap, out);
        prompt_signals_hold(ps);
        return rc;
}

static void format_left(int64_t s, char *buf, size_t len)
{
        if (s >= 3600)
                snprintf(buf, len, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s % 3600 / 60),
                         (long long)(s % 60));
        else
                snprintf(buf, len, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
}

static void tell_failure(pam_handle_t *pamh, const char *what, const char *text)
{
        char clean[PAM_TEAM_MAX_SHOWN + 1], msg[PAM_TEAM_MAX_SHOWN + 128];

        conv_sanitize(text && *text ? text : "no reason given", clean, sizeof(clean));
        snprintf(msg, sizeof(msg), "pam_team: %s: %s", what, clean);
        conv_error(pamh, msg);
}

/* The request op; asks for a ticket once when the role needs one. Returns
 * PAM_SUCCESS with *filed holding the answer (request_id set), or a refusal
 * after telling the person. */
static int file_request(pam_handle_t *pamh, const struct pam_team_args *args, struct prompt_signals *ps,
                        const struct team_request *check, char *reason, struct team_response *filed)
{
        struct team_request req = {
                .op = TEAM_OP_REQUEST, .user = check->user, .role = check->role, .service = check->service,
                .tty = check->tty, .rhost = check->rhost, .duration = args->duration_s, .reason = reason,
        };
        char *ticket = NULL;
        const char *why = NULL;
        int rc = PAM_PERM_DENIED, r;

        for (int round = 0; round < 2; round++) {
                team_response_clear(filed);
                r = prompt_call(pamh, args, ps, PAM_TEAM_FILE_TIMEOUT_MS, &req, filed, &why);
                if (r == -EINTR) {
                        conv_error(pamh, "pam_team: interrupted; the request may have been filed: see teamctl status");
                        goto out;
                }
                if (r < 0) {
                        tell_failure(pamh, "cannot reach teamd to file the request", why);
                        rc = PAM_AUTHINFO_UNAVAIL;
                        goto out;
                }
                if (!filed->ok) {
                        pam_syslog(pamh, LOG_NOTICE, "request for %s as %s not filed: %s", check->user,
                                   check->role, filed->error ? filed->error : "?");
                        tell_failure(pamh, "the request was not filed", filed->error);
                        goto out;
                }
                if (filed->request_status && strcmp(filed->request_status, "refused") == 0) {
                        if (filed->ticket_required && !ticket) {
                                tell_failure(pamh, "a ticket is needed", filed->reason);
                                if (ask_released(pamh, ps, "Ticket: ", TEAM_MAX_TICKET, &ticket) != PAM_SUCCESS ||
                                    !*ticket) {
                                        conv_error(pamh, "pam_team: no ticket given; no request filed");
                                        goto out;
                                }
                                req.ticket = ticket;
                                continue;
                        }
                        tell_failure(pamh, "the request was refused", filed->reason);
                        goto out;
                }
                if (!filed->request_id) {
                        tell_failure(pamh, "the request was not filed", "teamd answered without a request id");
                        goto out;
                }
                rc = PAM_SUCCESS;
                break;
        }
out:
        free(ticket);
        return rc;
}

/* After Ctrl-C: withdraw the request through teamd (only the user it was
 * filed for may), so that nobody approves a request its person gave up.
 * Bounded, and not interruptible (ps NULL: the signals stay held and
 * pending while it runs). Tells the person how it ended. */
static void cancel_request(pam_handle_t *pamh, int flags, const struct pam_team_args *args, const char *user,
                           const char *id, const char *clean_id)
{
        struct team_request req = { .op = TEAM_OP_REQUEST_CANCEL, .user = user, .request_id = id };
        struct team_response resp = { 0 };
        const char *why = NULL;
        int r;

        r = prompt_call(pamh, args, NULL, PAM_TEAM_CANCEL_TIMEOUT_MS, &req, &resp, &why);
        if (r == 0 && resp.ok) {
                pam_syslog(pamh, LOG_NOTICE, "request %s of %s cancelled after an interrupt", id, user);
                say(pamh, flags, "pam_team: stopped waiting; request %s cancelled", clean_id);
        } else if (r == 0) {
                tell_failure(pamh, "stopped waiting, but the request was not cancelled", resp.error);
        } else {
                tell_failure(pamh, "stopped waiting, but cannot reach teamd to cancel the request", why);
        }
        team_response_clear(&resp);
}

/* request_wait rounds until a decision or wait_s. PAM_SUCCESS when the
 * grant is usable, else a refusal after telling the person. */
static int wait_decision(pam_handle_t *pamh, int flags, const struct pam_team_args *args,
                         const struct prompt_signals *ps, const char *user, const char *id)
{
        struct timespec ts;
        int64_t end, now;
        char left[32], clean_id[TEAM_MAX_ID + 1];
        int rc = PAM_PERM_DENIED;

        conv_sanitize(id, clean_id, sizeof(clean_id));
        clock_gettime(CLOCK_MONOTONIC, &ts);
        end = (int64_t)ts.tv_sec + args->wait_s;
        format_left(args->wait_s, left, sizeof(left));
        say(pamh, flags, "pam_team: waiting up to %s for the approval (Ctrl-C gives up)...", left);
        for (;;) {
                struct team_request req = { .op = TEAM_OP_REQUEST_WAIT, .user = user, .request_id = id };
                struct team_response resp = { 0 };
                const char *why = NULL;
                int r;

                clock_gettime(CLOCK_MONOTONIC, &ts);
                now = (int64_t)ts.tv_sec;
                if (now >= end) {
                        format_left(args->wait_s, left, sizeof(left));
                        say(pamh, flags, "pam_team: no decision on %s within %s; it stays open: run the command "
                                         "again once it is approved", clean_id, left);
                        conv_error(pamh, "pam_team: access denied for now (timed out waiting)");
                        break;
                }
                req.timeout = end - now < PAM_TEAM_WAIT_ROUND_S ? end - now : PAM_TEAM_WAIT_ROUND_S;
                r = prompt_call(pamh, args, ps, (unsigned)req.timeout * 1000u + args->timeout_ms, &req, &resp, &why);
                if (r == -EINTR) {
                        cancel_request(pamh, flags, args, user, id, clean_id);
                        conv_error(pamh, "pam_team: interrupted; access denied");
                        break;
                }
                if (r < 0) {
                        tell_failure(pamh, "lost teamd while waiting", why);
                        rc = PAM_AUTHINFO_UNAVAIL;
                        break;
                }
                if (!resp.ok || !resp.request_status) {
                        tell_failure(pamh, "cannot wait for the request", resp.error);
                        team_response_clear(&resp);
                        break;
                }
                if (strcmp(resp.request_status, "timeout") == 0) {
                        clock_gettime(CLOCK_MONOTONIC, &ts);
                        if ((int64_t)ts.tv_sec < end) {
                                format_left(end - (int64_t)ts.tv_sec, left, sizeof(left));
                                say(pamh, flags, "pam_team: still waiting for %s, %s left", clean_id, left);
                        }
                        team_response_clear(&resp);
                        continue;
                }
                if (strcmp(resp.request_status, "active") == 0) {
                        say(pamh, flags, "pam_team: request %s approved", clean_id);
                        team_response_clear(&resp);
                        rc = PAM_SUCCESS;
                        break;
                }
                pam_syslog(pamh, LOG_NOTICE, "request %s of %s ended: %s", id, user, resp.request_status);
                tell_failure(pamh, "access denied", resp.reason ? resp.reason : resp.request_status);
                team_response_clear(&resp);
                break;
        }
        return rc;
}

int prompt_run(pam_handle_t *pamh, int flags, const struct pam_team_args *args, const struct team_request *check)
{
        struct team_response filed = { 0 };
        /* The dialogue the PAM line asked for is shown despite PAM_SILENT
         * (see prompt_applies). */
        int talk = flags & ~PAM_SILENT;
        char question[2 * TEAM_MAX_ROLE + 160], approvers[PAM_TEAM_MAX_SHOWN + 1], id[TEAM_MAX_ID + 1];
        char *reason = NULL;
        struct prompt_signals ps = { .held = false, .fd = -1 };
        int rc = PAM_PERM_DENIED;

        /* One question, no message before it: where the conversation
         * cannot ask (sudo -n) nothing at all is shown. */
        snprintf(question, sizeof(question),
                 "pam_team: you can ask for %s now; an approver must agree (Ctrl-C gives up).\n"
                 "Reason for %s (empty gives up): ",
                 check->role, check->role);
        if (ask(pamh, question, TEAM_MAX_REASON, &reason) != PAM_SUCCESS) {
                conv_error(pamh, "pam_team: cannot ask here (no terminal, sudo -n or interrupted); no request filed");
                goto out;
        }
        if (!*reason) {
                conv_error(pamh, "pam_team: no reason given; no request filed");
                goto out;
        }
        /* From here to the end no Ctrl-C may be lost (prompt_call.c). */
        prompt_signals_hold(&ps);
        rc = file_request(pamh, args, &ps, check, reason, &filed);
        if (rc != PAM_SUCCESS)
                goto out;
        rc = PAM_PERM_DENIED;
        conv_sanitize(filed.request_id, id, sizeof(id));
        conv_sanitize(filed.approvers && *filed.approvers ? filed.approvers : "(nobody listed)", approvers,
                      sizeof(approvers));
        pam_syslog(pamh, LOG_NOTICE, "request %s filed for %s as %s", filed.request_id, check->user, check->role);
        say(pamh, talk, "pam_team: request %s filed; who can approve: %s", id, approvers);
        if (args->wait_s == 0) {
                conv_error(pamh, "pam_team: run the command again once it is approved");
                goto out;
        }
        rc = wait_decision(pamh, talk, args, &ps, check->user, filed.request_id);
out:
        prompt_signals_release(&ps);
        free(reason);
        team_response_clear(&filed);
        return rc;
}
