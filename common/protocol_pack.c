/* SPDX-License-Identifier: BSD-3-Clause */
/* The packed encoding of the teamd protocol: what pam_team.so speaks (see
 * protocol.h, docs/protocol.md "Packed payloads"). No library behind it:
 * the module loads nothing into sudo and sshd but libc and libpam.
 *
 *   payload  = 0x00 version op body
 *   request  body = fields 0x00
 *   response body = ok(0|1) (ok: fields | refused: string) 0x00
 *   fields   = *(tag value), tags strictly increasing: a tag is its
 *              field's row in the op's table (protocol.c), from 1
 *   string   = u16 length, bytes (no NUL; UTF-8 without controls)
 *   bool     = u8 0|1        time, seconds, count = i64
 *   decision, api_state = u8 list = u8 count, count * (fields 0x00)
 * Integers are big-endian. Every length is checked against what is left
 * and against its field's cap before anything is copied or allocated. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "protocol_table.h"

/* The first byte of a packed payload: a JSON one starts with '{'. */
#define PACK_MARK 0x00
#define PACK_END 0x00

bool team_payload_is_packed(const void *buf, size_t len)
{
        return len > 0 && ((const uint8_t *)buf)[0] == PACK_MARK;
}

enum team_op team_packed_op(const void *buf, size_t len, enum team_op fallback)
{
        const uint8_t *b = buf;

        if (len < 3 || b[0] != PACK_MARK || b[2] >= TEAM_OP__MAX)
                return fallback;
        return (enum team_op)b[2];
}

/* ---- packing ---- */

struct pack_buf {
        uint8_t *p;
        size_t len, cap;
};

static int put(struct pack_buf *b, const void *data, size_t n)
{
        if (n > TEAM_PROTO_HEADER_LEN + TEAM_PROTO_MAX_FRAME - b->len)
                return -EMSGSIZE;
        if (b->len + n > b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 256;
                uint8_t *p;

                while (cap < b->len + n)
                        cap *= 2;
                if (cap > TEAM_PROTO_HEADER_LEN + TEAM_PROTO_MAX_FRAME)
                        cap = TEAM_PROTO_HEADER_LEN + TEAM_PROTO_MAX_FRAME;
                p = realloc(b->p, cap);
                if (!p)
                        return -ENOMEM;
                b->p = p;
                b->cap = cap;
        }
        memcpy(b->p + b->len, data, n);
        b->len += n;
        return 0;
}

static int put_u8(struct pack_buf *b, unsigned v)
{
        uint8_t c = (uint8_t)v;

        return put(b, &c, 1);
}

static int put_u16(struct pack_buf *b, size_t v)
{
        uint8_t c[2] = { (uint8_t)(v >> 8), (uint8_t)v };

        return v > UINT16_MAX ? -EMSGSIZE : put(b, c, 2);
}

static int put_string(struct pack_buf *b, const char *s, size_t len)
{
        int r = put_u16(b, len);

        return r < 0 ? r : put(b, s, len);
}

static int pack_op(void *ctx, enum team_op op)
{
        return put_u8(ctx, op);
}

static int pack_outcome(void *ctx, bool ok, const char *error)
{
        int r = put_u8(ctx, ok);

        if (r == 0 && error)
                r = put_string(ctx, error, strlen(error));
        return r;
}

static int pack_string(void *ctx, const struct field *f, size_t tag, const char *s, size_t len)
{
        int r = put_u8(ctx, tag);

        (void)f;
        return r < 0 ? r : put_string(ctx, s, len);
}

/* A one-byte value: a bool, an enum, a list's count. */
static int pack_byte(void *ctx, size_t tag, unsigned v)
{
        int r = put_u8(ctx, tag);

        return r < 0 ? r : put_u8(ctx, v);
}

static int pack_boolean(void *ctx, const struct field *f, size_t tag, bool v)
{
        (void)f;
        return pack_byte(ctx, tag, v);
}

static int pack_number(void *ctx, const struct field *f, size_t tag, int64_t v)
{
        uint8_t c[8];
        uint64_t u = (uint64_t)v;
        int r = put_u8(ctx, tag);

        (void)f;
        for (int i = 7; i >= 0; i--, u >>= 8)
                c[i] = (uint8_t)u;
        return r < 0 ? r : put(ctx, c, sizeof(c));
}

