/* SPDX-License-Identifier: BSD-3-Clause */
/* Group commit: events that come alone (a PAM decision changes nothing
 * but the audit trail) share one transaction per turn of teamd's event
 * loop instead of paying one each (a BEGIN, a WAL append and its locks per
 * check: about a quarter of teamd's CPU under load). The group opens at
 * the first such event, takes every later one, and commits when the loop
 * has nothing else ready (teamd/audit.c), when it holds
 * OUTBOX_GROUP_MAX_EVENTS, or before anything else wants the database in
 * a transaction of its own. Whoever waits on an event of the group (the
 * answer to a check) is released by the done callback only after the
 * commit: a kill -9 loses no answered decision. */
#include "config.h"

#include <errno.h>

#include "audit/outbox_private.h"

void outbox_set_group(struct outbox *ob, outbox_group_done_fn done, void *userdata)
{
        ob->group_done = done;
        ob->group_userdata = userdata;
}

bool outbox_group_open(const struct outbox *ob)
{
        return ob && ob->in_group;
}

int outbox_group_join(struct outbox *ob)
{
        int r;

        if (ob->in_group)
                return 0;
        if (!ob->group_done || outbox_in_any_tx(ob))
                return -EBUSY;
        r = outbox_begin_unsynced(ob);
        if (r < 0)
                return r;
        ob->in_group = true;
        ob->group_events = 0;
        return 0;
}

void outbox_group_count(struct outbox *ob)
{
        if (ob->in_group && ++ob->group_events >= OUTBOX_GROUP_MAX_EVENTS)
                (void)outbox_group_commit(ob);
}

uint64_t outbox_groups_lost(const struct outbox *ob)
{
        return ob ? ob->groups_lost : 0;
}

static int commit_one(struct outbox *ob)
{
        int r;

        ob->in_group = false;
        /* A doomed group (an event that could not be recorded) fails here
         * and rolls back; its events then go to journald alone
         * (outbox_pending.c) and the count of lost groups tells every
         * waiter to answer with an error. */
        ob->group_ending = true;
        r = outbox_commit(ob);
        ob->group_ending = false;
        if (r < 0)
                ob->groups_lost++;
        if (ob->group_done)
                ob->group_done(r, ob->group_userdata);
        return r;
}

int outbox_group_commit(struct outbox *ob)
{
        int r = 0, c;

        /* The done callback may record events of its own (an answer that
         * could not be sent is a refusal), which open the next group: that
         * one commits too, so that no group is left open behind whoever
         * asked for the database. */
        while (outbox_group_open(ob)) {
                c = commit_one(ob);
                if (c < 0)
                        r = c;
        }
        return r;
}
