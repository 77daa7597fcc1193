/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of what teamd reads about a process after an execve
 * (common/proc_exec.c): the escape of argv and paths into one printable
 * line, the PPid:/Uid: lines of /proc/PID/status, and proc_exec_read on
 * this test's own /proc entry and on a fake proc root. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "printable.h"
#include "proc_exec.h"

/* raw[0..len) escaped is want. */
static void escapes_to(const char *raw, size_t len, bool nul_separated, const char *want)
{
        char *out = (char *)"unset";

        assert_int_equal(proc_text_escape(raw, len, nul_separated, &out), 0);
        assert_non_null(out);
        assert_string_equal(out, want);
        assert_true(team_text_is_printable(out, strlen(out)));
        assert_null(strchr(out, '\n'));
        assert_true(strlen(out) <= 7 * len + 3);
        free(out);
}

#define CMDLINE(lit, want) escapes_to(lit, sizeof(lit) - 1, true, want)
#define WORD(lit, want) escapes_to(lit, sizeof(lit) - 1, false, want)

static void test_escape_plain_words(void **state)
{
        (void)state;
        CMDLINE("ls\0-l\0/tmp\0", "ls -l /tmp");
        CMDLINE("/usr/bin/systemctl\0restart\0nginx.service\0", "/usr/bin/systemctl restart nginx.service");
        CMDLINE("id\0", "id");
        WORD("/usr/bin/id", "/usr/bin/id");
        /* valid UTF-8 that is not a control character stays as it is */
        CMDLINE("echo\0h\xc3\xa9llo\0\xe6\x97\xa5\0\xf0\x9f\x98\x80\0\xc2\xa0\0",
                "echo h\xc3\xa9llo \xe6\x97\xa5 \xf0\x9f\x98\x80 \xc2\xa0");
}

static void test_escape_empty_word(void **state)
{
        (void)state;
        CMDLINE("printf\0\0x\0", "printf '' x");
        CMDLINE("a\0\0\0b\0", "a '' '' b");
        CMDLINE("\0x\0", "'' x");
        CMDLINE("x\0\0", "x ''");
        WORD("", "''");
}

static void test_escape_quoting(void **state)
{
        (void)state;
        CMDLINE("echo\0a b\0", "echo 'a b'");
        CMDLINE("echo\0it's\0", "echo 'it\\'s'");
        CMDLINE("echo\0back\\slash\0", "echo 'back\\\\slash'");
        CMDLINE("echo\0say \"hi\"\0", "echo 'say \"hi\"'");
        CMDLINE("'\0\\\0", "'\\'' '\\\\'");
        /* a space is not a word boundary inside a word */
        CMDLINE("sh\0-c\0echo hi; id\0", "sh -c 'echo hi; id'");
        WORD("/usr/bin/vim (deleted)", "'/usr/bin/vim (deleted)'");
        WORD("/home/o'neil", "'/home/o\\'neil'");
}

static void test_escape_bytes(void **state)
{
        (void)state;
        /* control characters, DEL, and NUL where it is not a separator */
        CMDLINE("a\tb\0", "a\\x09b");
        CMDLINE("new\nline\0", "new\\x0aline");
        CMDLINE("\x1b[31mred\0", "\\x1b[31mred");
        CMDLINE("cr\r\0del\x7f\0", "cr\\x0d del\\x7f");
        WORD("a\0b\n", "a\\x00b\\x0a");
        /* C1 controls in UTF-8 (U+009B is a CSI) */
        CMDLINE("\xc2\x9b" "31m\0\xc2\x85\0", "\\xc2\\x9b31m \\xc2\\x85");
        /* invalid UTF-8: stray bytes, cut short, overlong, surrogate, past U+10FFFF */
        CMDLINE("\xff\xfe\0", "\\xff\\xfe");
        CMDLINE("\xe2\x82\0", "\\xe2\\x82");
        CMDLINE("\xc0\xaf\0", "\\xc0\\xaf");
        CMDLINE("\xed\xa0\x80\0", "\\xed\\xa0\\x80");
        CMDLINE("\xf4\x90\x80\x80\0", "\\xf4\\x90\\x80\\x80");
        /* a bad byte before a good sequence does not swallow it */
        CMDLINE("\xc3\xc3\xa9\0", "\\xc3\xc3\xa9");
        /* inside quotes too */
        CMDLINE("a b\x01\0", "'a b\\x01'");
}

