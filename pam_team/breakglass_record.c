/* SPDX-License-Identifier: BSD-3-Clause */
/* The durable record of a break-glass use: one JSON file per use in the
 * spool directory (teamd ships it: teamd/breakglass_spool.c) and an ALERT
 * journald entry, both with the same event id, so that the local journal
 * has the use even if teamd never comes back and the shipped event can be
 * matched to it. The spool record format is in docs/breakglass.md. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "audit_event.h"
#include "breakglass_record.h"
#include "breakglass_spool.h"
#include "proc_stat.h"

static void write_journal(pam_handle_t *pamh, const char *id, const char *host, const struct breakglass_use *u,
                          int spool_r)
{
        char mid[SD_ID128_STRING_MAX];
        const struct team_request *q = u->req;
        int r;

        sd_id128_to_string(team_event_message_id(TEAM_EVENT_BREAK_GLASS_USED), mid);
        r = sd_journal_send("MESSAGE=BREAK-GLASS: %s used role %s on %s (service %s, code %u); window until %" PRId64,
                            q->user, q->role, host, q->service, u->slot, u->window_end,
                            "MESSAGE_ID=%s", mid,
                            "PRIORITY=%d", LOG_ALERT,
                            "SYSLOG_IDENTIFIER=pam_team",
                            "TEAM_EVENT=BreakGlassUsed",
                            "TEAM_EVENT_ID=%s", id,
                            "TEAM_OUTCOME=success",
                            "TEAM_DECISION=allow",
                            "TEAM_USER=%s", q->user,
                            "TEAM_ROLE=%s", q->role,
                            "TEAM_HOST=%s", host,
                            "TEAM_SERVICE=%s", q->service,
                            "TEAM_TTY=%s", q->tty ? q->tty : "",
                            "TEAM_RHOST=%s", q->rhost ? q->rhost : "",
                            "TEAM_REASON=break-glass code %u of the set created %" PRId64 "; window until %" PRId64,
                            u->slot, u->set_created, u->window_end,
                            "TEAM_BREAKGLASS_SLOT=%u", u->slot,
                            "TEAM_WINDOW_END=%" PRId64, u->window_end,
                            "TEAM_SPOOLED=%s", spool_r == 0 ? "yes" : "no",
                            NULL);
        if (r < 0)
                pam_syslog(pamh, LOG_ALERT, "break-glass: %s used role %s; journald entry not written: %s",
                           q->user, q->role, strerror(-r));
}

static int write_spool(pam_handle_t *pamh, const char *dir, const char *id, const char *host,
                       const struct breakglass_use *u)
{
        struct team_bg_record rec = {
                .type = TEAM_BG_RECORD_USED,
                .time_usec = u->time_usec,
                .user = u->req->user,
                .role = u->req->role,
                .host = host,
                .service = u->req->service,
                .tty = u->req->tty,
                .rhost = u->req->rhost,
                .slot = u->slot,
                .set_created = u->set_created,
                .window_end = u->window_end,
        };
        char err[512] = "";
        int r;

        /* The caller (login) leads the session teamd ends at window_end. */
        if (proc_stat_self_start(&rec.pid_start) == 0)
                rec.pid = getpid();
        else
                pam_syslog(pamh, LOG_WARNING, "break-glass: own start time unknown; teamd cannot end this session");
        memcpy(rec.id, id, sizeof(rec.id));
        r = team_bg_spool_write(dir, &rec, err, sizeof(err));
        if (r < 0)
                pam_syslog(pamh, LOG_ALERT, "break-glass spool: %s", err);
        return r;
}

int breakglass_record(pam_handle_t *pamh, const struct pam_team_args *args, const struct breakglass_use *u)
{
        char id[SD_ID128_STRING_MAX], host[256] = "unknown";
        sd_id128_t rid;
        int r;

        r = sd_id128_randomize(&rid);
        if (r < 0) {
                pam_syslog(pamh, LOG_ALERT, "break-glass: no event id: %s", strerror(-r));
                return r;
        }
        sd_id128_to_string(rid, id);
        if (gethostname(host, sizeof(host) - 1) < 0)
                snprintf(host, sizeof(host), "unknown");
        host[sizeof(host) - 1] = '\0';
        r = write_spool(pamh, args->breakglass_spool, id, host, u);
        write_journal(pamh, id, host, u, r);

        pam_syslog(pamh, LOG_ALERT, "BREAK-GLASS: %s used role %s with code %u (event %s)%s",
                   u->req->user, u->req->role, u->slot, id, r == 0 ? "" : "; spool record NOT written");
        return r;
}
