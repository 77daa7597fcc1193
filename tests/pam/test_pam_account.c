/* SPDX-License-Identifier: BSD-3-Clause */
/* The built pam_team.so, loaded by libpam (pam_start_confdir with a private
 * service file), against a real teamd and against fake_teamd's misbehaving
 * daemons. Root only: the module trusts nothing but root's sockets.
 *
 *   test_pam_account [PATTERN]   runs the tests whose names match PATTERN
 *                                (cmocka's * and ? wildcards), e.g. 'teamd_allow*'. */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "teamd_fixture.h"

#define SERVICE "pam_team_test"

/* snprintf that fails the test instead of truncating */
#define format(buf, ...) do { \
        int n_ = snprintf((buf), sizeof(buf), __VA_ARGS__); \
        assert_true(n_ >= 0 && (size_t)n_ < sizeof(buf)); \
} while (0)
#define TIMEOUT_MS 500

struct conv_log {
        int n_error, n_info;
        char error[2048];
        char info[2048];
};

struct group {
        struct teamd_fixture f;
        bool ready;
};

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long slack_ms(void)
{
        const char *s = getenv("PAM_TEAM_TEST_SLACK_MS");

        return s && *s ? strtoll(s, NULL, 10) : 400;
}

static void append(char *buf, size_t size, const char *text)
{
        size_t len = strlen(buf);

        snprintf(buf + len, size - len, "%s%s", len ? "\n" : "", text);
}

static int record_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
        struct conv_log *log = data;
        struct pam_response *r = calloc((size_t)n, sizeof(*r));

        if (!r)
                return PAM_BUF_ERR;
        for (int i = 0; i < n; i++) {
                if (msg[i]->msg_style == PAM_ERROR_MSG) {
                        log->n_error++;
                        append(log->error, sizeof(log->error), msg[i]->msg);
                } else if (msg[i]->msg_style == PAM_TEXT_INFO) {
                        log->n_info++;
                        append(log->info, sizeof(log->info), msg[i]->msg);
                } else {
                        free(r);
                        return PAM_CONV_ERR;   /* the module never prompts */
                }
        }
        *resp = r;
        return PAM_SUCCESS;
}

/* Writes DIR/pam.d/SERVICE: account and session lines with args. */
static void write_service(const struct teamd_fixture *f, const char *args)
{
        char path[PATH_MAX], module[PATH_MAX];
        FILE *fp;

        format(module, "%s/pam_team/.libs/pam_team.so", teamd_fixture_builddir());
        format(path, "%s/%s", f->pam_dir, SERVICE);
        fp = fopen(path, "we");
        assert_non_null(fp);
        fprintf(fp, "account required %s %s\nsession required %s %s\n", module, args, module, args);
        assert_int_equal(fclose(fp), 0);
}

/* Runs the account phase for user with "socket=SOCKET timeout_ms=500 ARGS". */
static int account(const struct teamd_fixture *f, const char *user, const char *args,
                   int flags, struct conv_log *log, long long *ms)
{
        char line[PATH_MAX + 512];
        struct pam_conv conv = { record_conv, log };
        pam_handle_t *pamh = NULL;
        long long start;
        int rc;

        memset(log, 0, sizeof(*log));
        format(line, "socket=%s timeout_ms=%d %s", f->socket, TIMEOUT_MS, args);
        write_service(f, line);
        assert_int_equal(pam_start_confdir(SERVICE, user, &conv, f->pam_dir, &pamh), PAM_SUCCESS);
        assert_int_equal(pam_set_item(pamh, PAM_TTY, "pts/7"), PAM_SUCCESS);
        assert_int_equal(pam_set_item(pamh, PAM_RHOST, "192.0.2.1"), PAM_SUCCESS);
        start = now_ms();
        rc = pam_acct_mgmt(pamh, flags);
        if (ms)
                *ms = now_ms() - start;
        pam_end(pamh, rc);
        return rc;
}

