/* SPDX-License-Identifier: BSD-3-Clause */
/* Human-readable times for teamctl's output. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Local time "2026-11-25 16:04 CET". */
void format_local_time(int64_t t, char *buf, size_t len);
/* "in 42m", "3h 5m ago", "now", relative to now. */
void format_relative(int64_t t, int64_t now, char *buf, size_t len);
