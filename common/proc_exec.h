/* SPDX-License-Identifier: BSD-3-Clause */
/* What a process runs, as /proc shows it right after its execve: the
 * executable, the working directory, argv and its ids. The text a process
 * chooses (argv, paths) is escaped into one line of printable text before
 * it goes anywhere (the journal, a terminal, a sink), and bounded. libc
 * only. Functions return 0 or -errno. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Bytes of /proc/PID/cmdline read; the rest is cut (and said so). */
#define PROC_EXEC_CMDLINE_MAX 4096

struct proc_exec {
        pid_t ppid;
        uid_t uid, euid;
        char *exe;      /* NULL: unreadable (the process is gone, or no CAP_SYS_PTRACE) */
        char *cwd;      /* NULL: unreadable */
        char *argv;     /* escaped; "" when the process has none */
        bool argv_cut;  /* cmdline was longer than PROC_EXEC_CMDLINE_MAX */
};

/* Reads proc_root/PID ("/proc" outside tests). -ESRCH when the process is
 * gone (argv and ids are needed; exe and cwd may be NULL). */
int proc_exec_read(const char *proc_root, pid_t pid, struct proc_exec *out);
void proc_exec_clear(struct proc_exec *p);

/* raw[0..len) as one line: with nul_separated, the NUL-separated words of
 * a cmdline joined by one space, each word in single quotes when it is
 * empty or holds a space, a quote or a backslash; always, a backslash as
 * \\, a single quote as \' and every byte that is a control character or
 * not part of valid UTF-8 as \xHH. Unambiguous: the words and their bytes
 * can be recovered from it. *out is malloc'd. */
int proc_text_escape(const char *raw, size_t len, bool nul_separated, char **out);

/* The "PPid:" and "Uid:" lines of a /proc/PID/status text (NUL-terminated).
 * -EBADMSG when one is missing or malformed. */
int proc_status_parse(const char *text, pid_t *ppid, uid_t *uid, uid_t *euid);
