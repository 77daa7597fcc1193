/* SPDX-License-Identifier: BSD-3-Clause */
/* A table-driven INI parser on inih, shared by teamd.conf and (later)
 * team-server.conf. A program describes its keys once:
 *
 *   static const struct config_key keys[] = {
 *           { "teamd", "socket", CONFIG_PATH, offsetof(struct teamd_config, socket), 1, 107 },
 *           { "teamd", "clock_skew", CONFIG_DURATION, offsetof(struct teamd_config, clock_skew), 0, 3600 },
 *   };
 *
 * and the parser stores each value, typed and range-checked, at that offset
 * of the caller's struct. An unknown section or key, a key given twice, a
 * bad value or a syntax error stops the load with one message
 * "FILE:LINE: [section] key: why (what to do)" in the caller's buffer.
 *
 * Field types in the target struct:
 *   CONFIG_STRING, CONFIG_NAME, CONFIG_PATH,
 *   CONFIG_URL                              char *     (malloc'd; a default
 *                                           already there is freed first)
 *   CONFIG_UINT, CONFIG_DURATION            uint64_t   (seconds)
 *   CONFIG_BOOL                             bool
 *   CONFIG_LIST, CONFIG_NAME_LIST           char **    (NULL-terminated)
 *
 * min/max: UINT and DURATION: the value range. STRING, NAME, PATH, URL: the
 * length range in bytes (max 0 = CONFIG_MAX_VALUE). LIST, NAME_LIST: the
 * number of items (max 0 = CONFIG_MAX_LIST_ITEMS); each item is a STRING
 * (LIST) or a NAME (NAME_LIST). A NAME is [A-Za-z0-9._-], not starting
 * with '.' (is_valid_token_name()): ids, roles, host names and groups.
 * Values: surrounding blanks are stripped (inih), empty values and control
 * characters are refused, PATH must be absolute, URL must start with
 * https:// or http:// and have a host (trailing '/' are removed), LIST is
 * comma separated with blanks around items stripped and no empty items.
 * Lines are at most CONFIG_MAX_LINE bytes; files at most CONFIG_MAX_FILE. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_FILE (1024 * 1024)
#define CONFIG_MAX_LINE 198          /* inih (Debian 12) reads 200-byte lines */
#define CONFIG_MAX_VALUE 4095
#define CONFIG_MAX_LIST_ITEMS 256

enum config_type {
        CONFIG_STRING = 0,
        CONFIG_PATH,
        CONFIG_URL,
        CONFIG_UINT,
        CONFIG_DURATION,
        CONFIG_BOOL,
        CONFIG_LIST,
        CONFIG_NAME,
        CONFIG_NAME_LIST,
};

struct config_key {
        const char *section;
        const char *name;
        enum config_type type;
        size_t offset;          /* offsetof(struct ..., field) */
        uint64_t min;
        uint64_t max;
};

/* Parses text (NUL-terminated) into target. filename names the source in
 * messages. Returns 0, -EINVAL (a config error, err says where and why) or
 * -ENOMEM. On error, values parsed so far stay in target: the caller frees
 * target with config_free() either way. */
int config_parse_string(const struct config_key *keys, size_t n_keys, void *target,
                        const char *text, const char *filename, char *err, size_t errlen);

/* Reads path (O_NOFOLLOW: a symlink is refused; a regular file, at most
 * CONFIG_MAX_FILE bytes, owned by root or the caller, not writable by
 * others) and parses it. A missing file: returns 0 leaving target as it is
 * when allow_missing, else -ENOENT with a message. Other failures: -errno
 * with a message. */
int config_parse_file(const struct config_key *keys, size_t n_keys, void *target,
                      const char *path, bool allow_missing, char *err, size_t errlen);

/* Reads path whole into a malloc'd NUL-terminated *text, with the checks
 * config_parse_file() makes (no symlink, a regular file of at most
 * CONFIG_MAX_FILE bytes owned by root or the caller, not writable by
 * others, no NUL byte), for files another parser reads. Returns 0, or
 * -errno (-ENOENT for a missing file) with a message in err. */
int config_read_file(const char *path, char **text, char *err, size_t errlen);

/* Frees the string and list fields the table names and NULLs them. */
void config_free(const struct config_key *keys, size_t n_keys, void *target);

/* Frees a NULL-terminated list (NULL-safe). */
void config_strv_free(char **list);
