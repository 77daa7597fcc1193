/* The pam_team <-> teamd payload codec (see protocol.h, docs/protocol.md).
 *
 * Every field of every op is one row of a table: its wire name, its type,
 * its length cap, where it lives in the C struct, the ops that may carry it
 * and the ops that must. The encoders and the decoders walk the same table,
 * so whatever one side emits the other accepts, and nothing else. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "parse.h"
#include "protocol.h"

/* Top level object -> "grants" array -> grant object: 3 levels; json-c
 * refuses to open a level when depth >= max_depth - 1. */
#define PROTO_MAX_DEPTH 4
/* Timestamps: 0 .. 9999-12-31T23:59:59Z. */
#define PROTO_MAX_TIME INT64_C(253402300799)

#define OP(o) (1u << (o))
#define OPS_ALL (OP(TEAM_OP__MAX) - 1u)
#define OPS_PAM (OP(TEAM_OP_CHECK) | OP(TEAM_OP_SESSION_OPEN) | OP(TEAM_OP_SESSION_CLOSE))
#define OPS_DECIDE (OP(TEAM_OP_CHECK) | OP(TEAM_OP_SESSION_OPEN))

enum field_type {
        FT_STR,       /* char * */
        FT_BOOL,      /* bool */
        FT_TIME,      /* int64_t, 0..PROTO_MAX_TIME */
        FT_DECISION,  /* enum team_decision, "allow"/"deny"/"pending" */
        FT_API_STATE, /* enum team_api_state */
        FT_GRANTS,    /* n_grants + grants (team_response only) */
};

#define FL_EMPTY_OK 0x1 /* "" is a valid value */
#define FL_TOKEN 0x2    /* [A-Za-z0-9._-], see is_valid_token_name() */

struct field {
        const char *name;
        enum field_type type;
        size_t cap;
        unsigned flags;
        size_t offset;
        unsigned allowed;  /* ops that may carry it */
        unsigned required; /* ops that must (responses: only when ok) */
};

#define REQ(f) offsetof(struct team_request, f)
#define RSP(f) offsetof(struct team_response, f)
#define GRT(f) offsetof(struct team_grant_summary, f)

static const struct field request_fields[] = {
        { "user", FT_STR, TEAM_MAX_USER, 0, REQ(user), OPS_PAM, OPS_PAM },
        { "role", FT_STR, TEAM_MAX_ROLE, FL_TOKEN, REQ(role), OPS_PAM, OPS_PAM },
        { "service", FT_STR, TEAM_MAX_SERVICE, 0, REQ(service), OPS_PAM, OPS_PAM },
        { "tty", FT_STR, TEAM_MAX_TTY, FL_EMPTY_OK, REQ(tty), OPS_PAM, 0 },
        { "rhost", FT_STR, TEAM_MAX_RHOST, FL_EMPTY_OK, REQ(rhost), OPS_PAM, 0 },
        { "failmode_safe", FT_BOOL, 0, 0, REQ(failmode_safe), OPS_DECIDE, 0 },
        { "session_id", FT_STR, TEAM_MAX_ID, 0, REQ(session_id), OP(TEAM_OP_SESSION_CLOSE), OP(TEAM_OP_SESSION_CLOSE) },
        { "jws", FT_STR, TEAM_MAX_JWS, 0, REQ(jws), OP(TEAM_OP_GRANT_ADD), OP(TEAM_OP_GRANT_ADD) },
};

