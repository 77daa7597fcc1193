/* status: the caller's own grants, the host id and the API state. */
#include "audit.h"
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch.h"
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

/* The answer must fit one frame: JSON escaping at most doubles a string,
 * and a grant's fixed part is well under 64 bytes. */
#define STATUS_SESSIONS_BUDGET (8 * 1024)
#define STATUS_BUDGET (TEAM_PROTO_MAX_FRAME - 4096 - STATUS_SESSIONS_BUDGET)

static size_t summary_cost(const struct grant_row *g)
{
        return 2 * (strlen(g->id) + strlen(g->role) + (g->rsn ? strlen(g->rsn) : 0)) + 64;
}

/* A reason is the approver's free text: shown on terminals, so control
 * characters become '?'. */
static void sanitize(char *s)
{
        for (; s && *s; s++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f)
                        *s = '?';
}

static int fill_grants(struct teamd *d, const char *user, struct team_response *resp)
{
        size_t used = 0;
        struct grant_row *rows = NULL;
        size_t n = 0;
        int r;

        r = grant_store_list_user(d->store, user, teamd_now(), TEAM_MAX_STATUS_GRANTS, &rows, &n);
        if (r < 0)
                return r;
        resp->grants = calloc(n ? n : 1, sizeof(*resp->grants));
        if (!resp->grants) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                struct team_grant_summary *s = &resp->grants[i];

                used += summary_cost(&rows[i]);
                if (used > STATUS_BUDGET)
                        break;
                sanitize(rows[i].rsn);

                /* Ownership moves from the row to the response. */
                s->id = rows[i].id;
                s->role = rows[i].role;
                s->reason = rows[i].rsn;
                rows[i].id = rows[i].role = rows[i].rsn = NULL;
                s->nbf = rows[i].nbf;
                s->exp = rows[i].exp;
                resp->n_grants++;
        }
out:
        grant_rows_free(rows, n);
        return r;
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
        /* root may ask about anyone; everyone else sees only their own grants. */
        user = name;
        if (req->user && peer->privileged)
                user = req->user;
        else if (req->user && strcmp(req->user, name) != 0) {
                r = teamd_response_error(resp, "you can only see your own grants");
                goto out;
        }
        if (!user) {
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
        if (peer->privileged) {
                r = teamd_audit_status(d, resp);
                if (r < 0)
                        goto out;
        }
        r = fill_grants(d, user, resp);
        if (r == 0)
                r = teamd_fill_sessions(d, user, STATUS_SESSIONS_BUDGET, resp);
out:
        free(name);
        return r;
}
