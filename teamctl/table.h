/* SPDX-License-Identifier: BSD-3-Clause */
/* A small table printer for teamctl's listings: a header row, columns
 * padded to their widest cell, cells sanitized (text.h) and capped. */
#pragma once

#include <stdio.h>

#define TABLE_MAX_COLS 12
#define TABLE_CELL_MAX 64   /* display characters per cell; the last column gets 4x */

struct table {
        size_t ncols;
        const char *headers[TABLE_MAX_COLS];
        char **cells;        /* nrows * ncols, row major */
        size_t nrows, cap;
};

/* headers: ncols names, NULL-terminated. Returns 0 or -ENOMEM / -EINVAL. */
int table_init(struct table *t, const char *const *headers);
/* ncols cells (NULL = empty). Copies and sanitizes them. */
int table_add_row(struct table *t, const char *const *cells);
void table_print(const struct table *t, FILE *f);
void table_free(struct table *t);
