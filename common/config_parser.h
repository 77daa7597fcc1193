/* SPDX-License-Identifier: BSD-3-Clause */
/* A table-driven INI parser on inih, shared by teamd.conf,
 * team-server.conf and the policy file. A program describes its keys once:
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

/* Named sections: "[KIND NAME]", any number of them, e.g. [role sudo] or
 * [webhook chat]. A program registers the KIND with a callback; when the
 * parser meets the header it checks NAME (a valid name, see above, of at
 * most name_max bytes) and calls open(), which makes the object for that
 * section (a new role, a new webhook entry) and says which keys it has and
 * where they go. The section's keys are then parsed like those of a fixed
 * section, into that object. KIND NAME is split at the first blanks;
 * blanks around both are ignored ("[ webhook  chat ]").
 *
 * When a program registers kinds, every section header is checked where
 * it stands: an unknown section is refused at its header even when it
 * holds no keys, and messages name the section as [KIND NAME]. (Without
 * kinds, an unknown section is refused at its first key, as teamd.conf
 * always was.) */
struct config_section {
        const struct config_key *keys;  /* their section fields read KIND */
        size_t n_keys;
        void *target;                   /* the keys' offsets point into it */
        /* Optional: a further check of a value just stored, for rules a
         * type and range cannot say (a pattern that must compile). 0, or
         * -EINVAL with why ("FILE:LINE: [KIND NAME] key: " goes in front). */
        int (*check)(const struct config_key *key, const char *value, char *why, size_t whylen);
};

struct config_kind {
        const char *kind;               /* "role": sections [role NAME] */
        size_t name_max;
        /* Fills *section for [KIND name] whose header is on line. Returns
         * 0, -ENOMEM, or -EINVAL with why (given twice, too many: "FILE:LINE: "
         * goes in front). Duplicate names are the callback's to refuse. */
        int (*open)(void *userdata, const char *name, unsigned line, struct config_section *section, char *why,
                    size_t whylen);
        void *userdata;
};

struct config_spec {
        const struct config_key *keys;  /* the fixed sections' keys (may be none) */
        size_t n_keys;
        void *target;
        const struct config_kind *kinds;
        size_t n_kinds;
};

/* Parses text (NUL-terminated) as spec says. filename names the source in
 * messages. Returns 0, -EINVAL (a config error, err says where and why) or
 * -ENOMEM. On error, what was parsed so far stays where it went: the
 * caller frees it either way. */
int config_parse(const struct config_spec *spec, const char *text, const char *filename, char *err,
                 size_t errlen);

/* config_parse() with fixed sections only. Parses text (NUL-terminated) into target. filename names the source in
 * messages. Returns 0, -EINVAL (a config error, err says where and why) or
 * -ENOMEM. On error, values parsed so far stay in target: the caller frees
 * target with config_free() either way. */
int config_parse_string(const struct config_key *keys, size_t n_keys, void *target,
                        const char *text, const char *filename, char *err, size_t errlen);

/* The file readers below live in config_file.c. */

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
