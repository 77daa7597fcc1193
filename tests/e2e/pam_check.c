/* SPDX-License-Identifier: BSD-3-Clause */
/* pam_check SERVICE USER CONFDIR [account|session|answer]
 *
 * Runs one PAM phase of SERVICE, read from CONFDIR (pam_start_confdir, so no
 * file under /etc/pam.d is needed), for USER and prints the result name
 * (PAM_SUCCESS, PAM_PERM_DENIED, ...) on stdout. Messages the modules send
 * through the conversation go to stderr. Exit 0 when the phase succeeded,
 * 1 when PAM refused, 2 on usage or setup errors. Used by e2e_journald.sh.
 * "answer" runs the account phase answering each prompt with one line read
 * from stdin (the break-glass tests type their codes that way), then, when
 * it allowed, opens and closes a session as login does. */
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int answer_prompts;

struct pam_code_name {
        int code;
        const char *name;
};

static const struct pam_code_name pam_code_names[] = {
        { PAM_SUCCESS, "PAM_SUCCESS" },
        { PAM_PERM_DENIED, "PAM_PERM_DENIED" },
        { PAM_AUTHINFO_UNAVAIL, "PAM_AUTHINFO_UNAVAIL" },
        { PAM_SERVICE_ERR, "PAM_SERVICE_ERR" },
        { PAM_SYSTEM_ERR, "PAM_SYSTEM_ERR" },
        { PAM_USER_UNKNOWN, "PAM_USER_UNKNOWN" },
        { PAM_ACCT_EXPIRED, "PAM_ACCT_EXPIRED" },
        { PAM_NEW_AUTHTOK_REQD, "PAM_NEW_AUTHTOK_REQD" },
        { PAM_AUTH_ERR, "PAM_AUTH_ERR" },
        { PAM_SESSION_ERR, "PAM_SESSION_ERR" },
        { PAM_BUF_ERR, "PAM_BUF_ERR" },
        { PAM_CONV_ERR, "PAM_CONV_ERR" },
        { PAM_IGNORE, "PAM_IGNORE" },
        { PAM_ABORT, "PAM_ABORT" },
};

static const char *pam_code_name(int code)
{
        for (size_t i = 0; i < sizeof(pam_code_names) / sizeof(pam_code_names[0]); i++)
                if (pam_code_names[i].code == code)
                        return pam_code_names[i].name;
        return "PAM_UNKNOWN_CODE";
}

static void free_answers(int n, struct pam_response **resp)
{
        if (!*resp)
                return;
        for (int i = 0; i < n; i++)
                free((*resp)[i].resp);
        free(*resp);
        *resp = NULL;
}

/* Answer i of n: the next line of stdin, without its newline. */
static int answer_one(int i, int n, const char *prompt, struct pam_response **resp)
{
        char line[16384];

        fprintf(stderr, "pam prompt: %s\n", prompt ? prompt : "");
        if (!fgets(line, sizeof(line), stdin))
                return PAM_CONV_ERR;
        line[strcspn(line, "\n")] = '\0';
        if (!*resp && !(*resp = calloc((size_t)n, sizeof(**resp))))
                return PAM_BUF_ERR;
        (*resp)[i].resp = strdup(line);
        return (*resp)[i].resp ? PAM_SUCCESS : PAM_BUF_ERR;
}

/* Shows messages; answers no prompt (a gate must never need one here)
 * unless the phase is "answer". */
static int conv_print(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
        (void)data;
        *resp = NULL;
        for (int i = 0; i < n; i++) {
                switch (msg[i]->msg_style) {
                case PAM_ERROR_MSG:
                case PAM_TEXT_INFO:
                        fprintf(stderr, "pam: %s\n", msg[i]->msg ? msg[i]->msg : "");
                        break;
                case PAM_PROMPT_ECHO_OFF:
                case PAM_PROMPT_ECHO_ON:
                        if (answer_prompts && answer_one(i, n, msg[i]->msg, resp) == PAM_SUCCESS)
                                break;
                        free_answers(n, resp);
                        return PAM_CONV_ERR;
                default:
                        free_answers(n, resp);
                        return PAM_CONV_ERR;
                }
        }
        return PAM_SUCCESS;
}

int main(int argc, char **argv)
{
        const struct pam_conv conv = { conv_print, NULL };
        pam_handle_t *pamh = NULL;
        const char *phase = argc > 4 ? argv[4] : "account";
        int r;

        if (argc < 4 || argc > 5 ||
            (strcmp(phase, "account") != 0 && strcmp(phase, "session") != 0 && strcmp(phase, "answer") != 0)) {
                fprintf(stderr, "usage: %s SERVICE USER CONFDIR [account|session|answer]\n", argv[0]);
                return 2;
        }
        r = pam_start_confdir(argv[1], argv[2], &conv, argv[3], &pamh);
        if (r != PAM_SUCCESS) {
                fprintf(stderr, "pam_start_confdir: %s\n", pam_code_name(r));
                return 2;
        }
        r = pam_set_item(pamh, PAM_TTY, "e2e");
        if (r == PAM_SUCCESS)
                r = pam_set_item(pamh, PAM_RHOST, "localhost");
        if (r == PAM_SUCCESS) {
                answer_prompts = strcmp(phase, "answer") == 0;
                if (strcmp(phase, "account") == 0 || answer_prompts) {
                        r = pam_acct_mgmt(pamh, 0);
                        if (r == PAM_SUCCESS && answer_prompts)
                                r = pam_open_session(pamh, 0);
                        if (r == PAM_SUCCESS && answer_prompts)
                                r = pam_close_session(pamh, 0);
                } else {
                        r = pam_open_session(pamh, 0);
                        if (r == PAM_SUCCESS)
                                r = pam_close_session(pamh, 0);
                }
        }
        printf("%s\n", pam_code_name(r));
        pam_end(pamh, r);
        return r == PAM_SUCCESS ? 0 : 1;
}
