/* SPDX-License-Identifier: BSD-3-Clause */
/* I/O on non-blocking fds against one CLOCK_MONOTONIC deadline, shared by
 * pam_team and teamctl: a peer that hangs, dribbles or floods costs at
 * most the time left. libc only (it is in libteamproto, which pam_team.so
 * links). Deadlines are team_now_ms() values. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

/* CLOCK_MONOTONIC in milliseconds. */
int64_t team_now_ms(void);
/* Polls fd for events: 0 when ready, -ETIMEDOUT, or -errno. */
int team_wait_fd(int fd, short events, int64_t deadline);
/* All of buf (MSG_NOSIGNAL): 0, -ETIMEDOUT, or -errno. */
int team_send_all(int fd, const uint8_t *buf, size_t len, int64_t deadline);
/* Feeds rd from fd until it holds a whole frame: 0, -ETIMEDOUT, or what
 * team_frame_reader_feed() returned (-EMSGSIZE, -ECONNRESET, -errno). */
int team_recv_frame(int fd, struct team_frame_reader *rd, int64_t deadline);
