/* SPDX-License-Identifier: BSD-3-Clause */
/* The audit event types: name (TEAM_EVENT), journald MESSAGE_ID and
 * priority, and event construction. The ids are fixed forever: operators'
 * journalctl filters and the message catalog (systemd/teamd.catalog) rely
 * on them. The JSON codec is in audit_event_json.c. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "audit_event.h"

struct event_info {
        const char *name;
        sd_id128_t id;
        int priority;
        bool failure;   /* default outcome "failure" */
};

static const struct event_info events[TEAM_EVENT__MAX] = {
        [TEAM_EVENT_ELEVATION_ALLOWED] = { "ElevationAllowed",
                SD_ID128_MAKE(1c,14,40,b4,c6,87,43,2d,9f,55,df,0b,79,2c,65,15), LOG_INFO, false },
        [TEAM_EVENT_ELEVATION_DENIED] = { "ElevationDenied",
                SD_ID128_MAKE(31,a6,39,3c,88,13,4f,9e,96,27,bc,fb,db,dc,24,f2), LOG_NOTICE, true },
        [TEAM_EVENT_FAIL_OPEN] = { "FailOpen",
                SD_ID128_MAKE(8e,5b,f0,2b,af,8b,4a,d2,bc,70,7f,15,51,69,ab,3e), LOG_ALERT, false },
        [TEAM_EVENT_SESSION_OPENED] = { "SessionOpened",
                SD_ID128_MAKE(ae,93,d2,ce,6f,05,4f,6f,8a,6e,6d,82,d9,de,36,e5), LOG_INFO, false },
        [TEAM_EVENT_SESSION_CLOSED] = { "SessionClosed",
                SD_ID128_MAKE(cd,2c,db,98,34,11,41,93,b1,71,ee,f2,a3,18,5d,4d), LOG_INFO, false },
        [TEAM_EVENT_GRANT_RECEIVED] = { "GrantReceived",
                SD_ID128_MAKE(b8,9d,b6,ea,7d,0b,45,e1,b0,87,cf,c1,85,ae,f1,eb), LOG_INFO, false },
        [TEAM_EVENT_GRANT_REJECTED] = { "GrantRejected",
                SD_ID128_MAKE(be,3e,09,86,39,5f,4b,c7,ac,e8,30,99,d2,d9,76,81), LOG_WARNING, true },
        [TEAM_EVENT_GRANT_EXPIRED] = { "GrantExpired",
                SD_ID128_MAKE(6d,a0,22,67,75,50,40,a0,bb,1a,eb,7e,67,00,40,50), LOG_INFO, false },
        [TEAM_EVENT_DAEMON_STARTED] = { "DaemonStarted",
                SD_ID128_MAKE(b8,88,27,cb,59,15,4c,b9,91,0b,a4,2b,21,fd,57,af), LOG_INFO, false },
        [TEAM_EVENT_REQUEST_SUBMITTED] = { "RequestSubmitted",
                SD_ID128_MAKE(b9,71,96,fe,17,ce,45,f1,86,ff,15,1d,d1,ae,e9,78), LOG_INFO, false },
        [TEAM_EVENT_GRANT_REVOKED] = { "GrantRevoked",
                SD_ID128_MAKE(91,b1,76,b8,d8,b2,49,91,9c,40,68,3c,f7,70,6e,15), LOG_NOTICE, false },
        [TEAM_EVENT_SESSION_TERMINATED] = { "SessionTerminated",
                SD_ID128_MAKE(d6,d0,ee,50,80,07,43,e5,a7,ef,54,e5,5a,dd,97,1b), LOG_NOTICE, false },
        [TEAM_EVENT_BREAK_GLASS_USED] = { "BreakGlassUsed",
                SD_ID128_MAKE(4e,c4,52,bf,c9,ff,4c,78,b0,75,49,5c,49,ed,28,b6), LOG_ALERT, false },
        [TEAM_EVENT_EXEMPT_PASS] = { "ExemptPass",
                SD_ID128_MAKE(ad,21,f7,ec,9b,ca,41,60,b0,38,93,d0,03,98,65,a8), LOG_NOTICE, false },
        [TEAM_EVENT_AUDIT_OUTBOX_FULL] = { "AuditOutboxFull",
                SD_ID128_MAKE(cd,ab,58,b0,0a,5a,4d,9a,84,af,ca,41,70,40,1c,42), LOG_ALERT, true },
        [TEAM_EVENT_AUDIT_DEAD_LETTER] = { "AuditDeadLetter",
                SD_ID128_MAKE(fd,7a,30,be,a1,d7,45,bd,89,f9,d7,c1,0d,49,8e,02), LOG_ALERT, true },
        [TEAM_EVENT_BREAK_GLASS_SET_CREATED] = { "BreakGlassSetCreated",
                SD_ID128_MAKE(76,11,2d,6a,eb,6e,41,c8,b9,1f,90,ce,bf,c4,77,26), LOG_NOTICE, false },
        [TEAM_EVENT_API_REFUSED] = { "ApiRefused",
                SD_ID128_MAKE(30,2a,6b,46,26,83,4f,6e,b4,e4,84,01,f8,5e,91,f3), LOG_ALERT, true },
        [TEAM_EVENT_SESSION_WARNED] = { "SessionWarned",
                SD_ID128_MAKE(48,bf,6a,e4,ca,6f,4f,47,82,8e,2b,92,e4,26,fb,47), LOG_NOTICE, false },
        [TEAM_EVENT_SESSION_EXTENDED] = { "SessionExtended",
                SD_ID128_MAKE(98,b8,19,bc,45,16,4f,f3,9d,ac,4f,bc,a5,9c,41,a5), LOG_INFO, false },
        [TEAM_EVENT_SESSION_END_FAILED] = { "SessionEndFailed",
                SD_ID128_MAKE(88,14,2d,17,d9,58,49,0d,8b,b7,bc,3c,d8,5d,cb,2d), LOG_ALERT, true },
        [TEAM_EVENT_AUDIT_CHECKPOINT] = { "AuditCheckpoint",
                SD_ID128_MAKE(ef,66,10,0c,43,e8,46,2a,bf,98,3b,16,21,d0,c6,7f), LOG_INFO, false },
        [TEAM_EVENT_SESSION_COMMAND] = { "SessionCommand",
                SD_ID128_MAKE(5b,3f,9a,71,c2,0d,4e,88,a6,1b,e4,37,90,dc,52,af), LOG_INFO, false },
        [TEAM_EVENT_SESSION_COMMANDS_SUMMARISED] = { "SessionCommandsSummarised",
                SD_ID128_MAKE(c4,72,0e,5d,19,b8,4f,03,8e,6a,d1,f5,27,4c,b9,60), LOG_NOTICE, false },
};

