/* SPDX-License-Identifier: BSD-3-Clause */
/* grant_add: a signed grant handed over by root (teamctl grant add), for
 * hosts without a central API. It goes through the one grant intake
 * (grant_intake.c) like the feed's and the relay's. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "grant_intake.h"

int teamd_handle_grant_add(struct teamd *d, const struct teamd_peer *peer, const struct team_request *req,
                           struct team_response *resp)
{
        struct grant_intake in = { .jws = req->jws, .origin = GRANT_ORIGIN_ADMIN, .peer_pid = peer->pid };
        struct grant_intake_result res;
        int r;

        r = teamd_grant_intake(d, &in, &res);
        if (r == -ENOSPC) {
                r = teamd_response_error(resp, "the disk holding the grant store (%s) is full; free space and "
                                               "try again", d->cfg.state_dir);
                goto out;
        }
        if (r < 0)
                goto out;
        if (res.outcome == GRANT_INTAKE_REJECTED || res.outcome == GRANT_INTAKE_REVOKED) {
                r = teamd_response_error(resp, "%s", res.why);
                goto out;
        }
        resp->ok = true;
        resp->grant_id = strdup(res.grant.jti);
        resp->expires = res.grant.exp;
        r = resp->grant_id ? 0 : -ENOMEM;
out:
        grant_intake_result_clear(&res);
        return r;
}