/* Opens and closes a session; returns the open's code, *close_rc the close's. */
static int session(const struct teamd_fixture *f, const char *user, const char *args,
                   struct conv_log *log, int *close_rc)
{
        char line[PATH_MAX + 512];
        struct pam_conv conv = { record_conv, log };
        pam_handle_t *pamh = NULL;
        int rc;

        memset(log, 0, sizeof(*log));
        format(line, "socket=%s timeout_ms=%d %s", f->socket, TIMEOUT_MS, args);
        write_service(f, line);
        assert_int_equal(pam_start_confdir(SERVICE, user, &conv, f->pam_dir, &pamh), PAM_SUCCESS);
        rc = pam_open_session(pamh, 0);
        *close_rc = rc == PAM_SUCCESS ? pam_close_session(pamh, 0) : -1;
        pam_end(pamh, rc);
        return rc;
}

#define assert_contains(hay, needle) do { \
        if (!strstr((hay), (needle))) \
                fail_msg("\"%s\" not in \"%s\"", (needle), (hay)); \
} while (0)

/* ---- the module against fake daemons ---------------------------------- */

static int fake_group_setup(void **state)
{
        struct group *g = calloc(1, sizeof(*g));

        if (!g || teamd_fixture_init(&g->f, false, NULL) < 0)
                return -1;
        g->ready = true;
        *state = g;
        return 0;
}

static int group_teardown(void **state)
{
        struct group *g = *state;

        if (g)
                teamd_fixture_cleanup(&g->f);
        free(g);
        return 0;
}

static int fake_teardown(void **state)
{
        struct group *g = *state;

        (void)teamd_fixture_stop(&g->f);
        return 0;
}

static struct teamd_fixture *start_fake(void **state, const char *mode, const char *extra)
{
        struct group *g = *state;

        assert_int_equal(teamd_fixture_start_fake(&g->f, mode, extra), 0);
        return &g->f;
}

static void assert_unreachable(int rc, const struct conv_log *log)
{
        if (getenv("PAM_TEAM_TEST_VERBOSE"))
                fprintf(stderr, "  rc=%d error=\"%s\"\n", rc, log->error);
        assert_int_equal(rc, PAM_AUTHINFO_UNAVAIL);
        /* why, then the module's last line (sudo's own ends in "a password
         * is required" whatever the code) */
        assert_int_equal(log->n_error, 2);
        assert_contains(log->error, "pam_team: cannot reach teamd (");
        assert_contains(log->error, "systemctl status teamd");
        assert_contains(log->error, "\npam_team: refused role sudo: teamd could not be asked (not a password problem)");
}

static void fake_allow(void **state)
{
        struct teamd_fixture *f = start_fake(state, "allow", NULL);
        struct conv_log log = { 0 };

        assert_int_equal(account(f, "alice", "role=sudo", 0, &log, NULL), PAM_SUCCESS);
        assert_int_equal(log.n_error + log.n_info, 0);
        /* debug tells the expiry */
        assert_int_equal(account(f, "alice", "role=sudo debug", 0, &log, NULL), PAM_SUCCESS);
        assert_int_equal(log.n_info, 1);
        assert_contains(log.info, "fake-grant valid until");
        assert_int_equal(account(f, "alice", "role=sudo debug", PAM_SILENT, &log, NULL), PAM_SUCCESS);
        assert_int_equal(log.n_info, 0);
}

static void fake_deny(void **state)
{
        struct teamd_fixture *f = start_fake(state, "deny", NULL);
        struct conv_log log = { 0 };

        assert_int_equal(account(f, "alice", "role=sudo", 0, &log, NULL), PAM_PERM_DENIED);
        assert_int_equal(log.n_error, 2);
        assert_contains(log.error, "no grant for sudo");
        assert_contains(log.error, "\npam_team: refused role sudo: no approved grant for it here (not a password problem)");
}

