/* SPDX-License-Identifier: BSD-3-Clause */
/* Session cgroups; see session_cgroup.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "parse.h"
#include "read_bounded.h"
#include "session_cgroup.h"

#define CGROUP_PROCS_MAX (1024 * 1024)

/* The cgroup v2 hierarchy: /sys/fs/cgroup itself (unified), or
 * /sys/fs/cgroup/unified (hybrid). */
static const char *cgroup2_mount(void)
{
        static const char *const candidates[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
        struct statfs sf;

        for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
                if (statfs(candidates[i], &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
                        return candidates[i];
        return NULL;
}

/* teamd's own cgroup: the "0::/path" line of /proc/self/cgroup. */
static int own_cgroup(char *buf, size_t size)
{
        char text[4096];
        FILE *f = fopen("/proc/self/cgroup", "re");
        int r = -ENOENT;

        if (!f)
                return -errno;
        while (fgets(text, sizeof(text), f)) {
                if (strncmp(text, "0::/", 4) != 0)
                        continue;
                text[strcspn(text, "\n")] = '\0';
                /* "/" alone is the root: no trailing slash wanted. */
                r = snprintf(buf, size, "%s", strcmp(text + 3, "/") == 0 ? "" : text + 3) < (int)size ? 0
                                                                                                   : -ENAMETOOLONG;
                break;
        }
        fclose(f);
        return r;
}

static int base_dir(char *buf, size_t size)
{
        const char *mnt = cgroup2_mount();
        char own[PATH_MAX];
        int r;

        if (!mnt)
                return -EOPNOTSUPP;
        r = own_cgroup(own, sizeof(own));
        if (r < 0)
                return r == -ENOENT ? -EOPNOTSUPP : r;
        if (strstr(own, "/..") || strstr(own, SESSION_CGROUP_DIR))
                return -EOPNOTSUPP;
        return snprintf(buf, size, "%s%s/%s", mnt, own, SESSION_CGROUP_DIR) < (int)size ? 0 : -ENAMETOOLONG;
}

static int write_file(const char *dir, const char *name, const char *text)
{
        char path[PATH_MAX];
        size_t len = strlen(text);
        ssize_t n;
        int fd, r = 0;

        if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return -errno;
        n = write(fd, text, len);
        if (n < 0)
                r = -errno;
        else if ((size_t)n != len)
                r = -EIO;
        close(fd);
        return r;
}

int session_cgroup_check_path(const char *path)
{
        char base[PATH_MAX];
        size_t len;
        int r = base_dir(base, sizeof(base));

        if (r < 0)
                return r;
        len = strlen(base);
        if (!path || strncmp(path, base, len) != 0 || path[len] != '/' || strchr(path + len + 1, '/') ||
            !is_valid_token_name(path + len + 1, 64))
                return -EINVAL;
        return 0;
}

int session_cgroup_add(const char *path, pid_t pid)
{
        char pidtext[32];

        snprintf(pidtext, sizeof(pidtext), "%d", (int)pid);
        return write_file(path, "cgroup.procs", pidtext);
}

int session_cgroup_attach(const char *session_id, pid_t pid, char **path_out)
{
        char base[PATH_MAX], path[PATH_MAX], probe[PATH_MAX];
        int r;

        *path_out = NULL;
        r = base_dir(base, sizeof(base));
        if (r < 0)
                return r;
        if (mkdir(base, 0755) < 0 && errno != EEXIST)
                return errno == EROFS || errno == EACCES || errno == EPERM ? -EOPNOTSUPP : -errno;
        if (snprintf(path, sizeof(path), "%s/%s", base, session_id) >= (int)sizeof(path) ||
            snprintf(probe, sizeof(probe), "%s/cgroup.kill", base) >= (int)sizeof(probe))
                return -ENAMETOOLONG;
        if (access(probe, W_OK) < 0)
                return -EOPNOTSUPP;
        if (mkdir(path, 0755) < 0)
                return -errno;
        r = session_cgroup_add(path, pid);
        if (r < 0) {
                rmdir(path);
                return r;
        }
        *path_out = strdup(path);
        return *path_out ? 0 : -ENOMEM;
}

/* The file whole, NUL-terminated. */
static int read_procs(const char *file, char **text, size_t *len)
{
        int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), r;

        if (fd < 0)
                return -errno;
        *text = malloc(CGROUP_PROCS_MAX + 1);
        if (!*text) {
                close(fd);
                return -ENOMEM;
        }
        r = team_read_bounded(fd, *text, CGROUP_PROCS_MAX, len);
        close(fd);
        if (r < 0) {
                free(*text);
                *text = NULL;
                return r;
        }
        (*text)[*len] = '\0';
        return 0;
}

int session_cgroup_procs(const char *path, struct proc_ref **out, size_t *n)
{
        char file[PATH_MAX], *text = NULL, *p, *end;
        struct proc_ref *refs = NULL;
        size_t len = 0, k = 0, cap = 0;
        int r;

        *out = NULL;
        *n = 0;
        if (snprintf(file, sizeof(file), "%s/cgroup.procs", path) >= (int)sizeof(file))
                return -ENAMETOOLONG;
        r = read_procs(file, &text, &len);
        if (r < 0)
                return r;
        for (p = text; *p && k < PROC_TREE_MAX; p = end) {
                struct proc_stat st;
                uint64_t pid;
                end = p + strcspn(p, "\n");
                if (*end)
                        *end++ = '\0';
                if (parse_uint(p, 1, INT32_MAX, &pid) < 0 || proc_stat_read("/proc", (pid_t)pid, &st) < 0)
                        continue;
                if (k == cap) {
                        size_t ncap = cap ? cap * 2 : 16;
                        struct proc_ref *nv = reallocarray(refs, ncap, sizeof(*refs));
                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        refs = nv;
                        cap = ncap;
                }
                refs[k++] = (struct proc_ref){ .pid = (pid_t)pid, .start = st.start };
        }
        free(text);
        if (r < 0) {
                free(refs);
                return r;
        }
        *out = refs;
        *n = k;
        return 0;
}

int session_cgroup_kill(const char *path)
{
        return write_file(path, "cgroup.kill", "1");
}

int session_cgroup_remove(const char *path)
{
        return rmdir(path) < 0 ? -errno : 0;
}

void session_cgroup_sweep(void)
{
        char base[PATH_MAX], path[PATH_MAX];
        struct dirent *de;
        DIR *dir;

        if (base_dir(base, sizeof(base)) < 0 || !(dir = opendir(base)))
                return;
        while ((de = readdir(dir)))
                if (de->d_type == DT_DIR && is_valid_token_name(de->d_name, 64) && de->d_name[0] != '.' &&
                    snprintf(path, sizeof(path), "%s/%s", base, de->d_name) < (int)sizeof(path))
                        (void)rmdir(path); /* EBUSY while populated */
        closedir(dir);
}