/* "ok" and "error" are handled before the table. */
static const struct field response_fields[] = {
        { "decision", FT_DECISION, 0, 0, RSP(decision), OPS_DECIDE, OPS_DECIDE },
        { "grant_id", FT_STR, TEAM_MAX_ID, 0, RSP(grant_id), OPS_DECIDE | OP(TEAM_OP_GRANT_ADD), OP(TEAM_OP_GRANT_ADD) },
        { "expires", FT_TIME, 0, 0, RSP(expires), OPS_DECIDE | OP(TEAM_OP_GRANT_ADD), 0 },
        { "fail_open", FT_BOOL, 0, 0, RSP(fail_open), OPS_DECIDE, 0 },
        { "reason", FT_STR, TEAM_MAX_REASON, 0, RSP(reason), OPS_DECIDE, 0 },
        { "session_id", FT_STR, TEAM_MAX_ID, 0, RSP(session_id), OP(TEAM_OP_SESSION_OPEN), 0 },
        { "host_id", FT_STR, TEAM_MAX_RHOST, 0, RSP(host_id), OP(TEAM_OP_STATUS), OP(TEAM_OP_STATUS) },
        { "api_state", FT_API_STATE, 0, 0, RSP(api_state), OP(TEAM_OP_STATUS), OP(TEAM_OP_STATUS) },
        { "api_since", FT_TIME, 0, 0, RSP(api_since), OP(TEAM_OP_STATUS), 0 },
        { "grants", FT_GRANTS, 0, 0, 0, OP(TEAM_OP_STATUS), OP(TEAM_OP_STATUS) },
};

static const struct field grant_fields[] = {
        { "id", FT_STR, TEAM_MAX_ID, 0, GRT(id), OPS_ALL, OPS_ALL },
        { "role", FT_STR, TEAM_MAX_ROLE, FL_TOKEN, GRT(role), OPS_ALL, OPS_ALL },
        { "reason", FT_STR, TEAM_MAX_REASON, FL_EMPTY_OK, GRT(reason), OPS_ALL, 0 },
        { "nbf", FT_TIME, 0, 0, GRT(nbf), OPS_ALL, OPS_ALL },
        { "exp", FT_TIME, 0, 0, GRT(exp), OPS_ALL, OPS_ALL },
};

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const op_names[TEAM_OP__MAX] = {
        [TEAM_OP_CHECK] = "check",
        [TEAM_OP_SESSION_OPEN] = "session_open",
        [TEAM_OP_SESSION_CLOSE] = "session_close",
        [TEAM_OP_GRANT_ADD] = "grant_add",
        [TEAM_OP_STATUS] = "status",
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

/* ---- string checks shared by both directions ---- */

/* NULL when s (of length len) may be sent as field f, else why not. */
static const char *check_string(const struct field *f, const char *s, size_t len)
{
        size_t i;

        if (len > f->cap)
                return "string field too long";
        if (len == 0 && !(f->flags & FL_EMPTY_OK))
                return "string field is empty";
        if (strlen(s) != len)
                return "string field contains a NUL byte";
        for (i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c < 0x20 || c == 0x7f)
                        return "string field contains a control character";
                /* U+0080..U+009F (C1 controls, e.g. CSI) in UTF-8 */
                if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
                    (unsigned char)s[i + 1] <= 0x9f)
                        return "string field contains a control character";
        }
        if ((f->flags & FL_TOKEN) && !is_valid_token_name(s, f->cap))
                return "role is not a valid name";
        return NULL;
}

static void *field_ptr(void *base, const struct field *f)
{
        return (char *)base + f->offset;
}

/* ---- encoding ---- */

static int add(struct json_object *obj, const char *name, struct json_object *val)
{
        if (!val)
                return -ENOMEM;
        if (json_object_object_add(obj, name, val) < 0) {
                json_object_put(val);
                return -ENOMEM;
        }
        return 0;
}

static int encode_grants(struct json_object *obj, const struct team_response *resp, unsigned op);

