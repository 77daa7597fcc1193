/* SPDX-License-Identifier: BSD-3-Clause */
/* Journald entries of events recorded inside a transaction wait for its
 * commit: sqlite's WAL hook runs right after every commit on the
 * connection (whoever began the transaction: audit.c, sync_store.c), the
 * rollback hook after every rollback. The WAL hook also replaces sqlite's
 * default one, so it does the default's automatic checkpoint too. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "audit_chain.h"
#include "audit/journal.h"
#include "audit/outbox_private.h"

/* sqlite's default: a passive checkpoint once the WAL holds this many
 * frames (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT). */
#define AUTOCHECKPOINT_FRAMES 1000

static void pending_clear(struct outbox *ob)
{
        for (size_t i = 0; i < ob->n_pending; i++)
                team_audit_event_copy_free(ob->pending[i]);
        ob->n_pending = 0;
}

static void pending_flush(struct outbox *ob)
{
        for (size_t i = 0; i < ob->n_pending; i++)
                team_journal_audit(&ob->pending[i]->ev);
        pending_clear(ob);
}

static int on_commit(void *userdata, sqlite3 *db, const char *name, int frames)
{
        struct outbox *ob = userdata;

        pending_flush(ob);
        if (frames >= AUTOCHECKPOINT_FRAMES)
                sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        return SQLITE_OK;
}

/* Before a COMMIT: non-zero turns it into a ROLLBACK. */
static int on_commit_check(void *userdata)
{
        struct outbox *ob = userdata;

        return ob->doomed ? 1 : 0;
}

static void on_rollback(void *userdata)
{
        struct outbox *ob = userdata;

        /* The state change did not happen; neither did its event, nor
         * the chain's step. A group's events stood for no state change:
         * what they say happened all the same, so journald has them. */
        if (ob->group_ending && ob->n_pending > 0) {
                teamd_log(LOG_ALERT, "audit: %zu events could not be committed to the outbox; they are in journald only",
                          ob->n_pending);
                pending_flush(ob);
        }
        pending_clear(ob);
        ob->doomed = false;
        ob->chain_cached = false;
}

void outbox_hooks_install(struct outbox *ob)
{
        sqlite3_wal_hook(ob->db, on_commit, ob);
        sqlite3_commit_hook(ob->db, on_commit_check, ob);
        sqlite3_rollback_hook(ob->db, on_rollback, ob);
}

void outbox_hooks_remove(struct outbox *ob)
{
        pending_clear(ob);
        free(ob->pending);
        ob->pending = NULL;
        ob->cap_pending = 0;
        sqlite3_rollback_hook(ob->db, NULL, NULL);
        sqlite3_commit_hook(ob->db, NULL, NULL);
        sqlite3_wal_autocheckpoint(ob->db, AUTOCHECKPOINT_FRAMES); /* sqlite's own hook back */
}

int outbox_pending_add(struct outbox *ob, const struct team_audit_event *ev)
{
        struct team_audit_event_copy *copy;
        int r;

        if (ob->n_pending == ob->cap_pending) {
                size_t cap = ob->cap_pending ? ob->cap_pending * 2 : 8;
                struct team_audit_event_copy **v = realloc(ob->pending, cap * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                ob->pending = v;
                ob->cap_pending = cap;
        }
        r = team_audit_event_copy(ev, &copy);
        if (r < 0)
                return r;
        ob->pending[ob->n_pending++] = copy;
        return 0;
}
