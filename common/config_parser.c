/* SPDX-License-Identifier: BSD-3-Clause */
/* Table-driven INI parsing on inih (see config_parser.h).
 *
 * inih (Debian 12, libinih 55) does not pass line numbers to the handler,
 * so we feed it through our own line reader (ini_parse_stream) and count
 * lines there: when the handler runs, the counter is the line it is
 * handling. The reader also refuses lines inih would silently split. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "config_parser.h"
#include "parse.h"
#include "read_bounded.h"

struct parse_state {
        const struct config_key *keys;
        size_t n_keys;
        void *target;
        const char *filename;
        const char *text;       /* reader position */
        unsigned line;          /* line the reader handed out last */
        bool *seen;             /* per key: already set in this file */
        int error;              /* first error, -errno; 0 = none */
        unsigned error_line;
        char *err;
        size_t errlen;
};

/* Writes "FILE:LINE: [section] key: " + the formatted text into err.
 * Keeps the first error only. Returns -EINVAL (or -ENOMEM for r). */
__attribute__((format(printf, 5, 6)))
static int fail(struct parse_state *st, int r, const char *section, const char *name, const char *fmt, ...)
{
        va_list ap;
        int n = 0;

        if (st->error)
                return st->error;
        st->error = r;
        st->error_line = st->line;
        if (!st->err || st->errlen == 0)
                return r;
        if (section && section[0] && name)
                n = snprintf(st->err, st->errlen, "%s:%u: [%s] %s: ", st->filename, st->line, section, name);
        else if (name)
                n = snprintf(st->err, st->errlen, "%s:%u: %s: ", st->filename, st->line, name);
        else
                n = snprintf(st->err, st->errlen, "%s:%u: ", st->filename, st->line);
        if (n < 0 || (size_t)n >= st->errlen)
                return r;
        va_start(ap, fmt);
        vsnprintf(st->err + n, st->errlen - (size_t)n, fmt, ap);
        va_end(ap);
        return r;
}

/* fgets() for a string: one line per call, counted; too long = error. */
static char *read_line(char *str, int num, void *stream)
{
        struct parse_state *st = stream;
        const char *eol;
        size_t len;

        if (st->error || *st->text == '\0' || num < 3)
                return NULL;
        eol = strchr(st->text, '\n');
        len = eol ? (size_t)(eol - st->text) + 1 : strlen(st->text);
        st->line++;
        if (len + 1 > (size_t)num) {
                fail(st, -EINVAL, NULL, NULL, "line too long (at most %d bytes; shorten the value)", num - 2);
                return NULL;
        }
        memcpy(str, st->text, len);
        str[len] = '\0';
        st->text += len;
        return str;
}

void config_strv_free(char **list)
{
        char **p;

        for (p = list; p && *p; p++)
                free(*p);
        free(list);
}

static void *key_ptr(const struct parse_state *st, const struct config_key *k)
{
        return (char *)st->target + k->offset;
}

static uint64_t max_or(uint64_t max, uint64_t dflt)
{
        return max ? max : dflt;
}

/* Checks a single string value (or list item) of length len. */
static int check_text(struct parse_state *st, const struct config_key *k, enum config_type type,
                      const char *v, size_t len, uint64_t min, uint64_t max)
{
        if (len < min || len > max)
                return fail(st, -EINVAL, k->section, k->name, "value must be %llu to %llu bytes long (shorten it)",
                            (unsigned long long)min, (unsigned long long)max);
        if (type == CONFIG_NAME && !is_valid_token_name(v, (size_t)max))
                return fail(st, -EINVAL, k->section, k->name,
                            "\"%s\" is not a valid name (use letters, digits, '.', '_' and '-', not starting with '.')", v);
        if (type == CONFIG_PATH && v[0] != '/')
                return fail(st, -EINVAL, k->section, k->name, "\"%s\" is not an absolute path (write it starting with /)", v);
        if (type == CONFIG_URL) {
                size_t skip = strncmp(v, "https://", 8) == 0 ? 8 : strncmp(v, "http://", 7) == 0 ? 7 : 0;

                if (skip == 0 || v[skip] == '\0' || v[skip] == '/' || strpbrk(v, " \"<>\\^`{|}"))
                        return fail(st, -EINVAL, k->section, k->name,
                                    "\"%s\" is not an http(s) URL (write it like https://team.example.com)", v);
        }
        return 0;
}