/* Emits the fields of table that op allows and base has. */
static int encode_fields(struct json_object *obj, const struct field *table, size_t n, unsigned op,
                         const void *base, const struct team_response *resp)
{
        size_t i;
        int r = 0;

        for (i = 0; i < n && r == 0; i++) {
                const struct field *f = &table[i];
                const void *p = (const char *)base + f->offset;
                bool required = f->required & OP(op);

                if (!(f->allowed & OP(op)))
                        continue;
                switch (f->type) {
                case FT_STR: {
                        const char *s = *(char *const *)p;

                        if (!s) {
                                r = required ? -EINVAL : 0;
                                break;
                        }
                        if (check_string(f, s, strlen(s)))
                                r = -EINVAL;
                        else
                                r = add(obj, f->name, json_object_new_string(s));
                        break;
                }
                case FT_BOOL:
                        if (*(const bool *)p || required)
                                r = add(obj, f->name, json_object_new_boolean(*(const bool *)p));
                        break;
                case FT_TIME: {
                        int64_t t = *(const int64_t *)p;

                        if (t < 0 || t > PROTO_MAX_TIME)
                                r = -EINVAL;
                        else if (t != 0 || required)
                                r = add(obj, f->name, json_object_new_int64(t));
                        break;
                }
                case FT_DECISION: {
                        enum team_decision d = *(const enum team_decision *)p;

                        if ((unsigned)d >= N_ELEMENTS(decision_names) || (d == TEAM_DECISION_NONE && required))
                                r = -EINVAL;
                        else if (d != TEAM_DECISION_NONE)
                                r = add(obj, f->name, json_object_new_string(decision_names[d]));
                        break;
                }
                case FT_API_STATE: {
                        enum team_api_state s = *(const enum team_api_state *)p;

                        if ((unsigned)s >= N_ELEMENTS(api_state_names))
                                r = -EINVAL;
                        else
                                r = add(obj, f->name, json_object_new_string(api_state_names[s]));
                        break;
                }
                case FT_GRANTS:
                        r = resp ? encode_grants(obj, resp, op) : -EINVAL;
                        break;
                }
        }
        return r;
}

static int encode_grants(struct json_object *obj, const struct team_response *resp, unsigned op)
{
        struct json_object *arr, *g;
        size_t i;
        int r;

        if (resp->n_grants > TEAM_MAX_STATUS_GRANTS || (resp->n_grants > 0 && !resp->grants))
                return -EINVAL;
        arr = json_object_new_array();
        r = add(obj, "grants", arr);
        for (i = 0; r == 0 && i < resp->n_grants; i++) {
                g = json_object_new_object();
                if (!g) {
                        r = -ENOMEM;
                        break;
                }
                r = encode_fields(g, grant_fields, N_ELEMENTS(grant_fields), op, &resp->grants[i], NULL);
                if (r == 0 && json_object_array_add(arr, g) < 0)
                        r = -ENOMEM;
                if (r < 0)
                        json_object_put(g);
        }
        return r;
}

/* Serialises obj (consumed) into a malloc'd string within the frame cap. */
static int finish(struct json_object *obj, int r, char **out, size_t *len)
{
        const char *text;
        size_t n = 0;

        if (r < 0)
                goto out;
        text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
        if (!text) {
                r = -ENOMEM;
                goto out;
        }
        if (n == 0 || n > TEAM_PROTO_MAX_FRAME) {
                r = -EMSGSIZE;
                goto out;
        }
        *out = strndup(text, n);
        if (!*out) {
                r = -ENOMEM;
                goto out;
        }
        if (len)
                *len = n;
out:
        json_object_put(obj);
        return r;
}

int team_request_encode(const struct team_request *req, char **out, size_t *len)
{
        struct json_object *obj;
        int r;

        if (!req || !out || (unsigned)req->op >= TEAM_OP__MAX)
                return -EINVAL;
        *out = NULL;
        obj = json_object_new_object();
        if (!obj)
                return -ENOMEM;
        r = add(obj, "v", json_object_new_int(TEAM_PROTO_VERSION));
        if (r == 0)
                r = add(obj, "op", json_object_new_string(op_names[req->op]));
        if (r == 0)
                r = encode_fields(obj, request_fields, N_ELEMENTS(request_fields), req->op, req, NULL);
        return finish(obj, r, out, len);
}

