/* SPDX-License-Identifier: BSD-3-Clause */
/* /proc/PID/stat, read and parsed; see proc_stat.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "proc_stat.h"

#define STAT_MAX 1024

static int read_stat_text(const char *proc_root, pid_t pid, char *buf, size_t size)
{
        char path[128];
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "%s/%d/stat", proc_root, (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        n = read(fd, buf, size - 1);
        close(fd);
        if (n < 0)
                return errno == ESRCH ? -ESRCH : -EIO;
        buf[n] = '\0';
        return 0;
}

/* After "pid (comm) ": the comm may hold blanks and parentheses, so the
 * fields start after the LAST ')'. Field 3 is the state, 4 ppid, 6 sid,
 * 22 starttime. */
int proc_stat_parse(const char *buf, char *state, struct proc_stat *out)
{
        const char *p = strrchr(buf, ')');
        char tok[32];
        uint64_t v;

        if (!p || p[1] != ' ')
                return -EBADMSG;
        memset(out, 0, sizeof(*out));
        p += 2;
        for (int field = 3; field <= 22; field++) {
                size_t len = strcspn(p, " \n");
                if (len == 0 || len >= sizeof(tok))
                        return -EBADMSG;
                memcpy(tok, p, len);
                tok[len] = '\0';
                p += len + (p[len] == ' ');
                if (field == 3) {
                        *state = tok[0];
                        continue;
                }
                if (field != 4 && field != 6 && field != 22)
                        continue;
                if (parse_uint(tok, 0, field == 22 ? UINT64_MAX : INT32_MAX, &v) < 0)
                        return -EBADMSG;
                if (field == 4)
                        out->ppid = (pid_t)v;
                else if (field == 6)
                        out->sid = (pid_t)v;
                else
                        out->start = v;
        }
        return 0;
}

int proc_stat_read_state(const char *proc_root, pid_t pid, char *state, struct proc_stat *out)
{
        char buf[STAT_MAX];
        int r = read_stat_text(proc_root, pid, buf, sizeof(buf));

        return r < 0 ? r : proc_stat_parse(buf, state, out);
}

int proc_stat_read(const char *proc_root, pid_t pid, struct proc_stat *out)
{
        char state;

        if (pid <= 0)
                return -ESRCH;
        return proc_stat_read_state(proc_root, pid, &state, out);
}

int proc_stat_self_start(uint64_t *start)
{
        struct proc_stat st;
        int r = proc_stat_read("/proc", getpid(), &st);

        if (r == 0)
                *start = st.start;
        return r;
}
