/* SPDX-License-Identifier: BSD-3-Clause */
/* The pam_team <-> teamd payload rules (see protocol.h, docs/protocol.md):
 * the field tables, the names, the value checks and the one walk of the
 * tables that both encoders share: the packed one of protocol_pack.c
 * (pam_team.so) and the JSON one of protocol_json.c (teamctl). Their
 * decoders walk the same tables (protocol_table.h).
 *
 * Every field of every op is one row of a table: its wire name, its type,
 * its length cap, where it lives in the C struct, the ops that may carry it
 * and the ops that must. A row's place in its table (1-based) is its tag in
 * the packed encoding: rows are only ever appended. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "printable.h"
#include "parse.h"
#include "protocol.h"
#include "protocol_table.h"

#define REQ(f) offsetof(struct team_request, f)
#define RSP(f) offsetof(struct team_response, f)
#define GRT(f) offsetof(struct team_grant_summary, f)
#define SES(f) offsetof(struct team_session_summary, f)

static const struct field request_fields[] = {
        { "user", FT_STR, TEAM_MAX_USER, 0, REQ(user), OPS_PAM | OPS_REQUEST, OPS_PAM },
        { "role", FT_STR, TEAM_MAX_ROLE, FL_TOKEN, REQ(role), OPS_PAM | OP(TEAM_OP_REQUEST),
          OPS_PAM | OP(TEAM_OP_REQUEST) },
        { "service", FT_STR, TEAM_MAX_SERVICE, 0, REQ(service), OPS_PAM | OP(TEAM_OP_REQUEST), OPS_PAM },
        { "tty", FT_STR, TEAM_MAX_TTY, FL_EMPTY_OK, REQ(tty), OPS_PAM | OP(TEAM_OP_REQUEST), 0 },
        { "rhost", FT_STR, TEAM_MAX_RHOST, FL_EMPTY_OK, REQ(rhost), OPS_PAM | OP(TEAM_OP_REQUEST), 0 },
        { "failmode_safe", FT_BOOL, 0, 0, REQ(failmode_safe), OPS_DECIDE, 0 },
        { "session_id", FT_STR, TEAM_MAX_ID, 0, REQ(session_id), OP(TEAM_OP_SESSION_CLOSE) | OP(TEAM_OP_SESSION_END),
          OP(TEAM_OP_SESSION_CLOSE) | OP(TEAM_OP_SESSION_END) },
        { "jws", FT_STR, TEAM_MAX_JWS, 0, REQ(jws), OP(TEAM_OP_GRANT_ADD), OP(TEAM_OP_GRANT_ADD) },
        { "duration", FT_SECONDS, TEAM_MAX_DURATION, 0, REQ(duration), OP(TEAM_OP_REQUEST), OP(TEAM_OP_REQUEST) },
        { "reason", FT_STR, TEAM_MAX_REASON, 0, REQ(reason), OP(TEAM_OP_REQUEST), 0 },
        { "ticket", FT_STR, TEAM_MAX_TICKET, 0, REQ(ticket), OP(TEAM_OP_REQUEST), 0 },
        { "request_id", FT_STR, TEAM_MAX_ID, FL_TOKEN, REQ(request_id),
          OP(TEAM_OP_REQUEST_WAIT) | OP(TEAM_OP_REQUEST_CANCEL), OP(TEAM_OP_REQUEST_WAIT) | OP(TEAM_OP_REQUEST_CANCEL) },
        { "timeout", FT_SECONDS, TEAM_MAX_WAIT, 0, REQ(timeout), OP(TEAM_OP_REQUEST_WAIT), OP(TEAM_OP_REQUEST_WAIT) },
};

/* "ok" and "error" are handled before the table. */
static const struct field response_fields[] = {
        { "decision", FT_DECISION, 0, 0, RSP(decision), OPS_DECIDE, OPS_DECIDE },
        { "grant_id", FT_STR, TEAM_MAX_ID, 0, RSP(grant_id), OPS_DECIDE | OP(TEAM_OP_GRANT_ADD) | OPS_REQUEST,
          OP(TEAM_OP_GRANT_ADD) },
        { "expires", FT_TIME, 0, 0, RSP(expires), OPS_DECIDE | OP(TEAM_OP_GRANT_ADD) | OPS_REQUEST, 0 },
        { "fail_open", FT_BOOL, 0, 0, RSP(fail_open), OPS_DECIDE, 0 },
        { "reason", FT_STR, TEAM_MAX_REASON, 0, RSP(reason), OPS_DECIDE | OPS_REQUEST, 0 },
        { "session_id", FT_STR, TEAM_MAX_ID, 0, RSP(session_id), OP(TEAM_OP_SESSION_OPEN), 0 },
        { "host_id", FT_STR, TEAM_MAX_RHOST, 0, RSP(host_id), OP(TEAM_OP_STATUS), OP(TEAM_OP_STATUS) },
        { "api_state", FT_API_STATE, 0, 0, RSP(api_state), OP(TEAM_OP_STATUS), OP(TEAM_OP_STATUS) },
        { "api_since", FT_TIME, 0, 0, RSP(api_since), OP(TEAM_OP_STATUS), 0 },
        { "api_problem", FT_STR, TEAM_MAX_REASON, 0, RSP(api_problem), OP(TEAM_OP_STATUS), 0 },
        { "grants_total", FT_COUNT, TEAM_MAX_COUNT, 0, RSP(grants_total), OP(TEAM_OP_STATUS), 0 },
        { "grants", FT_LIST, 0, 0, RSP(grants), OP(TEAM_OP_STATUS), OP(TEAM_OP_STATUS) },
        { "requests", FT_LIST, 0, 0, RSP(requests), OP(TEAM_OP_STATUS), 0 },
        { "request_id", FT_STR, TEAM_MAX_ID, FL_TOKEN, RSP(request_id), OPS_REQUEST, 0 },
        { "status", FT_STR, TEAM_MAX_REQUEST_STATUS, FL_TOKEN, RSP(request_status), OPS_REQUEST, OPS_REQUEST },
        { "approvers", FT_STR, TEAM_MAX_APPROVERS, FL_EMPTY_OK, RSP(approvers), OP(TEAM_OP_REQUEST), 0 },
        { "request_expires", FT_TIME, 0, 0, RSP(request_expires), OPS_REQUEST, 0 },
        { "ticket_required", FT_BOOL, 0, 0, RSP(ticket_required), OP(TEAM_OP_REQUEST), 0 },
        { "audit_sinks", FT_STR, TEAM_MAX_SINKS, FL_EMPTY_OK, RSP(audit_sinks), OP(TEAM_OP_STATUS), 0 },
        { "audit_depth", FT_COUNT, TEAM_MAX_COUNT, 0, RSP(audit_depth), OP(TEAM_OP_STATUS), 0 },
        { "audit_evicted", FT_COUNT, TEAM_MAX_COUNT, 0, RSP(audit_evicted), OP(TEAM_OP_STATUS), 0 },
        { "audit_dead", FT_COUNT, TEAM_MAX_COUNT, 0, RSP(audit_dead), OP(TEAM_OP_STATUS), 0 },
        { "audit_last_delivery", FT_TIME, 0, 0, RSP(audit_last_delivery), OP(TEAM_OP_STATUS), 0 },
        { "audit_host_key", FT_STR, TEAM_MAX_HOST_KEY, 0, RSP(audit_host_key), OP(TEAM_OP_STATUS), 0 },
        { "audit_seq", FT_COUNT, TEAM_MAX_COUNT, 0, RSP(audit_seq), OP(TEAM_OP_STATUS), 0 },
        { "sessions", FT_LIST, 0, 0, RSP(sessions), OP(TEAM_OP_STATUS) | OP(TEAM_OP_SESSIONS), OP(TEAM_OP_SESSIONS) },
        { "sessions_total", FT_COUNT, TEAM_MAX_COUNT, 0, RSP(sessions_total), OP(TEAM_OP_SESSIONS), 0 },
};

