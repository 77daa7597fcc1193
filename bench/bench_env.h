/* SPDX-License-Identifier: BSD-3-Clause */
/* The system under test for the socket benchmarks: a real teamd on
 * temporary sockets with a throwaway trusted key (started through the shared
 * C test fixture tests/pam/teamd_fixture.[ch]), plus in-process grant
 * signing so thousands of grants can be stored quickly. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_ROLE "bench"

struct bench_env;

/* Starts teamd (max_grants large enough for the store benchmarks) the way
 * teamd.service does, or with foreground the way the tests do (--foreground:
 * every journald entry also mirrored to a log file). */
int bench_env_start(struct bench_env **out, bool foreground);
void bench_env_stop(struct bench_env *e);   /* NULL-safe; removes the temp dir */

const char *bench_env_socket(const struct bench_env *e);   /* privileged socket */
const char *bench_env_dir(const struct bench_env *e);      /* scratch dir, root 0700 */

/* Signs a grant for user/role valid from now-60 s for secs seconds,
 * addressed to teamd's host id. *jws malloc'd. */
int bench_env_sign(struct bench_env *e, const char *user, const char *role, int64_t secs, char **jws);
/* Hands a signed grant to teamd with a grant_add frame. 0 when stored;
 * -EBADMSG when teamd refused it (its reason on stderr). */
int bench_env_grant_add(struct bench_env *e, const char *jws);
/* Both. */
int bench_env_grant(struct bench_env *e, const char *user, const char *role, int64_t secs);
