/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to the codec (protocol.c, protocol_pack.c, protocol_json*.c):
 * the one table of fields both encodings and both directions walk, so
 * whatever one side emits the other accepts, and nothing else. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
#define OPS_REQUEST (OP(TEAM_OP_REQUEST) | OP(TEAM_OP_REQUEST_WAIT) | OP(TEAM_OP_REQUEST_CANCEL))

enum field_type {
        FT_STR,       /* char * */
        FT_BOOL,      /* bool */
        FT_TIME,      /* int64_t, 0..PROTO_MAX_TIME */
        FT_DECISION,  /* enum team_decision, "allow"/"deny"/"pending" */
        FT_API_STATE, /* enum team_api_state */
        FT_LIST,      /* a count + array of objects, see struct list_field (team_response only) */
        FT_SECONDS,   /* int64_t, 1..cap */
        FT_COUNT,     /* int64_t, 0..cap; 0 is not sent */
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

struct field_table {
        const struct field *fields;
        size_t n;
};

/* An FT_LIST member: field.offset points at the array pointer; the count
 * (size_t) is at count_offset; each element (elem_size bytes) is an object
 * of elem's fields. */
struct list_field {
        const char *name;          /* as in the field row */
        size_t count_offset;
        size_t elem_size;
        size_t max;
        const struct field_table *elem;
        const char *not_array, *too_many, *not_object;   /* decoder's *why */
};
const struct list_field *proto_list_field(const char *name);

extern const struct field_table proto_request_table;
extern const struct field_table proto_response_table; /* without "ok" and "error" */
extern const struct field_table proto_grant_table;    /* one entry of "grants" */
extern const struct field_table proto_request_summary_table; /* one entry of "requests" */
extern const struct field proto_error_field;           /* a refusal's "error" */

static inline void *field_ptr(void *base, const struct field *f)
{
        return (char *)base + f->offset;
}

/* NULL when s (of length len) may be sent as field f, else why not. */
const char *proto_check_string(const struct field *f, const char *s, size_t len);

/* Wire text -> enum, or -1: decisions other than "none", any api_state. */
int proto_decision_from_string(const char *s);
int proto_api_state_from_string(const char *s);

/* The value rules both decoders apply: NULL when allowed, else why not. */
const char *proto_check_number(const struct field *f, int64_t v);   /* FT_TIME, FT_SECONDS, FT_COUNT */
const char *proto_check_enum(const struct field *f, unsigned v);    /* FT_DECISION, FT_API_STATE */
const char *proto_enum_name(const struct field *f, unsigned v);     /* a value proto_check_enum allows */
const char *proto_check_response(enum team_op op, const struct team_response *resp); /* across fields */

/* A decoder's list of n elements of lf in base: allocated and counted, or
 * -EBADMSG (too many, *why set) or -ENOMEM. Nothing is allocated for 0. */
int proto_list_alloc(const struct list_field *lf, const struct field *f, void *base, size_t n, const char **why);

/* One encoding, as callbacks of the walk: each returns 0 or -errno, which
 * ends the walk. tag is the field's row in its table, from 1. */
struct proto_emitter {
        int (*op)(void *ctx, enum team_op op);                     /* a request's op, first */
        int (*outcome)(void *ctx, bool ok, const char *error);    /* a response's ok, first */
        int (*string)(void *ctx, const struct field *f, size_t tag, const char *s, size_t len);
        int (*boolean)(void *ctx, const struct field *f, size_t tag, bool v);
        int (*number)(void *ctx, const struct field *f, size_t tag, int64_t v);
        int (*enumerated)(void *ctx, const struct field *f, size_t tag, unsigned v);
        int (*list_open)(void *ctx, const struct field *f, size_t tag, size_t n);
        int (*elem_open)(void *ctx);
        int (*elem_close)(void *ctx, int r); /* r: the element's walk so far; returns the walk's */
        int (*list_close)(void *ctx);
};
/* Checks req (resp) against the tables and emits it through em: -EINVAL
 * when a value breaks its rule or a required one is missing. */
int proto_walk_request(const struct team_request *req, const struct proto_emitter *em, void *ctx);
int proto_walk_response(enum team_op op, const struct team_response *resp, const struct proto_emitter *em,
                        void *ctx);