int team_response_encode(enum team_op op, const struct team_response *resp, char **out, size_t *len)
{
        static const struct field error_field = { "error", FT_STR, TEAM_MAX_REASON, 0, RSP(error), OPS_ALL, 0 };
        struct json_object *obj;
        int r;

        if (!resp || !out || (unsigned)op >= TEAM_OP__MAX)
                return -EINVAL;
        *out = NULL;
        obj = json_object_new_object();
        if (!obj)
                return -ENOMEM;
        r = add(obj, "v", json_object_new_int(TEAM_PROTO_VERSION));
        if (r == 0)
                r = add(obj, "ok", json_object_new_boolean(resp->ok));
        if (r < 0)
                goto out;
        if (!resp->ok) {
                /* A refusal carries only its reason. */
                if (!resp->error || check_string(&error_field, resp->error, strlen(resp->error)))
                        r = -EINVAL;
                else
                        r = add(obj, "error", json_object_new_string(resp->error));
                goto out;
        }
        if ((op == TEAM_OP_CHECK || op == TEAM_OP_SESSION_OPEN) && resp->decision == TEAM_DECISION_ALLOW &&
            !resp->fail_open && !resp->grant_id) {
                r = -EINVAL;
                goto out;
        }
        r = encode_fields(obj, response_fields, N_ELEMENTS(response_fields), op, resp, resp);
out:
        return finish(obj, r, out, len);
}

/* ---- decoding ---- */

/* buf -> a JSON object, or -EBADMSG and why. */
static int parse_object(const char *buf, size_t len, struct json_object **out, const char **why)
{
        struct json_tokener *tok = NULL;
        struct json_object *obj = NULL;
        enum json_tokener_error jerr;
        int r = -EBADMSG;

        *out = NULL;
        if (!buf || len == 0) {
                *why = "empty payload";
                return -EBADMSG;
        }
        if (len > TEAM_PROTO_MAX_FRAME) {
                *why = "payload too large";
                return -EBADMSG;
        }
        if (memchr(buf, '\0', len) || memmem(buf, len, "\\u0000", 6)) {
                *why = "payload contains a NUL byte";
                return -EBADMSG;
        }
        if (buf[0] != '{') {
                *why = "payload is not a JSON object";
                return -EBADMSG;
        }
        tok = json_tokener_new_ex(PROTO_MAX_DEPTH);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        obj = json_tokener_parse_ex(tok, buf, (int)len);
        jerr = json_tokener_get_error(tok);
        if (!obj || jerr != json_tokener_success) {
                *why = jerr == json_tokener_error_depth ? "JSON nested too deeply" : "malformed JSON";
                goto out;
        }
        /* json-c skips blanks after the object; we want none at all. */
        if (json_tokener_get_parse_end(tok) != len || buf[len - 1] != '}') {
                *why = "trailing bytes after the JSON object";
                goto out;
        }
        if (!json_object_is_type(obj, json_type_object)) {
                *why = "payload is not a JSON object";
                goto out;
        }
        *out = obj;
        obj = NULL;
        r = 0;
out:
        json_object_put(obj);
        json_tokener_free(tok);
        return r;
}

static int decode_fields(struct json_object *obj, const struct field *table, size_t n, unsigned op,
                         void *base, const char *const *skip, bool check_required, const char **why);

/* A malloc'd copy of a JSON string that passes field f's checks. */
static int decode_string(const struct field *f, struct json_object *val, char **out, const char **why)
{
        const char *s;
        int len;

        if (!json_object_is_type(val, json_type_string)) {
                *why = "field has the wrong type (want a string)";
                return -EBADMSG;
        }
        s = json_object_get_string(val);
        len = json_object_get_string_len(val);
        if (!s || len < 0) {
                *why = "malformed string";
                return -EBADMSG;
        }
        *why = check_string(f, s, (size_t)len);
        if (*why)
                return -EBADMSG;
        *out = strndup(s, (size_t)len);
        return *out ? 0 : -ENOMEM;
}

