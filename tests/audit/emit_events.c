/* SPDX-License-Identifier: BSD-3-Clause */
/* emit_events MARKER [TYPE...]: writes one audit event of each TYPE (by
 * name; default: every type) through teamd's journal module, every field
 * set, TEAM_REASON = "MARKER TYPE". For the journald test: the types whose
 * producers a test cannot easily drive (break-glass, exempt, revocation
 * from a feed, ...) still prove their MESSAGE_ID, fields and catalog text. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit_event.h"
#include "audit/journal.h"

static int emit(const char *marker, enum team_event_type t)
{
        char reason[256];
        struct team_audit_event f = {
                .user = "audituser", .role = "sudo", .host = "audit-host", .grant_id = "grant-1",
                .request_id = "request-1", .decision = "allow", .service = "sudo", .tty = "/dev/pts/7",
                .rhost = "192.0.2.7", .peer_pid = getpid(),
        };

        snprintf(reason, sizeof(reason), "%s %s", marker, team_event_name(t));
        f.reason = reason;
        team_journal_event(t, &f, "%s: test event %s", team_event_name(t), reason);
        return 0;
}

int main(int argc, char **argv)
{
        enum team_event_type t;

        if (argc < 2) {
                fprintf(stderr, "usage: emit_events MARKER [TYPE...]\n");
                return 2;
        }
        if (argc == 2) {
                for (unsigned i = 0; i < TEAM_EVENT__MAX; i++)
                        emit(argv[1], (enum team_event_type)i);
                return 0;
        }
        for (int i = 2; i < argc; i++) {
                if (team_event_from_name(argv[i], &t) < 0) {
                        fprintf(stderr, "emit_events: unknown type %s\n", argv[i]);
                        return 2;
                }
                emit(argv[1], t);
        }
        return 0;
}
