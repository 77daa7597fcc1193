/* SPDX-License-Identifier: BSD-3-Clause */
/* teamd under test, started through the shared fixture (tests/pam/
 * teamd_fixture.[ch]: temp dir, keygen, config, spawn, readiness), with
 * grants signed in-process by common's team_jws_sign() and stored with
 * grant_add frames, so filling a store of 10,000 grants takes seconds. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "bench/bench_env.h"
#include "bench/bench_sock.h"
#include "jws.h"
#include "protocol.h"
#include "tests/pam/teamd_fixture.h"

/* Room for the 10,000-grant store benchmark and then some. */
#define BENCH_MAX_GRANTS "50000"
#define START_TIMEOUT_NS (10ull * 1000000000ull)

struct bench_env {
        struct teamd_fixture fx;
        EVP_PKEY *key;
        unsigned long serial;
};

static int append_max_grants(const char *conf)
{
        FILE *f = fopen(conf, "ae");
        int r = 0;

        if (!f)
                return -errno;
        /* The fixture's config ends inside [teamd] (no [server] section). */
        if (fprintf(f, "max_grants = %s\n", BENCH_MAX_GRANTS) < 0)
                r = -EIO;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        return r;
}

static uint64_t mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* TEAM_BENCH_TEAMD_NICE=N: teamd runs at nice N, as teamd.service's
 * Nice= would set it (the clients keep the bench's own). */
static int teamd_nice(void)
{
        const char *v = getenv("TEAM_BENCH_TEAMD_NICE");

        if (!v || !*v)
                return 0;
        return setpriority(PRIO_PROCESS, 0, atoi(v));
}

/* teamd --config CONF, as teamd.service runs it: no --foreground, so no
 * stderr mirror of every journald entry (a test aid, not production). The
 * fixture still owns the directory, the config, the pid and the stop. */
static int start_like_systemd(struct teamd_fixture *f)
{
        char teamd[PATH_MAX];
        uint64_t deadline = mono_ns() + START_TIMEOUT_NS;
        int logfd, status, r;
        pid_t pid;

        r = teamd_fixture_built("teamd/teamd", teamd, sizeof(teamd));
        if (r < 0)
                return r;
        logfd = open(f->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (logfd < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(logfd);
                return r;
        }
        if (pid == 0) {
                char *argv[] = { teamd, "--config", f->conf, NULL };

                /* A benchmark killed half-way must not leave teamd behind. */
                if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || teamd_nice() < 0 ||
                    dup2(logfd, STDOUT_FILENO) < 0 || dup2(logfd, STDERR_FILENO) < 0)
                        _exit(127);
                execv(teamd, argv);
                _exit(127);
        }
        close(logfd);
        f->pid = pid;
        while (teamd_fixture_probe(f->socket) < 0 || teamd_fixture_probe(f->user_socket) < 0) {
                if (waitpid(pid, &status, WNOHANG) == pid) {
                        f->pid = 0;
                        return -ECHILD;
                }
                if (mono_ns() > deadline)
                        return -ETIMEDOUT;
                usleep(5000);
        }
        return 0;
}

int bench_env_start(struct bench_env **out, bool foreground)
{
        struct bench_env *e = calloc(1, sizeof(*e));
        int r = -ENOMEM;

        if (!e)
                goto fail;
        r = teamd_fixture_init(&e->fx, true, NULL);
        if (r < 0)
                goto fail;
        r = append_max_grants(e->fx.conf);
        if (r < 0)
                goto fail;
        r = team_key_load_private_pem(e->fx.private_key, &e->key);
        if (r < 0) {
                fprintf(stderr, "bench: cannot load %s: %s\n", e->fx.private_key, strerror(-r));
                goto fail;
        }
        r = foreground ? teamd_fixture_start(&e->fx) : start_like_systemd(&e->fx);
        if (r < 0) {
                fprintf(stderr, "bench: teamd did not start; its log is %s\n", e->fx.log);
                goto fail;
        }
        *out = e;
        return 0;
fail:
        bench_env_stop(e);
        return r;
}

void bench_env_stop(struct bench_env *e)
{
        if (!e)
                return;
        if (getenv("TEAM_BENCH_KEEP")) {
                (void)teamd_fixture_stop(&e->fx);
                fprintf(stderr, "bench: keeping %s\n", e->fx.dir);
        } else {
                teamd_fixture_cleanup(&e->fx);
        }
        EVP_PKEY_free(e->key);
        free(e);
}

const char *bench_env_socket(const struct bench_env *e)
{
        return e->fx.socket;
}

const char *bench_env_dir(const struct bench_env *e)
{
        return e->fx.dir;
}

int bench_env_sign(struct bench_env *e, const char *user, const char *role, int64_t secs, char **jws)
{
        int64_t now = (int64_t)time(NULL);
        char jti[64], req[64];
        const char *aud[] = { TEAMD_FIXTURE_HOST };
        const char *apr[] = { "bench-approver" };
        struct team_grant g = {
                .jti = jti, .sub = user, .aud = aud, .n_aud = 1, .role = role,
                .nbf = now - 60, .exp = now + secs, .iat = now - 60, .req = req,
                .apr = apr, .n_apr = 1, .rsn = "benchmark",
        };

        e->serial++;
        snprintf(jti, sizeof(jti), "bench-%ld-%lu", (long)now, e->serial);
        snprintf(req, sizeof(req), "bench-req-%lu", e->serial);
        return team_jws_sign(e->key, TEAMD_FIXTURE_KID, &g, jws);
}

int bench_env_grant_add(struct bench_env *e, const char *jws)
{
        struct team_request req = { .op = TEAM_OP_GRANT_ADD, .jws = jws };
        struct team_response resp;
        struct team_frame_reader rd;
        const char *why = NULL;
        uint8_t *frame = NULL;
        size_t flen = 0;
        int r;

        memset(&resp, 0, sizeof(resp));
        team_frame_reader_init(&rd, 0);
        r = bench_request_frame(&req, &frame, &flen);
        if (r < 0)
                goto out;
        r = bench_roundtrip(e->fx.socket, frame, flen, &rd);
        if (r < 0)
                goto out;
        r = team_response_unpack(TEAM_OP_GRANT_ADD, rd.body, rd.body_len, &resp, &why);
        if (r < 0) {
                fprintf(stderr, "bench: bad grant_add response: %s\n", why ? why : strerror(-r));
                goto out;
        }
        if (!resp.ok) {
                fprintf(stderr, "bench: teamd refused the grant: %s\n", resp.error ? resp.error : "?");
                r = -EBADMSG;
        }
out:
        team_response_clear(&resp);
        team_frame_reader_clear(&rd);
        free(frame);
        return r;
}

int bench_env_grant(struct bench_env *e, const char *user, const char *role, int64_t secs)
{
        char *jws = NULL;
        int r;

        r = bench_env_sign(e, user, role, secs, &jws);
        if (r == 0)
                r = bench_env_grant_add(e, jws);
        free(jws);
        return r;
}