static const struct field grant_fields[] = {
        { "id", FT_STR, TEAM_MAX_ID, 0, GRT(id), OPS_ALL, OPS_ALL },
        { "user", FT_STR, TEAM_MAX_USER, 0, GRT(user), OPS_ALL, 0 },
        { "role", FT_STR, TEAM_MAX_ROLE, FL_TOKEN, GRT(role), OPS_ALL, OPS_ALL },
        { "reason", FT_STR, TEAM_MAX_REASON, FL_EMPTY_OK, GRT(reason), OPS_ALL, 0 },
        { "nbf", FT_TIME, 0, 0, GRT(nbf), OPS_ALL, OPS_ALL },
        { "exp", FT_TIME, 0, 0, GRT(exp), OPS_ALL, OPS_ALL },
};

#define RQS(f) offsetof(struct team_request_summary, f)

static const struct field request_summary_fields[] = {
        { "id", FT_STR, TEAM_MAX_ID, FL_TOKEN, RQS(id), OPS_ALL, OPS_ALL },
        { "role", FT_STR, TEAM_MAX_ROLE, FL_TOKEN, RQS(role), OPS_ALL, OPS_ALL },
        { "expires", FT_TIME, 0, 0, RQS(expires), OPS_ALL, 0 },
};

static const struct field session_fields[] = {
        { "id", FT_STR, TEAM_MAX_ID, FL_TOKEN, SES(id), OPS_ALL, OPS_ALL },
        { "user", FT_STR, TEAM_MAX_USER, 0, SES(user), OPS_ALL, OPS_ALL },
        { "role", FT_STR, TEAM_MAX_ROLE, FL_TOKEN, SES(role), OPS_ALL, OPS_ALL },
        { "grant_id", FT_STR, TEAM_MAX_ID, 0, SES(grant_id), OPS_ALL, 0 },
        { "breakglass_id", FT_STR, TEAM_MAX_ID, FL_TOKEN, SES(breakglass_id), OPS_ALL, 0 },
        { "tty", FT_STR, TEAM_MAX_TTY, FL_EMPTY_OK, SES(tty), OPS_ALL, 0 },
        { "hold", FT_STR, TEAM_MAX_ROLE, FL_TOKEN, SES(hold), OPS_ALL, 0 },
        { "opened", FT_TIME, 0, 0, SES(opened), OPS_ALL, OPS_ALL },
        { "exp", FT_TIME, 0, 0, SES(exp), OPS_ALL, 0 },
};

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* A packed tag is one byte and the decoder keeps the tags it saw in one
 * uint64_t: no table may grow past 64 rows. */
