/* SPDX-License-Identifier: BSD-3-Clause */
/* Unix-socket plumbing shared by the benchmarks: a blocking protocol client
 * (one request, one response per connection, as pam_team does) and a
 * trivial single-threaded echo server, the baseline for what teamd adds. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol.h"

/* Every socket the benchmarks open gives up after this long. */
#define BENCH_SOCK_TIMEOUT_MS 5000

/* Connects (SOCK_CLOEXEC, send/receive timeouts set). fd or -errno. */
int bench_sock_connect(const char *path);
/* Connect, write the whole frame, read one whole frame into rd (caller
 * initialised it; the body stays there until team_frame_reader_clear), close. */
int bench_roundtrip(const char *path, const uint8_t *frame, size_t flen, struct team_frame_reader *rd);

/* A framed request, ready to send. *frame is malloc'd. */
int bench_request_frame(const struct team_request *req, uint8_t **frame, size_t *flen);
int bench_check_frame(const char *user, const char *role, const char *service,
                      uint8_t **frame, size_t *flen);
/* Sends a check and returns its decision, or -errno / -EBADMSG. */
int bench_check(const char *path, const uint8_t *frame, size_t flen, enum team_decision *out);

/* Echo server in a forked child: each connection gets its one frame back.
 * Ready (listening) when this returns 0. */
int bench_echo_start(const char *path, pid_t *pid);
void bench_echo_stop(pid_t pid, const char *path);