static int pack_enumerated(void *ctx, const struct field *f, size_t tag, unsigned v)
{
        (void)f;
        return pack_byte(ctx, tag, v);
}

static int pack_list_open(void *ctx, const struct field *f, size_t tag, size_t n)
{
        (void)f;
        return n > UINT8_MAX ? -EMSGSIZE : pack_byte(ctx, tag, (unsigned)n);
}

static int pack_elem_open(void *ctx)
{
        (void)ctx;
        return 0;
}

static int pack_elem_close(void *ctx, int r)
{
        return r < 0 ? r : put_u8(ctx, PACK_END);
}

static int pack_list_close(void *ctx)
{
        (void)ctx;
        return 0;
}

static const struct proto_emitter pack_emitter = {
        .op = pack_op,
        .outcome = pack_outcome,
        .string = pack_string,
        .boolean = pack_boolean,
        .number = pack_number,
        .enumerated = pack_enumerated,
        .list_open = pack_list_open,
        .elem_open = pack_elem_open,
        .elem_close = pack_elem_close,
        .list_close = pack_list_close,
};

/* A packed payload, after room for the frame header when framed. */
static int pack_start(struct pack_buf *b, bool framed)
{
        const uint8_t head[TEAM_PROTO_HEADER_LEN + 2] = { 0, 0, 0, 0, PACK_MARK, TEAM_PROTO_VERSION };

        memset(b, 0, sizeof(*b));
        return framed ? put(b, head, sizeof(head)) : put(b, head + TEAM_PROTO_HEADER_LEN, 2);
}

/* The walk r ends with the payload's end mark and, when framed, the
 * header gets the payload's length; hands the buffer over. */
static int pack_finish(struct pack_buf *b, int r, bool framed, uint8_t **out, size_t *len)
{
        size_t n;

        if (r == 0)
                r = put_u8(b, PACK_END);
        /* The payload, header aside, within the frame cap either way. */
        n = b->len - (framed ? TEAM_PROTO_HEADER_LEN : 0);
        if (r == 0 && n > TEAM_PROTO_MAX_FRAME)
                r = -EMSGSIZE;
        if (r == 0 && framed)
                for (int i = TEAM_PROTO_HEADER_LEN - 1; i >= 0; i--, n >>= 8)
                        b->p[i] = (uint8_t)n;
        if (r < 0) {
                free(b->p);
                return r;
        }
        *out = b->p;
        if (len)
                *len = b->len;
        return 0;
}

static int request_pack(const struct team_request *req, bool framed, uint8_t **out, size_t *len)
{
        struct pack_buf b;
        int r;

        if (!req || !out)
                return -EINVAL;
        *out = NULL;
        r = pack_start(&b, framed);
        if (r == 0)
                r = proto_walk_request(req, &pack_emitter, &b);
        return pack_finish(&b, r, framed, out, len);
}

static int response_pack(enum team_op op, const struct team_response *resp, bool framed, uint8_t **out,
                         size_t *len)
{
        struct pack_buf b;
        int r;

        if (!resp || !out || (unsigned)op >= TEAM_OP__MAX)
                return -EINVAL;
        *out = NULL;
        r = pack_start(&b, framed);
        if (r == 0)
                r = put_u8(&b, op);
        if (r == 0)
                r = proto_walk_response(op, resp, &pack_emitter, &b);
        return pack_finish(&b, r, framed, out, len);
}

int team_request_pack(const struct team_request *req, uint8_t **out, size_t *len)
{
        return request_pack(req, false, out, len);
}

int team_request_pack_frame(const struct team_request *req, uint8_t **out, size_t *len)
{
        return request_pack(req, true, out, len);
}

int team_response_pack(enum team_op op, const struct team_response *resp, uint8_t **out, size_t *len)
{
        return response_pack(op, resp, false, out, len);
}

int team_response_pack_frame(enum team_op op, const struct team_response *resp, uint8_t **out, size_t *len)
{
        return response_pack(op, resp, true, out, len);
}

/* ---- unpacking ---- */

struct unpack_buf {
        const uint8_t *p;
        size_t len, off;
        const char **why;
};

static int cut_short(struct unpack_buf *b)
{
        *b->why = "payload cut short";
        return -EBADMSG;
}

