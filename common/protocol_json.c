/* SPDX-License-Identifier: BSD-3-Clause */
/* The JSON encoding of the teamd protocol (teamctl, the test tools; see
 * protocol.h, docs/protocol.md): the encoders, as an emitter of the one
 * walk of the tables in protocol.c. The decoders are in
 * protocol_json_decode.c. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "json_util.h"
#include "protocol.h"
#include "protocol_table.h"

/* Top level object -> "grants" array -> grant object. */
struct json_emit {
        struct json_object *stack[3];
        size_t depth; /* stack[depth - 1] is where members go */
};

static struct json_object *top(struct json_emit *e)
{
        return e->stack[e->depth - 1];
}

static int add(struct json_emit *e, const char *name, struct json_object *val)
{
        return team_json_add(top(e), name, val);
}

static int emit_op(void *ctx, enum team_op op)
{
        return add(ctx, "op", json_object_new_string(team_op_to_string(op)));
}

static int emit_outcome(void *ctx, bool ok, const char *error)
{
        int r = add(ctx, "ok", json_object_new_boolean(ok));

        if (r == 0 && error)
                r = add(ctx, "error", json_object_new_string(error));
        return r;
}

static int emit_string(void *ctx, const struct field *f, size_t tag, const char *s, size_t len)
{
        (void)tag;
        return add(ctx, f->name, json_object_new_string_len(s, (int)len));
}

static int emit_boolean(void *ctx, const struct field *f, size_t tag, bool v)
{
        (void)tag;
        return add(ctx, f->name, json_object_new_boolean(v));
}

static int emit_number(void *ctx, const struct field *f, size_t tag, int64_t v)
{
        (void)tag;
        return add(ctx, f->name, json_object_new_int64(v));
}

static int emit_enumerated(void *ctx, const struct field *f, size_t tag, unsigned v)
{
        (void)tag;
        return add(ctx, f->name, json_object_new_string(proto_enum_name(f, v)));
}

static int emit_list_open(void *ctx, const struct field *f, size_t tag, size_t n)
{
        struct json_emit *e = ctx;
        struct json_object *arr = json_object_new_array();
        int r;

        (void)tag;
        (void)n;
        if (e->depth != 1)
                return -EINVAL;
        r = add(e, f->name, arr); /* the object owns it now */
        if (r == 0)
                e->stack[e->depth++] = arr;
        return r;
}

static int emit_elem_open(void *ctx)
{
        struct json_emit *e = ctx;
        struct json_object *g;

        if (e->depth != 2)
                return -EINVAL;
        g = json_object_new_object();
        if (!g)
                return -ENOMEM;
        e->stack[e->depth++] = g;
        return 0;
}

static int emit_elem_close(void *ctx, int r)
{
        struct json_emit *e = ctx;
        struct json_object *g;

        if (e->depth != 3)
                return r < 0 ? r : -EINVAL;
        g = e->stack[--e->depth];
        if (r == 0 && json_object_array_add(top(e), g) < 0)
                r = -ENOMEM;
        if (r < 0)
                json_object_put(g);
        return r;
}

static int emit_list_close(void *ctx)
{
        struct json_emit *e = ctx;

        e->depth--;
        return 0;
}

static const struct proto_emitter json_emitter = {
        .op = emit_op,
        .outcome = emit_outcome,
        .string = emit_string,
        .boolean = emit_boolean,
        .number = emit_number,
        .enumerated = emit_enumerated,
        .list_open = emit_list_open,
        .elem_open = emit_elem_open,
        .elem_close = emit_elem_close,
        .list_close = emit_list_close,
};

/* Every payload is an object carrying "v"; NULL when out of memory. */
static struct json_object *new_payload(void)
{
        struct json_object *obj = json_object_new_object();

        if (obj && team_json_add(obj, "v", json_object_new_int(TEAM_PROTO_VERSION)) < 0) {
                json_object_put(obj);
                obj = NULL;
        }
        return obj;
}

/* Serialises the walk's object (consumed) into a malloc'd string within the
 * frame cap. */
static int finish(struct json_emit *e, int r, char **out, size_t *len)
{
        if (r >= 0)
                r = team_json_to_text(e->stack[0], TEAM_PROTO_MAX_FRAME, out, len);
        json_object_put(e->stack[0]);
        return r;
}

int team_request_encode(const struct team_request *req, char **out, size_t *len)
{
        struct json_emit e = { .depth = 1 };

        if (!req || !out)
                return -EINVAL;
        *out = NULL;
        e.stack[0] = new_payload();
        if (!e.stack[0])
                return -ENOMEM;
        return finish(&e, proto_walk_request(req, &json_emitter, &e), out, len);
}

int team_response_encode(enum team_op op, const struct team_response *resp, char **out, size_t *len)
{
        struct json_emit e = { .depth = 1 };

        if (!resp || !out)
                return -EINVAL;
        *out = NULL;
        e.stack[0] = new_payload();
        if (!e.stack[0])
                return -ENOMEM;
        return finish(&e, proto_walk_response(op, resp, &json_emitter, &e), out, len);
}
