/* SPDX-License-Identifier: BSD-3-Clause */
/* Table-driven INI parsing on inih (see config_parser.h).
 *
 * inih (Debian 12, libinih 55) does not pass line numbers to the handler,
 * so we feed it through our own line reader (ini_parse_stream) and count
 * lines there: when the handler runs, the counter is the line it is
 * handling. The reader also refuses lines inih would silently split.
 *
 * The reader sees each section header too, whole (inih cuts section
 * names at 49 bytes), and tracks the current section itself: a [KIND NAME]
 * header has to be resolved (its object made) even when no key follows,
 * and inih calls the handler for keys only. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config_parser.h"
#include "parse.h"

#define SECTION_MAX (CONFIG_MAX_LINE + 2)

struct parse_state {
        const struct config_spec *spec;
        const char *filename;
        const char *text;       /* reader position */
        unsigned line;          /* line the reader handed out last */
        bool *seen;             /* per fixed key: already set in this file */
        bool after_key;         /* inih reads an indented line after a key as more of its value */
        char section[SECTION_MAX]; /* the current section as written between [ ] */
        char label[SECTION_MAX];   /* ... as messages name it: "KIND NAME" for a named one */
        struct config_section named; /* the current [KIND NAME] section; keys NULL in a fixed one */
        bool *named_seen;       /* per key of named: already set in this section */
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

static void track_section(struct parse_state *st, const char *line, size_t len);

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
        track_section(st, str, len);
        return st->error ? NULL : str;
}

void config_strv_free(char **list)
{
        char **p;

        for (p = list; p && *p; p++)
                free(*p);
        free(list);
}

