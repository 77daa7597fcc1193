/* SPDX-License-Identifier: BSD-3-Clause */
/* Test and benchmark helper: appends N audit events to teamd's outbox in
 * STATE_DIR, as teamd would (the same outbox code, the same database), and
 * prints each event id on stdout. teamd may be running (sqlite WAL, busy
 * timeout): events then "flow" while it ships.
 *
 *   outbox_fill STATE_DIR N [--batch K] [--sink NAME]... [--reason-bytes B] [--host H]
 *
 * Events are ElevationDenied/ElevationAllowed for users u0..u99, in
 * transactions of K (default 1000), of host H (default "emulated-host";
 * give teamd's own to keep one host per audit chain). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "db.h"
#include "audit/journal.h"
#include "audit/outbox.h"
#include "parse.h"


static int fill(struct outbox *ob, uint64_t n, uint64_t batch, const char *reason, const char *host)
{
        char user[16], idbuf[SD_ID128_STRING_MAX];
        int r = 0;

        for (uint64_t i = 0; i < n && r == 0; i++) {
                struct team_audit_event ev;

                if (i % batch == 0 && (r = outbox_begin(ob)) < 0)
                        break;
                r = team_audit_event_init(&ev, i % 3 ? TEAM_EVENT_ELEVATION_DENIED : TEAM_EVENT_ELEVATION_ALLOWED);
                if (r < 0)
                        break;
                snprintf(user, sizeof(user), "u%llu", (unsigned long long)(i % 100));
                ev.user = user;
                ev.role = "sudo";
                ev.host = host;
                ev.service = "sudo";
                ev.tty = "/dev/pts/1";
                ev.rhost = i % 2 ? "192.0.2.7" : NULL;
                ev.peer_pid = 4242;
                ev.reason = reason;
                ev.decision = i % 3 ? "deny" : "allow";
                ev.grant_id = i % 3 ? NULL : "grant-1";
                ev.message = "emulated event";
                r = outbox_append(ob, &ev);
                if (r == 0)
                        printf("%s\n", sd_id128_to_string(ev.id, idbuf));
                if (r == 0 && ((i + 1) % batch == 0 || i + 1 == n))
                        r = outbox_commit(ob);
        }
        if (r < 0)
                outbox_rollback(ob);
        return r;
}

int main(int argc, char **argv)
{
        const char *sinks[5] = { NULL };
        size_t n_sinks = 0;
        uint64_t n = 0, batch = 1000, reason_bytes = 0;
        struct teamd_db *store = NULL;
        struct outbox *ob = NULL;
        char err[512] = "", *reason = NULL;
        const char *host = "emulated-host";
        int r;

        if (argc < 3 || parse_uint(argv[2], 1, 100000000, &n) < 0) {
                fprintf(stderr, "usage: outbox_fill STATE_DIR N [--batch K] [--sink NAME]... [--reason-bytes B] [--host H]\n");
                return 2;
        }
        for (int i = 3; i + 1 < argc; i += 2) {
                if (strcmp(argv[i], "--batch") == 0 && parse_uint(argv[i + 1], 1, 1000000, &batch) == 0)
                        continue;
                if (strcmp(argv[i], "--reason-bytes") == 0 && parse_uint(argv[i + 1], 0, 1000, &reason_bytes) == 0)
                        continue;
                if (strcmp(argv[i], "--host") == 0) {
                        host = argv[i + 1];
                        continue;
                }
                if (strcmp(argv[i], "--sink") == 0 && n_sinks < 4) {
                        sinks[n_sinks++] = argv[i + 1];
                        continue;
                }
                fprintf(stderr, "outbox_fill: bad argument %s\n", argv[i]);
                return 2;
        }
        if (n_sinks == 0)
                sinks[0] = OUTBOX_SINK_CLOUDTRAIL;
        if (reason_bytes) {
                reason = malloc(reason_bytes + 1);
                if (!reason)
                        return 1;
                memset(reason, 'r', reason_bytes);
                reason[reason_bytes] = '\0';
        }
        r = teamd_db_open(argv[1], 100000, &store, err, sizeof(err));
        if (r == 0)
                r = outbox_open(store, OUTBOX_DEFAULT_MAX_EVENTS * 2, OUTBOX_DEFAULT_MAX_BYTES * 2, sinks, &ob);
        if (r == 0)
                r = outbox_set_host(ob, host);
        if (r == 0)
                r = fill(ob, n, batch, reason ? reason : "INC-4711 disk full", host);
        if (r < 0)
                fprintf(stderr, "outbox_fill: %s\n", err[0] ? err : strerror(-r));
        outbox_close(ob);
        teamd_db_close(store);
        free(reason);
        return r < 0 ? 1 : 0;
}