static int store_string(struct parse_state *st, const struct config_key *k, const char *v)
{
        char **slot = key_ptr(st, k);
        size_t len = strlen(v);
        char *copy;
        int r;

        r = check_text(st, k, k->type, v, len, k->min, max_or(k->max, CONFIG_MAX_VALUE));
        if (r < 0)
                return r;
        if (k->type == CONFIG_URL)
                while (len > 0 && v[len - 1] == '/')
                        len--;
        copy = strndup(v, len);
        if (!copy)
                return fail(st, -ENOMEM, k->section, k->name, "out of memory");
        free(*slot);
        *slot = copy;
        return 0;
}

/* "a, b,c" -> {"a", "b", "c", NULL}. */
static int store_list(struct parse_state *st, const struct config_key *k, const char *v)
{
        enum config_type item_type = k->type == CONFIG_NAME_LIST ? CONFIG_NAME : CONFIG_STRING;
        uint64_t max_items = max_or(k->max, CONFIG_MAX_LIST_ITEMS);
        char ***slot = key_ptr(st, k);
        char **list = NULL;
        size_t n = 1, i = 0;
        const char *p;
        int r = 0;

        for (p = v; *p; p++)
                n += *p == ',';
        if (n < k->min || n > max_items) {
                r = fail(st, -EINVAL, k->section, k->name, "%zu items; give %llu to %llu, separated by commas", n,
                         (unsigned long long)k->min, (unsigned long long)max_items);
                goto out;
        }
        list = calloc(n + 1, sizeof(*list));
        if (!list) {
                r = fail(st, -ENOMEM, k->section, k->name, "out of memory");
                goto out;
        }
        for (p = v; i < n; i++) {
                const char *end = strchrnul(p, ',');
                const char *next = *end ? end + 1 : end;

                while (p < end && (*p == ' ' || *p == '\t'))
                        p++;
                while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
                        end--;
                list[i] = strndup(p, (size_t)(end - p));
                if (!list[i]) {
                        r = fail(st, -ENOMEM, k->section, k->name, "out of memory");
                        goto out;
                }
                if (end == p) {
                        r = fail(st, -EINVAL, k->section, k->name, "empty item in the list (separate items with single commas)");
                        goto out;
                }
                r = check_text(st, k, item_type, list[i], (size_t)(end - p), 1, CONFIG_MAX_VALUE);
                if (r < 0)
                        goto out;
                p = next;
        }
        config_strv_free(*slot);
        *slot = list;
        list = NULL;
out:
        config_strv_free(list);
        return r;
}

static int store_number(struct parse_state *st, const struct config_key *k, const char *v)
{
        uint64_t *slot = key_ptr(st, k);
        unsigned long long lo = k->min, hi = k->max;
        uint64_t n;
        int r;

        if (k->type == CONFIG_UINT) {
                r = parse_uint(v, k->min, k->max, &n);
                if (r == -ERANGE)
                        return fail(st, -EINVAL, k->section, k->name, "%s is out of range (use %llu to %llu)", v, lo, hi);
                if (r < 0)
                        return fail(st, -EINVAL, k->section, k->name, "\"%s\" is not a number (use digits only, %llu to %llu)",
                                    v, lo, hi);
        } else {
                r = parse_duration(v, k->min, k->max, &n);
                if (r == -ERANGE)
                        return fail(st, -EINVAL, k->section, k->name, "%s is out of range (use %llu to %llu seconds)", v, lo, hi);
                if (r < 0)
                        return fail(st, -EINVAL, k->section, k->name,
                                    "\"%s\" is not a duration (use seconds or a number with s, m, h or d, like 90, 15m, 2h)", v);
        }
        *slot = n;
        return 0;
}