_Static_assert(N_ELEMENTS(request_fields) <= 64, "request table too long for packed tags");
_Static_assert(N_ELEMENTS(response_fields) <= 64, "response table too long for packed tags");
_Static_assert(N_ELEMENTS(grant_fields) <= 64, "grant table too long for packed tags");
_Static_assert(N_ELEMENTS(request_summary_fields) <= 64, "request summary table too long for packed tags");
_Static_assert(N_ELEMENTS(session_fields) <= 64, "session table too long for packed tags");

const struct field_table proto_request_table = { request_fields, N_ELEMENTS(request_fields) };
const struct field_table proto_response_table = { response_fields, N_ELEMENTS(response_fields) };
const struct field_table proto_grant_table = { grant_fields, N_ELEMENTS(grant_fields) };
const struct field_table proto_request_summary_table = { request_summary_fields, N_ELEMENTS(request_summary_fields) };
static const struct field_table proto_session_table = { session_fields, N_ELEMENTS(session_fields) };

static const struct list_field list_fields[] = {
        { "grants", RSP(n_grants), sizeof(struct team_grant_summary), TEAM_MAX_STATUS_GRANTS, &proto_grant_table,
          "grants is not an array", "too many grants", "grant is not an object" },
        { "requests", RSP(n_requests), sizeof(struct team_request_summary), TEAM_MAX_STATUS_REQUESTS,
          &proto_request_summary_table, "requests is not an array", "too many requests",
          "request is not an object" },
        { "sessions", RSP(n_sessions), sizeof(struct team_session_summary), TEAM_MAX_LIST_SESSIONS,
          &proto_session_table, "sessions is not an array", "too many sessions", "session is not an object" },
};

