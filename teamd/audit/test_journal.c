/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of teamd's logging module: the sink tests use, and the
 * one-line stderr mirror of --foreground. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "audit/journal.h"

struct seen {
        int n;
        enum team_event_type type;
        char user[64];
        char reason[128];
        char message[256];
        pid_t pid;
};

static void sink(enum team_event_type type, const struct team_audit_event *f, const char *message, void *userdata)
{
        struct seen *s = userdata;

        s->n++;
        s->type = type;
        snprintf(s->user, sizeof(s->user), "%s", f->user ? f->user : "(null)");
        snprintf(s->reason, sizeof(s->reason), "%s", f->reason ? f->reason : "(null)");
        snprintf(s->message, sizeof(s->message), "%s", message);
        s->pid = f->peer_pid;
}

static void events_reach_the_sink(void **state)
{
        struct seen s = { .n = 0 };
        struct team_audit_event f = { .user = "alice", .role = "sudo", .reason = "no grant", .peer_pid = 42 };

        team_journal_set_sink(sink, &s);
        team_journal_event(TEAM_EVENT_ELEVATION_DENIED, &f, "%s denied %s", "alice", "sudo");
        assert_int_equal(s.n, 1);
        assert_int_equal(s.type, TEAM_EVENT_ELEVATION_DENIED);
        assert_string_equal(s.user, "alice");
        assert_string_equal(s.reason, "no grant");
        assert_string_equal(s.message, "alice denied sudo");
        assert_int_equal(s.pid, 42);
        team_journal_event(TEAM_EVENT__MAX, &f, "ignored");
        assert_int_equal(s.n, 1);
        team_journal_event(TEAM_EVENT_DAEMON_STARTED, NULL, "no fields");
        assert_int_equal(s.n, 2);
        assert_string_equal(s.user, "(null)");
        team_journal_set_sink(NULL, NULL);
}

static void mirror_is_one_line_without_control_characters(void **state)
{
        struct seen s = { .n = 0 };
        struct team_audit_event f = { .user = "eve\n\033[31m", .role = "sudo", .tty = "/dev/pts/1" };
        char buf[1024] = "";
        FILE *m = fmemopen(buf, sizeof(buf) - 1, "w");

        assert_non_null(m);
        team_journal_set_sink(sink, &s);
        team_journal_set_mirror(m);
        team_journal_event(TEAM_EVENT_FAIL_OPEN, &f, "line1\nline2");
        team_journal_set_mirror(NULL);
        team_journal_set_sink(NULL, NULL);
        fclose(m);
        assert_non_null(strstr(buf, "teamd: FailOpen: line1?line2 [TEAM_EVENT=FailOpen TEAM_USER=eve??[31m"));
        assert_non_null(strstr(buf, " TEAM_ROLE=sudo"));
        assert_non_null(strstr(buf, " TEAM_TTY=/dev/pts/1]\n"));
        assert_null(strstr(buf, "TEAM_RHOST"));
        assert_ptr_equal(strchr(buf, '\n'), buf + strlen(buf) - 1);
        assert_null(strchr(buf, '\033'));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(events_reach_the_sink),
                cmocka_unit_test(mirror_is_one_line_without_control_characters),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