static void fake_error(void **state)
{
        struct teamd_fixture *f = start_fake(state, "error", NULL);
        struct conv_log log = { 0 };

        assert_unreachable(account(f, "alice", "role=sudo", 0, &log, NULL), &log);
}

static void fake_failopen(void **state)
{
        struct teamd_fixture *f = start_fake(state, "failopen", NULL);
        struct conv_log log = { 0 };

        /* teamd may fail open only when the line asked for it */
        assert_unreachable(account(f, "alice", "role=sudo", 0, &log, NULL), &log);
        assert_int_equal(account(f, "alice", "role=sudo failmode=safe", 0, &log, NULL), PAM_SUCCESS);
        assert_int_equal(log.n_info, 1);
        assert_contains(log.info, "access allowed in fail-safe mode; this is audited");
        assert_int_equal(account(f, "alice", "role=sudo failmode=safe", PAM_SILENT, &log, NULL),
                         PAM_SUCCESS);
        assert_int_equal(log.n_info + log.n_error, 0);
}

/* A daemon that misbehaves costs at most timeout_ms (plus slack). */
static void expect_refused_in_time(void **state, const char *mode, bool waits_full,
                                   const char *why)
{
        struct teamd_fixture *f = start_fake(state, mode, NULL);
        struct conv_log log = { 0 };
        long long ms = 0;

        assert_unreachable(account(f, "alice", "role=sudo", 0, &log, &ms), &log);
        if (ms > TIMEOUT_MS + slack_ms())
                fail_msg("%s: refused after %lld ms, timeout_ms=%d", mode, ms, TIMEOUT_MS);
        if (waits_full && ms < TIMEOUT_MS / 2)
                fail_msg("%s: refused after only %lld ms", mode, ms);
        assert_contains(log.error, why);
}

static void fake_hang(void **state) { expect_refused_in_time(state, "hang", true, "(timed out)"); }
static void fake_garbage(void **state) { expect_refused_in_time(state, "garbage", false, "(malformed answer)"); }
static void fake_huge(void **state) { expect_refused_in_time(state, "huge", false, "(answer too large)"); }
static void fake_close(void **state) { expect_refused_in_time(state, "close", false, "(connection"); }
static void fake_slowloris(void **state) { expect_refused_in_time(state, "slowloris", true, "(timed out)"); }

static void fake_absent(void **state)
{
        struct group *g = *state;
        struct conv_log log = { 0 };
        long long ms = 0;

        unlink(g->f.socket);
        assert_unreachable(account(&g->f, "alice", "role=sudo", 0, &log, &ms), &log);
        assert_true(ms <= TIMEOUT_MS + slack_ms());
        /* failmode=safe does not help when teamd itself is down */
        assert_unreachable(account(&g->f, "alice", "role=sudo failmode=safe", 0, &log, NULL), &log);
}

static void fake_wrong_owner(void **state)
{
        struct teamd_fixture *f = start_fake(state, "allow", NULL);
        struct conv_log log = { 0 };

        assert_int_equal(chown(f->socket, 65534, 65534), 0);
        assert_unreachable(account(f, "alice", "role=sudo", 0, &log, NULL), &log);
        assert_contains(log.error, "not owned by root");
}

static void fake_writable_socket(void **state)
{
        struct teamd_fixture *f = start_fake(state, "allow", NULL);
        struct conv_log log = { 0 };

        assert_int_equal(chmod(f->socket, 0620), 0);
        assert_unreachable(account(f, "alice", "role=sudo", 0, &log, NULL), &log);
        assert_int_equal(chmod(f->socket, 0606), 0);
        assert_unreachable(account(f, "alice", "role=sudo", 0, &log, NULL), &log);
        assert_int_equal(chmod(f->socket, 0600), 0);
        assert_int_equal(account(f, "alice", "role=sudo", 0, &log, NULL), PAM_SUCCESS);
}

