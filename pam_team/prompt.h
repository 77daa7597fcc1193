/* SPDX-License-Identifier: BSD-3-Clause */
/* The `prompt` flow: a person without a grant, at a terminal, asks for one
 * right at the sudo (or login) prompt and waits, bounded by `wait=`, for an
 * approver. Everything goes through the PAM conversation and teamd (which
 * files the request with the central API and watches it); the module starts
 * no thread and installs no signal handler. A conversation error (sudo -n,
 * Ctrl-C at the question) or an interrupted wait (Ctrl-C, ^\\, SIGTERM or a
 * hang-up: held pending while the flow runs and watched with a signalfd,
 * see prompt_call.c) ends with a refusal and a message. */
#pragma once

#include <signal.h>
#include <stdbool.h>

#include <security/pam_modules.h>

#include "args.h"
#include "protocol.h"

/* One request_wait round: a progress line is shown after each. */
#define PAM_TEAM_WAIT_ROUND_S 10
/* Filing the request: teamd waits up to 4 s for the central API. */
#define PAM_TEAM_FILE_TIMEOUT_MS 8000
/* Cancelling it after Ctrl-C: teamd waits up to 4 s for the central API. */
#define PAM_TEAM_CANCEL_TIMEOUT_MS 6000

/* True when the PAM line says prompt and the
 * application has a terminal (PAM_TTY names a character device; sshd's
 * "ssh" and an unset PAM_TTY mean no terminal). */
bool prompt_applies(pam_handle_t *pamh, int flags, const struct pam_team_args *args);

/* Runs the flow for the person of check (a TEAM_OP_CHECK request that was
 * denied). Returns PAM_SUCCESS only when the request was approved and a
 * fresh check allows; else PAM_PERM_DENIED (or PAM_AUTHINFO_UNAVAIL when
 * teamd cannot be reached), after telling the person why. */
int prompt_run(pam_handle_t *pamh, int flags, const struct pam_team_args *args, const struct team_request *check);

/* The application's signal mask while the flow holds SIGINT, SIGQUIT,
 * SIGTERM and SIGHUP blocked, and the signalfd that watches them (-1 when
 * none could be had); a local of prompt_run, nothing global. */
struct prompt_signals {
        sigset_t saved;
        bool held;
        int fd;
};
/* prompt_call.c: blocks those signals and opens the signalfd / closes it
 * and restores the saved mask (a signal still pending is then delivered to
 * the application's handler, as it would have been without us). */
void prompt_signals_hold(struct prompt_signals *ps);
void prompt_signals_release(struct prompt_signals *ps);
/* True when one of them is pending (arrived while held). */
bool prompt_signals_pending(void);

/* One exchange with teamd like teamd_call(), but with its own timeout and
 * interruptible: one of those signals, pending before or arriving during
 * the exchange, ends it with -EINTR ("interrupted") instead of being
 * retried. ps may be NULL (nothing held: only a signal inside ppoll()). */
int prompt_call(pam_handle_t *pamh, const struct pam_team_args *args, const struct prompt_signals *ps,
                unsigned timeout_ms, const struct team_request *req, struct team_response *resp, const char **why);