const struct list_field *proto_list_field(const char *name)
{
        for (size_t i = 0; i < N_ELEMENTS(list_fields); i++)
                if (strcmp(list_fields[i].name, name) == 0)
                        return &list_fields[i];
        return NULL;
}
int proto_list_alloc(const struct list_field *lf, const struct field *f, void *base, size_t n, const char **why)
{
        char **elems = field_ptr(base, f);

        if (n > lf->max) {
                *why = lf->too_many;
                return -EBADMSG;
        }
        if (n == 0)
                return 0;
        *elems = calloc(n, lf->elem_size);
        if (!*elems)
                return -ENOMEM;
        *(size_t *)((char *)base + lf->count_offset) = n;
        return 0;
}

const struct field proto_error_field = { "error", FT_STR, TEAM_MAX_REASON, 0, RSP(error), OPS_ALL, 0 };


static const char *const op_names[TEAM_OP__MAX] = {
        [TEAM_OP_CHECK] = "check",
        [TEAM_OP_SESSION_OPEN] = "session_open",
        [TEAM_OP_SESSION_CLOSE] = "session_close",
        [TEAM_OP_GRANT_ADD] = "grant_add",
        [TEAM_OP_STATUS] = "status",
        [TEAM_OP_REQUEST] = "request",
        [TEAM_OP_REQUEST_WAIT] = "request_wait",
        [TEAM_OP_REQUEST_CANCEL] = "request_cancel",
        [TEAM_OP_SESSIONS] = "sessions",
        [TEAM_OP_SESSION_END] = "session_end",
};

static const char *const decision_names[] = {
        [TEAM_DECISION_NONE] = "none",
        [TEAM_DECISION_ALLOW] = "allow",
        [TEAM_DECISION_DENY] = "deny",
        [TEAM_DECISION_PENDING] = "pending",
};

static const char *const api_state_names[] = {
        [TEAM_API_UNCONFIGURED] = "unconfigured",
        [TEAM_API_REACHABLE] = "reachable",
        [TEAM_API_UNREACHABLE] = "unreachable",
        [TEAM_API_FAILING] = "failing",
};

const char *team_op_to_string(enum team_op op)
{
        if ((unsigned)op >= TEAM_OP__MAX)
                return NULL;
        return op_names[op];
}

int team_op_from_string(const char *s, enum team_op *out)
{
        unsigned i;

        if (!s || !out)
                return -EINVAL;
        for (i = 0; i < TEAM_OP__MAX; i++) {
                if (strcmp(s, op_names[i]) == 0) {
                        *out = (enum team_op)i;
                        return 0;
                }
        }
        return -EINVAL;
}

const char *team_decision_to_string(enum team_decision d)
{
        if ((unsigned)d >= N_ELEMENTS(decision_names))
                return NULL;
        return decision_names[d];
}

const char *team_api_state_to_string(enum team_api_state s)
{
        if ((unsigned)s >= N_ELEMENTS(api_state_names))
                return NULL;
        return api_state_names[s];
}

/* Wire text -> enum index for decision (never "none") and api_state. */
static int name_index(const char *const *names, size_t n, size_t first, const char *s)
{
        size_t i;

        for (i = first; i < n; i++)
                if (strcmp(s, names[i]) == 0)
                        return (int)i;
        return -1;
}

int proto_decision_from_string(const char *s)
{
        return name_index(decision_names, N_ELEMENTS(decision_names), TEAM_DECISION_ALLOW, s);
}

int proto_api_state_from_string(const char *s)
{
        return name_index(api_state_names, N_ELEMENTS(api_state_names), 0, s);
}


/* ---- string checks shared by both directions ---- */

