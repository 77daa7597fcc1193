/* SPDX-License-Identifier: BSD-3-Clause */
/* What teamd can see about a peer process; see peer_origin.h. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "parse.h"
#include "peer_origin.h"

struct peer_proc {
        char comm[17];          /* TASK_COMM_LEN */
        char tty[32];           /* "" when it has none */
};

/* A file of /proc/PID, read whole (small), NUL-terminated; -1 on failure. */
static ssize_t read_proc(int dirfd, const char *name, char *buf, size_t size)
{
        int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        ssize_t n;

        if (fd < 0)
                return -1;
        n = read(fd, buf, size - 1);
        close(fd);
        if (n < 0)
                return -1;
        buf[n] = '\0';
        return n;
}

/* The tty name of a stat tty_nr, the way ps names it ("" for none). */
static void tty_name(uint64_t tty_nr, char *buf, size_t size)
{
        unsigned maj = major((dev_t)tty_nr), min = minor((dev_t)tty_nr);

        buf[0] = '\0';
        if (tty_nr == 0)
                return;
        if (maj >= 136 && maj <= 143)
                snprintf(buf, size, "/dev/pts/%u", (maj - 136) * 256 + min);
        else if (maj == 4 && min < 64)
                snprintf(buf, size, "/dev/tty%u", min);
        else if (maj == 4)
                snprintf(buf, size, "/dev/ttyS%u", min - 64);
        else
                snprintf(buf, size, "tty %u:%u", maj, min);
}

/* The 7th field of /proc/PID/stat (tty_nr), after "pid (comm) state ppid
 * pgrp session"; comm may hold spaces and parentheses, so it starts after
 * the last ')'. */
static int stat_tty_nr(const char *stat, uint64_t *out)
{
        const char *p = strrchr(stat, ')');
        char field[24];
        size_t len;

        if (!p)
                return -1;
        p++;
        for (int i = 0; i < 5; i++) {
                p += strspn(p, " ");
                len = strcspn(p, " ");
                if (i == 4) {
                        if (len == 0 || len >= sizeof(field))
                                return -1;
                        memcpy(field, p, len);
                        field[len] = '\0';
                        return parse_uint(field, 0, UINT32_MAX, out);
                }
                p += len;
        }
        return -1;
}

int peer_proc_stat_tty(const char *stat, char *tty, size_t size)
{
        uint64_t tty_nr = 0;

        if (size == 0)
                return -1;
        tty[0] = '\0';
        if (stat_tty_nr(stat, &tty_nr) < 0)
                return -1;
        tty_name(tty_nr, tty, size);
        return 0;
}

void peer_proc_comm(const char *raw, size_t len, char *out, size_t size)
{
        size_t n = 0;

        if (size == 0)
                return;
        /* One line; the name is the user's to choose (prctl): no control
         * bytes, no spaces, nothing beyond ASCII. */
        for (; n < len && n + 1 < size && raw[n] != '\n' && raw[n] != '\0'; n++) {
                unsigned char c = (unsigned char)raw[n];

                out[n] = c < 0x21 || c >= 0x7f ? '?' : (char)c;
        }
        out[n] = '\0';
}

/* 0 when /proc/PID still belongs to uid (not a recycled pid). */
static int peer_proc_read(pid_t pid, uid_t uid, struct peer_proc *out)
{
        char path[32], buf[1024];
        struct stat st;
        ssize_t n;
        int dirfd, r = -1;

        memset(out, 0, sizeof(*out));
        snprintf(path, sizeof(path), "/proc/%ld", (long)pid);
        dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -1;
        if (fstat(dirfd, &st) < 0 || st.st_uid != uid)
                goto out;
        n = read_proc(dirfd, "comm", buf, sizeof(buf));
        if (n > 0)
                peer_proc_comm(buf, (size_t)n, out->comm, sizeof(out->comm));
        if (read_proc(dirfd, "stat", buf, sizeof(buf)) > 0)
                peer_proc_stat_tty(buf, out->tty, sizeof(out->tty));
        r = 0;
out:
        close(dirfd);
        return r;
}

/* seen, then " claimed:CLAIM" when the user said something else. */
static void seen_and_claimed(const char *seen, const char *claim, char *buf, size_t size)
{
        if (claim && claim[0] && strcmp(claim, seen) != 0)
                snprintf(buf, size, "%s%sclaimed:%s", seen, seen[0] ? " " : "", claim);
        else
                snprintf(buf, size, "%s", seen);
}

void teamd_peer_origin(const struct teamd_peer *peer, const struct team_request *req, struct peer_origin *out)
{
        struct peer_proc proc;

        memset(out, 0, sizeof(*out));
        if (peer->privileged) {
                snprintf(out->service, sizeof(out->service), "%s", req->service ? req->service : "");
                snprintf(out->tty, sizeof(out->tty), "%s", req->tty ? req->tty : "");
                snprintf(out->rhost, sizeof(out->rhost), "%s", req->rhost ? req->rhost : "");
                return;
        }
        if (peer_proc_read(peer->pid, peer->uid, &proc) < 0)
                memset(&proc, 0, sizeof(proc));
        seen_and_claimed(proc.comm, req->service, out->service, sizeof(out->service));
        seen_and_claimed(proc.tty, req->tty, out->tty, sizeof(out->tty));
        seen_and_claimed("", req->rhost, out->rhost, sizeof(out->rhost));
}
