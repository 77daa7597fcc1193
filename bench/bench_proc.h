/* SPDX-License-Identifier: BSD-3-Clause */
/* Another process's memory and CPU, read from /proc (for benchmarks of a
 * daemon running beside the client). */
#pragma once

/* A "Key:  N kB" line of /proc/PID/status (VmRSS, VmHWM), in KiB; -1. */
long bench_proc_kb(int pid, const char *key);
/* utime + stime of /proc/PID/stat, in clock ticks; -1. */
long long bench_proc_cpu_ticks(int pid);