static void fake_writable_dir(void **state)
{
        struct teamd_fixture *f = start_fake(state, "allow", NULL);
        char dir[PATH_MAX];
        struct conv_log log = { 0 };
        int rc;

        format(dir, "%s/run", f->dir);
        assert_int_equal(chmod(dir, 01777), 0);
        rc = account(f, "alice", "role=sudo", 0, &log, NULL);
        assert_int_equal(chmod(dir, 0755), 0);
        assert_unreachable(rc, &log);
        assert_contains(log.error, "unsafe socket directory");
}

static void fake_not_a_socket(void **state)
{
        struct group *g = *state;
        struct conv_log log = { 0 };
        FILE *fp;

        unlink(g->f.socket);
        fp = fopen(g->f.socket, "we");
        assert_non_null(fp);
        fclose(fp);
        chmod(g->f.socket, 0600);
        assert_unreachable(account(&g->f, "alice", "role=sudo", 0, &log, NULL), &log);
        assert_contains(log.error, "not a socket");
        unlink(g->f.socket);
}

static void fake_nonroot_daemon(void **state)
{
        struct teamd_fixture *f = start_fake(state, "allow", "65534");
        struct conv_log log = { 0 };
        struct stat st;

        assert_int_equal(stat(f->socket, &st), 0);
        assert_int_equal(st.st_uid, 0);
        assert_unreachable(account(f, "alice", "role=sudo", 0, &log, NULL), &log);
        assert_contains(log.error, "not running as root");
}

static void fake_bad_args(void **state)
{
        static const char *const bad[] = {
                "",                          /* role is required */
                "role=sudo bogus",
                "role=sudo bogus=1",
                "role=",
                "role=../sudo",
                "role=sudo role=ssh",
                "role=sudo timeout_ms=10",
                "role=sudo timeout_ms=60001",
                "role=sudo timeout_ms=abc",
                "role=sudo timeout_ms=-5",
                "role=sudo failmode=maybe",
                "role=sudo debug=1",
                "role=sudo wait=x",
                "role=sudo socket=relative/path",
        };
        struct teamd_fixture *f = start_fake(state, "allow", NULL);
        struct conv_log log = { 0 };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                int rc = account(f, "alice", bad[i], 0, &log, NULL);
                if (rc != PAM_SERVICE_ERR)
                        fail_msg("\"%s\": got %d, want PAM_SERVICE_ERR", bad[i], rc);
                assert_int_equal(log.n_error + log.n_info, 0);
        }
        /* later issues' words are accepted */
        assert_int_equal(account(f, "alice", "role=sudo prompt wait=30 breakglass failmode=secure", 0,
                                 &log, NULL), PAM_SUCCESS);
}

static void fake_session(void **state)
{
        struct teamd_fixture *f = start_fake(state, "allow", NULL);
        struct conv_log log = { 0 };
        int close_rc = 0;

        assert_int_equal(session(f, "alice", "role=sudo debug", &log, &close_rc), PAM_SUCCESS);
        assert_int_equal(close_rc, PAM_SUCCESS);
}

static void fake_session_denied(void **state)
{
        struct teamd_fixture *f = start_fake(state, "deny", NULL);
        struct conv_log log = { 0 };
        int close_rc = 0;

        assert_int_equal(session(f, "alice", "role=sudo", &log, &close_rc), PAM_SESSION_ERR);
        assert_int_equal(log.n_error, 1);
}

