/* SPDX-License-Identifier: BSD-3-Clause */
/* Test fixture for teamd: see teamd_fixture.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "teamd_fixture.h"
#include "unconst.h"

#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 5000

const char *teamd_fixture_builddir(void)
{
        const char *b = getenv("top_builddir");

        return b && *b ? b : ".";
}

int teamd_fixture_built(const char *rel, char *buf, size_t size)
{
        int n = snprintf(buf, size, "%s/%s", teamd_fixture_builddir(), rel);

        if (n < 0 || (size_t)n >= size)
                return -ENAMETOOLONG;
        return access(buf, X_OK) == 0 ? 0 : -errno;
}

static int path_join(char *buf, const char *dir, const char *name)
{
        int n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);

        return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int exit_code(int status)
{
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return -EIO;
}

/* Reads all of fd into a malloc'd NUL-terminated buffer. */
static int slurp_fd(int fd, char **out)
{
        size_t len = 0, cap = 4096;
        char *buf = malloc(cap), *tmp;
        ssize_t n;

        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (cap - len < 2) {
                        tmp = realloc(buf, cap * 2);
                        if (!tmp) {
                                free(buf);
                                return -ENOMEM;
                        }
                        buf = tmp;
                        cap *= 2;
                }
                n = read(fd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        *out = buf;
        return 0;
}

int teamd_fixture_run(char *const argv[], char **out)
{
        int pipefd[2], status, r;
        pid_t pid;
        char *text = NULL;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return r;
        }
        if (pid == 0) {
                dup2(pipefd[1], STDOUT_FILENO);
                execv(argv[0], argv);
                fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        close(pipefd[1]);
        r = slurp_fd(pipefd[0], &text);
        close(pipefd[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (r < 0)
                return r;
        if (out)
                *out = text;
        else
                free(text);
        return exit_code(status);
}

static int write_file(const char *path, const char *text, mode_t mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        size_t len = strlen(text);
        int r = 0;

        if (fd < 0)
                return -errno;
        if (write(fd, text, len) != (ssize_t)len)
                r = -EIO;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        return r;
}

static int make_keys(struct teamd_fixture *f)
{
        char tool[PATH_MAX], pub[PATH_MAX], rogue_pub[PATH_MAX];
        int r;

        r = teamd_fixture_built("tools/team-sign-grant", tool, sizeof(tool));
        if (r < 0) {
                fprintf(stderr, "fixture: %s not built\n", tool);
                return r;
        }
        if (path_join(pub, f->keys_dir, TEAMD_FIXTURE_KID ".pem") < 0 ||
            path_join(rogue_pub, f->dir, "rogue.pem") < 0)
                return -ENAMETOOLONG;
        {
                char *argv[] = { tool, "keygen", "--private", f->private_key, "--public", pub, NULL };
                r = teamd_fixture_run(argv, NULL);
        }
        if (r == 0) {
                char *argv[] = { tool, "keygen", "--private", f->rogue_key, "--public", rogue_pub, NULL };
                r = teamd_fixture_run(argv, NULL);
        }
        if (r != 0) {
                fprintf(stderr, "fixture: team-sign-grant keygen failed (%d)\n", r);
                return -EIO;
        }
        return 0;
}

static int write_config(struct teamd_fixture *f, const char *server_url)
{
        char text[8 * PATH_MAX], state[PATH_MAX];
        int n;

        if (path_join(state, f->dir, "state") < 0)
                return -ENAMETOOLONG;
        if (mkdir(state, 0700) < 0 && errno != EEXIST)
                return -errno;
        n = snprintf(text, sizeof(text),
                     "[teamd]\n"
                     "host_id = " TEAMD_FIXTURE_HOST "\n"
                     "host_groups = " TEAMD_FIXTURE_GROUP "\n"
                     "state_dir = %s\n"
                     "socket = %s\n"
                     "user_socket = %s\n"
                     "trusted_keys = %s\n"
                     "%s%s%s",
                     state, f->socket, f->user_socket, f->keys_dir,
                     /* fail-open at once: the tests wait for the first probe only */
                     server_url ? "\n[server]\nfail_open_after = 0\nurl = " : "",
                     server_url ? server_url : "", server_url ? "\n" : "");
        if (n < 0 || (size_t)n >= sizeof(text))
                return -ENAMETOOLONG;
        return write_file(f->conf, text, 0600);
}

int teamd_fixture_init(struct teamd_fixture *f, bool keys, const char *server_url)
{
        char run[PATH_MAX];
        int r;

        memset(f, 0, sizeof(*f));
        snprintf(f->dir, sizeof(f->dir), "/tmp/pam_team_test.XXXXXX");
        if (!mkdtemp(f->dir)) {
                r = -errno;
                fprintf(stderr, "fixture: mkdtemp: %s\n", strerror(errno));
                f->dir[0] = '\0';
                return r;
        }
        if (chmod(f->dir, 0700) < 0)
                return -errno;
        if (path_join(f->conf, f->dir, "teamd.conf") < 0 ||
            path_join(run, f->dir, "run") < 0 ||
            path_join(f->socket, run, "teamd.sock") < 0 ||
            path_join(f->user_socket, run, "user.sock") < 0 ||
            path_join(f->keys_dir, f->dir, "keys") < 0 ||
            path_join(f->private_key, f->dir, "signing.key") < 0 ||
            path_join(f->rogue_key, f->dir, "rogue.key") < 0 ||
            path_join(f->pam_dir, f->dir, "pam.d") < 0 ||
            path_join(f->log, f->dir, "teamd.log") < 0)
                return -ENAMETOOLONG;
        if (mkdir(f->keys_dir, 0755) < 0 || mkdir(f->pam_dir, 0755) < 0 || mkdir(run, 0755) < 0)
                return -errno;
        if (keys) {
                r = make_keys(f);
                if (r < 0)
                        return r;
        }
        return write_config(f, server_url);
}

int teamd_fixture_probe(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd, r = 0;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                r = -errno;
        close(fd);
        return r;
}

/* Forks argv with stderr to f->log and waits until each of the sockets
 * (NULL-terminated) accepts. */
static int spawn_and_wait(struct teamd_fixture *f, char *const argv[], const char *const socks[])
{
        long long deadline = now_ms() + START_TIMEOUT_MS;
        int logfd, status;

        logfd = open(f->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (logfd < 0)
                return -errno;
        f->pid = fork();
        if (f->pid < 0) {
                f->pid = 0;
                close(logfd);
                return -errno;
        }
        if (f->pid == 0) {
                int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (devnull >= 0) {
                        dup2(devnull, STDIN_FILENO);
                        dup2(devnull, STDOUT_FILENO);
                }
                dup2(logfd, STDERR_FILENO);
                execv(argv[0], argv);
                _exit(127);
        }
        close(logfd);
        for (;;) {
                bool ready = true;

                for (size_t i = 0; socks[i]; i++)
                        if (teamd_fixture_probe(socks[i]) < 0)
                                ready = false;
                if (ready)
                        return 0;
                if (waitpid(f->pid, &status, WNOHANG) == f->pid) {
                        fprintf(stderr, "fixture: %s exited early (%d); log in %s\n",
                                argv[0], exit_code(status), f->log);
                        f->pid = 0;
                        return -ECHILD;
                }
                if (now_ms() > deadline) {
                        fprintf(stderr, "fixture: %s not accepting after %d ms\n",
                                argv[0], START_TIMEOUT_MS);
                        (void)teamd_fixture_stop(f);
                        return -ETIMEDOUT;
                }
                usleep(20000);
        }
}

int teamd_fixture_start(struct teamd_fixture *f)
{
        char teamd[PATH_MAX];
        const char *socks[] = { f->socket, f->user_socket, NULL };
        int r = teamd_fixture_built("teamd/teamd", teamd, sizeof(teamd));

        if (r < 0) {
                fprintf(stderr, "fixture: %s not built\n", teamd);
                return r;
        }
        {
                char *argv[] = { teamd, "--config", f->conf, "--foreground", NULL };
                return spawn_and_wait(f, argv, socks);
        }
}

int teamd_fixture_start_fake(struct teamd_fixture *f, const char *mode, const char *extra)
{
        char fake[PATH_MAX];
        const char *socks[] = { f->socket, NULL };
        int r = teamd_fixture_built("tests/pam/fake_teamd", fake, sizeof(fake));

        if (r < 0) {
                fprintf(stderr, "fixture: %s not built\n", fake);
                return r;
        }
        {
                char *argv[] = { fake, team_unconst(mode), f->socket, team_unconst(extra), NULL };
                return spawn_and_wait(f, argv, socks);
        }
}

int teamd_fixture_stop(struct teamd_fixture *f)
{
        long long deadline = now_ms() + STOP_TIMEOUT_MS;
        int status;
        pid_t r;

        if (f->pid <= 0)
                return 0;
        kill(f->pid, SIGTERM);
        for (;;) {
                r = waitpid(f->pid, &status, WNOHANG);
                if (r == f->pid)
                        break;
                if (r < 0 && errno != EINTR) {
                        f->pid = 0;
                        return -errno;
                }
                if (now_ms() > deadline) {
                        kill(f->pid, SIGKILL);
                        (void)waitpid(f->pid, &status, 0);
                        break;
                }
                usleep(10000);
        }
        f->pid = 0;
        return exit_code(status);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        return remove(path) < 0 ? -1 : 0;
}

void teamd_fixture_cleanup(struct teamd_fixture *f)
{
        if (!f)
                return;
        (void)teamd_fixture_stop(f);
        if (f->dir[0] && !getenv("PAM_TEAM_TEST_KEEP"))
                (void)nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        f->dir[0] = '\0';
}

int teamd_fixture_sign(struct teamd_fixture *f, const char *key, const char *user,
                       const char *aud, const char *role, const char *nbf,
                       const char *exp, char **jws)
{
        char tool[PATH_MAX], *out = NULL, *argv[24];
        size_t n = 0, len;
        int r = teamd_fixture_built("tools/team-sign-grant", tool, sizeof(tool));

        if (r < 0)
                return r;
        argv[n++] = tool;
        argv[n++] = "sign";
        argv[n++] = "--key";
        argv[n++] = team_unconst(key ? key : f->private_key);
        argv[n++] = "--kid";
        argv[n++] = TEAMD_FIXTURE_KID;
        argv[n++] = "--sub";
        argv[n++] = team_unconst(user);
        argv[n++] = "--aud";
        argv[n++] = team_unconst(aud ? aud : TEAMD_FIXTURE_HOST);
        argv[n++] = "--role";
        argv[n++] = team_unconst(role);
        if (nbf) {
                argv[n++] = "--nbf";
                argv[n++] = team_unconst(nbf);
        }
        if (exp) {
                argv[n++] = "--exp";
                argv[n++] = team_unconst(exp);
        }
        argv[n] = NULL;
        r = teamd_fixture_run(argv, &out);
        if (r != 0) {
                fprintf(stderr, "fixture: team-sign-grant sign failed (%d)\n", r);
                free(out);
                return -EIO;
        }
        len = strlen(out);
        while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
                out[--len] = '\0';
        *jws = out;
        return 0;
}

int teamd_fixture_add_grant(struct teamd_fixture *f, const char *jws)
{
        char teamctl[PATH_MAX], file[PATH_MAX];
        int r = teamd_fixture_built("teamctl/teamctl", teamctl, sizeof(teamctl));

        if (r < 0)
                return r;
        if (path_join(file, f->dir, "grant.jws") < 0)
                return -ENAMETOOLONG;
        r = write_file(file, jws, 0600);
        if (r < 0)
                return r;
        {
                char *argv[] = { teamctl, "--config", f->conf, "grant", "add", file, NULL };
                return teamd_fixture_run(argv, NULL);
        }
}

int teamd_fixture_grant(struct teamd_fixture *f, const char *user, const char *role,
                        const char *nbf, const char *exp)
{
        char *jws = NULL;
        int r = teamd_fixture_sign(f, NULL, user, NULL, role, nbf, exp, &jws);

        if (r < 0)
                return r;
        r = teamd_fixture_add_grant(f, jws);
        free(jws);
        return r;
}

bool teamd_fixture_log_contains(const struct teamd_fixture *f, const char *needle)
{
        int fd = open(f->log, O_RDONLY | O_CLOEXEC);
        char *text = NULL;
        bool found;

        if (fd < 0)
                return false;
        if (slurp_fd(fd, &text) < 0) {
                close(fd);
                return false;
        }
        close(fd);
        found = strstr(text, needle) != NULL;
        free(text);
        return found;
}
