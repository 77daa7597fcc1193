/* SPDX-License-Identifier: BSD-3-Clause */
/* The PAM conversation of the PAM benchmarks (bench_pam, bench_approval). */
#pragma once

#include <security/pam_appl.h>

/* Answers every prompt with nothing: deny reasons are shown, not asked. */
int bench_quiet_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data);
