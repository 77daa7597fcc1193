/* SPDX-License-Identifier: BSD-3-Clause */
/* One warning line on a session's terminal. */
#pragma once

/* Writes line (one write, at most SESSION_TTY_LINE_MAX bytes, never
 * blocking) to tty, the session's PAM_TTY ("pts/3", "/dev/pts/3",
 * "tty1"), but only when what opens there is a character device under
 * /dev/pts or /dev/tty* owned by user: the name comes from the PAM caller,
 * so a symlink, a regular file or someone else's terminal is refused.
 * Returns 0, -EINVAL (not a terminal name), -EPERM (not that user's
 * terminal), or -errno. */
int session_tty_write(const char *tty, const char *user, const char *line);

#define SESSION_TTY_LINE_MAX 512
