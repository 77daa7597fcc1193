/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: what teamctl does with team-server's answers
 * (teamctl/request_obj.c, text.c, table.c): the input is parsed as JSON the
 * way api_client.c does (strict, depth 32, one object, nothing after it),
 * then decoded as a request object, or as each element of its "requests"
 * array (teamctl list), summarized and put in a table; every input is also
 * run through the terminal sanitizer. Properties: no crash or leak; a
 * refusal says why; nothing that reaches the terminal holds a control
 * character or invalid UTF-8. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json.h>

#include "teamctl/request_obj.h"
#include "teamctl/table.h"
#include "teamctl/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Shown text: no C0/C1 control, no DEL, valid UTF-8 (as text_sanitize
 * promises). */
static void check_shown(const char *s)
{
        const unsigned char *p = (const unsigned char *)s;

        if (!s)
                return;
        while (*p) {
                size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
                if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f)))
                        abort();
                if (n == 2 && p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
                        abort();
                for (size_t i = 1; i < n; i++)
                        if ((p[i] & 0xc0) != 0x80)
                                abort();
                p += n;
        }
}

static void check_request(const struct api_request *r)
{
        check_shown(r->id);
        check_shown(r->status);
        check_shown(r->role);
        check_shown(r->host);
        check_shown(r->user);
        check_shown(r->reason);
        check_shown(r->ticket);
        check_shown(r->filed_by);
        check_shown(r->extends);
        check_shown(r->grant_id);
        for (size_t i = 0; i < r->n_decisions; i++) {
                check_shown(r->decisions[i].by);
                check_shown(r->decisions[i].decision);
                check_shown(r->decisions[i].comment);
        }
        for (size_t i = 0; i < r->n_approvers; i++)
                check_shown(r->approvers[i]);
        if (r->duration < 0 || r->created_at < 0 || (r->has_grant && (!r->grant_id || r->grant_exp < 0)))
                abort();
}

static void decode_one(struct json_object *o, struct table *t)
{
        struct api_request r;
        char err[256] = "", sum[512];
        const char *cells[3];

        if (api_request_decode(o, &r, err, sizeof(err)) < 0) {
                if (!err[0] || r.id)
                        abort();   /* a refusal says why and leaves nothing behind */
                return;
        }
        check_request(&r);
        api_request_summary(&r, sum, sizeof(sum));
        check_shown(sum);
        cells[0] = r.id;
        cells[1] = r.status;
        cells[2] = r.reason;
        if (table_add_row(t, cells) < 0)
                abort();
        api_request_clear(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const headers[] = { "ID", "STATUS", "REASON", NULL };
        struct json_tokener *tok;
        struct json_object *o, *arr = NULL;
        struct table t;
        char *text, shown[300];
        FILE *devnull;

        /* The sanitizer on raw bytes (up to the first NUL, as C strings go). */
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        text_sanitize(text, shown, sizeof(shown));
        check_shown(shown);
        if (strlen(shown) >= sizeof(shown))
                abort();
        free(text);

        if (size > INT32_MAX)
                return 0;
        tok = json_tokener_new_ex(32);
        if (!tok)
                return 0;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
        if (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != size ||
            !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                json_tokener_free(tok);
                return 0;
        }
        json_tokener_free(tok);
        if (table_init(&t, headers) < 0)
                abort();
        if (json_object_object_get_ex(o, "requests", &arr) && json_object_is_type(arr, json_type_array)) {
                for (size_t i = 0; i < json_object_array_length(arr) && i < 256; i++)
                        decode_one(json_object_array_get_idx(arr, i), &t);
        } else {
                decode_one(o, &t);
        }
        devnull = fopen("/dev/null", "we");
        if (devnull) {
                table_print(&t, devnull);
                fclose(devnull);
        }
        table_free(&t);
        json_object_put(o);
        return 0;
}
