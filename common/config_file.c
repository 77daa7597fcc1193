/* SPDX-License-Identifier: BSD-3-Clause */
/* Config files read safely for config_parser.h: no symlink, a regular
 * file owned by root or the caller, not writable by others, bounded in
 * size, no NUL byte. Apart from the parser so that each file holds one
 * job: this one trusts nothing about the file, the parser nothing about
 * its text. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_parser.h"
#include "read_bounded.h"

/* Opens path safely and reads it whole into a NUL-terminated buffer. */
static int read_config_file(const char *path, char **out, char *err, size_t errlen)
{
        struct stat sb;
        char *buf = NULL;
        size_t have = 0;
        int fd, r = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                r = -errno;
                snprintf(err, errlen, "%s: cannot open: %s%s", path, strerror(-r),
                         r == -ELOOP ? " (a symbolic link; give the real file)" : "");
                return r;
        }
        if (fstat(fd, &sb) < 0) {
                r = -errno;
                snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(-r));
                goto out;
        }
        if (!S_ISREG(sb.st_mode)) {
                r = -EINVAL;
                snprintf(err, errlen, "%s: not a regular file", path);
                goto out;
        }
        if (sb.st_uid != 0 && sb.st_uid != geteuid()) {
                r = -EPERM;
                snprintf(err, errlen, "%s: owned by uid %u (must be owned by root: chown root %s)", path,
                         (unsigned)sb.st_uid, path);
                goto out;
        }
        /* Whoever may write it decides who gets root: refused like a
         * token file would be. */
        if (sb.st_mode & (S_IWGRP | S_IWOTH)) {
                r = -EPERM;
                snprintf(err, errlen, "%s: writable by %s (chmod go-w %s)", path,
                         sb.st_mode & S_IWOTH ? "everyone" : "its group", path);
                goto out;
        }
        if (sb.st_size > CONFIG_MAX_FILE) {
                r = -EFBIG;
                snprintf(err, errlen, "%s: larger than %d bytes (is this the right file?)", path, CONFIG_MAX_FILE);
                goto out;
        }
        buf = malloc(CONFIG_MAX_FILE + 2);
        if (!buf) {
                r = -ENOMEM;
                goto out;
        }
        r = team_read_bounded(fd, buf, CONFIG_MAX_FILE, &have);
        if (r == -EFBIG) {
                snprintf(err, errlen, "%s: larger than %d bytes (is this the right file?)", path, CONFIG_MAX_FILE);
                goto out;
        }
        if (r < 0) {
                snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-r));
                goto out;
        }
        buf[have] = '\0';
        if (memchr(buf, '\0', have)) {
                r = -EINVAL;
                snprintf(err, errlen, "%s: contains a NUL byte (not a text file)", path);
                goto out;
        }
        *out = buf;
        buf = NULL;
out:
        free(buf);
        close(fd);
        return r;
}

int config_read_file(const char *path, char **text, char *err, size_t errlen)
{
        char dummy[1];

        if (!err || errlen == 0) {
                err = dummy;
                errlen = sizeof(dummy);
        }
        err[0] = '\0';
        if (!path || !text)
                return -EINVAL;
        *text = NULL;
        return read_config_file(path, text, err, errlen);
}

int config_parse_file(const struct config_key *keys, size_t n_keys, void *target,
                      const char *path, bool allow_missing, char *err, size_t errlen)
{
        char dummy[1];
        char *text = NULL;
        int r;

        if (!err || errlen == 0) {
                err = dummy;
                errlen = sizeof(dummy);
        }
        err[0] = '\0';
        if (!path)
                return -EINVAL;
        r = read_config_file(path, &text, err, errlen);
        if (r == -ENOENT && allow_missing) {
                err[0] = '\0';
                return 0;
        }
        if (r == -ENOENT)
                snprintf(err, errlen, "%s: no such file (create it, or give another with --config)", path);
        if (r < 0)
                return r;
        r = config_parse_string(keys, n_keys, target, text, path, err, errlen);
        free(text);
        return r;
}