const char *proto_check_string(const struct field *f, const char *s, size_t len)
{
        if (len > f->cap)
                return "string field too long";
        if (len == 0 && !(f->flags & FL_EMPTY_OK))
                return "string field is empty";
        if (strlen(s) != len)
                return "string field contains a NUL byte";
        if (!team_text_is_printable(s, len))
                return "string field contains a control character";
        if ((f->flags & FL_TOKEN) && !is_valid_token_name(s, f->cap))
                return "role is not a valid name";
        return NULL;
}

/* ---- encoding: one walk of the tables, two encodings ---- */

/* The number rules of FT_TIME, FT_SECONDS and FT_COUNT: NULL when v may be
 * sent as field f, else why not. */
const char *proto_check_number(const struct field *f, int64_t v)
{
        switch (f->type) {
        case FT_TIME:
                return v < 0 || v > PROTO_MAX_TIME ? "time out of range" : NULL;
        case FT_SECONDS:
                return v < 1 || (uint64_t)v > f->cap ? "number of seconds out of range" : NULL;
        case FT_COUNT:
                return v < 0 || (uint64_t)v > f->cap ? "count out of range" : NULL;
        default:
                return "field has the wrong type";
        }
}

/* NULL when v is a value of field f's enum (a decision other than "none",
 * any api_state), else why not. */
const char *proto_check_enum(const struct field *f, unsigned v)
{
        if (f->type == FT_DECISION)
                return v >= TEAM_DECISION_ALLOW && v < N_ELEMENTS(decision_names) ? NULL : "unknown decision";
        if (f->type == FT_API_STATE)
                return v < N_ELEMENTS(api_state_names) ? NULL : "unknown api_state";
        return "field has the wrong type";
}

const char *proto_enum_name(const struct field *f, unsigned v)
{
        return f->type == FT_DECISION ? decision_names[v] : api_state_names[v];
}

const char *proto_check_response(enum team_op op, const struct team_response *resp)
{
        if (resp->ok && (op == TEAM_OP_CHECK || op == TEAM_OP_SESSION_OPEN) &&
            resp->decision == TEAM_DECISION_ALLOW && !resp->fail_open && !resp->grant_id)
                return "allow without grant_id";
        return NULL;
}

static int walk_list(const struct field *f, size_t tag, const void *base, unsigned op,
                     const struct proto_emitter *em, void *ctx);

/* Emits, in table order, the fields of table that op allows and base has;
 * -EINVAL when a value breaks its field's rule or a required one is
 * missing. Lists only at the top (lists). */
static int walk_fields(const struct field_table *table, unsigned op, const void *base, bool lists,
                       const struct proto_emitter *em, void *ctx)
{
        size_t i;
        int r = 0;

        for (i = 0; i < table->n && r == 0; i++) {
                const struct field *f = &table->fields[i];
                const void *p = (const char *)base + f->offset;
                bool required = f->required & OP(op);
                size_t tag = i + 1;

                if (!(f->allowed & OP(op)))
                        continue;
                switch (f->type) {
                case FT_STR: {
                        const char *s = *(char *const *)p;

                        if (!s)
                                r = required ? -EINVAL : 0;
                        else if (proto_check_string(f, s, strlen(s)))
                                r = -EINVAL;
                        else
                                r = em->string(ctx, f, tag, s, strlen(s));
                        break;
                }
                case FT_BOOL:
                        if (*(const bool *)p || required)
                                r = em->boolean(ctx, f, tag, *(const bool *)p);
                        break;
                case FT_TIME:
                case FT_SECONDS:
                case FT_COUNT: {
                        int64_t v = *(const int64_t *)p;

                        if (v == 0 && !required)
                                break;
                        r = proto_check_number(f, v) ? -EINVAL : em->number(ctx, f, tag, v);
                        break;
                }
                case FT_DECISION:
                case FT_API_STATE: {
                        unsigned v = f->type == FT_DECISION ? (unsigned)*(const enum team_decision *)p
                                                            : (unsigned)*(const enum team_api_state *)p;

                        if (f->type == FT_DECISION && v == TEAM_DECISION_NONE)
                                r = required ? -EINVAL : 0;
                        else
                                r = proto_check_enum(f, v) ? -EINVAL : em->enumerated(ctx, f, tag, v);
                        break;
                }
                case FT_LIST:
                        r = lists ? walk_list(f, tag, base, op, em, ctx) : -EINVAL;
                        break;
                }
        }
        return r;
}

