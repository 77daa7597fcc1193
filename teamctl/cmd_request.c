/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl request ROLE --host H --for DURATION --reason TEXT: ask the
 * central API for a grant, optionally waiting for the decision. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json.h>

#include "api_client.h"
#include "central.h"
#include "parse.h"
#include "request_obj.h"

#define DEFAULT_WAIT_S (15 * 60)
#define MAX_DURATION_S (366ULL * 24 * 3600)

void cmd_request_help(void)
{
        printf("Usage: teamctl request ROLE --host HOST --for DURATION --reason TEXT\n"
               "                       [--ticket T] [--start TIME] [--wait [--timeout DURATION]]\n"
               "       teamctl request ROLE --for DURATION --reason TEXT [--ticket T] [--wait]\n"
               "\n"
               "Asks team-server for ROLE on HOST (a host id or host group) for DURATION\n"
               "(90s, 15m, 1h, 2d). The request waits for approvers named in the answer.\n"
               "Without --server and TEAM_SERVER the request goes through this host's teamd,\n"
               "for this host, as you (teamd knows who you are from its socket); --wait then\n"
               "returns once the grant is usable here.\n"
               "  --ticket T       a ticket id, when the role's policy asks for one\n"
               "  --start TIME     a scheduled start: +2h, an epoch, or YYYY-MM-DDTHH:MM (local)\n"
               "  --wait           wait for the decision (polls every second), showing the time\n"
               "                   left; exit 0 once approved, 6 denied, 8 cancelled, 9 expired,\n"
               "                   7 when --timeout (default 15m) passes first\n" CENTRAL_HELP_OPTIONS);
}

struct request_opts {
        const char *host, *reason, *ticket;
        uint64_t duration;
        int64_t start_at;
        bool wait;
        uint64_t timeout_s;
};

enum { OPT_HOST = CENTRAL_OPT_VERB, OPT_FOR, OPT_REASON, OPT_TICKET, OPT_START, OPT_WAIT };

/* "+2h" (from now), "1767225600" (epoch), "2026-12-01T09:00[:SS]" (local). */
static int parse_start(const char *s, int64_t *out)
{
        struct tm tm = { 0 };
        uint64_t v;
        const char *end;

        if (s[0] == '+') {
                if (parse_duration(s + 1, 0, MAX_DURATION_S, &v) < 0)
                        return -EINVAL;
                *out = (int64_t)time(NULL) + (int64_t)v;
                return 0;
        }
        if (parse_uint(s, 1, 253402300799ULL, &v) == 0) {
                *out = (int64_t)v;
                return 0;
        }
        end = strptime(s, "%Y-%m-%dT%H:%M", &tm);
        if (!end)
                end = strptime(s, "%Y-%m-%d %H:%M", &tm);
        if (end && *end == ':')
                end = strptime(end, ":%S", &tm);
        if (!end || *end)
                return -EINVAL;
        tm.tm_isdst = -1;
        *out = (int64_t)mktime(&tm);
        return *out > 0 ? 0 : -EINVAL;
}

static int on_opt(struct teamctl *t, int c, const char *arg, void *ud)
{
        struct request_opts *o = ud;

        (void)t;
        switch (c) {
        case OPT_HOST:
                o->host = arg;
                return 0;
        case OPT_REASON:
                o->reason = arg;
                return 0;
        case OPT_TICKET:
                o->ticket = arg;
                return 0;
        case OPT_WAIT:
                o->wait = true;
                return 0;
        case OPT_FOR:
                if (parse_duration(arg, 1, MAX_DURATION_S, &o->duration) == 0)
                        return 0;
                fprintf(stderr, "teamctl: request: --for '%s' is not a duration (90s, 15m, 1h, 2d)\n", arg);
                return TEAMCTL_EXIT_USAGE;
        case CENTRAL_OPT_TIMEOUT:
                if (parse_duration(arg, 1, MAX_DURATION_S, &o->timeout_s) == 0)
                        return 0;
                fprintf(stderr, "teamctl: request: --timeout '%s' is not a duration (90s, 15m, 1h)\n", arg);
                return TEAMCTL_EXIT_USAGE;
        case OPT_START:
                if (parse_start(arg, &o->start_at) == 0)
                        return 0;
                fprintf(stderr, "teamctl: request: --start '%s' is not +DURATION, an epoch or "
                                "YYYY-MM-DDTHH:MM\n", arg);
                return TEAMCTL_EXIT_USAGE;
        default:
                return TEAMCTL_EXIT_USAGE;
        }
}

static struct json_object *request_body(const char *role, const struct request_opts *o)
{
        struct json_object *b = json_object_new_object();
        int r = b ? 0 : -1;

