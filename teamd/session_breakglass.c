/* SPDX-License-Identifier: BSD-3-Clause */
/* Break-glass sessions; see session_breakglass.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "decide.h"
#include "audit/journal.h"
#include "proc_tree.h"
#include "session_breakglass.h"
#include "session_exec.h"
#include "session_watch.h"

int session_breakglass_adopt(struct teamd *d, const struct team_bg_record *rec)
{
        struct session_info info = {
                .user = rec->user, .role = rec->role, .service = rec->service, .tty = rec->tty,
                .rhost = rec->rhost, .pid = rec->pid, .breakglass_id = rec->id,
        };
        struct team_audit_event f = {
                .user = rec->user, .role = rec->role, .host = d->cfg.host_id, .service = rec->service,
                .tty = rec->tty, .rhost = rec->rhost, .peer_pid = rec->pid, .reason = "break-glass",
        };
        char until[64];
        struct session_row row = { .id = NULL };
        char *id = NULL;
        int r;

        if (rec->type != TEAM_BG_RECORD_USED)
                return 0;
        if (rec->pid <= 1) {
                teamd_log(LOG_WARNING, "break-glass use %s names no process: its session cannot be ended at"
                          " its window's end", rec->id);
                return 0;
        }
        /* Gone, or the pid now belongs to another process: the session
         * ended before teamd saw the record; nothing of it to end. */
        if (proc_alive(&(struct proc_ref){ .pid = rec->pid, .start = rec->pid_start }) != 1) {
                teamd_log(LOG_INFO, "break-glass use %s: its session (pid %d) has already ended", rec->id,
                          (int)rec->pid);
                return 0;
        }
        decide_format_time(rec->window_end, until, sizeof(until));
        teamd_audit_begin(d);
        r = db_session_open(d->store, &info, rec->time_usec / 1000000, &id);
        f.session_id = id;
        if (r == 0)
                team_journal_event(TEAM_EVENT_SESSION_OPENED, &f,
                                   "%s: %s session %s opened for %s under break-glass use %s, window until %s",
                                   rec->service ? rec->service : "?", rec->role, id, rec->user, rec->id, until);
        r = teamd_audit_end(d, r);
        /* Seen before (a record read again after a restart). */
        if (r == -EEXIST)
                return 0;
        if (r < 0) {
                teamd_log(LOG_ERR, "break-glass use %s: cannot record its session: %s", rec->id, strerror(-r));
                return r;
        }
        session_watch_adopted(d, id, rec->pid, rec->window_end);
        if (db_session_get(d->store, id, &row) == 0)
                session_exec_track_row(d, &row);
        session_row_clear(&row);
        free(id);
        return 0;
}
