/* SPDX-License-Identifier: BSD-3-Clause */
/* Warning lines on terminals; see session_tty.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session_tty.h"

/* "pts/N" or "ttyX" after "/dev/": nothing else, no "..", no deeper path. */
static int tty_path(const char *tty, char *buf, size_t size)
{
        const char *name = strncmp(tty, "/dev/", 5) == 0 ? tty + 5 : tty;
        const char *p;

        if (strncmp(name, "pts/", 4) == 0) {
                p = name + 4;
                if (!*p || strspn(p, "0123456789") != strlen(p))
                        return -EINVAL;
        } else if (strncmp(name, "tty", 3) == 0) {
                for (p = name + 3; *p; p++)
                        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
                                return -EINVAL;
        } else
                return -EINVAL;
        return snprintf(buf, size, "/dev/%s", name) < (int)size ? 0 : -EINVAL;
}

static int user_uid(const char *user, uid_t *uid)
{
        char buf[4096];
        struct passwd pw, *res = NULL;
        int r = getpwnam_r(user, &pw, buf, sizeof(buf), &res);

        if (r != 0)
                return -r;
        if (!res)
                return -ENOENT;
        *uid = pw.pw_uid;
        return 0;
}

int session_tty_write(const char *tty, const char *user, const char *line)
{
        char path[64];
        size_t len = strnlen(line, SESSION_TTY_LINE_MAX);
        struct stat st;
        uid_t uid;
        ssize_t n;
        int fd, r;

        if (!tty || !user)
                return -EINVAL;
        r = tty_path(tty, path, sizeof(path));
        if (r < 0)
                return r;
        r = user_uid(user, &uid);
        if (r < 0)
                return r;
        /* O_NOCTTY: teamd must never acquire it; O_NONBLOCK: a terminal
         * stopped with ^S must not stop teamd. */
        fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ELOOP ? -EPERM : -errno;
        if (fstat(fd, &st) < 0)
                r = -errno;
        else if (!S_ISCHR(st.st_mode) || st.st_uid != uid)
                r = -EPERM;
        else if ((n = write(fd, line, len)) < 0)
                r = -errno;
        close(fd);
        return r;
}
