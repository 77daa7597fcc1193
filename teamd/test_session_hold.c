/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of what ends sessions: processes named by pid + start time
 * (a reused pid is never signalled), /proc trees, and the tty warning's
 * refusals. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "proc_tree.h"
#include "session_hold.h"
#include "session_tty.h"

static pid_t spawn_sleeper(void)
{
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                pause();
                _exit(0);
        }
        return pid;
}

static uint64_t start_of(pid_t pid)
{
        struct proc_stat st;

        assert_int_equal(proc_stat_read("/proc", pid, &st), 0);
        return st.start;
}

static bool exited(pid_t pid)
{
        int status;

        for (int i = 0; i < 200; i++) {
                if (waitpid(pid, &status, WNOHANG) == pid)
                        return true;
                usleep(10000);
        }
        return false;
}

/* A pid whose start time is not the recorded one is another process: it is
 * not signalled. */
static void test_reused_pid_not_signalled(void **state)
{
        pid_t pid = spawn_sleeper();
        struct proc_ref other = { .pid = pid, .start = start_of(pid) + 1 };
        struct proc_ref same = { .pid = pid, .start = start_of(pid) };
        int status;

        (void)state;
        assert_int_equal(proc_signal(&other, SIGKILL), -ESRCH);
        assert_int_equal(proc_alive(&other), 0);
        usleep(50000);
        assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
        assert_int_equal(proc_alive(&same), 1);
        assert_int_equal(proc_signal(&same, SIGKILL), 0);
        assert_true(exited(pid));
        assert_int_equal(proc_signal(&same, SIGKILL), -ESRCH);
}

static void test_never_pid1_or_self(void **state)
{
        struct proc_ref init = { .pid = 1, .start = 0 };
        struct proc_ref self = { .pid = getpid(), .start = start_of(getpid()) };
        struct proc_ref *refs = NULL;
        size_t n = 0;

        (void)state;
        init.start = start_of(1);
        assert_int_equal(proc_signal(&init, SIGCONT), -EPERM);
        assert_int_equal(proc_signal(&self, SIGCONT), -EPERM);
        assert_int_equal(proc_tree_collect("/proc", 1, init.start, &refs, &n), -EPERM);
        assert_null(refs);
}

/* The leader, a child, and a grandchild that called setsid: all found;
 * a leader whose start time differs yields nothing. */
static void test_tree_collect(void **state)
{
        int pipefd[2];
        pid_t leader, grand = 0;
        struct proc_ref *refs = NULL;
        size_t n = 0;
        bool found_grand = false, found_leader = false;

        (void)state;
        assert_int_equal(pipe(pipefd), 0);
        leader = fork();
        assert_true(leader >= 0);
        if (leader == 0) {
                pid_t g = fork();
                if (g == 0) {
                        setsid();
                        pause();
                        _exit(0);
                }
                (void)!write(pipefd[1], &g, sizeof(g));
                pause();
                _exit(0);
        }
        assert_int_equal(read(pipefd[0], &grand, sizeof(grand)), (ssize_t)sizeof(grand));
        usleep(50000);
        assert_int_equal(proc_tree_collect("/proc", leader, start_of(leader) + 1, &refs, &n), -ESRCH);
        assert_int_equal(proc_tree_collect("/proc", leader, start_of(leader), &refs, &n), 0);
        for (size_t i = 0; i < n; i++) {
                found_leader |= refs[i].pid == leader;
                found_grand |= refs[i].pid == grand;
                assert_true(refs[i].pid != getpid() && refs[i].pid != 1);
        }
        assert_true(found_leader);
        assert_true(found_grand);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(proc_signal(&refs[i], SIGKILL), 0);
        free(refs);
        assert_true(exited(leader));
        close(pipefd[0]);
        close(pipefd[1]);
}