static int store_value(struct parse_state *st, const struct config_key *k, const char *v)
{
        switch (k->type) {
        case CONFIG_STRING:
        case CONFIG_NAME:
        case CONFIG_PATH:
        case CONFIG_URL:
                return store_string(st, k, v);
        case CONFIG_UINT:
        case CONFIG_DURATION:
                return store_number(st, k, v);
        case CONFIG_BOOL:
                if (parse_bool(v, key_ptr(st, k)) < 0)
                        return fail(st, -EINVAL, k->section, k->name, "\"%s\" is not a boolean (use yes or no)", v);
                return 0;
        case CONFIG_LIST:
        case CONFIG_NAME_LIST:
                return store_list(st, k, v);
        }
        return fail(st, -EINVAL, k->section, k->name, "internal error: unknown key type");
}

/* Appends the known sections (or the keys of one section) to buf. */
static void list_known(const struct parse_state *st, const char *section, char *buf, size_t size)
{
        size_t i, j, used = 0;

        buf[0] = '\0';
        for (i = 0; i < st->n_keys && used < size; i++) {
                const char *item = section ? st->keys[i].name : st->keys[i].section;
                bool dup = false;
                int n;

                if (section && strcmp(st->keys[i].section, section) != 0)
                        continue;
                for (j = 0; !section && j < i; j++)
                        dup = dup || strcmp(st->keys[j].section, item) == 0;
                if (dup)
                        continue;
                n = snprintf(buf + used, size - used, section ? "%s%s" : "%s[%s]", used ? ", " : "", item);
                if (n < 0)
                        break;
                used += (size_t)n;
        }
}

static bool has_control(const char *v)
{
        for (; *v; v++)
                if ((unsigned char)*v < 0x20 || *v == 0x7f)
                        return true;
        return false;
}

static int handle(void *user, const char *section, const char *name, const char *value)
{
        struct parse_state *st = user;
        const struct config_key *k = NULL;
        bool section_known = false;
        char known[512];
        size_t i;

        if (st->error)
                return 0;
        for (i = 0; i < st->n_keys; i++) {
                if (strcmp(st->keys[i].section, section) != 0)
                        continue;
                section_known = true;
                if (strcmp(st->keys[i].name, name) == 0) {
                        k = &st->keys[i];
                        break;
                }
        }
        if (!section_known) {
                list_known(st, NULL, known, sizeof(known));
                if (section[0] == '\0')
                        fail(st, -EINVAL, NULL, name, "key outside any section (put it under one of %s)", known);
                else
                        fail(st, -EINVAL, section, name, "unknown section [%s] (known sections: %s)", section, known);
                return 0;
        }
        if (!k) {
                list_known(st, section, known, sizeof(known));
                fail(st, -EINVAL, section, name, "unknown key (known keys in [%s]: %s)", section, known);
                return 0;
        }
        if (st->seen[i]) {
                fail(st, -EINVAL, section, name, "given twice (set each key once; continuation lines are not supported)");
                return 0;
        }
        st->seen[i] = true;
        if (!value || value[0] == '\0') {
                fail(st, -EINVAL, section, name, "empty value (remove the line to use the default)");
                return 0;
        }
        if (has_control(value)) {
                fail(st, -EINVAL, section, name, "value contains a control character (remove it)");
                return 0;
        }
        return store_value(st, k, value) == 0;
}

int config_parse_string(const struct config_key *keys, size_t n_keys, void *target,
                        const char *text, const char *filename, char *err, size_t errlen)
{
        struct parse_state st = {
                .keys = keys, .n_keys = n_keys, .target = target, .text = text,
                .filename = filename ? filename : "(string)", .err = err, .errlen = errlen,
        };
        int r;

        if (err && errlen)
                err[0] = '\0';
        if (!keys || !target || !text)
                return -EINVAL;
        st.seen = calloc(n_keys ? n_keys : 1, sizeof(*st.seen));
        if (!st.seen)
                return -ENOMEM;
        r = ini_parse_stream(read_line, &st, handle, &st);
        if (r > 0 && (!st.error || (unsigned)r < st.error_line)) {
                st.error = 0;
                st.line = (unsigned)r;
                r = fail(&st, -EINVAL, NULL, NULL, "syntax error (expected [section], key = value or a # comment)");
        } else if (st.error) {
                r = st.error;
        } else if (r < 0) {
                r = -ENOMEM;
        }
        free(st.seen);
        return r;
}