static int decode_grants(struct json_object *val, struct team_response *resp, unsigned op, const char **why)
{
        size_t i, n;
        int r = 0;

        if (!json_object_is_type(val, json_type_array)) {
                *why = "grants is not an array";
                return -EBADMSG;
        }
        n = json_object_array_length(val);
        if (n > TEAM_MAX_STATUS_GRANTS) {
                *why = "too many grants";
                return -EBADMSG;
        }
        if (n == 0)
                return 0;
        resp->grants = calloc(n, sizeof(*resp->grants));
        if (!resp->grants)
                return -ENOMEM;
        resp->n_grants = n;
        for (i = 0; i < n && r == 0; i++) {
                struct json_object *g = json_object_array_get_idx(val, i);

                if (!json_object_is_type(g, json_type_object)) {
                        *why = "grant is not an object";
                        return -EBADMSG;
                }
                r = decode_fields(g, grant_fields, N_ELEMENTS(grant_fields), op, &resp->grants[i], NULL, true, why);
        }
        return r;
}

static int decode_value(const struct field *f, struct json_object *val, void *base, unsigned op, const char **why)
{
        void *p = field_ptr(base, f);
        const char *s;
        int64_t t;
        int i;

        switch (f->type) {
        case FT_STR:
                return decode_string(f, val, (char **)p, why);
        case FT_BOOL:
                if (!json_object_is_type(val, json_type_boolean))
                        break;
                *(bool *)p = json_object_get_boolean(val);
                return 0;
        case FT_TIME:
                if (!json_object_is_type(val, json_type_int))
                        break;
                t = json_object_get_int64(val);
                if (t < 0 || t > PROTO_MAX_TIME) {
                        *why = "time out of range";
                        return -EBADMSG;
                }
                *(int64_t *)p = t;
                return 0;
        case FT_DECISION:
        case FT_API_STATE:
                if (!json_object_is_type(val, json_type_string))
                        break;
                s = json_object_get_string(val);
                if (f->type == FT_DECISION)
                        i = name_index(decision_names, N_ELEMENTS(decision_names), 1, s);
                else
                        i = name_index(api_state_names, N_ELEMENTS(api_state_names), 0, s);
                if (i < 0) {
                        *why = f->type == FT_DECISION ? "unknown decision" : "unknown api_state";
                        return -EBADMSG;
                }
                if (f->type == FT_DECISION)
                        *(enum team_decision *)p = (enum team_decision)i;
                else
                        *(enum team_api_state *)p = (enum team_api_state)i;
                return 0;
        case FT_GRANTS:
                return decode_grants(val, base, op, why);
        }
        *why = "field has the wrong type";
        return -EBADMSG;
}

static bool in_list(const char *const *list, const char *s)
{
        for (; list && *list; list++)
                if (strcmp(*list, s) == 0)
                        return true;
        return false;
}

/* Every member of obj must be in skip or a field of table that op allows. */
static int decode_fields(struct json_object *obj, const struct field *table, size_t n, unsigned op,
                         void *base, const char *const *skip, bool check_required, const char **why)
{
        size_t i;
        int r;

        json_object_object_foreach(obj, key, val) {
                const struct field *f = NULL;

                if (in_list(skip, key))
                        continue;
                for (i = 0; i < n; i++) {
                        if ((table[i].allowed & OP(op)) && strcmp(table[i].name, key) == 0) {
                                f = &table[i];
                                break;
                        }
                }
                if (!f) {
                        *why = "unknown field";
                        return -EBADMSG;
                }
                r = decode_value(f, val, base, op, why);
                if (r < 0)
                        return r;
        }
        if (!check_required)
                return 0;
        for (i = 0; i < n; i++) {
                if ((table[i].required & OP(op)) && !json_object_object_get_ex(obj, table[i].name, NULL)) {
                        *why = "a required field is missing";
                        return -EBADMSG;
                }
        }
        return 0;
}

