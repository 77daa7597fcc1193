/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the break-glass set file (common/breakglass_file.c), the
 * typed-code normaliser and the spool record (common/breakglass_spool.c).
 * An input starting with "{" is a spool record, one starting with "?" is
 * a typed code (the rest of the input), anything else a set file.
 * Properties: no crash or leak; an accepted set formats back to the very
 * same bytes and its numbers are within the documented bounds; an accepted
 * code is 16 symbols of the alphabet; an accepted record re-encodes and
 * parses again to the same id and type. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "breakglass_file.h"
#include "breakglass_spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_set(const char *buf, size_t len)
{
        struct team_bg_set *set = malloc(sizeof(*set));
        char *text = NULL;
        size_t tlen = 0;

        if (!set)
                return;
        if (team_bg_set_parse(buf, len, set) == 0) {
                if (set->n_slots < 1 || set->n_slots > TEAM_BG_MAX_CODES || set->failures > TEAM_BG_MAX_FAILURES ||
                    set->ttl_s < TEAM_BG_MIN_TTL_S || set->ttl_s > TEAM_BG_MAX_TTL_S ||
                    set->kdf.n < TEAM_BG_SCRYPT_N_MIN || set->kdf.n > TEAM_BG_SCRYPT_N_MAX)
                        abort();
                if (team_bg_set_format(set, &text, &tlen) != 0 || tlen != len || memcmp(text, buf, len) != 0)
                        abort();
                if (team_bg_set_unused(set) > set->n_slots)
                        abort();
                team_bg_set_count_failure(set, set->fail_since + 1);
                free(text);
        }
        free(set);
}

static void check_code(const char *buf, size_t len)
{
        char *typed = malloc(len + 1), sym[TEAM_BG_CODE_SYMBOLS + 1];

        if (!typed)
                return;
        memcpy(typed, buf, len);
        typed[len] = '\0';
        if (team_bg_code_normalize(typed, sym, sizeof(sym)) == 0 &&
            (strlen(sym) != TEAM_BG_CODE_SYMBOLS || strspn(sym, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") != TEAM_BG_CODE_SYMBOLS))
                abort();
        free(typed);
}

static void check_record(const char *buf, size_t len)
{
        struct team_bg_record rec, again;
        char *text = NULL;

        if (team_bg_record_from_json(buf, len, &rec) != 0)
                return;
        if (team_bg_record_to_json(&rec, &text) != 0 || team_bg_record_from_json(text, strlen(text), &again) != 0)
                abort();
        if (strcmp(rec.id, again.id) != 0 || rec.type != again.type || rec.slot != again.slot)
                abort();
        team_bg_record_clear(&again);
        team_bg_record_clear(&rec);
        free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *buf = (const char *)data;

        if (size > 0 && buf[0] == '{')
                check_record(buf, size);
        else if (size > 0 && buf[0] == '?')
                check_code(buf + 1, size - 1);
        else
                check_set(buf, size);
        return 0;
}
