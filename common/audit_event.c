/* The audit event types: name (TEAM_EVENT), journald MESSAGE_ID and
 * priority. The ids are fixed forever: operators' journalctl filters and
 * the message catalog (teamd/teamd.catalog) rely on them. */
#include "config.h"

#include <syslog.h>

#include "audit_event.h"

struct event_info {
        const char *name;
        sd_id128_t id;
        int priority;
};

static const struct event_info events[TEAM_EVENT__MAX] = {
        [TEAM_EVENT_ELEVATION_ALLOWED] = { "ElevationAllowed",
                SD_ID128_MAKE(1c,14,40,b4,c6,87,43,2d,9f,55,df,0b,79,2c,65,15), LOG_INFO },
        [TEAM_EVENT_ELEVATION_DENIED] = { "ElevationDenied",
                SD_ID128_MAKE(31,a6,39,3c,88,13,4f,9e,96,27,bc,fb,db,dc,24,f2), LOG_NOTICE },
        [TEAM_EVENT_FAIL_OPEN] = { "FailOpen",
                SD_ID128_MAKE(8e,5b,f0,2b,af,8b,4a,d2,bc,70,7f,15,51,69,ab,3e), LOG_ALERT },
        [TEAM_EVENT_SESSION_OPENED] = { "SessionOpened",
                SD_ID128_MAKE(ae,93,d2,ce,6f,05,4f,6f,8a,6e,6d,82,d9,de,36,e5), LOG_INFO },
        [TEAM_EVENT_SESSION_CLOSED] = { "SessionClosed",
                SD_ID128_MAKE(cd,2c,db,98,34,11,41,93,b1,71,ee,f2,a3,18,5d,4d), LOG_INFO },
        [TEAM_EVENT_GRANT_RECEIVED] = { "GrantReceived",
                SD_ID128_MAKE(b8,9d,b6,ea,7d,0b,45,e1,b0,87,cf,c1,85,ae,f1,eb), LOG_INFO },
        [TEAM_EVENT_GRANT_REJECTED] = { "GrantRejected",
                SD_ID128_MAKE(be,3e,09,86,39,5f,4b,c7,ac,e8,30,99,d2,d9,76,81), LOG_WARNING },
        [TEAM_EVENT_GRANT_EXPIRED] = { "GrantExpired",
                SD_ID128_MAKE(6d,a0,22,67,75,50,40,a0,bb,1a,eb,7e,67,00,40,50), LOG_INFO },
        [TEAM_EVENT_DAEMON_STARTED] = { "DaemonStarted",
                SD_ID128_MAKE(b8,88,27,cb,59,15,4c,b9,91,0b,a4,2b,21,fd,57,af), LOG_INFO },
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
