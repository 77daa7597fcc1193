/* SPDX-License-Identifier: BSD-3-Clause */
/* prompt_conv SERVICE USER CONFDIR [ANSWER...]
 *
 * The account phase of SERVICE (read from CONFDIR with pam_start_confdir)
 * for USER, the way sudo runs it: PAM_SILENT, PAM_TTY set (/dev/null, a
 * character device; $PROMPT_CONV_TTY instead when set, "" for none), and a SIGINT handler installed without SA_RESTART
 * that only records the signal. Questions are answered with the ANSWERs in
 * order ("!fail" makes the conversation fail, as sudo -n's does); every
 * message is printed on stdout at once ("info: ..." / "error: ...") so a
 * test can follow the dialogue, then the result name. Exit 0 on
 * PAM_SUCCESS, 1 on a refusal, 2 on usage or setup errors, 4 when the
 * module left the signal mask other than it found it (it blocks signals
 * while it waits and must restore the mask before it returns).
 *
 * Lets the prompt flow run in-process under valgrind, which the setuid
 * sudo of test_prompt.sh does not allow. */
#include <security/pam_appl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct answers {
        char **v;
        int n, next;
};

static volatile sig_atomic_t got_sigint;

static void on_sigint(int sig)
{
        (void)sig;
        got_sigint = 1;
}

static int same_mask(const sigset_t *a, const sigset_t *b)
{
        for (int sig = 1; sig < NSIG; sig++)
                if (sigismember(a, sig) != sigismember(b, sig))
                        return 0;
        return 1;
}

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
        struct answers *a = data;
        struct pam_response *r = calloc((size_t)n, sizeof(*r));

        if (!r)
                return PAM_BUF_ERR;
        for (int i = 0; i < n; i++) {
                switch (msg[i]->msg_style) {
                case PAM_ERROR_MSG:
                case PAM_TEXT_INFO:
                        printf("%s: %s\n", msg[i]->msg_style == PAM_ERROR_MSG ? "error" : "info",
                               msg[i]->msg ? msg[i]->msg : "");
                        break;
                case PAM_PROMPT_ECHO_ON:
                case PAM_PROMPT_ECHO_OFF:
                        printf("question: %s\n", msg[i]->msg ? msg[i]->msg : "");
                        if (a->next >= a->n || strcmp(a->v[a->next], "!fail") == 0) {
                                for (int j = 0; j < i; j++)
                                        free(r[j].resp);
                                free(r);
                                fflush(stdout);
                                return PAM_CONV_ERR;
                        }
                        r[i].resp = strdup(a->v[a->next++]);
                        break;
                default:
                        break;
                }
        }
        fflush(stdout);
        *resp = r;
        return PAM_SUCCESS;
}

int main(int argc, char **argv)
{
        struct answers a = { .v = argv + 4, .n = argc > 4 ? argc - 4 : 0 };
        struct pam_conv pc = { .conv = conv, .appdata_ptr = &a };
        struct sigaction sa;
        pam_handle_t *pamh = NULL;
        sigset_t before, after;
        int rc;

        if (argc < 4) {
                fprintf(stderr, "usage: prompt_conv SERVICE USER CONFDIR [ANSWER...]\n");
                return 2;
        }
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_sigint;   /* no SA_RESTART, like sudo */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        if (pam_start_confdir(argv[1], argv[2], &pc, argv[3], &pamh) != PAM_SUCCESS) {
                fprintf(stderr, "prompt_conv: pam_start_confdir failed\n");
                return 2;
        }
        {
                const char *tty = getenv("PROMPT_CONV_TTY");

                if (!tty)
                        tty = "/dev/null";
                if (*tty)
                        pam_set_item(pamh, PAM_TTY, tty);
        }
        sigprocmask(SIG_SETMASK, NULL, &before);
        rc = pam_acct_mgmt(pamh, PAM_SILENT);
        sigprocmask(SIG_SETMASK, NULL, &after);
        printf("result: %s%s\n", pam_strerror(pamh, rc), got_sigint ? " (after SIGINT)" : "");
        pam_end(pamh, rc);
        if (!same_mask(&before, &after)) {
                printf("prompt_conv: the module changed the signal mask\n");
                return 4;
        }
        return rc == PAM_SUCCESS ? 0 : 1;
}
