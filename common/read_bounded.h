/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading a small file whole, with a cap. */
#pragma once

#include <stddef.h>

/* Reads fd to its end into buf, which has room for max + 1 bytes (the
 * extra byte is how a file that grew past max is noticed). Retries EINTR.
 * Returns 0 and *len, -EFBIG when there are more than max bytes, or the
 * read's -errno. Nothing is NUL-terminated. */
int team_read_bounded(int fd, char *buf, size_t max, size_t *len);
