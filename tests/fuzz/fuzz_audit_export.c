/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: `team-audit verify` on an export (common/audit_export.c,
 * common/audit_verify.c), driven as teamctl/team_audit.c drives them.
 *
 * The input is one export file: split into lines as team-audit splits them
 * (lines over TEAM_AUDIT_EXPORT_MAX_LINE unreadable, trailing CR and spaces
 * dropped, empty lines skipped), each line handed to the export parser in a
 * buffer of exactly its size, and every event it accepts fed to three
 * verifiers: team-audit's default (any key, order checked), --any-order, and
 * --any-order --key with the key of the seeds' checkpoints. Each writes its
 * report to a memory stream. Checked:
 *   - an accepted line's canonical form, read as a line itself, is accepted
 *     and gives the same canonical bytes and hash (the form is a fixpoint);
 *   - the event written out again by the writer (team_audit_event_to_json,
 *     which is in canonical form) is read back to exactly those bytes;
 *   - a checkpoint that verifies with the key verifies without one;
 *   - every unreadable line counts as a problem, --any-order reports no more
 *     problems than the default, --key no fewer than without it. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_event.h"
#include "audit_export.h"
#include "audit_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The raw Ed25519 public key the seeds' AuditCheckpoints carry
 * (host_key "ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ"). */
static const uint8_t seed_key[32] = {
        0x79, 0xb5, 0x56, 0x2e, 0x8f, 0xe6, 0x54, 0xf9, 0x40, 0x78, 0xb1, 0x12, 0xe8, 0xa9, 0x8b, 0xa7,
        0x90, 0x1f, 0x85, 0x3a, 0xe6, 0x95, 0xbe, 0xd7, 0xe0, 0xe3, 0x91, 0x0b, 0xad, 0x04, 0x96, 0x64,
};

enum { V_DEFAULT, V_ANY_ORDER, V_KEY_ANY_ORDER, V__MAX };

/* The parser's result for text, which must be accepted, must be e's. */
static void same_again(const char *text, size_t len, const struct team_audit_export_event *e)
{
        struct team_audit_export_event again;
        const char *why = NULL;
        int r = team_audit_export_parse(text, len, &again, &why);

        if (r == -ENOMEM)
                return;
        if (r < 0 || again.canonical_len != e->canonical_len ||
            memcmp(again.canonical, e->canonical, e->canonical_len) != 0 || strcmp(again.hash, e->hash) != 0)
                abort();
        team_audit_export_event_clear(&again);
}

static void check_event(const struct team_audit_export_event *e)
{
        struct team_audit_export_event back;
        const struct team_audit_event *ev = &e->parsed.ev;
        const char *why = NULL;
        char *json = NULL;
        size_t len = 0;
        int r;

        if (strlen(e->canonical) != e->canonical_len || strlen(e->hash) != TEAM_AUDIT_HASH_HEX)
                abort();
        same_again(e->canonical, e->canonical_len, e);

        r = team_audit_event_to_json(ev, &json, &len);
        if (r == -ERANGE || r == -ENOMEM)
                goto out;       /* a time past what gmtime can show */
        if (r < 0)
                abort();
        r = team_audit_export_parse(json, len, &back, &why);
        if (r == -ENOMEM || (r < 0 && len > TEAM_AUDIT_MAX_JSON))
                goto out;       /* the writer's derived fields made it too large */
        if (r < 0 || back.canonical_len != len || memcmp(back.canonical, json, len) != 0)
                abort();
        team_audit_export_event_clear(&back);

        if (ev->type == TEAM_EVENT_AUDIT_CHECKPOINT && team_audit_checkpoint_verify(ev, seed_key) == 0 &&
            team_audit_checkpoint_verify(ev, NULL) != 0)
                abort();
out:
        free(json);
}

/* One line (trailing CR and spaces already dropped), as team-audit's
 * verify_file() handles it; < 0 when team-audit would stop. */
static int one_line(struct team_audit_verifier *v[V__MAX], const uint8_t *line, size_t len, size_t lineno,
                    size_t *unreadable, FILE *out)
{
        struct team_audit_export_event e;
        const char *why = NULL;
        char *buf = malloc(len ? len : 1);      /* exactly the line: ASan sees reads past it */
        int r = 0;

        if (!buf)
                return -ENOMEM;
        if (len)
                memcpy(buf, line, len);
        if (team_audit_export_parse(buf, len, &e, &why) < 0) {
                if (!why)
                        abort();
                for (size_t i = 0; i < V__MAX; i++)
                        team_audit_verifier_unreadable(v[i], lineno, why, out);
                ++*unreadable;
                goto out;
        }
        check_event(&e);
        for (size_t i = 0; i < V__MAX && r == 0; i++)
                r = team_audit_verifier_add(v[i], &e.parsed.ev, e.hash, lineno);
        team_audit_export_event_clear(&e);
out:
        free(buf);
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const struct team_audit_verify_options opts[V__MAX] = {
                [V_DEFAULT] = { 0 },
                [V_ANY_ORDER] = { .any_order = true },
                [V_KEY_ANY_ORDER] = { .host_key = seed_key, .any_order = true },
        };
        struct team_audit_verifier *v[V__MAX] = { NULL };
        size_t problems[V__MAX], lineno = 0, unreadable = 0, pos = 0;
        char *text = NULL;
        size_t text_len = 0;
        FILE *out = open_memstream(&text, &text_len);
        int r = 0;

        if (!out)
                return 0;
        for (size_t i = 0; i < V__MAX; i++)
                if (team_audit_verifier_new(&opts[i], &v[i]) < 0)
                        goto out;

        /* team-audit's read_line(): a last line without '\n' is a line; an
         * input ending in '\n' has no empty line after it. */
        while (r == 0 && pos < size) {
                const uint8_t *nl = memchr(data + pos, '\n', size - pos);
                size_t end = nl ? (size_t)(nl - data) : size, len = end - pos;

                ++lineno;
                if (len > TEAM_AUDIT_EXPORT_MAX_LINE) {
                        for (size_t i = 0; i < V__MAX; i++)
                                team_audit_verifier_unreadable(v[i], lineno, "line too long", out);
                        unreadable++;
                } else {
                        while (len > 0 && (data[pos + len - 1] == '\r' || data[pos + len - 1] == ' '))
                                len--;
                        if (len > 0)
                                r = one_line(v, data + pos, len, lineno, &unreadable, out);
                }
                pos = end + 1;
        }
        if (r < 0)
                goto out;       /* team-audit stops without a report */

        for (size_t i = 0; i < V__MAX; i++) {
                problems[i] = team_audit_verifier_report(v[i], out);
                if (problems[i] < unreadable)
                        abort();
        }
        if (problems[V_ANY_ORDER] > problems[V_DEFAULT] || problems[V_ANY_ORDER] > problems[V_KEY_ANY_ORDER])
                abort();
out:
        for (size_t i = 0; i < V__MAX; i++)
                team_audit_verifier_free(v[i]);
        fclose(out);
        free(text);
        return 0;
}