/* A comm with blanks and parentheses: the fields start after the last ')'. */
static void test_stat_parse(void **state)
{
        char dir[] = "/tmp/test_proc_XXXXXX", path[256];
        struct proc_stat st;
        FILE *f;

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/4242", dir);
        assert_int_equal(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/4242/stat", dir);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs("4242 (a) 9 9 (b) S 77 4242 88 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 123456 1 2 3\n", f);
        fclose(f);
        assert_int_equal(proc_stat_read(dir, 4242, &st), 0);
        assert_int_equal(st.ppid, 77);
        assert_int_equal(st.sid, 88);
        assert_int_equal(st.start, 123456);
        f = fopen(path, "w");
        fputs("4242 (truncated S 1\n", f);
        fclose(f);
        assert_int_equal(proc_stat_read(dir, 4242, &st), -EBADMSG);
        assert_int_equal(proc_stat_read(dir, 4343, &st), -ESRCH);
        unlink(path);
        snprintf(path, sizeof(path), "%s/4242", dir);
        rmdir(path);
        rmdir(dir);
}

static void test_hold_refuses(void **state)
{
        struct session_hold h;
        char why[256];
        pid_t pid = spawn_sleeper();

        (void)state;
        kill(pid, SIGKILL);
        assert_true(exited(pid));
        session_hold_attach("tree", "0123456789abcdef0123456789abcdef", pid, &h, why, sizeof(why));
        assert_int_equal(h.kind, SESSION_HOLD_NONE);
        assert_non_null(strstr(why, "gone"));
        session_hold_clear(&h);
        session_hold_attach("tree", "0123456789abcdef0123456789abcdef", 1, &h, why, sizeof(why));
        assert_int_equal(h.kind, SESSION_HOLD_NONE);
        assert_non_null(strstr(why, "pid 1"));
        session_hold_clear(&h);
        session_hold_attach("tree", "0123456789abcdef0123456789abcdef", getpid(), &h, why, sizeof(why));
        assert_int_equal(h.kind, SESSION_HOLD_NONE);
        session_hold_clear(&h);
}

static void test_tty_names(void **state)
{
        (void)state;
        assert_int_equal(session_tty_write("../etc/passwd", "root", "x"), -EINVAL);
        assert_int_equal(session_tty_write("pts/../../etc/passwd", "root", "x"), -EINVAL);
        assert_int_equal(session_tty_write("/dev/pts/1/x", "root", "x"), -EINVAL);
        assert_int_equal(session_tty_write("tty/../null", "root", "x"), -EINVAL);
        assert_int_equal(session_tty_write(":0", "root", "x"), -EINVAL);
        assert_int_equal(session_tty_write(NULL, "root", "x"), -EINVAL);
}

/* Root only: files planted under /dev by the test. */
static void test_tty_symlink_and_file(void **state)
{
        char link[64], file[64];
        int fd;

        (void)state;
        if (geteuid() != 0) {
                skip();
                return;
        }
        snprintf(link, sizeof(link), "/dev/ttyteamtestl%d", (int)getpid());
        snprintf(file, sizeof(file), "/dev/ttyteamtestf%d", (int)getpid());
        assert_int_equal(symlink("/dev/null", link), 0);
        fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(session_tty_write(link + 5, "root", "x"), -EPERM);
        assert_int_equal(session_tty_write(file, "root", "x"), -EPERM);
        struct stat st;
        assert_int_equal(stat(file, &st), 0);
        assert_int_equal(st.st_size, 0);
        unlink(link);
        unlink(file);
}

/* A real pty: the line arrives for its owner, not for another user. */
static void test_tty_real_pty(void **state)
{
        char buf[256] = "";
        const char *name;
        ssize_t n;
        int master;

        (void)state;
        master = posix_openpt(O_RDWR | O_NOCTTY);
        if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 || !(name = ptsname(master))) {
                skip();
                return;
        }
        int keep = open(name, O_RDWR | O_NOCTTY);
        assert_true(keep >= 0);
        if (geteuid() == 0)
                assert_int_equal(session_tty_write(name, "nobody", "no\n"), -EPERM);
        const char *me = getenv("USER");
        if (geteuid() == 0)
                me = "root";
        if (me) {
                assert_int_equal(session_tty_write(name + 5, me, "pam_team: hello\n"), 0);
                n = read(master, buf, sizeof(buf) - 1);
                assert_true(n > 0);
                assert_non_null(strstr(buf, "pam_team: hello"));
        }
        close(keep);
        close(master);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_reused_pid_not_signalled),
                cmocka_unit_test(test_never_pid1_or_self),
                cmocka_unit_test(test_tree_collect),
                cmocka_unit_test(test_stat_parse),
                cmocka_unit_test(test_hold_refuses),
                cmocka_unit_test(test_tty_names),
                cmocka_unit_test(test_tty_symlink_and_file),
                cmocka_unit_test(test_tty_real_pty),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
