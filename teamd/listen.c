/* SPDX-License-Identifier: BSD-3-Clause */
/* Listening sockets; see listen.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "listen.h"

#define LISTEN_BACKLOG 128

/* Whoever may write the socket's directory may replace the socket with
 * one of their own: the directory must be teamd's alone to write. */
static int check_socket_dir(const char *dir, char *err, size_t errlen)
{
        struct stat st;

        if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
                snprintf(err, errlen, "%s is not a directory", dir);
                return -ENOTDIR;
        }
        if (st.st_uid != geteuid() || (st.st_mode & 022)) {
                snprintf(err, errlen, "socket directory %s must be owned by uid %lu and writable by it alone "
                                      "(chown %lu %s; chmod go-w %s)",
                         dir, (unsigned long)geteuid(), (unsigned long)geteuid(), dir, dir);
                return -EPERM;
        }
        return 0;
}

/* The directory part of a socket path; 0 with dir "" when it has none. */
static int socket_dir(const char *path, char *dir, size_t size)
{
        char *slash;

        if (snprintf(dir, size, "%s", path) >= (int)size)
                return -ENAMETOOLONG;
        slash = strrchr(dir, '/');
        if (!slash)
                dir[0] = '\0';
        else if (slash == dir)
                dir[1] = '\0';
        else
                *slash = '\0';
        return 0;
}

static int make_parent_dir(const char *path, char *err, size_t errlen)
{
        char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
        int r = socket_dir(path, dir, sizeof(dir));

        if (r < 0 || !dir[0])
                return r;
        if (strcmp(dir, "/") != 0 && mkdir(dir, 0755) < 0 && errno != EEXIST) {
                r = -errno;
                snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
                return r;
        }
        return check_socket_dir(dir, err, errlen);
}

/* A socket file left by a teamd that died is replaced; one that still
 * accepts belongs to a running teamd, and anything that is not a socket
 * is not ours to delete. */
static int remove_stale(const struct sockaddr_un *sa, char *err, size_t errlen)
{
        struct stat st;
        int fd, r;

        if (lstat(sa->sun_path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISSOCK(st.st_mode)) {
                snprintf(err, errlen, "%s exists and is not a socket", sa->sun_path);
                return -EEXIST;
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
        close(fd);
        if (r == 0) {
                snprintf(err, errlen, "%s: another teamd is already listening", sa->sun_path);
                return -EADDRINUSE;
        }
        if (unlink(sa->sun_path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

/* Binds under the given umask so that the file never exists with a wider
 * mode than it ends up with; chmod afterwards makes the mode exact. */
static int bind_socket(const char *path, mode_t mode, int *out, char *err, size_t errlen)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        mode_t old;
        int fd = -1, r;

        if (strlen(path) >= sizeof(sa.sun_path) || path[0] != '/') {
                snprintf(err, errlen, "%s: socket path must be absolute and shorter than %zu bytes", path,
                         sizeof(sa.sun_path));
                return -EINVAL;
        }
        memcpy(sa.sun_path, path, strlen(path) + 1);
        r = make_parent_dir(path, err, errlen);
        if (r < 0)
                return r;
        r = remove_stale(&sa, err, errlen);
        if (r < 0)
                goto fail;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
                r = -errno;
                goto fail;
        }
        old = umask((mode_t)(~mode & 0777));
        r = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
        umask(old);
        if (r < 0 || chmod(path, mode) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
                r = -errno;
                goto fail;
        }
        *out = fd;
        return 0;
fail:
        if (!err[0])
                snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(-r));
        if (fd >= 0)
                close(fd);
        return r;
}

static int from_systemd(struct teamd_listeners *out, char *err, size_t errlen)
{
        char **names = NULL;
        int n, r = 0;

        n = sd_listen_fds_with_names(1, &names);
        if (n <= 0) {
                free(names);
                return n < 0 ? n : 0;
        }
        for (int i = 0; i < n; i++) {
                int fd = SD_LISTEN_FDS_START + i;
                if (names && strcmp(names[i], "priv") == 0 && out->priv_fd < 0)
                        out->priv_fd = fd;
                else if (names && strcmp(names[i], "user") == 0 && out->user_fd < 0)
                        out->user_fd = fd;
                else
                        close(fd);
                free(names ? names[i] : NULL);
        }
        free(names);
        if (out->priv_fd < 0 || out->user_fd < 0) {
                snprintf(err, errlen, "socket activation must pass two sockets named priv and user "
                                      "(FileDescriptorName= in teamd.socket)");
                r = -EINVAL;
        } else {
                /* Accepted connections inherit nothing; the listeners must not block. */
                fcntl(out->priv_fd, F_SETFL, fcntl(out->priv_fd, F_GETFL) | O_NONBLOCK);
                fcntl(out->user_fd, F_SETFL, fcntl(out->user_fd, F_GETFL) | O_NONBLOCK);
                out->activated = true;
                r = 1;
        }
        return r;
}

static void socket_path(int fd, char *buf, size_t len)
{
        struct sockaddr_un sa;
        socklen_t salen = sizeof(sa);

        memset(&sa, 0, sizeof(sa));
        if (getsockname(fd, (struct sockaddr *)&sa, &salen) < 0 || sa.sun_family != AF_UNIX || !sa.sun_path[0])
                snprintf(buf, len, "(fd %d)", fd);
        else
                snprintf(buf, len, "%.*s", (int)sizeof(sa.sun_path), sa.sun_path);
}

int teamd_listen(const char *priv_path, const char *user_path, struct teamd_listeners *out, char *err,
                 size_t errlen)
{
        int r;

        out->priv_fd = out->user_fd = -1;
        out->activated = false;
        err[0] = '\0';
        r = from_systemd(out, err, errlen);
        if (r != 0)
                goto done;
        r = bind_socket(priv_path, 0600, &out->priv_fd, err, errlen);
        if (r == 0)
                r = bind_socket(user_path, 0666, &out->user_fd, err, errlen);
done:
        if (r < 0) {
                teamd_listeners_close(out);
                return r;
        }
        socket_path(out->priv_fd, out->priv_path, sizeof(out->priv_path));
        socket_path(out->user_fd, out->user_path, sizeof(out->user_path));
        /* Activated sockets live where the units put them: the same rule. */
        if (out->activated) {
                char dir[sizeof(out->priv_path)];

                if (out->priv_path[0] == '/' && socket_dir(out->priv_path, dir, sizeof(dir)) == 0)
                        r = check_socket_dir(dir, err, errlen);
                if (r >= 0 && out->user_path[0] == '/' && socket_dir(out->user_path, dir, sizeof(dir)) == 0)
                        r = check_socket_dir(dir, err, errlen);
                if (r < 0) {
                        teamd_listeners_close(out);
                        return r;
                }
        }
        return 0;
}

void teamd_listeners_close(struct teamd_listeners *l)
{
        if (l->priv_fd >= 0)
                close(l->priv_fd);
        if (l->user_fd >= 0)
                close(l->user_fd);
        l->priv_fd = l->user_fd = -1;
}