static void test_escape_trailing_nul(void **state)
{
        (void)state;
        /* one trailing NUL ends the cmdline; without one (a process that
         * rewrote its argv) the text is the same */
        CMDLINE("sshd: alice [priv]\0", "'sshd: alice [priv]'");
        escapes_to("sshd: alice [priv]", 18, true, "'sshd: alice [priv]'");
        /* a second one is an empty last word */
        CMDLINE("a\0\0", "a ''");
        /* one empty word is not no word */
        CMDLINE("\0", "''");
        CMDLINE("\0\0", "'' ''");
}

static void test_escape_empty_cmdline(void **state)
{
        char *out = NULL;

        (void)state;
        /* a kernel thread, a zombie, an execve with an empty argv */
        assert_int_equal(proc_text_escape("", 0, true, &out), 0);
        assert_string_equal(out, "");
        free(out);
}

/* Every single byte: the worst case stays within the documented bound. */
static void test_escape_every_byte(void **state)
{
        char raw[256 * 2];
        char *out = NULL;

        (void)state;
        for (int i = 0; i < 256; i++) {
                raw[2 * i] = (char)i;
                raw[2 * i + 1] = '\0';
        }
        assert_int_equal(proc_text_escape(raw, sizeof(raw), true, &out), 0);
        assert_true(team_text_is_printable(out, strlen(out)));
        assert_true(strlen(out) <= 7 * sizeof(raw) + 3);
        free(out);
        assert_int_equal(proc_text_escape(raw, sizeof(raw), false, &out), 0);
        assert_true(team_text_is_printable(out, strlen(out)));
        assert_true(strlen(out) <= 7 * sizeof(raw) + 3);
        free(out);
}

static void test_status_good(void **state)
{
        static const char text[] = "Name:\tsudo\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nNgid:\t0\n"
                                   "Pid:\t4242\nPPid:\t4100\nTracerPid:\t0\nUid:\t1000\t0\t0\t0\n"
                                   "Gid:\t1000\t1000\t1000\t1000\nFDSize:\t64\n";
        pid_t ppid = -1;
        uid_t uid = 7, euid = 7;

        (void)state;
        assert_int_equal(proc_status_parse(text, &ppid, &uid, &euid), 0);
        assert_int_equal(ppid, 4100);
        assert_int_equal(uid, 1000);
        assert_int_equal(euid, 0);
        assert_int_equal(proc_status_parse("PPid:\t0\nUid:\t0\t0\t0\t0\n", &ppid, &uid, &euid), 0);
        assert_int_equal(ppid, 0);
        assert_int_equal(uid, 0);
        assert_int_equal(proc_status_parse("Uid: 5 6\nPPid: 2147483647\n", &ppid, &uid, &euid), 0);
        assert_int_equal(ppid, INT32_MAX);
        assert_int_equal(uid, 5);
        assert_int_equal(euid, 6);
        assert_int_equal(proc_status_parse("PPid:\t1\nUid:\t4294967295\t4294967295\n", &ppid, &uid, &euid), 0);
        assert_true(uid == (uid_t)UINT32_MAX && euid == (uid_t)UINT32_MAX);
        /* the kernel escapes a newline in Name: a name cannot plant a line */
        assert_int_equal(proc_status_parse("Name:\tx\\nUid:\\t0\nPPid:\t9\nUid:\t1000\t1000\n", &ppid, &uid, &euid), 0);
        assert_int_equal(ppid, 9);
        assert_int_equal(uid, 1000);
}

static void test_status_bad(void **state)
{
        static const char *const bad[] = {
                "",
                "Name:\tx\n",
                "PPid:\t1\n",                                   /* no Uid */
                "Uid:\t0\t0\t0\t0\n",                           /* no PPid */
                "PPid:\t1\nUid:\t1000\n",                       /* one uid */
                "PPid:\t1\nUid:\n1000\t1000\n",                 /* the ids on the next line */
                "PPid:\t-1\nUid:\t0\t0\t0\t0\n",
                "PPid:\t+1\nUid:\t0\t0\t0\t0\n",
                "PPid:\t2147483648\nUid:\t0\t0\t0\t0\n",
                "PPid:\t1\nUid:\t4294967296\t0\t0\t0\n",
                "PPid:\t1\nUid:\t0\t99999999999999999999999\n",
                "PPid:\tx\nUid:\t0\t0\t0\t0\n",
                "PPid:\t1\nUid:\t1000x1000\n",
                "PPid:\t1\nUid:\t1000\t-1\n",
                " PPid:\t1\n Uid:\t0\t0\n",                     /* not at a line start */
        };
        pid_t ppid = -7;
        uid_t uid = 7, euid = 7;

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(proc_status_parse(bad[i], &ppid, &uid, &euid), -EBADMSG);
                assert_int_equal(ppid, -7);
                assert_int_equal(uid, 7);
                assert_int_equal(euid, 7);
        }
}

