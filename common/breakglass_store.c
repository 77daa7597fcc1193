/* SPDX-License-Identifier: BSD-3-Clause */
/* The break-glass set file on disk (see breakglass_store.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "breakglass_store.h"
#include "read_bounded.h"

#define LOCK_POLL_MS 5

static int check_secret_file(int fd, const char *path, char *err, size_t errsz)
{
        struct stat st;

        if (fstat(fd, &st) < 0) {
                snprintf(err, errsz, "%s: %s", path, strerror(errno));
                return -errno;
        }
        if (!S_ISREG(st.st_mode)) {
                snprintf(err, errsz, "%s: not a regular file", path);
                return -EPERM;
        }
        if (st.st_uid != 0 || (st.st_mode & 077) != 0) {
                snprintf(err, errsz, "%s: refused: must be owned by root with mode 0600 or 0400 (owner %u, mode %04o)",
                         path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
                return -EPERM;
        }
        if (st.st_size > TEAM_BG_MAX_FILE) {
                snprintf(err, errsz, "%s: refused: larger than %d bytes", path, TEAM_BG_MAX_FILE);
                return -EFBIG;
        }
        return 0;
}

static int open_checked(const char *path, int *fd_out, char *err, size_t errsz)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        int r;

        if (fd < 0) {
                r = -errno;
                if (r == -ELOOP)
                        snprintf(err, errsz, "%s: refused: a symbolic link", path);
                else
                        snprintf(err, errsz, "%s: %s", path, strerror(errno));
                return r;
        }
        r = check_secret_file(fd, path, err, errsz);
        if (r < 0) {
                close(fd);
                return r;
        }
        *fd_out = fd;
        return 0;
}

static void sleep_ms(long ms)
{
        struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* flock with a deadline, without signals: LOCK_NB and short sleeps. */
static int lock_fd(int fd, const char *path, char *err, size_t errsz)
{
        for (long waited = 0;; waited += LOCK_POLL_MS) {
                if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                        return 0;
                if (errno != EWOULDBLOCK && errno != EINTR) {
                        snprintf(err, errsz, "%s: lock: %s", path, strerror(errno));
                        return -errno;
                }
                if (waited >= TEAM_BG_LOCK_TIMEOUT_MS) {
                        snprintf(err, errsz, "%s: still locked by another process after %d ms", path,
                                 TEAM_BG_LOCK_TIMEOUT_MS);
                        return -ETIMEDOUT;
                }
                sleep_ms(LOCK_POLL_MS);
        }
}

/* True when path still names the inode fd has open. */
static bool still_current(int fd, const char *path)
{
        struct stat a, b;

        return fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int read_set(int fd, const char *path, struct team_bg_set *set, char *err, size_t errsz)
{
        char buf[TEAM_BG_MAX_FILE + 1];
        size_t len = 0;
        int r = team_read_bounded(fd, buf, TEAM_BG_MAX_FILE, &len);

        if (r == -EFBIG)
                snprintf(err, errsz, "%s: refused: larger than %d bytes", path, TEAM_BG_MAX_FILE);
        else if (r < 0)
                snprintf(err, errsz, "%s: read: %s", path, strerror(-r));
        else if ((r = team_bg_set_parse(buf, len, set)) < 0)
                snprintf(err, errsz, "%s: refused: not a valid break-glass set (truncated or damaged); run teamctl breakglass init",
                         path);
        OPENSSL_cleanse(buf, sizeof(buf));
        return r;
}

int team_bg_lock(const char *path, struct team_bg_locked *out, char *err, size_t errsz)
{
        int r = -ESTALE;

        out->fd = -1;
        for (int attempt = 0; attempt < 16; attempt++) {
                int fd = -1;

                r = open_checked(path, &fd, err, errsz);
                if (r < 0)
                        return r;
                r = lock_fd(fd, path, err, errsz);
                if (r < 0) {
                        close(fd);
                        return r;
                }
                if (!still_current(fd, path)) {
                        /* Replaced while we waited: lock the new one. */
                        close(fd);
                        r = -ESTALE;
                        continue;
                }
                r = check_secret_file(fd, path, err, errsz);
                if (r == 0)
                        r = read_set(fd, path, &out->set, err, errsz);
                if (r < 0) {
                        close(fd);
                        return r;
                }
                out->fd = fd;
                return 0;
        }
        snprintf(err, errsz, "%s: replaced too often while waiting for its lock", path);
        return r;
}

void team_bg_unlock(struct team_bg_locked *l)
{
        if (!l)
                return;
        if (l->fd >= 0)
                close(l->fd);
        l->fd = -1;
        OPENSSL_cleanse(&l->set, sizeof(l->set));
}

int team_bg_write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

static int fsync_dir_of(const char *path)
{
        char *copy = strdup(path);
        int fd, r = -ENOMEM;

        if (!copy)
                return r;
        fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        free(copy);
        if (fd < 0)
                return -errno;
        r = fsync(fd) < 0 ? -errno : 0;
        close(fd);
        return r;
}

int team_bg_write(const char *path, const struct team_bg_set *set, char *err, size_t errsz)
{
        char tmp[4096], *text = NULL;
        size_t len = 0;
        int fd = -1, r;

        if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp)) {
                snprintf(err, errsz, "%s: path too long", path);
                return -ENAMETOOLONG;
        }
        r = team_bg_set_format(set, &text, &len);
        if (r < 0) {
                snprintf(err, errsz, "%s: cannot format the set: %s", path, strerror(-r));
                return r;
        }
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                snprintf(err, errsz, "%s: cannot create a temporary file: %s", tmp, strerror(errno));
                goto out;
        }
        if (fchmod(fd, 0600) < 0 || team_bg_write_all(fd, text, len) < 0 || fsync(fd) < 0) {
                r = -errno;
                snprintf(err, errsz, "%s: cannot write: %s", tmp, strerror(errno));
                goto fail;
        }
        if (close(fd) < 0) {
                fd = -1;
                r = -errno;
                snprintf(err, errsz, "%s: cannot write: %s", tmp, strerror(errno));
                goto fail;
        }
        fd = -1;
        if (rename(tmp, path) < 0) {
                r = -errno;
                snprintf(err, errsz, "%s: cannot replace: %s", path, strerror(errno));
                goto fail;
        }
        r = fsync_dir_of(path);
        if (r < 0)
                snprintf(err, errsz, "%s: fsync of its directory: %s", path, strerror(-r));
        goto out;
fail:
        if (fd >= 0)
                close(fd);
        unlink(tmp);
out:
        if (text) {
                OPENSSL_cleanse(text, len);
                free(text);
        }
        return r;
}
