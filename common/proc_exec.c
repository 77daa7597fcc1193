/* SPDX-License-Identifier: BSD-3-Clause */
/* /proc/PID after an execve; see proc_exec.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "printable.h"
#include "proc_exec.h"
#include "read_bounded.h"

/* /proc/PID/status is about 1.5 KiB. */
#define STATUS_MAX 8192

static bool needs_quotes(const char *w, size_t len)
{
        if (len == 0)
                return true;
        for (size_t i = 0; i < len; i++)
                if (w[i] == ' ' || w[i] == '\'' || w[i] == '"' || w[i] == '\\')
                        return true;
        return false;
}

static char *put_word(char *o, const char *w, size_t len)
{
        static const char hex[] = "0123456789abcdef";
        bool quote = needs_quotes(w, len);

        if (quote)
                *o++ = '\'';
        for (size_t i = 0; i < len;) {
                unsigned char c = (unsigned char)w[i];
                size_t n = team_utf8_seq_len((const unsigned char *)w + i, len - i);

                if (c == '\\' || c == '\'') {
                        *o++ = '\\';
                        *o++ = (char)c;
                        i++;
                } else if (n == 0 || !team_text_is_printable(w + i, n)) {
                        *o++ = '\\';
                        *o++ = 'x';
                        *o++ = hex[c >> 4];
                        *o++ = hex[c & 15];
                        i++;
                } else {
                        memcpy(o, w + i, n);
                        o += n;
                        i += n;
                }
        }
        if (quote)
                *o++ = '\'';
        return o;
}

int proc_text_escape(const char *raw, size_t len, bool nul_separated, char **out)
{
        char *buf, *o;
        size_t start = 0;

        *out = NULL;
        /* A byte becomes at most 4 (\xHH), a word gains 2 quotes and a
         * space. */
        if (len > (SIZE_MAX - 4) / 8)
                return -E2BIG;
        buf = malloc(len * 7 + 4);
        if (!buf)
                return -ENOMEM;
        o = buf;
        if (!nul_separated) {
                o = put_word(o, raw, len);
        } else if (len > 0) {
                /* A cmdline ends in a NUL; words are between them. An
                 * empty cmdline has no word, "\0" one empty word. */
                if (raw[len - 1] == '\0')
                        len--;
                for (size_t i = 0; i <= len; i++) {
                        if (i < len && raw[i] != '\0')
                                continue;
                        if (o != buf)
                                *o++ = ' ';
                        o = put_word(o, raw + start, i - start);
                        start = i + 1;
                }
        }
        *o = '\0';
        *out = buf;
        return 0;
}

static const char *line_value(const char *text, const char *key)
{
        size_t klen = strlen(key);

        for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
                if (strncmp(l, key, klen) == 0)
                        return l + klen;
        return NULL;
}

static int parse_id(const char **p, unsigned long long max, unsigned long long *out)
{
        char *end;

        while (**p == '\t' || **p == ' ')
                (*p)++;
        if (**p < '0' || **p > '9')
                return -EBADMSG;
        errno = 0;
        *out = strtoull(*p, &end, 10);
        if (errno != 0 || *out > max)
                return -EBADMSG;
        *p = end;
        return 0;
}

int proc_status_parse(const char *text, pid_t *ppid, uid_t *uid, uid_t *euid)
{
        const char *pp = line_value(text, "PPid:"), *u = line_value(text, "Uid:");
        unsigned long long a, b, c;

        if (!pp || !u || parse_id(&pp, INT32_MAX, &a) < 0 || parse_id(&u, UINT32_MAX, &b) < 0 ||
            parse_id(&u, UINT32_MAX, &c) < 0)
                return -EBADMSG;
        *ppid = (pid_t)a;
        *uid = (uid_t)b;
        *euid = (uid_t)c;
        return 0;
}

/* proc_root/pid/name into buf (room for max + 1), NUL-terminated. */
static int read_proc_file(const char *proc_root, pid_t pid, const char *name, char *buf, size_t max, size_t *len)
{
        char path[PATH_MAX];
        int fd, r;

        if (snprintf(path, sizeof(path), "%s/%d/%s", proc_root, (int)pid, name) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        r = team_read_bounded(fd, buf, max, len);
        close(fd);
        if (r == -EFBIG) {
                *len = max;
                r = 1;
        }
        if (r >= 0)
                buf[*len] = '\0';
        return r;
}

static char *read_link_escaped(const char *proc_root, pid_t pid, const char *name)
{
        char path[PATH_MAX], target[PATH_MAX];
        char *out = NULL;
        ssize_t n;

        if (snprintf(path, sizeof(path), "%s/%d/%s", proc_root, (int)pid, name) >= (int)sizeof(path))
                return NULL;
        n = readlink(path, target, sizeof(target));
        if (n < 0 || (size_t)n >= sizeof(target))
                return NULL;
        (void)proc_text_escape(target, (size_t)n, false, &out);
        return out;
}

int proc_exec_read(const char *proc_root, pid_t pid, struct proc_exec *out)
{
        char *buf;
        size_t len = 0;
        int r;

        memset(out, 0, sizeof(*out));
        buf = malloc((STATUS_MAX > PROC_EXEC_CMDLINE_MAX ? STATUS_MAX : PROC_EXEC_CMDLINE_MAX) + 1);
        if (!buf)
                return -ENOMEM;
        r = read_proc_file(proc_root, pid, "cmdline", buf, PROC_EXEC_CMDLINE_MAX, &len);
        if (r < 0)
                goto out;
        out->argv_cut = r == 1;
        r = proc_text_escape(buf, len, true, &out->argv);
        if (r < 0)
                goto out;
        r = read_proc_file(proc_root, pid, "status", buf, STATUS_MAX, &len);
        if (r < 0)
                goto out;
        r = proc_status_parse(buf, &out->ppid, &out->uid, &out->euid);
        if (r < 0)
                goto out;
        out->exe = read_link_escaped(proc_root, pid, "exe");
        out->cwd = read_link_escaped(proc_root, pid, "cwd");
out:
        free(buf);
        if (r < 0)
                proc_exec_clear(out);
        return r < 0 ? r : 0;
}

void proc_exec_clear(struct proc_exec *p)
{
        free(p->exe);
        free(p->cwd);
        free(p->argv);
        memset(p, 0, sizeof(*p));
}
