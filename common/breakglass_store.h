/* SPDX-License-Identifier: BSD-3-Clause */
/* The break-glass set file on disk: opened without following links,
 * checked like a secret (regular file, owner root, mode <= 0600, size
 * cap), locked with flock() and replaced whole (temp + fsync + rename +
 * fsync of the directory). A reader that waited for the lock while the
 * file was replaced notices the new inode and locks that one instead, so
 * two processes changing the set (two logins burning one code) are
 * serialised and the second sees the first's change. */
#pragma once

#include <stddef.h>

#include "breakglass_file.h"

/* How long a caller waits for another process's lock (ms). */
#define TEAM_BG_LOCK_TIMEOUT_MS 10000

struct team_bg_locked {
        int fd;                 /* -1: nothing held */
        struct team_bg_set set; /* as read */
};

/* Opens, checks, locks and parses path. 0, or -errno with a sentence for
 * the log in err: -ENOENT (no set), -ELOOP (a symlink), -EPERM (owner or
 * mode), -EFBIG (size), -EBADMSG (not a set file), -ETIMEDOUT (lock). */
int team_bg_lock(const char *path, struct team_bg_locked *out, char *err, size_t errsz);
/* Releases the lock and wipes the copy of the set. NULL-safe. */
void team_bg_unlock(struct team_bg_locked *l);

/* Replaces path by set's text, 0600. The caller holds the lock of the
 * current file, if there is one. 0 or -errno (err says which step). */
int team_bg_write(const char *path, const struct team_bg_set *set, char *err, size_t errsz);

/* write() until all of buf is written (EINTR retried). 0 or -errno. */
int team_bg_write_all(int fd, const char *buf, size_t len);