static const struct event_info *event_info(enum team_event_type t)
{
        if ((unsigned)t >= TEAM_EVENT__MAX)
                return NULL;
        return &events[t];
}

const char *team_event_name(enum team_event_type t)
{
        const struct event_info *e = event_info(t);

        return e ? e->name : NULL;
}

sd_id128_t team_event_message_id(enum team_event_type t)
{
        const struct event_info *e = event_info(t);

        return e ? e->id : SD_ID128_NULL;
}

int team_event_priority(enum team_event_type t)
{
        const struct event_info *e = event_info(t);

        return e ? e->priority : LOG_ERR;
}

int team_event_from_name(const char *name, enum team_event_type *t)
{
        if (!name)
                return -EINVAL;
        for (unsigned i = 0; i < TEAM_EVENT__MAX; i++)
                if (strcmp(events[i].name, name) == 0) {
                        *t = (enum team_event_type)i;
                        return 0;
                }
        return -EINVAL;
}

int team_audit_event_init(struct team_audit_event *ev, enum team_event_type type)
{
        struct timespec ts;
        int r;

        memset(ev, 0, sizeof(*ev));
        if ((unsigned)type >= TEAM_EVENT__MAX)
                return -EINVAL;
        ev->type = type;
        r = sd_id128_randomize(&ev->id);
        if (r < 0)
                return r;
        if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
                return -errno;
        ev->time_usec = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
        return 0;
}

const char *team_audit_event_outcome(const struct team_audit_event *ev)
{
        const struct event_info *e = event_info(ev->type);

        /* Empty is absent, as for every text member. */
        if (ev->outcome && ev->outcome[0])
                return ev->outcome;
        return e && e->failure ? "failure" : "success";
}
