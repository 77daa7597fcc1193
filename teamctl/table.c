/* SPDX-License-Identifier: BSD-3-Clause */
/* See table.h. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "text.h"

int table_init(struct table *t, const char *const *headers)
{
        memset(t, 0, sizeof(*t));
        while (headers[t->ncols]) {
                if (t->ncols == TABLE_MAX_COLS)
                        return -EINVAL;
                t->headers[t->ncols] = headers[t->ncols];
                t->ncols++;
        }
        return t->ncols ? 0 : -EINVAL;
}

int table_add_row(struct table *t, const char *const *cells)
{
        size_t i;

        if (t->nrows == t->cap) {
                size_t ncap = t->cap ? t->cap * 2 : 16;
                char **n = reallocarray(t->cells, ncap * t->ncols, sizeof(char *));
                if (!n)
                        return -ENOMEM;
                t->cells = n;
                t->cap = ncap;
        }
        for (i = 0; i < t->ncols; i++) {
                size_t max = (i + 1 == t->ncols ? 4 * TABLE_CELL_MAX : TABLE_CELL_MAX) * 4 + 1;
                char *c = malloc(max);
                if (!c) {
                        while (i-- > 0)
                                free(t->cells[t->nrows * t->ncols + i]);
                        return -ENOMEM;
                }
                text_sanitize(cells[i] ? cells[i] : "", c, max);
                t->cells[t->nrows * t->ncols + i] = c;
        }
        t->nrows++;
        return 0;
}

static void put_cell(FILE *f, const char *s, size_t width, size_t cap, bool last)
{
        size_t w = 0;

        /* at most cap characters, whole code points */
        for (const char *p = s; *p; p++) {
                if (((unsigned char)*p & 0xc0) != 0x80) {
                        if (w == cap)
                                break;
                        w++;
                }
                fputc(*p, f);
        }
        if (!last)
                for (; w < width + 2; w++)
                        fputc(' ', f);
}

void table_print(const struct table *t, FILE *f)
{
        size_t width[TABLE_MAX_COLS], i, r;

        for (i = 0; i < t->ncols; i++) {
                size_t cap = i + 1 == t->ncols ? 4 * TABLE_CELL_MAX : TABLE_CELL_MAX;
                width[i] = text_width(t->headers[i]);
                for (r = 0; r < t->nrows; r++) {
                        size_t w = text_width(t->cells[r * t->ncols + i]);
                        if (w > width[i])
                                width[i] = w > cap ? cap : w;
                }
        }
        for (i = 0; i < t->ncols; i++)
                put_cell(f, t->headers[i], width[i], width[i], i + 1 == t->ncols);
        fputc('\n', f);
        for (r = 0; r < t->nrows; r++) {
                for (i = 0; i < t->ncols; i++)
                        put_cell(f, t->cells[r * t->ncols + i], width[i],
                                 i + 1 == t->ncols ? 4 * TABLE_CELL_MAX : TABLE_CELL_MAX, i + 1 == t->ncols);
                fputc('\n', f);
        }
}

void table_free(struct table *t)
{
        for (size_t i = 0; i < t->nrows * t->ncols; i++)
                free(t->cells[i]);
        free(t->cells);
        memset(t, 0, sizeof(*t));
}
