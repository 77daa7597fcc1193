/* SPDX-License-Identifier: BSD-3-Clause */
/* The test clock (see clock_fake.h). */
#include "config.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock_fake.h"
#include "parse.h"

#define OFFSET_MAX (100LL * 366 * 24 * 3600)

static _Atomic int64_t fixed_now;

void srv_clock_set_fixed(int64_t t)
{
        atomic_store(&fixed_now, t);
}

/* Reads a signed decimal offset; 0 when the file is missing or malformed. */
static int64_t read_offset(const char *path)
{
        char buf[32];
        const char *p = buf;
        uint64_t v;
        ssize_t n;
        int fd;
        bool neg = false;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return 0;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        buf[strcspn(buf, " \t\r\n")] = '\0';
        if (*p == '-' || *p == '+') {
                neg = *p == '-';
                p++;
        }
        if (parse_uint(p, 0, (uint64_t)OFFSET_MAX, &v) < 0)
                return 0;
        return neg ? -(int64_t)v : (int64_t)v;
}

int64_t srv_now(void)
{
        int64_t fixed = atomic_load(&fixed_now);
        const char *path;
        struct timespec ts;

        if (fixed > 0)
                return fixed;
        clock_gettime(CLOCK_REALTIME, &ts);
        path = getenv("TEAM_SERVER_CLOCK_OFFSET_FILE");
        if (path && path[0])
                return (int64_t)ts.tv_sec + read_offset(path);
        return (int64_t)ts.tv_sec;
}