static int get_u8(struct unpack_buf *b, unsigned *v)
{
        if (b->len - b->off < 1)
                return cut_short(b);
        *v = b->p[b->off++];
        return 0;
}

/* A string of at most cap bytes, with no NUL, as a malloc'd copy (f's
 * rules are the caller's). */
static int get_string(struct unpack_buf *b, size_t cap, char **out)
{
        size_t n;

        if (b->len - b->off < 2)
                return cut_short(b);
        n = (size_t)b->p[b->off] << 8 | b->p[b->off + 1];
        b->off += 2;
        if (n > cap) {
                *b->why = "string field too long";
                return -EBADMSG;
        }
        if (b->len - b->off < n)
                return cut_short(b);
        if (memchr(b->p + b->off, '\0', n)) {
                *b->why = "string field contains a NUL byte";
                return -EBADMSG;
        }
        *out = strndup((const char *)b->p + b->off, n);
        if (!*out)
                return -ENOMEM;
        b->off += n;
        return 0;
}

static int get_i64(struct unpack_buf *b, int64_t *v)
{
        uint64_t u = 0;

        if (b->len - b->off < 8)
                return cut_short(b);
        for (int i = 0; i < 8; i++)
                u = u << 8 | b->p[b->off + i];
        b->off += 8;
        *v = (int64_t)u;
        return 0;
}

static int unpack_fields(struct unpack_buf *b, const struct field_table *table, unsigned op, void *base,
                         bool lists, bool check_required);

static int unpack_list(struct unpack_buf *b, const struct field *f, void *base, unsigned op)
{
        const struct list_field *lf = proto_list_field(f->name);
        char **elems = field_ptr(base, f);
        unsigned n;
        int r;

        if (!lf)
                return -EINVAL;
        r = get_u8(b, &n);
        if (r < 0)
                return r;
        r = proto_list_alloc(lf, f, base, n, b->why);
        for (unsigned i = 0; i < n && r == 0; i++)
                r = unpack_fields(b, lf->elem, op, *elems + i * lf->elem_size, false, true);
        return r;
}

static int unpack_value(struct unpack_buf *b, const struct field *f, void *base, unsigned op, bool lists)
{
        void *p = field_ptr(base, f);
        unsigned v;
        int r;

        switch (f->type) {
        case FT_STR:
                r = get_string(b, f->cap, p);
                if (r == 0)
                        *b->why = proto_check_string(f, *(char **)p, strlen(*(char **)p));
                return r < 0 ? r : *b->why ? -EBADMSG : 0;
        case FT_BOOL:
                r = get_u8(b, &v);
                if (r == 0 && v > 1) {
                        *b->why = "boolean field is neither 0 nor 1";
                        r = -EBADMSG;
                }
                if (r == 0)
                        *(bool *)p = v;
                return r;
        case FT_TIME:
        case FT_SECONDS:
        case FT_COUNT:
                r = get_i64(b, p);
                if (r == 0)
                        *b->why = proto_check_number(f, *(int64_t *)p);
                return r < 0 ? r : *b->why ? -EBADMSG : 0;
        case FT_DECISION:
        case FT_API_STATE:
                r = get_u8(b, &v);
                if (r < 0)
                        return r;
                *b->why = proto_check_enum(f, v);
                if (*b->why)
                        return -EBADMSG;
                if (f->type == FT_DECISION)
                        *(enum team_decision *)p = (enum team_decision)v;
                else
                        *(enum team_api_state *)p = (enum team_api_state)v;
                return 0;
        case FT_LIST:
                if (lists)
                        return unpack_list(b, f, base, op);
                break;
        }
        *b->why = "field has the wrong type";
        return -EBADMSG;
}

/* Tagged fields up to the end mark: each tag a row of table that op
 * allows, after the one before it. */
