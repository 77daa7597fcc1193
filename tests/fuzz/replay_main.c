/* SPDX-License-Identifier: BSD-3-Clause */
/* Replays fuzz inputs through a libFuzzer target without libFuzzer, so
 * `make check` runs every seed of every target (under ASan+UBSan in the
 * sanitizer build).
 *
 *   fuzz_NAME                 replays every file in $top_srcdir/tests/fuzz/corpus/NAME/
 *   fuzz_NAME FILE|DIR ...    replays those (a crash reproducer, say)
 *
 * Each input is handed over in a buffer of exactly its size, so reads past
 * the end are caught by ASan. Exit 0 when every input ran, 1 when none
 * could be read (a missing corpus is a failure, not a pass). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REPLAY_MAX_INPUT (1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Reads path whole into an exact-size buffer; -errno on failure. */
static int read_input(const char *path, uint8_t **out, size_t *len)
{
        struct stat sb;
        uint8_t *buf = NULL;
        size_t have = 0;
        int fd, r = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > REPLAY_MAX_INPUT) {
                r = -EINVAL;
                goto out;
        }
        /* at least one byte, so that even an empty input is a valid pointer */
        buf = malloc(sb.st_size > 0 ? (size_t)sb.st_size : 1);
        if (!buf) {
                r = -ENOMEM;
                goto out;
        }
        while (have < (size_t)sb.st_size) {
                ssize_t n = read(fd, buf + have, (size_t)sb.st_size - have);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? -errno : -EIO;
                        goto out;
                }
                have += (size_t)n;
        }
        *out = buf;
        *len = have;
        buf = NULL;
out:
        free(buf);
        close(fd);
        return r;
}

static int replay_file(const char *path)
{
        uint8_t *data = NULL;
        size_t len = 0;
        int r = read_input(path, &data, &len);

        if (r < 0) {
                fprintf(stderr, "%s: cannot read: %s\n", path, strerror(-r));
                return r;
        }
        LLVMFuzzerTestOneInput(data, len);
        free(data);
        return 0;
}

static int skip_dot(const struct dirent *d)
{
        return d->d_name[0] != '.';
}

/* Returns the number of inputs replayed, or -errno. */
static int replay_path(const char *path)
{
        struct dirent **list = NULL;
        struct stat sb;
        int i, n, done = 0, r = 0;

        if (stat(path, &sb) < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        if (!S_ISDIR(sb.st_mode))
                return replay_file(path) < 0 ? -EIO : 1;
        n = scandir(path, &list, skip_dot, alphasort);
        if (n < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        for (i = 0; i < n; i++) {
                char file[PATH_MAX];

                if (r == 0 && snprintf(file, sizeof(file), "%s/%s", path, list[i]->d_name) < (int)sizeof(file)) {
                        if (replay_file(file) < 0)
                                r = -EIO;
                        else
                                done++;
                }
                free(list[i]);
        }
        free(list);
        return r < 0 ? r : done;
}

/* fuzz_NAME (or lt-fuzz_NAME, libtool's) -> $top_srcdir/tests/fuzz/corpus/NAME */
static int default_corpus(const char *argv0, char *dir, size_t size)
{
        const char *base = strrchr(argv0, '/');
        const char *top = getenv("top_srcdir");

        base = base ? base + 1 : argv0;
        if (strncmp(base, "lt-", 3) == 0)
                base += 3;
        if (strncmp(base, "fuzz_", 5) != 0 || base[5] == '\0') {
                fprintf(stderr, "%s: cannot tell the target's name; give a corpus directory\n", argv0);
                return -EINVAL;
        }
        if (!top || !top[0])
                top = FUZZ_TOP_SRCDIR;
        if (snprintf(dir, size, "%s/tests/fuzz/corpus/%s", top, base + 5) >= (int)size)
                return -ENAMETOOLONG;
        return 0;
}

int main(int argc, char **argv)
{
        char dir[PATH_MAX];
        int i, n, total = 0;

        if (LLVMFuzzerInitialize)
                LLVMFuzzerInitialize(&argc, &argv);
        if (argc < 2) {
                if (default_corpus(argv[0], dir, sizeof(dir)) < 0)
                        return 1;
                n = replay_path(dir);
                if (n <= 0) {
                        fprintf(stderr, "%s: no inputs replayed from %s\n", argv[0], dir);
                        return 1;
                }
                printf("%s: replayed %d inputs from %s\n", argv[0], n, dir);
                return 0;
        }
        for (i = 1; i < argc; i++) {
                if (argv[i][0] == '-')
                        continue; /* libFuzzer flags: ignored here */
                n = replay_path(argv[i]);
                if (n < 0)
                        return 1;
                total += n;
        }
        printf("%s: replayed %d inputs\n", argv[0], total);
        return total > 0 ? 0 : 1;
}
