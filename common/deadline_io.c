/* SPDX-License-Identifier: BSD-3-Clause */
/* I/O against a deadline (see deadline_io.h). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include "deadline_io.h"

int64_t team_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int team_wait_fd(int fd, short events, int64_t deadline)
{
        for (;;) {
                struct pollfd pfd = { .fd = fd, .events = events };
                int64_t left = deadline - team_now_ms();
                int r;

                if (left <= 0)
                        return -ETIMEDOUT;
                r = poll(&pfd, 1, (int)left);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return -ETIMEDOUT;
                return 0;
        }
}

int team_send_all(int fd, const uint8_t *buf, size_t len, int64_t deadline)
{
        while (len > 0) {
                ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN) {
                        int r = team_wait_fd(fd, POLLOUT, deadline);

                        if (r < 0)
                                return r;
                        continue;
                }
                if (n < 0)
                        return -errno;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

int team_recv_frame(int fd, struct team_frame_reader *rd, int64_t deadline)
{
        for (;;) {
                int r = team_frame_reader_feed(rd, fd);

                if (r != 0)
                        return r < 0 ? r : 0;
                r = team_wait_fd(fd, POLLIN, deadline);
                if (r < 0)
                        return r;
        }
}
