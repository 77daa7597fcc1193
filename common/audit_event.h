/* Audit event types. Each has a fixed journald MESSAGE_ID (also in
 * teamd/teamd.catalog) and a name used as TEAM_EVENT. Issue 5 grows this
 * into the full event model with an outbox. */
#pragma once

#include <systemd/sd-id128.h>

enum team_event_type {
        TEAM_EVENT_ELEVATION_ALLOWED = 0,
        TEAM_EVENT_ELEVATION_DENIED,
        TEAM_EVENT_FAIL_OPEN,
        TEAM_EVENT_SESSION_OPENED,
        TEAM_EVENT_SESSION_CLOSED,
        TEAM_EVENT_GRANT_RECEIVED,
        TEAM_EVENT_GRANT_REJECTED,
        TEAM_EVENT_GRANT_EXPIRED,
        TEAM_EVENT_DAEMON_STARTED,
        TEAM_EVENT__MAX
};

const char *team_event_name(enum team_event_type t);      /* "ElevationAllowed", ... */
sd_id128_t team_event_message_id(enum team_event_type t);
int team_event_priority(enum team_event_type t);          /* LOG_* */
