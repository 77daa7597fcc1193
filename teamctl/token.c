/* SPDX-License-Identifier: BSD-3-Clause */
/* Loads the bearer token; see token.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "teamctl.h"
#include "token.h"

void token_free(char *tok)
{
        if (!tok)
                return;
        explicit_bzero(tok, strlen(tok));
        free(tok);
}

/* Visible ASCII only: a token never carries spaces or control bytes, so it
 * cannot smuggle anything into the Authorization header. */
static bool token_syntax_ok(const char *s)
{
        if (!s[0])
                return false;
        for (; *s; s++)
                if (*s <= 0x20 || *s >= 0x7f)
                        return false;
        return true;
}

static int token_copy(const char *src, char **out, const char *where, char *err, size_t errlen)
{
        if (strlen(src) > TEAMCTL_TOKEN_MAX || !token_syntax_ok(src)) {
                snprintf(err, errlen, "the token in %s is malformed (one line, no spaces); ask an admin for a "
                                      "new one with team-server admin user add", where);
                return TEAMCTL_EXIT_CONFIG;
        }
        *out = strdup(src);
        if (!*out) {
                snprintf(err, errlen, "out of memory");
                return EX_OSERR;
        }
        return 0;
}

static int token_read_file(const char *path, char **out, char *err, size_t errlen)
{
        char buf[TEAMCTL_TOKEN_MAX + 3];
        struct stat st;
        ssize_t n;
        size_t len = 0;
        int fd, ret;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0) {
                if (errno == ENOENT)
                        snprintf(err, errlen, "no token: set TEAM_TOKEN or save yours in %s (chmod 600 %s); "
                                              "an admin makes one with team-server admin user add", path, path);
                else
                        snprintf(err, errlen, "cannot read the token file %s: %s", path, strerror(errno));
                return TEAMCTL_EXIT_CONFIG;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                snprintf(err, errlen, "the token file %s is not a regular file", path);
                ret = TEAMCTL_EXIT_CONFIG;
                goto out;
        }
        if (st.st_mode & (S_IRWXG | S_IRWXO)) {
                snprintf(err, errlen, "the token file %s is readable by others (mode %04o); run: chmod 600 %s",
                         path, (unsigned)(st.st_mode & 07777), path);
                ret = TEAMCTL_EXIT_CONFIG;
                goto out;
        }
        if (st.st_uid != geteuid()) {
                snprintf(err, errlen, "the token file %s belongs to uid %u, not to you; run: chown %u %s", path,
                         (unsigned)st.st_uid, (unsigned)geteuid(), path);
                ret = TEAMCTL_EXIT_CONFIG;
                goto out;
        }
        while (len < sizeof(buf) - 1) {
                n = read(fd, buf + len, sizeof(buf) - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        snprintf(err, errlen, "cannot read the token file %s: %s", path, strerror(errno));
                        ret = TEAMCTL_EXIT_CONFIG;
                        goto out;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        if (memchr(buf, '\0', len)) {
                snprintf(err, errlen, "the token file %s is malformed (one line, no spaces)", path);
                ret = TEAMCTL_EXIT_CONFIG;
                goto out;
        }
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
                buf[--len] = '\0';
        ret = token_copy(buf, out, path, err, errlen);
out:
        explicit_bzero(buf, sizeof(buf));
        close(fd);
        return ret;
}

int token_load(char **out, char *err, size_t errlen)
{
        const char *env = getenv("TEAM_TOKEN"), *home = getenv("HOME");
        char path[4096];

        *out = NULL;
        if (env && env[0])
                return token_copy(env, out, "TEAM_TOKEN", err, errlen);
        if (!home || home[0] != '/') {
                snprintf(err, errlen, "no token: set TEAM_TOKEN (HOME is not set, so ~/.config/team/token "
                                      "cannot be found)");
                return TEAMCTL_EXIT_CONFIG;
        }
        if ((size_t)snprintf(path, sizeof(path), "%s/.config/team/token", home) >= sizeof(path)) {
                snprintf(err, errlen, "HOME is too long");
                return TEAMCTL_EXIT_CONFIG;
        }
        return token_read_file(path, out, err, errlen);
}