/* Logout is never held up longer than timeout_ms by a hung teamd. */
static void fake_close_session_bounded(void **state)
{
        struct teamd_fixture *f = start_fake(state, "allow", NULL);
        char line[PATH_MAX + 512];
        struct conv_log log = { 0 };
        struct pam_conv conv = { record_conv, &log };
        pam_handle_t *pamh = NULL;
        long long start, ms;
        int rc;

        format(line, "socket=%s timeout_ms=%d role=sudo", f->socket, TIMEOUT_MS);
        write_service(f, line);
        assert_int_equal(pam_start_confdir(SERVICE, "alice", &conv, f->pam_dir, &pamh), PAM_SUCCESS);
        assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
        assert_int_equal(teamd_fixture_stop(f) >= 0, 1);
        assert_int_equal(teamd_fixture_start_fake(f, "hang", NULL), 0);
        start = now_ms();
        rc = pam_close_session(pamh, 0);
        ms = now_ms() - start;
        pam_end(pamh, rc);
        assert_int_equal(rc, PAM_SESSION_ERR);
        assert_int_equal(log.n_error + log.n_info, 0);
        if (ms > TIMEOUT_MS + slack_ms())
                fail_msg("close_session took %lld ms, timeout_ms=%d", ms, TIMEOUT_MS);
}

/* A close without an open (another module failed first) has nothing to do. */
static void fake_close_without_open(void **state)
{
        struct teamd_fixture *f = start_fake(state, "hang", NULL);
        char line[PATH_MAX + 512];
        struct conv_log log = { 0 };
        struct pam_conv conv = { record_conv, &log };
        pam_handle_t *pamh = NULL;
        int rc;

        format(line, "socket=%s timeout_ms=%d role=sudo", f->socket, TIMEOUT_MS);
        write_service(f, line);
        assert_int_equal(pam_start_confdir(SERVICE, "alice", &conv, f->pam_dir, &pamh), PAM_SUCCESS);
        rc = pam_close_session(pamh, 0);
        pam_end(pamh, rc);
        assert_int_equal(rc, PAM_SUCCESS);
}

static void fake_no_user(void **state)
{
        struct teamd_fixture *f = start_fake(state, "allow", NULL);
        struct conv_log log = { 0 };

        assert_int_equal(account(f, NULL, "role=sudo", 0, &log, NULL), PAM_USER_UNKNOWN);
        assert_int_equal(account(f, "", "role=sudo", 0, &log, NULL), PAM_USER_UNKNOWN);
}

/* ---- the module against the real teamd --------------------------------- */

static int teamd_group_setup_with(void **state, const char *url)
{
        struct group *g = calloc(1, sizeof(*g));

        if (!g)
                return -1;
        *state = g;
        if (teamd_fixture_init(&g->f, true, url) < 0 || teamd_fixture_start(&g->f) < 0) {
                fprintf(stderr, "teamd fixture not available: its tests skip\n");
                return 0;
        }
        g->ready = true;
        return 0;
}

/* teamd must survive the tests and exit 0 on SIGTERM (an ASan report or a
 * crash in it shows up here). */
static int teamd_group_teardown(void **state)
{
        struct group *g = *state;
        int r = 0;

        if (g && g->ready) {
                r = teamd_fixture_stop(&g->f);
                if (r != 0)
                        fprintf(stderr, "teamd exited with %d; its log: %s\n", r, g->f.log);
                if (r != 0 && !getenv("PAM_TEAM_TEST_KEEP"))
                        setenv("PAM_TEAM_TEST_KEEP", "1", 1);
        }
        group_teardown(state);
        return r == 0 ? 0 : -1;
}

static int teamd_group_setup(void **state) { return teamd_group_setup_with(state, NULL); }
static int failsafe_group_setup(void **state) { return teamd_group_setup_with(state, "http://127.0.0.1:1"); }

static struct teamd_fixture *real(void **state)
{
        struct group *g = *state;

        if (!g->ready)
                skip();
        return &g->f;
}

static void expect_denied(struct teamd_fixture *f, const char *user, const char *args,
                          const char *why)
{
        struct conv_log log = { 0 };

        int rc = account(f, user, args, 0, &log, NULL);

        if (getenv("PAM_TEAM_TEST_VERBOSE"))
                fprintf(stderr, "  rc=%d error=\"%s\"\n", rc, log.error);
        assert_int_equal(rc, PAM_PERM_DENIED);
        assert_int_equal(log.n_error, 2);
        assert_contains(log.error, "\npam_team: refused role ");
        if (why)
                assert_contains(log.error, why);
}