/* Where key k of the current section goes. */
static void *key_ptr(const struct parse_state *st, const struct config_key *k)
{
        return (char *)(st->named.keys ? st->named.target : st->spec->target) + k->offset;
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
                return fail(st, -EINVAL, st->label, k->name, "value must be %llu to %llu bytes long (shorten it)",
                            (unsigned long long)min, (unsigned long long)max);
        if (type == CONFIG_NAME && !is_valid_token_name(v, (size_t)max))
                return fail(st, -EINVAL, st->label, k->name,
                            "\"%s\" is not a valid name (use letters, digits, '.', '_' and '-', not starting with '.')", v);
        if (type == CONFIG_PATH && v[0] != '/')
                return fail(st, -EINVAL, st->label, k->name, "\"%s\" is not an absolute path (write it starting with /)", v);
        if (type == CONFIG_URL) {
                size_t skip = strncmp(v, "https://", 8) == 0 ? 8 : strncmp(v, "http://", 7) == 0 ? 7 : 0;

                if (skip == 0 || v[skip] == '\0' || v[skip] == '/' || strpbrk(v, " \"<>\\^`{|}"))
                        return fail(st, -EINVAL, st->label, k->name,
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
                return fail(st, -ENOMEM, st->label, k->name, "out of memory");
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
                r = fail(st, -EINVAL, st->label, k->name, "%zu items; give %llu to %llu, separated by commas", n,
                         (unsigned long long)k->min, (unsigned long long)max_items);
                goto out;
        }
        list = calloc(n + 1, sizeof(*list));
        if (!list) {
                r = fail(st, -ENOMEM, st->label, k->name, "out of memory");
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
                        r = fail(st, -ENOMEM, st->label, k->name, "out of memory");
                        goto out;
                }
                if (end == p) {
                        r = fail(st, -EINVAL, st->label, k->name, "empty item in the list (separate items with single commas)");
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
                        return fail(st, -EINVAL, st->label, k->name, "%s is out of range (use %llu to %llu)", v, lo, hi);
                if (r < 0)
                        return fail(st, -EINVAL, st->label, k->name, "\"%s\" is not a number (use digits only, %llu to %llu)",
                                    v, lo, hi);
        } else {
                r = parse_duration(v, k->min, k->max, &n);
                if (r == -ERANGE)
                        return fail(st, -EINVAL, st->label, k->name, "%s is out of range (use %llu to %llu seconds)", v, lo, hi);
                if (r < 0)
                        return fail(st, -EINVAL, st->label, k->name,
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
                        return fail(st, -EINVAL, st->label, k->name, "\"%s\" is not a boolean (use yes or no)", v);
                return 0;
        case CONFIG_LIST:
        case CONFIG_NAME_LIST:
                return store_list(st, k, v);
        }
        return fail(st, -EINVAL, st->label, k->name, "internal error: unknown key type");
}

/* Appends ", " (but not first) and the formatted item to buf. */
__attribute__((format(printf, 4, 5)))
static void append_item(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (*used >= size)
                return;
        if (*used) {
                n = snprintf(buf + *used, size - *used, ", ");
                *used += n > 0 ? (size_t)n : 0;
                if (*used >= size)
                        return;
        }
        va_start(ap, fmt);
        n = vsnprintf(buf + *used, size - *used, fmt, ap);
        va_end(ap);
        *used += n > 0 ? (size_t)n : 0;
}

/* "[server], [audit], [webhook NAME]" into buf. */
static void list_sections(const struct parse_state *st, char *buf, size_t size)
{
        const struct config_spec *sp = st->spec;
        size_t i, j, used = 0;

        buf[0] = '\0';
        for (i = 0; i < sp->n_keys; i++) {
                bool dup = false;

                for (j = 0; j < i; j++)
                        dup = dup || strcmp(sp->keys[j].section, sp->keys[i].section) == 0;
                if (!dup)
                        append_item(buf, size, &used, "[%s]", sp->keys[i].section);
        }
        for (i = 0; i < sp->n_kinds; i++)
                append_item(buf, size, &used, "[%s NAME]", sp->kinds[i].kind);
}

/* The names of the keys in keys[] of section (NULL: all) into buf. */
static void list_keys(const struct config_key *keys, size_t n_keys, const char *section, char *buf, size_t size)
{
        size_t used = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < n_keys; i++)
                if (!section || strcmp(keys[i].section, section) == 0)
                        append_item(buf, size, &used, "%s", keys[i].name);
}

static bool has_control(const char *v)
{
        for (; *v; v++)
                if ((unsigned char)*v < 0x20 || *v == 0x7f)
                        return true;
        return false;
}

/* The key name of the current fixed section (*seen: its flag), or NULL
 * after a message. */
static const struct config_key *find_fixed_key(struct parse_state *st, const char *name, bool **seen)
{
        const struct config_spec *sp = st->spec;
        bool section_known = false;
        char known[512];

        for (size_t i = 0; i < sp->n_keys; i++) {
                if (strcmp(sp->keys[i].section, st->section) != 0)
                        continue;
                section_known = true;
                if (strcmp(sp->keys[i].name, name) == 0) {
                        *seen = &st->seen[i];
                        return &sp->keys[i];
                }
        }
        if (!section_known) {
                list_sections(st, known, sizeof(known));
                if (st->section[0] == '\0')
                        fail(st, -EINVAL, NULL, name, "key outside any section (put it under one of %s)", known);
                else
                        fail(st, -EINVAL, st->label, name, "unknown section [%s] (known sections: %s)", st->section,
                             known);
                return NULL;
        }
        list_keys(sp->keys, sp->n_keys, st->section, known, sizeof(known));
        fail(st, -EINVAL, st->label, name, "unknown key (known keys in [%s]: %s)", st->label, known);
        return NULL;
}

/* The key name of the current [KIND NAME] section, or NULL after a message. */
static const struct config_key *find_named_key(struct parse_state *st, const char *name, bool **seen)
{
        char known[512];

        for (size_t i = 0; i < st->named.n_keys; i++)
                if (strcmp(st->named.keys[i].name, name) == 0) {
                        *seen = &st->named_seen[i];
                        return &st->named.keys[i];
                }
        list_keys(st->named.keys, st->named.n_keys, NULL, known, sizeof(known));
        fail(st, -EINVAL, st->label, name, "unknown key (known keys in [%s]: %s)", st->label, known);
        return NULL;
}

static int set_key(struct parse_state *st, const struct config_key *k, bool *seen, const char *value)
{
        char why[256] = "";
        int r;

        if (*seen)
                return fail(st, -EINVAL, st->label, k->name,
                            "given twice (set each key once; continuation lines are not supported)");
        *seen = true;
        if (!value || value[0] == '\0')
                return fail(st, -EINVAL, st->label, k->name, "empty value (remove the line to use the default)");
        if (has_control(value))
                return fail(st, -EINVAL, st->label, k->name, "value contains a control character (remove it)");
        r = store_value(st, k, value);
        if (r < 0 || !st->named.keys || !st->named.check)
                return r;
        r = st->named.check(k, value, why, sizeof(why));
        if (r < 0)
                return fail(st, r, st->label, k->name, "%s", r == -ENOMEM ? "out of memory" : why);
        return 0;
}

static int handle(void *user, const char *section, const char *name, const char *value)
{
        struct parse_state *st = user;
        const struct config_key *k;
        bool *seen = NULL;

        if (st->error)
                return 0;
        /* inih's idea of the section (cut at 49 bytes) must agree with
         * the reader's: a disagreement would put keys in the wrong place. */
        if (strncmp(st->section, section, strlen(section)) != 0) {
                fail(st, -EINVAL, NULL, NULL, "syntax error (expected [section], key = value or a # comment)");
                return 0;
        }
        k = st->named.keys ? find_named_key(st, name, &seen) : find_fixed_key(st, name, &seen);
        return k && set_key(st, k, seen, value) == 0;
}

static void leave_named_section(struct parse_state *st)
{
        free(st->named_seen);
        st->named_seen = NULL;
        st->named = (struct config_section){ 0 };
}

/* The registered kind whose name is the first word of section, with the
 * rest (blanks stripped) in label after "KIND ". NULL: no such kind. */
static const struct config_kind *split_named(struct parse_state *st, const char **name)
{
        const char *p = st->section, *word_end, *rest;
        size_t kind_len, rest_len;

        while (*p == ' ' || *p == '\t')
                p++;
        word_end = p + strcspn(p, " \t");
        kind_len = (size_t)(word_end - p);
        rest = word_end + strspn(word_end, " \t");
        rest_len = strlen(rest);
        while (rest_len && (rest[rest_len - 1] == ' ' || rest[rest_len - 1] == '\t'))
                rest_len--;
        for (size_t i = 0; i < st->spec->n_kinds; i++) {
                const struct config_kind *kd = &st->spec->kinds[i];

                if (strlen(kd->kind) != kind_len || memcmp(kd->kind, p, kind_len) != 0)
                        continue;
                snprintf(st->label, sizeof(st->label), "%s%s%.*s", kd->kind, rest_len ? " " : "", (int)rest_len, rest);
                *name = st->label + kind_len + (rest_len ? 1 : 0);
                return kd;
        }
        return NULL;
}

#define NAME_RULE "NAME of letters, digits, '.', '_' and '-', not starting with '.'"

/* A [KIND NAME] header: the owner makes the section's object. */
static int open_named_section(struct parse_state *st, const struct config_kind *kd, const char *name)
{
        char why[256] = "";
        int r;

        if (name[0] == '\0')
                return fail(st, -EINVAL, NULL, NULL, "unknown section [%s] (write [%s NAME], " NAME_RULE ")", st->label,
                            kd->kind);
        if (!is_valid_token_name(name, kd->name_max))
                return fail(st, -EINVAL, NULL, NULL,
                            "unknown section [%s]: not a valid name (write [%s NAME], " NAME_RULE ", at most %zu bytes)",
                            st->label, kd->kind, kd->name_max);
        r = kd->open(kd->userdata, name, st->line, &st->named, why, sizeof(why));
        if (r == 0 && !st->named.keys)
                r = -EINVAL;
        if (r == 0)
                st->named_seen = calloc(st->named.n_keys ? st->named.n_keys : 1, sizeof(*st->named_seen));
        if (r == 0 && !st->named_seen)
                r = -ENOMEM;
        if (r < 0) {
                st->named = (struct config_section){ 0 };
                return fail(st, r, NULL, NULL, "%s", r == -ENOMEM ? "out of memory" : why[0] ? why : "refused");
        }
        return 0;
}

/* A header [raw]: a fixed section, or a named one of a registered kind,
 * or (when kinds are registered) an error here. */
static void enter_section(struct parse_state *st, const char *raw, size_t len)
{
        const struct config_kind *kd;
        const char *name = NULL;
        char known[512];

        leave_named_section(st);
        snprintf(st->section, sizeof(st->section), "%.*s", (int)len, raw);
        snprintf(st->label, sizeof(st->label), "%s", st->section);
        for (size_t i = 0; i < st->spec->n_keys; i++)
                if (strcmp(st->spec->keys[i].section, st->section) == 0)
                        return;
        kd = split_named(st, &name);
        if (kd) {
                open_named_section(st, kd, name);
                return;
        }
        if (st->spec->n_kinds == 0)
                return; /* refused at its first key, if any */
        list_sections(st, known, sizeof(known));
        fail(st, -EINVAL, NULL, NULL, "unknown section [%s] (known sections: %s)", st->section, known);
}

/* The start of inih's inline comment (";" after a blank) in s, or its end. */
static const char *comment_or_end(const char *s, const char *end)
{
        bool was_space = false;

        for (; s < end && !(was_space && *s == ';'); s++)
                was_space = isspace((unsigned char)*s);
        return s;
}

/* Reads a line as inih will (ini.c: BOM, blanks, comments, continuation
 * lines, "[" up to "]" or an inline comment) and enters a section at a
 * header. Other lines are inih's. */
static void track_section(struct parse_state *st, const char *line, size_t len)
{
        const char *p = line, *end = line + len, *close;

        if (st->line == 1 && len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
                p += 3;
        while (end > p && isspace((unsigned char)end[-1]))
                end--;
        while (p < end && isspace((unsigned char)*p))
                p++;
        if (p == end || *p == ';' || *p == '#')
                return;
        if (st->after_key && p > line)
                return;
        if (*p != '[') {
                st->after_key = true;
                return;
        }
        end = comment_or_end(p + 1, end);
        close = memchr(p + 1, ']', (size_t)(end - p - 1));
        if (!close)
                return; /* inih's syntax error */
        st->after_key = false;
        enter_section(st, p + 1, (size_t)(close - p - 1));
}

int config_parse(const struct config_spec *spec, const char *text, const char *filename, char *err, size_t errlen)
{
        struct parse_state st = {
                .spec = spec, .text = text, .filename = filename ? filename : "(string)", .err = err, .errlen = errlen,
        };
        int r;

        if (err && errlen)
                err[0] = '\0';
        if (!spec || !text || (spec->n_keys && (!spec->keys || !spec->target)) || (spec->n_kinds && !spec->kinds))
                return -EINVAL;
        st.seen = calloc(spec->n_keys ? spec->n_keys : 1, sizeof(*st.seen));
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
        leave_named_section(&st);
        free(st.seen);
        return r;
}

int config_parse_string(const struct config_key *keys, size_t n_keys, void *target,
                        const char *text, const char *filename, char *err, size_t errlen)
{
        const struct config_spec spec = { .keys = keys, .n_keys = n_keys, .target = target };

        if (err && errlen)
                err[0] = '\0';
        if (!keys || !target)
                return -EINVAL;
        return config_parse(&spec, text, filename, err, errlen);
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
