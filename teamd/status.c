/* SPDX-License-Identifier: BSD-3-Clause */
/* status: the caller's own grants (root: every grant on the host), the
 * host id and the API state. */
#include "audit.h"
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch.h"
#include "relay/relay.h"
#include "status.h"
#include "session_list.h"

/* The peer's user name from its uid (SO_PEERCRED), never from the request. */
static int peer_user_name(uid_t uid, char **out)
{
        struct passwd pw, *res = NULL;
        char buf[4096];
        int r;

        r = getpwuid_r(uid, &pw, buf, sizeof(buf), &res);
        if (r != 0)
                return -r;
        if (!res)
                return -ENOENT;
        *out = strdup(pw.pw_name);
        return *out ? 0 : -ENOMEM;
}

int teamd_handle_status(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                        struct team_response *resp)
{
        char *name = NULL;
        const char *user;
        int r;

        r = peer_user_name(peer->uid, &name);
        if (r < 0 && !peer->privileged)
                return teamd_response_error(resp, "uid %lu has no user name", (unsigned long)peer->uid);
        /* root may ask about anyone, and sees everyone's grants when it
         * names nobody; everyone else sees only their own grants. */
        user = name;
        if (req->user && peer->privileged)
                user = req->user;
        else if (peer->privileged)
                user = NULL;
        else if (req->user && strcmp(req->user, name) != 0) {
                r = teamd_response_error(resp, "you can only see your own grants");
                goto out;
        }
        if (!user && !peer->privileged) {
                r = teamd_response_error(resp, "status needs a user");
                goto out;
        }
        resp->ok = true;
        resp->host_id = strdup(d->cfg.host_id);
        if (!resp->host_id) {
                r = -ENOMEM;
                goto out;
        }
        resp->api_state = d->api_state;
        resp->api_since = d->api_since;
        if (d->api_problem[0] && d->api_state != TEAM_API_REACHABLE) {
                resp->api_problem = strdup(d->api_problem);
                if (!resp->api_problem) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        if (peer->privileged) {
                r = teamd_audit_status(d, resp);
                if (r < 0)
                        goto out;
        }
        r = user ? status_fill_user_grants(d, user, resp) : status_fill_host_grants(d, resp);
        if (r >= 0 && user)
                r = relay_open_requests(d->relay, user, resp);
        if (r >= 0)
                r = teamd_fill_sessions(d, user, STATUS_SESSIONS_BUDGET, resp);
out:
        free(name);
        return r;
}