static void teamd_allow_valid_grant(void **state)
{
        struct teamd_fixture *f = real(state);
        struct conv_log log = { 0 };

        assert_int_equal(teamd_fixture_grant(f, "alice", "sudo", NULL, "now+1h"), 0);
        assert_int_equal(account(f, "alice", "role=sudo", 0, &log, NULL), PAM_SUCCESS);
        assert_int_equal(log.n_error + log.n_info, 0);
}

static void teamd_deny_no_grant(void **state)
{
        expect_denied(real(state), "bob", "role=sudo", NULL);
}

static void teamd_deny_expired(void **state)
{
        struct teamd_fixture *f = real(state);
        struct conv_log log = { 0 };
        int close_rc = 0;

        assert_int_equal(teamd_fixture_grant(f, "carol", "sudo", NULL, "now+2"), 0);
        sleep(3);
        expect_denied(f, "carol", "role=sudo", "expired");
        /* and a session cannot be opened on it either */
        assert_int_equal(session(f, "carol", "role=sudo", &log, &close_rc), PAM_SESSION_ERR);
}

static void teamd_deny_not_yet_valid(void **state)
{
        struct teamd_fixture *f = real(state);

        assert_int_equal(teamd_fixture_grant(f, "dave", "sudo", "now+1h", "now+2h"), 0);
        expect_denied(f, "dave", "role=sudo", "starts");
}

static void teamd_deny_other_user(void **state)
{
        struct teamd_fixture *f = real(state);

        assert_int_equal(teamd_fixture_grant(f, "erin", "sudo", NULL, "now+1h"), 0);
        expect_denied(f, "frank", "role=sudo", NULL);
}

static void teamd_deny_other_host(void **state)
{
        struct teamd_fixture *f = real(state);
        char *jws = NULL;

        assert_int_equal(teamd_fixture_sign(f, NULL, "gina", "otherhost", "sudo", NULL, "now+1h", &jws), 0);
        assert_int_equal(teamd_fixture_add_grant(f, jws), 1);
        free(jws);
        expect_denied(f, "gina", "role=sudo", NULL);
}

static void teamd_deny_other_role(void **state)
{
        struct teamd_fixture *f = real(state);

        assert_int_equal(teamd_fixture_grant(f, "harry", "ssh", NULL, "now+1h"), 0);
        expect_denied(f, "harry", "role=sudo", NULL);
}

static void teamd_deny_bad_signature(void **state)
{
        struct teamd_fixture *f = real(state);
        char *jws = NULL;

        assert_int_equal(teamd_fixture_sign(f, f->rogue_key, "ivan", NULL, "sudo", NULL, "now+1h", &jws), 0);
        assert_int_equal(teamd_fixture_add_grant(f, jws), 1);
        free(jws);
        expect_denied(f, "ivan", "role=sudo", NULL);
}

static void teamd_failsafe_without_url(void **state)
{
        /* air-gapped host: failmode=safe has nothing to fail open about */
        expect_denied(real(state), "judy", "role=sudo failmode=safe", NULL);
}

static void teamd_session(void **state)
{
        struct teamd_fixture *f = real(state);
        struct conv_log log = { 0 };
        int close_rc = 0;

        assert_int_equal(teamd_fixture_grant(f, "kate", "sudo", NULL, "now+1h"), 0);
        assert_int_equal(session(f, "kate", "role=sudo", &log, &close_rc), PAM_SUCCESS);
        assert_int_equal(close_rc, PAM_SUCCESS);
        assert_int_equal(log.n_error, 0);
}

/* ---- failmode=safe with the central API unreachable -------------------- */