        if (r == 0)
                r = json_object_object_add(b, "role", json_object_new_string(role));
        if (r == 0)
                r = json_object_object_add(b, "host", json_object_new_string(o->host));
        if (r == 0)
                r = json_object_object_add(b, "duration", json_object_new_int64((int64_t)o->duration));
        if (r == 0)
                r = json_object_object_add(b, "reason", json_object_new_string(o->reason));
        if (r == 0 && o->ticket)
                r = json_object_object_add(b, "ticket", json_object_new_string(o->ticket));
        if (r == 0 && o->start_at > 0)
                r = json_object_object_add(b, "start_at", json_object_new_int64(o->start_at));
        if (r != 0) {
                json_object_put(b);
                return NULL;
        }
        return b;
}

/* After a request (or an extension) is filed: print it, wait if asked. */
int central_after_file(struct teamctl *t, struct api_client *api, struct json_object *o, bool wait,
                       uint64_t timeout_s)
{
        struct api_request r;
        char err[256], sum[512];
        int ret;

        if (api_request_decode(o, &r, err, sizeof(err)) < 0) {
                fprintf(stderr, "teamctl: %s; is TEAM_SERVER the team-server?\n", err);
                return TEAMCTL_EXIT_UNAVAILABLE;
        }
        if (!wait || central_status_exit(r.status) >= 0) {
                if (t->json) {
                        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
                } else {
                        api_request_summary(&r, sum, sizeof(sum));
                        printf("%s\n", sum);
                        if (strcmp(r.status, "pending") == 0 && r.n_approvers > 0) {
                                printf("approvers: ");
                                for (size_t i = 0; i < r.n_approvers; i++)
                                        printf("%s%s", i ? ", " : "", r.approvers[i]);
                                printf("\n");
                        }
                        if (strcmp(r.status, "pending") == 0)
                                printf("see it with: teamctl show %s\n", r.id);
                }
                ret = wait ? central_status_exit(r.status) : 0;
        } else {
                if (!t->json && !isatty(STDOUT_FILENO)) {
                        api_request_summary(&r, sum, sizeof(sum));
                        printf("%s; waiting\n", sum);
                        fflush(stdout);
                }
                ret = central_wait(t, api, r.id, (int64_t)(timeout_s ? timeout_s : DEFAULT_WAIT_S));
        }
        api_request_clear(&r);
        return ret;
}

int cmd_request(struct teamctl *t, int argc, char **argv)
{
        static const struct option opts[] = {
                CENTRAL_LONGOPTS,
                { "host", required_argument, NULL, OPT_HOST },
                { "for", required_argument, NULL, OPT_FOR },
                { "reason", required_argument, NULL, OPT_REASON },
                { "ticket", required_argument, NULL, OPT_TICKET },
                { "start", required_argument, NULL, OPT_START },
                { "wait", no_argument, NULL, OPT_WAIT },
                { "timeout", required_argument, NULL, CENTRAL_OPT_TIMEOUT },
                { NULL, 0, NULL, 0 },
        };
        struct request_opts o = { 0 };
        struct api_client *api = NULL;
        struct json_object *body = NULL, *resp = NULL;
        char *pos[1];
        size_t npos;
        int ret;

        ret = central_parse(t, "request", argc, argv, opts, on_opt, &o, cmd_request_help, pos, 1, &npos);
        if (ret != 0)
                return ret == CENTRAL_HELP_SHOWN ? TEAMCTL_EXIT_OK : ret;
        if (!t->server && !getenv("TEAM_SERVER")) {
                /* No central API given: relay through this host's teamd. */
                if (npos != 1 || !o.duration || !o.reason || o.host || o.start_at) {
                        fprintf(stderr, "teamctl: usage: teamctl request ROLE --for DURATION --reason TEXT [--ticket T] "
                                        "[--wait] (--host and --start need --server; see teamctl help request)\n");
                        return TEAMCTL_EXIT_USAGE;
                }
                return cmd_request_relay(t, pos[0], o.duration, o.reason, o.ticket, o.wait, o.timeout_s);
        }
        if (npos != 1 || !o.host || !o.duration || !o.reason) {
                fprintf(stderr, "teamctl: usage: teamctl request ROLE --host HOST --for DURATION --reason TEXT "
                                "(see teamctl help request)\n");
                return TEAMCTL_EXIT_USAGE;
        }
        ret = central_open(t, &api);
        if (ret != 0)
                return ret;
        body = request_body(pos[0], &o);
        if (!body) {
                fprintf(stderr, "teamctl: out of memory\n");
                ret = EX_OSERR;
                goto out;
        }
        ret = central_call(api, "POST", "/v1/requests", body, &resp);
        if (ret == 0)
                ret = central_after_file(t, api, resp, o.wait, o.timeout_s);
out:
        json_object_put(body);
        json_object_put(resp);
        api_client_free(api);
        return ret;
}
