/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: what teamd makes of a process's own text after an execve
 * (common/proc_exec.c). Every input goes to proc_text_escape as a cmdline
 * (NUL-separated words) and as one word (a path), and to proc_status_parse
 * as a /proc/PID/status text. Properties: no crash; the escaped line is
 * printable (team_text_is_printable), holds no newline, is at most
 * 7 * len + 3 bytes, and decodes back to the input's bytes and words; a
 * status text that does not parse leaves the outputs alone. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "printable.h"
#include "proc_exec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX (64 * 1024)

static int hex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* One word of the escaped line at *p, its bytes appended to w at *n; false
 * when the line breaks the escape rules. */
static bool unescape_word(const char **p, char *w, size_t *n)
{
        const char *s = *p;
        bool quoted = *s == '\'';

        if (quoted)
                s++;
        for (;;) {
                if (*s == '\0') {
                        if (quoted)
                                return false;
                        break;
                }
                if (quoted && *s == '\'') {
                        s++;
                        break;
                }
                if (!quoted && *s == ' ')
                        break;
                if (!quoted && (*s == '\'' || *s == '"'))
                        return false;
                if (*s != '\\') {
                        w[(*n)++] = *s++;
                } else if (s[1] == '\\' || s[1] == '\'') {
                        w[(*n)++] = s[1];
                        s += 2;
                } else if (s[1] == 'x' && hex_digit(s[2]) >= 0 && hex_digit(s[3]) >= 0) {
                        w[(*n)++] = (char)(hex_digit(s[2]) << 4 | hex_digit(s[3]));
                        s += 4;
                } else {
                        return false;
                }
        }
        *p = s;
        return true;
}

static void check_line(const char *out, size_t len)
{
        size_t n = strlen(out);

        if (n > 7 * len + 3 || !team_text_is_printable(out, n) || strchr(out, '\n'))
                abort();
}

/* A cmdline: the words, joined by NULs, are the input less one trailing
 * NUL; no input at all is no word at all. */
static void check_cmdline(const uint8_t *data, size_t size)
{
        char *out = NULL, *w;
        const char *p;
        size_t n = 0, words = 0, want = size;

        if (proc_text_escape((const char *)data, size, true, &out) != 0 || !out)
                abort();
        check_line(out, size);
        w = malloc(strlen(out) + 1);
        if (!w)
                abort();
        for (p = out; *p != '\0';) {
                if (words > 0)
                        w[n++] = '\0';
                if (!unescape_word(&p, w, &n))
                        abort();
                words++;
                if (*p == ' ' && p[1] != '\0')
                        p++;
                else if (*p != '\0')
                        abort();
        }
        if (want > 0 && data[want - 1] == '\0')
                want--;
        if ((words == 0) != (size == 0) || n != want || memcmp(w, data, n) != 0)
                abort();
        free(w);
        free(out);
}

/* A path: one word, exactly the input. */
static void check_word(const uint8_t *data, size_t size)
{
        char *out = NULL, *w;
        const char *p;
        size_t n = 0;

        if (proc_text_escape((const char *)data, size, false, &out) != 0 || !out)
                abort();
        check_line(out, size);
        w = malloc(strlen(out) + 1);
        if (!w)
                abort();
        p = out;
        if (!unescape_word(&p, w, &n) || *p != '\0' || n != size || memcmp(w, data, n) != 0)
                abort();
        free(w);
        free(out);
}

static void check_status(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1);
        pid_t ppid = -7;
        uid_t uid = 7, euid = 7;
        int r;

        if (!text)
                abort();
        memcpy(text, data, size);
        text[size] = '\0';
        r = proc_status_parse(text, &ppid, &uid, &euid);
        if (r == 0) {
                if (ppid < 0 || !strstr(text, "PPid:") || !strstr(text, "Uid:"))
                        abort();
        } else if (r != -EBADMSG || ppid != -7 || uid != 7 || euid != 7) {
                abort();
        }
        free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > INPUT_MAX)
                return 0;
        check_cmdline(data, size);
        check_word(data, size);
        check_status(data, size);
        return 0;
}