static int walk_list(const struct field *f, size_t tag, const void *base, unsigned op,
                     const struct proto_emitter *em, void *ctx)
{
        const struct list_field *lf = proto_list_field(f->name);
        const char *elems;
        size_t i, n;
        int r;

        if (!lf)
                return -EINVAL;
        n = *(const size_t *)((const char *)base + lf->count_offset);
        elems = *(const char *const *)((const char *)base + f->offset);
        if (n > lf->max || (n > 0 && !elems))
                return -EINVAL;
        if (n == 0 && !(f->required & OP(op)))
                return 0;
        r = em->list_open(ctx, f, tag, n);
        for (i = 0; r == 0 && i < n; i++) {
                r = em->elem_open(ctx);
                if (r == 0)
                        r = walk_fields(lf->elem, op, elems + i * lf->elem_size, false, em, ctx);
                r = em->elem_close(ctx, r);
        }
        return r == 0 ? em->list_close(ctx) : r;
}

int proto_walk_request(const struct team_request *req, const struct proto_emitter *em, void *ctx)
{
        int r;

        if ((unsigned)req->op >= TEAM_OP__MAX)
                return -EINVAL;
        r = em->op(ctx, req->op);
        return r < 0 ? r : walk_fields(&proto_request_table, req->op, req, false, em, ctx);
}

int proto_walk_response(enum team_op op, const struct team_response *resp, const struct proto_emitter *em,
                        void *ctx)
{
        int r;

        if ((unsigned)op >= TEAM_OP__MAX)
                return -EINVAL;
        /* A refusal carries only its reason. */
        if (!resp->ok && (!resp->error || proto_check_string(&proto_error_field, resp->error, strlen(resp->error))))
                return -EINVAL;
        if (proto_check_response(op, resp))
                return -EINVAL;
        r = em->outcome(ctx, resp->ok, resp->ok ? NULL : resp->error);
        if (r < 0 || !resp->ok)
                return r;
        return walk_fields(&proto_response_table, op, resp, true, em, ctx);
}

/* Through the table, like the decoders that stored them: the struct's
 * members are const (a view), the decoded strings they point at are ours. */
void team_request_clear(struct team_request *req)
{
        if (!req)
                return;
        for (size_t i = 0; i < proto_request_table.n; i++) {
                const struct field *f = &proto_request_table.fields[i];

                if (f->type == FT_STR)
                        free(*(char **)field_ptr(req, f));
        }
        memset(req, 0, sizeof(*req));
}

void team_response_clear(struct team_response *resp)
{
        size_t i;

        if (!resp)
                return;
        free(resp->error);
        free(resp->grant_id);
        free(resp->reason);
        free(resp->session_id);
        free(resp->host_id);
        free(resp->audit_sinks);
        free(resp->audit_host_key);
        free(resp->api_problem);
        for (i = 0; resp->grants && i < resp->n_grants; i++) {
                free(resp->grants[i].id);
                free(resp->grants[i].user);
                free(resp->grants[i].role);
                free(resp->grants[i].reason);
        }
        free(resp->grants);
        for (i = 0; resp->requests && i < resp->n_requests; i++) {
                free(resp->requests[i].id);
                free(resp->requests[i].role);
        }
        free(resp->requests);
        for (i = 0; resp->sessions && i < resp->n_sessions; i++) {
                struct team_session_summary *x = &resp->sessions[i];
                free(x->id);
                free(x->user);
                free(x->role);
                free(x->grant_id);
                free(x->breakglass_id);
                free(x->tty);
                free(x->hold);
        }
        free(resp->sessions);
        free(resp->request_id);
        free(resp->request_status);
        free(resp->approvers);
        memset(resp, 0, sizeof(*resp));
}