static void test_read_self(void **state)
{
        struct proc_exec pe;

        (void)state;
        assert_int_equal(proc_exec_read("/proc", getpid(), &pe), 0);
        assert_non_null(pe.argv);
        assert_non_null(strstr(pe.argv, "test_proc_exec"));
        assert_true(team_text_is_printable(pe.argv, strlen(pe.argv)));
        assert_false(pe.argv_cut);
        assert_int_equal(pe.ppid, getppid());
        assert_int_equal(pe.uid, getuid());
        assert_int_equal(pe.euid, geteuid());
        /* a process may read its own exe and cwd links */
        assert_non_null(pe.exe);
        assert_true(pe.exe[0] == '/' || pe.exe[0] == '\'');
        assert_non_null(pe.cwd);
        proc_exec_clear(&pe);
        assert_null(pe.argv);
        assert_null(pe.exe);
        /* pid_max is at most 4194304: this pid never exists */
        assert_int_equal(proc_exec_read("/proc", INT32_MAX, &pe), -ESRCH);
        assert_null(pe.argv);
        /* clearing twice is harmless */
        proc_exec_clear(&pe);
}

struct fake_root {
        char dir[PATH_MAX];
        char pid_dir[PATH_MAX];
};

static void path_of(const struct fake_root *f, const char *name, char *buf, size_t size)
{
        assert_true(snprintf(buf, size, "%s/%s", f->pid_dir, name) < (int)size);
}

static void put_file(const struct fake_root *f, const char *name, const char *data, size_t len)
{
        char path[PATH_MAX];
        int fd;

        path_of(f, name, path, sizeof(path));
        (void)unlink(path);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, len), (ssize_t)len);
        close(fd);
}

static void put_link(const struct fake_root *f, const char *name, const char *target)
{
        char path[PATH_MAX];

        path_of(f, name, path, sizeof(path));
        (void)unlink(path);
        assert_int_equal(symlink(target, path), 0);
}

static void drop(const struct fake_root *f, const char *name)
{
        char path[PATH_MAX];

        path_of(f, name, path, sizeof(path));
        (void)unlink(path);
}

static int fake_root_setup(void **state)
{
        const char *tmp = getenv("TMPDIR");
        struct fake_root *f = calloc(1, sizeof(*f));

        if (!f)
                return -1;
        if (!tmp || !tmp[0])
                tmp = "/tmp";
        if (snprintf(f->dir, sizeof(f->dir), "%s/test_proc_exec.XXXXXX", tmp) >= (int)sizeof(f->dir) ||
            !mkdtemp(f->dir) ||
            snprintf(f->pid_dir, sizeof(f->pid_dir), "%s/4242", f->dir) >= (int)sizeof(f->pid_dir) ||
            mkdir(f->pid_dir, 0700) < 0) {
                free(f);
                return -1;
        }
        *state = f;
        return 0;
}

static int fake_root_teardown(void **state)
{
        struct fake_root *f = *state;
        static const char *const names[] = { "cmdline", "status", "exe", "cwd" };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                drop(f, names[i]);
        (void)rmdir(f->pid_dir);
        (void)rmdir(f->dir);
        free(f);
        return 0;
}

#define PUT(f, name, lit) put_file(f, name, lit, sizeof(lit) - 1)
#define STATUS "Name:\tsh\nPid:\t4242\nPPid:\t77\nUid:\t1000\t1001\t1000\t1000\n"

static void test_read_fake_root(void **state)
{
        struct fake_root *f = *state;
        struct proc_exec pe;

        PUT(f, "cmdline", "sh\0-c\0x y\0");
        PUT(f, "status", STATUS);
        put_link(f, "exe", "/usr/bin/ev il\n\x1b[2J");
        put_link(f, "cwd", "/home/alice");
        assert_int_equal(proc_exec_read(f->dir, 4242, &pe), 0);
        assert_string_equal(pe.argv, "sh -c 'x y'");
        assert_false(pe.argv_cut);
        assert_int_equal(pe.ppid, 77);
        assert_int_equal(pe.uid, 1000);
        assert_int_equal(pe.euid, 1001);
        assert_string_equal(pe.exe, "'/usr/bin/ev il\\x0a\\x1b[2J'");
        assert_string_equal(pe.cwd, "/home/alice");
        proc_exec_clear(&pe);

        /* exe and cwd are optional (no CAP_SYS_PTRACE, a kernel thread) */
        drop(f, "exe");
        drop(f, "cwd");
        PUT(f, "cmdline", "");
        assert_int_equal(proc_exec_read(f->dir, 4242, &pe), 0);
        assert_string_equal(pe.argv, "");
        assert_null(pe.exe);
        assert_null(pe.cwd);
        proc_exec_clear(&pe);
}

