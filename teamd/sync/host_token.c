/* SPDX-License-Identifier: BSD-3-Clause */
/* The host token file; see host_token.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sync/host_token.h"
#include "read_bounded.h"

static int is_b64url(char ch)
{
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
               ch == '_';
}

/* "tm_" + 43 base64url, then nothing or one "\n". */
static int token_valid(const char *buf, size_t len)
{
        if (len == HOST_TOKEN_LEN + 1 && buf[HOST_TOKEN_LEN] == '\n')
                len--;
        if (len != HOST_TOKEN_LEN || memcmp(buf, "tm_", 3) != 0)
                return 0;
        for (size_t i = 3; i < len; i++)
                if (!is_b64url(buf[i]))
                        return 0;
        return 1;
}

int host_token_read(const char *path, struct host_token *tok, char *err, size_t errlen)
{
        char buf[HOST_TOKEN_LEN + 2];
        struct stat st;
        size_t len = 0;
        int fd, r;

        memset(tok, 0, sizeof(*tok));
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                r = -errno;
                snprintf(err, errlen, "token_file %s: %s", path, strerror(errno));
                return r;
        }
        if (fstat(fd, &st) < 0) {
                r = -errno;
                snprintf(err, errlen, "token_file %s: %s", path, strerror(errno));
                goto out;
        }
        if (!S_ISREG(st.st_mode)) {
                r = -EPERM;
                snprintf(err, errlen, "token_file %s is not a regular file", path);
                goto out;
        }
        if (st.st_uid != 0 || ((st.st_mode & 07777) != 0600 && (st.st_mode & 07777) != 0400)) {
                r = -EPERM;
                snprintf(err, errlen, "token_file %s must be owned by root with mode 0600 or 0400 (is uid %lu mode %04o)",
                         path, (unsigned long)st.st_uid, (unsigned)(st.st_mode & 07777));
                goto out;
        }
        r = team_read_bounded(fd, buf, sizeof(buf) - 1, &len);
        if (r == 0 && !token_valid(buf, len))
                r = -EBADMSG;
        if (r < 0) {
                snprintf(err, errlen, "token_file %s does not hold one host token (tm_ and 43 base64url characters)",
                         path);
                goto out;
        }
        memcpy(tok->value, buf, HOST_TOKEN_LEN);
        tok->value[HOST_TOKEN_LEN] = '\0';
out:
        explicit_bzero(buf, sizeof(buf));
        close(fd);
        return r;
}

void host_token_wipe(struct host_token *tok)
{
        if (tok)
                explicit_bzero(tok, sizeof(*tok));
}