static void failsafe_allow_audited(void **state)
{
        struct teamd_fixture *f = real(state);
        long long deadline = now_ms() + 8000;
        struct conv_log log = { 0 };
        int rc;

        /* teamd learns the API is unreachable after its first probe */
        do {
                rc = account(f, "lee", "role=sudo failmode=safe", 0, &log, NULL);
                if (rc != PAM_SUCCESS)
                        usleep(200000);
        } while (rc != PAM_SUCCESS && now_ms() < deadline);
        assert_int_equal(rc, PAM_SUCCESS);
        assert_contains(log.info, "fail-safe mode");
        usleep(200000);
        assert_true(teamd_fixture_log_contains(f, "FailOpen"));
        /* the default failmode never fails open */
        expect_denied(f, "lee", "role=sudo", NULL);
}

static void failsafe_explicit_deny(void **state)
{
        struct teamd_fixture *f = real(state);

        assert_int_equal(teamd_fixture_grant(f, "mia", "sudo", NULL, "now+2"), 0);
        sleep(3);
        expect_denied(f, "mia", "role=sudo failmode=safe", "expired");
}

static bool any_match(const char *pattern, const struct CMUnitTest *t, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!pattern || fnmatch(pattern, t[i].name, 0) == 0)
                        return true;
        return false;
}

#define FAKE(fn) cmocka_unit_test_teardown(fn, fake_teardown)
#define N(a) (sizeof(a) / sizeof((a)[0]))

int main(int argc, char **argv)
{
        const struct CMUnitTest fake[] = {
                FAKE(fake_allow), FAKE(fake_deny), FAKE(fake_error), FAKE(fake_failopen),
                FAKE(fake_hang), FAKE(fake_garbage), FAKE(fake_huge), FAKE(fake_close),
                FAKE(fake_slowloris), FAKE(fake_absent), FAKE(fake_wrong_owner),
                FAKE(fake_writable_socket), FAKE(fake_writable_dir), FAKE(fake_not_a_socket),
                FAKE(fake_nonroot_daemon), FAKE(fake_bad_args), FAKE(fake_session),
                FAKE(fake_session_denied), FAKE(fake_close_session_bounded),
                FAKE(fake_close_without_open), FAKE(fake_no_user),
        };
        const struct CMUnitTest teamd[] = {
                cmocka_unit_test(teamd_allow_valid_grant),
                cmocka_unit_test(teamd_deny_no_grant),
                cmocka_unit_test(teamd_deny_expired),
                cmocka_unit_test(teamd_deny_not_yet_valid),
                cmocka_unit_test(teamd_deny_other_user),
                cmocka_unit_test(teamd_deny_other_host),
                cmocka_unit_test(teamd_deny_other_role),
                cmocka_unit_test(teamd_deny_bad_signature),
                cmocka_unit_test(teamd_failsafe_without_url),
                cmocka_unit_test(teamd_session),
        };
        const struct CMUnitTest failsafe[] = {
                cmocka_unit_test(failsafe_allow_audited),
                cmocka_unit_test(failsafe_explicit_deny),
        };
        const char *pattern = argc > 1 ? argv[1] : NULL;
        int failed = 0;

        if (geteuid() != 0) {
                fprintf(stderr, "test_pam_account: needs root (the module trusts only root's sockets); skipping\n");
                return 77;
        }
        if (pattern)
                cmocka_set_test_filter(pattern);
        if (any_match(pattern, fake, N(fake)))
                failed += cmocka_run_group_tests_name("fake_teamd", fake, fake_group_setup, group_teardown);
        if (any_match(pattern, teamd, N(teamd)))
                failed += cmocka_run_group_tests_name("teamd", teamd, teamd_group_setup,
                                                      teamd_group_teardown);
        if (any_match(pattern, failsafe, N(failsafe)))
                failed += cmocka_run_group_tests_name("teamd_failsafe", failsafe, failsafe_group_setup,
                                                      teamd_group_teardown);
        return failed ? 1 : 0;
}