static int unpack_fields(struct unpack_buf *b, const struct field_table *table, unsigned op, void *base,
                         bool lists, bool check_required)
{
        uint64_t seen = 0;
        unsigned tag, last = 0;
        int r;

        for (;;) {
                const struct field *f;

                r = get_u8(b, &tag);
                if (r < 0)
                        return r;
                if (tag == PACK_END)
                        break;
                if (tag <= last) {
                        *b->why = "fields out of order or repeated";
                        return -EBADMSG;
                }
                f = tag <= table->n ? &table->fields[tag - 1] : NULL;
                if (!f || !(f->allowed & OP(op))) {
                        *b->why = "unknown field";
                        return -EBADMSG;
                }
                r = unpack_value(b, f, base, op, lists);
                if (r < 0)
                        return r;
                seen |= UINT64_C(1) << (tag - 1);
                last = tag;
        }
        for (size_t i = 0; check_required && i < table->n; i++) {
                if ((table->fields[i].required & OP(op)) && !(seen & (UINT64_C(1) << i))) {
                        *b->why = "a required field is missing";
                        return -EBADMSG;
                }
        }
        return 0;
}

/* The header every payload starts with; *op is what it says. */
static int unpack_start(struct unpack_buf *b, unsigned *op)
{
        unsigned mark, version;
        int r;

        if (b->len > TEAM_PROTO_MAX_FRAME) {
                *b->why = "payload too large";
                return -EBADMSG;
        }
        if (get_u8(b, &mark) < 0 || mark != PACK_MARK) {
                *b->why = "not a packed payload";
                return -EBADMSG;
        }
        r = get_u8(b, &version);
        if (r < 0)
                return r;
        if (version != TEAM_PROTO_VERSION) {
                *b->why = "unsupported protocol version (pam_team.so and teamd are from different releases: "
                          "install both from one package)";
                return -EBADMSG;
        }
        r = get_u8(b, op);
        if (r == 0 && *op >= TEAM_OP__MAX) {
                *b->why = "unknown op";
                r = -EBADMSG;
        }
        return r;
}

static int unpack_done(struct unpack_buf *b)
{
        if (b->off != b->len) {
                *b->why = "trailing bytes after the payload";
                return -EBADMSG;
        }
        return 0;
}

int team_request_unpack(const void *buf, size_t len, struct team_request *out, const char **why)
{
        const char *dummy;
        struct unpack_buf b = { buf, len, 0, why ? why : &dummy };
        unsigned op;
        int r;

        *b.why = NULL;
        if (!out || (!buf && len))
                return -EINVAL;
        memset(out, 0, sizeof(*out));
        r = unpack_start(&b, &op);
        if (r == 0) {
                out->op = (enum team_op)op;
                r = unpack_fields(&b, &proto_request_table, op, out, false, true);
        }
        if (r == 0)
                r = unpack_done(&b);
        if (r < 0)
                team_request_clear(out);
        return r;
}

/* A refusal: its reason, and nothing after it. */
static int unpack_refusal(struct unpack_buf *b, char **error)
{
        unsigned end;
        int r = get_string(b, proto_error_field.cap, error);

        if (r < 0)
                return r;
        *b->why = proto_check_string(&proto_error_field, *error, strlen(*error));
        if (*b->why)
                return -EBADMSG;
        r = get_u8(b, &end);
        if (r == 0 && end != PACK_END) {
                *b->why = "a refusal carries only its reason";
                r = -EBADMSG;
        }
        return r;
}

int team_response_unpack(enum team_op op, const void *buf, size_t len, struct team_response *out,
                         const char **why)
{
        const char *dummy;
        struct unpack_buf b = { buf, len, 0, why ? why : &dummy };
        unsigned said, ok;
        int r;

        *b.why = NULL;
        if (!out || (unsigned)op >= TEAM_OP__MAX || (!buf && len))
                return -EINVAL;
        memset(out, 0, sizeof(*out));
        r = unpack_start(&b, &said);
        if (r == 0 && said != (unsigned)op) {
                *b.why = "the answer is for another op";
                r = -EBADMSG;
        }
        if (r == 0)
                r = get_u8(&b, &ok);
        if (r == 0 && ok > 1) {
                *b.why = "\"ok\" is neither 0 nor 1";
                r = -EBADMSG;
        }
        if (r == 0) {
                out->ok = ok;
                if (ok) {
                        r = unpack_fields(&b, &proto_response_table, op, out, true, true);
                } else {
                        r = unpack_refusal(&b, &out->error);
                }
        }
        if (r == 0 && (*b.why = proto_check_response(op, out)))
                r = -EBADMSG;
        if (r == 0)
                r = unpack_done(&b);
        if (r < 0)
                team_response_clear(out);
        return r;
}
