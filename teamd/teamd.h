/* SPDX-License-Identifier: BSD-3-Clause */
/* The state of one running teamd, shared by its modules. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "db.h"
#include "jws.h"
#include "protocol.h"
#include "teamd_config.h"

/* Open connections at once: the root socket has its own budget, so that
 * local users holding the user socket can never crowd out pam_team. */
#define TEAMD_MAX_CONNECTIONS 64
#define TEAMD_MAX_USER_CONNECTIONS 32
#define TEAMD_MAX_CONNECTIONS_PER_UID 4
#define TEAMD_CONN_TIMEOUT_USEC (5ULL * 1000 * 1000)

struct api_probe;
struct audit_checkpoints;
struct audit_shipping;
struct bg_ship;
struct conn;
struct outbox;
struct relay;
struct session_watch;
struct session_exec;
struct checkpoint_report;
struct sync;

struct teamd {
        sd_event *event;
        struct teamd_config cfg;
        const char *const *host_groups;  /* cfg.host_groups, counted */
        size_t n_host_groups;
        struct team_keyring *keyring;
        struct teamd_db *store;
        struct api_probe *probe;         /* [server] url without token_file */
        struct sync *sync;               /* grant sync (sync.c) */
        enum team_api_state api_state;
        int64_t api_since;               /* 0: not probed yet */
        char api_problem[256];           /* unreachable, failing: why (teamctl status) */
        unsigned n_conns;                /* on the root socket */
        unsigned n_user_conns;           /* on the user socket */
        struct conn *conns;              /* open connections (conn.c) */
        int64_t ended_seen_until;        /* GrantExpired events emitted up to here */
        struct outbox *outbox;           /* the audit outbox (audit.c, outbox.c) */
        struct audit_checkpoints *checkpoints; /* signed chain checkpoints (audit/checkpoint.c) */
        sd_event_source *audit_group_end; /* commits the loop turn's group of events (audit.c) */
        sd_event_source *audit_group_deadline; /* ... or at the latest 5 ms after it opened */
        struct checkpoint_report *checkpoint_report; /* them to team-server; NULL: no central API */
        struct audit_shipping *shipping; /* outbox -> AWS sinks (shipper_setup.c); NULL: no sink */
        struct relay *relay;             /* request relay (relay.c) */
        struct bg_ship *bg_ship;         /* break-glass spool (breakglass_ship.c) */
        struct session_watch *watch;     /* ending elevated sessions (session_watch.c) */
        struct session_exec *exec;       /* what runs in them (session_exec.c); NULL: not recorded */
};

/* Wall clock, UTC epoch seconds. */
int64_t teamd_now(void);
/* sd_notify STATUS= with the grant count and the API state. */
void teamd_update_status(struct teamd *d);
