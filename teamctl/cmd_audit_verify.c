/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl audit verify (root): this host's audit chain as journald holds
 * it. Each chained entry of teamd is rebuilt into the event teamd chained
 * (every member is a journald field), canonicalised and hashed
 * (docs/audit.md "The chain"), checked against the TEAM_HASH teamd wrote
 * beside it and fed to the same verifier team-audit uses: gaps, edits,
 * forks, bad checkpoint signatures, events after the last checkpoint.
 * Checkpoints must carry the key teamd announces (teamctl status) when
 * teamd answers. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_chain.h"
#include "audit_verify.h"
#include "client.h"
#include "jws.h"
#include "journal_entry.h"
#include "teamctl.h"

#define HOST_KEY_LEN 32

/* The key teamd signs checkpoints with, as it announces it; 0 when
 * known, else a reason in why. */
static int announced_key(struct teamctl *t, uint8_t key[static HOST_KEY_LEN], char *why, size_t whylen)
{
        struct team_request req = { .op = TEAM_OP_STATUS };
        struct team_response resp;
        uint8_t *raw = NULL;
        size_t len = 0;
        int r;

        r = teamctl_call(teamctl_socket(t), &req, &resp, NULL, why, whylen);
        if (r != 0)
                return -ENOTCONN;
        r = -ENOENT;
        if (!resp.ok || !resp.audit_host_key)
                snprintf(why, whylen, "teamd announces no checkpoint key");
        else if (team_b64url_decode(resp.audit_host_key, strlen(resp.audit_host_key), &raw, &len) < 0 ||
                 len != HOST_KEY_LEN)
                snprintf(why, whylen, "teamd's checkpoint key is not an Ed25519 key");
        else {
                memcpy(key, raw, HOST_KEY_LEN);
                r = 0;
        }
        free(raw);
        team_response_clear(&resp);
        return r;
}

/* One entry into the verifier; *edited counts entries whose fields do not
 * hash to their TEAM_HASH. */
static int verify_entry(sd_journal *j, struct journal_entry *t, struct team_audit_verifier *v, size_t where,
                        size_t *edited)
{
        struct team_audit_event ev;
        char hash[TEAM_AUDIT_HASH_HEX + 1], *json = NULL;
        size_t len = 0;
        int r;

        if (journal_entry_event(j, t, &ev) < 0)
                return 0;
        journal_entry_chain(j, t, &ev);
        if (ev.seq == 0) {
                hash[0] = '\0';
                return team_audit_verifier_add(v, &ev, hash, where);
        }
        r = team_audit_event_to_json(&ev, &json, &len);
        if (r == 0)
                r = team_audit_hash(json, len, hash);
        free(json);
        if (r < 0) {
                team_audit_verifier_unreadable(v, where, "the entry's fields do not make an event", stdout);
                return 0;
        }
        if (t->hash[0] && strcmp(t->hash, hash) != 0) {
                printf("entry %zu: seq %llu (%s): its fields hash to %s, teamd chained %s: the entry was edited\n",
                       where, (unsigned long long)ev.seq, team_event_name(ev.type), hash, t->hash);
                (*edited)++;
        }
        return team_audit_verifier_add(v, &ev, hash, where);
}

static int walk(sd_journal *j, struct team_audit_verifier *v, size_t *edited)
{
        struct journal_entry *t = malloc(sizeof(*t));
        size_t where = 0;
        int r;

        if (!t)
                return -ENOMEM;
        r = journal_entry_match_audit(j, NULL);
        if (r >= 0)
                r = sd_journal_seek_head(j);
        while (r >= 0 && (r = sd_journal_next(j)) > 0)
                r = verify_entry(j, t, v, ++where, edited);
        free(t);
        return r;
}

int cmd_audit_verify(struct teamctl *t, int argc, char **argv)
{
        struct team_audit_verify_options opt = { .host_key = NULL };
        struct team_audit_verifier *v = NULL;
        uint8_t key[HOST_KEY_LEN];
        const char *directory = NULL;
        sd_journal *j = NULL;
        size_t problems, edited = 0;
        char why[512];
        int r;

        if (argc == 2 && strcmp(argv[0], "--directory") == 0)
                directory = argv[1];
        else if (argc != 0) {
                fprintf(stderr, "teamctl: usage: teamctl audit verify [--directory DIR]\n");
                return TEAMCTL_EXIT_USAGE;
        }
        if (geteuid() != 0) {
                fprintf(stderr, "teamctl: audit verify: only root may read the audit trail\n");
                return TEAMCTL_EXIT_REFUSED;
        }
        if (announced_key(t, key, why, sizeof(why)) == 0)
                opt.host_key = key;
        else
                printf("note: checkpoints are checked with the key each one carries, not pinned (%s)\n", why);
        r = journal_entry_open(directory, &j);
        if (r < 0) {
                fprintf(stderr, "teamctl: audit verify: cannot open the journal: %s\n", strerror(-r));
                return TEAMCTL_EXIT_UNAVAILABLE;
        }
        r = team_audit_verifier_new(&opt, &v);
        if (r >= 0)
                r = walk(j, v, &edited);
        sd_journal_close(j);
        if (r < 0) {
                team_audit_verifier_free(v);
                fprintf(stderr, "teamctl: audit verify: reading the journal: %s\n", strerror(-r));
                return TEAMCTL_EXIT_UNAVAILABLE;
        }
        problems = team_audit_verifier_report(v, stdout) + edited;
        team_audit_verifier_free(v);
        return problems == 0 ? TEAMCTL_EXIT_OK : TEAMCTL_EXIT_REFUSED;
}
