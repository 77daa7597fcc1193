/* SPDX-License-Identifier: BSD-3-Clause */
/* Test fixture: a teamd (real, or the misbehaving fake_teamd) on private
 * sockets in a root-owned 0700 temporary directory, a signing key it
 * trusts, and helpers to sign grants and hand them to it. Used by the PAM
 * tests and the benchmarks; no test framework needed. All functions
 * return 0 or -errno unless said otherwise, and print why on stderr. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#define TEAMD_FIXTURE_HOST "testhost"
#define TEAMD_FIXTURE_GROUP "testgroup"
#define TEAMD_FIXTURE_KID "test"

struct teamd_fixture {
        char dir[PATH_MAX];          /* root-owned 0700 temporary directory */
        char conf[PATH_MAX];         /* DIR/teamd.conf */
        char socket[PATH_MAX];       /* DIR/run/teamd.sock (root socket) */
        char user_socket[PATH_MAX];  /* DIR/run/user.sock */
        char keys_dir[PATH_MAX];     /* DIR/keys: trusted_keys (test.pem) */
        char private_key[PATH_MAX];  /* DIR/signing.key, kid "test", trusted */
        char rogue_key[PATH_MAX];    /* DIR/rogue.key: a key teamd does not trust */
        char pam_dir[PATH_MAX];      /* DIR/pam.d: for pam_start_confdir() */
        char log[PATH_MAX];          /* DIR/teamd.log: the daemon's stderr */
        pid_t pid;                   /* running daemon, 0 when none */
};

/* $top_builddir, or "." when unset. */
const char *teamd_fixture_builddir(void);
/* Path of a built program relative to the build tree, into buf. */
int teamd_fixture_built(const char *rel, char *buf, size_t size);

/* Creates the directory, keys (needs tools/team-sign-grant) and teamd.conf
 * (without a [server] section when server_url is NULL). With make_keys
 * false no keys are made (enough for fake_teamd). */
int teamd_fixture_init(struct teamd_fixture *f, bool make_keys, const char *server_url);
/* Starts $top_builddir/teamd/teamd --config CONF --foreground, stderr to
 * f->log, and waits (up to 10 s) until both sockets accept. */
int teamd_fixture_start(struct teamd_fixture *f);
/* Starts tests/pam/fake_teamd MODE SOCKET [EXTRA] and waits until it
 * accepts. extra may be NULL. */
int teamd_fixture_start_fake(struct teamd_fixture *f, const char *mode, const char *extra);
/* SIGTERM, then SIGKILL after 5 s. Returns the exit code (>= 0), 128+signal,
 * or -errno; 0 when nothing ran. */
int teamd_fixture_stop(struct teamd_fixture *f);
/* Stops the daemon and removes the directory. NULL-safe. */
void teamd_fixture_cleanup(struct teamd_fixture *f);

/* Runs argv (argv[0] a path), stdout captured into *out (malloc'd, NUL
 * terminated; NULL to discard), stderr inherited. Returns the exit code
 * (>= 0), 128+signal, or -errno. */
int teamd_fixture_run(char *const argv[], char **out);

/* team-sign-grant sign --key KEY --kid test --sub USER --aud AUD --role ROLE
 * --nbf NBF --exp EXP (NULL key = the trusted key; NULL aud = the fixture
 * host; NULL nbf/exp = the tool's defaults). *jws is malloc'd. */
int teamd_fixture_sign(struct teamd_fixture *f, const char *key, const char *user,
                       const char *aud, const char *role, const char *nbf,
                       const char *exp, char **jws);
/* teamctl --config CONF grant add FILE. Returns teamctl's exit code. */
int teamd_fixture_add_grant(struct teamd_fixture *f, const char *jws);
/* sign + add with the trusted key; returns teamctl's exit code or -errno. */
int teamd_fixture_grant(struct teamd_fixture *f, const char *user, const char *role,
                        const char *nbf, const char *exp);

/* True when the daemon's stderr log contains needle. */
bool teamd_fixture_log_contains(const struct teamd_fixture *f, const char *needle);
/* Connects to path once (blocking). Returns 0 when it accepts. */
int teamd_fixture_probe(const char *path);
