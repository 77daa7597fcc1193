/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading a small file whole, with a cap (see read_bounded.h). */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "read_bounded.h"

int team_read_bounded(int fd, char *buf, size_t max, size_t *len)
{
        size_t have = 0;

        for (;;) {
                ssize_t n = read(fd, buf + have, max + 1 - have);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                have += (size_t)n;
                if (have > max)
                        return -EFBIG;
        }
        *len = have;
        return 0;
}