static void test_read_fake_root_cut(void **state)
{
        struct fake_root *f = *state;
        size_t len = PROC_EXEC_CMDLINE_MAX + 100;
        char *big = malloc(len);
        struct proc_exec pe;

        assert_non_null(big);
        memset(big, 'a', len);
        for (size_t i = 9; i < len; i += 10)
                big[i] = '\0';
        put_file(f, "cmdline", big, len);
        PUT(f, "status", STATUS);
        assert_int_equal(proc_exec_read(f->dir, 4242, &pe), 0);
        assert_true(pe.argv_cut);
        /* words of 9 'a' and a space: what was read, no more */
        assert_int_equal(strlen(pe.argv), PROC_EXEC_CMDLINE_MAX);
        assert_int_equal(strspn(pe.argv, "a "), PROC_EXEC_CMDLINE_MAX);
        proc_exec_clear(&pe);
        /* exactly the cap is not cut */
        put_file(f, "cmdline", big, PROC_EXEC_CMDLINE_MAX);
        assert_int_equal(proc_exec_read(f->dir, 4242, &pe), 0);
        assert_false(pe.argv_cut);
        proc_exec_clear(&pe);
        free(big);
}

/* A status past its cap is cut where the cap is; what was read parses. */
static void test_read_fake_root_long_status(void **state)
{
        struct fake_root *f = *state;
        size_t len = strlen(STATUS) + 20000;
        char *text = malloc(len);
        struct proc_exec pe;

        assert_non_null(text);
        memcpy(text, STATUS, strlen(STATUS));
        memset(text + strlen(STATUS), 'x', len - strlen(STATUS));
        PUT(f, "cmdline", "sh\0");
        put_file(f, "status", text, len);
        assert_int_equal(proc_exec_read(f->dir, 4242, &pe), 0);
        assert_int_equal(pe.ppid, 77);
        assert_string_equal(pe.argv, "sh");
        proc_exec_clear(&pe);
        free(text);
}

static void test_read_fake_root_refusals(void **state)
{
        struct fake_root *f = *state;
        struct proc_exec pe;

        /* a pid with no directory is gone */
        assert_int_equal(proc_exec_read(f->dir, 4343, &pe), -ESRCH);
        assert_null(pe.argv);
        /* gone between the cmdline and the status: nothing is kept */
        PUT(f, "cmdline", "sh\0");
        drop(f, "status");
        assert_int_equal(proc_exec_read(f->dir, 4242, &pe), -ESRCH);
        assert_null(pe.argv);
        /* a status without the ids */
        PUT(f, "status", "Name:\tsh\nPPid:\t77\n");
        assert_int_equal(proc_exec_read(f->dir, 4242, &pe), -EBADMSG);
        assert_null(pe.argv);
        /* a symlink in place of a file is not followed */
        drop(f, "cmdline");
        put_link(f, "cmdline", "/proc/self/cmdline");
        assert_true(proc_exec_read(f->dir, 4242, &pe) < 0);
        assert_null(pe.argv);
        drop(f, "cmdline");
        assert_int_equal(proc_exec_read(f->dir, 4242, &pe), -ESRCH);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escape_plain_words),
                cmocka_unit_test(test_escape_empty_word),
                cmocka_unit_test(test_escape_quoting),
                cmocka_unit_test(test_escape_bytes),
                cmocka_unit_test(test_escape_trailing_nul),
                cmocka_unit_test(test_escape_empty_cmdline),
                cmocka_unit_test(test_escape_every_byte),
                cmocka_unit_test(test_status_good),
                cmocka_unit_test(test_status_bad),
                cmocka_unit_test(test_read_self),
                cmocka_unit_test_setup_teardown(test_read_fake_root, fake_root_setup, fake_root_teardown),
                cmocka_unit_test_setup_teardown(test_read_fake_root_cut, fake_root_setup, fake_root_teardown),
                cmocka_unit_test_setup_teardown(test_read_fake_root_long_status, fake_root_setup, fake_root_teardown),
                cmocka_unit_test_setup_teardown(test_read_fake_root_refusals, fake_root_setup, fake_root_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