static int check_version(struct json_object *obj, const char **why)
{
        struct json_object *v;

        if (!json_object_object_get_ex(obj, "v", &v)) {
                *why = "missing protocol version \"v\"";
                return -EBADMSG;
        }
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != TEAM_PROTO_VERSION) {
                *why = "unsupported protocol version";
                return -EBADMSG;
        }
        return 0;
}

int team_request_decode(const char *buf, size_t len, struct team_request *out, const char **why)
{
        static const char *const skip[] = { "v", "op", NULL };
        struct json_object *obj = NULL, *op;
        const char *dummy;
        int r;

        if (!why)
                why = &dummy;
        *why = NULL;
        if (!out)
                return -EINVAL;
        memset(out, 0, sizeof(*out));
        r = parse_object(buf, len, &obj, why);
        if (r < 0)
                return r;
        r = check_version(obj, why);
        if (r < 0)
                goto out;
        r = -EBADMSG;
        if (!json_object_object_get_ex(obj, "op", &op) || !json_object_is_type(op, json_type_string)) {
                *why = "missing op";
                goto out;
        }
        if (team_op_from_string(json_object_get_string(op), &out->op) < 0) {
                *why = "unknown op";
                goto out;
        }
        r = decode_fields(obj, request_fields, N_ELEMENTS(request_fields), out->op, out, skip, true, why);
out:
        if (r < 0)
                team_request_clear(out);
        json_object_put(obj);
        return r;
}

int team_response_decode(enum team_op op, const char *buf, size_t len, struct team_response *out, const char **why)
{
        static const char *const skip[] = { "v", "ok", "error", NULL };
        static const struct field error_field = { "error", FT_STR, TEAM_MAX_REASON, 0, RSP(error), OPS_ALL, 0 };
        struct json_object *obj = NULL, *val;
        const char *dummy;
        int r;

        if (!why)
                why = &dummy;
        *why = NULL;
        if (!out || (unsigned)op >= TEAM_OP__MAX)
                return -EINVAL;
        memset(out, 0, sizeof(*out));
        r = parse_object(buf, len, &obj, why);
        if (r < 0)
                return r;
        r = check_version(obj, why);
        if (r < 0)
                goto out;
        r = -EBADMSG;
        if (!json_object_object_get_ex(obj, "ok", &val) || !json_object_is_type(val, json_type_boolean)) {
                *why = "missing or mistyped \"ok\"";
                goto out;
        }
        out->ok = json_object_get_boolean(val);
        if (json_object_object_get_ex(obj, "error", &val)) {
                r = decode_string(&error_field, val, &out->error, why);
                if (r < 0)
                        goto out;
        } else if (!out->ok) {
                r = -EBADMSG;
                *why = "a refusal without \"error\"";
                goto out;
        }
        r = decode_fields(obj, response_fields, N_ELEMENTS(response_fields), op, out, skip, out->ok, why);
        if (r < 0)
                goto out;
        if (out->ok && out->decision == TEAM_DECISION_ALLOW && !out->fail_open && !out->grant_id) {
                r = -EBADMSG;
                *why = "allow without grant_id";
        }
out:
        if (r < 0)
                team_response_clear(out);
        json_object_put(obj);
        return r;
}

void team_request_clear(struct team_request *req)
{
        if (!req)
                return;
        free(req->user);
        free(req->role);
        free(req->service);
        free(req->tty);
        free(req->rhost);
        free(req->session_id);
        free(req->jws);
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
        for (i = 0; resp->grants && i < resp->n_grants; i++) {
                free(resp->grants[i].id);
                free(resp->grants[i].role);
                free(resp->grants[i].reason);
        }
        free(resp->grants);
        memset(resp, 0, sizeof(*resp));
}