/* Opens path safely and reads it whole into a NUL-terminated buffer. */
static int read_config_file(const char *path, char **out, char *err, size_t errlen)
{
        struct stat sb;
        char *buf = NULL;
        size_t have = 0;
        int fd, r = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                r = -errno;
                snprintf(err, errlen, "%s: cannot open: %s%s", path, strerror(-r),
                         r == -ELOOP ? " (a symbolic link; give the real file)" : "");
                return r;
        }
        if (fstat(fd, &sb) < 0) {
                r = -errno;
                snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(-r));
                goto out;
        }
        if (!S_ISREG(sb.st_mode)) {
                r = -EINVAL;
                snprintf(err, errlen, "%s: not a regular file", path);
                goto out;
        }
        if (sb.st_uid != 0 && sb.st_uid != geteuid()) {
                r = -EPERM;
                snprintf(err, errlen, "%s: owned by uid %u (must be owned by root: chown root %s)", path,
                         (unsigned)sb.st_uid, path);
                goto out;
        }
        /* Whoever may write it decides who gets root: refused like a
         * token file would be. */
        if (sb.st_mode & (S_IWGRP | S_IWOTH)) {
                r = -EPERM;
                snprintf(err, errlen, "%s: writable by %s (chmod go-w %s)", path,
                         sb.st_mode & S_IWOTH ? "everyone" : "its group", path);
                goto out;
        }
        if (sb.st_size > CONFIG_MAX_FILE) {
                r = -EFBIG;
                snprintf(err, errlen, "%s: larger than %d bytes (is this the right file?)", path, CONFIG_MAX_FILE);
                goto out;
        }
        buf = malloc(CONFIG_MAX_FILE + 2);
        if (!buf) {
                r = -ENOMEM;
                goto out;
        }
        r = team_read_bounded(fd, buf, CONFIG_MAX_FILE, &have);
        if (r == -EFBIG) {
                snprintf(err, errlen, "%s: larger than %d bytes (is this the right file?)", path, CONFIG_MAX_FILE);
                goto out;
        }
        if (r < 0) {
                snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-r));
                goto out;
        }
        buf[have] = '\0';
        if (memchr(buf, '\0', have)) {
                r = -EINVAL;
                snprintf(err, errlen, "%s: contains a NUL byte (not a text file)", path);
                goto out;
        }
        *out = buf;
        buf = NULL;
out:
        free(buf);
        close(fd);
        return r;
}

int config_read_file(const char *path, char **text, char *err, size_t errlen)
{
        char dummy[1];

        if (!err || errlen == 0) {
                err = dummy;
                errlen = sizeof(dummy);
        }
        err[0] = '\0';
        if (!path || !text)
                return -EINVAL;
        *text = NULL;
        return read_config_file(path, text, err, errlen);
}

int config_parse_file(const struct config_key *keys, size_t n_keys, void *target,
                      const char *path, bool allow_missing, char *err, size_t errlen)
{
        char dummy[1];
        char *text = NULL;
        int r;

        if (!err || errlen == 0) {
                err = dummy;
                errlen = sizeof(dummy);
        }
        err[0] = '\0';
        if (!path)
                return -EINVAL;
        r = read_config_file(path, &text, err, errlen);
        if (r == -ENOENT && allow_missing) {
                err[0] = '\0';
                return 0;
        }
        if (r == -ENOENT)
                snprintf(err, errlen, "%s: no such file (create it, or give another with --config)", path);
        if (r < 0)
                return r;
        r = config_parse_string(keys, n_keys, target, text, path, err, errlen);
        free(text);
        return r;
}

void config_free(const struct config_key *keys, size_t n_keys, void *target)
{
        size_t i;

        if (!keys || !target)
                return;
        for (i = 0; i < n_keys; i++) {
                void *p = (char *)target + keys[i].offset;

                switch (keys[i].type) {
                case CONFIG_STRING:
                case CONFIG_NAME:
                case CONFIG_PATH:
                case CONFIG_URL:
                        free(*(char **)p);
                        *(char **)p = NULL;
                        break;
                case CONFIG_LIST:
                case CONFIG_NAME_LIST:
                        config_strv_free(*(char ***)p);
                        *(char ***)p = NULL;
                        break;
                default:
                        break;
                }
        }
}
