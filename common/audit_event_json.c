/* SPDX-License-Identifier: BSD-3-Clause */
/* The JSON form of an audit event: what the outbox stores and the sinks
 * read back. See audit_event.h for the layout. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "audit_chain.h"
#include "audit_event.h"
#include "json_util.h"
#include "printable.h"

#define JSON_MAX_DEPTH 4

/* RFC 3629 UTF-8 (json-c's validation lets encoded surrogates through). */
static bool utf8_valid(const char *s, size_t len)
{
        for (size_t i = 0, n; i < len; i += n) {
                n = team_utf8_seq_len((const unsigned char *)s + i, len - i);
                if (n == 0)
                        return false;
        }
        return true;
}

/* s as valid UTF-8 of at most max bytes: invalid bytes become '?', a cut
 * never splits a character. *cut says whether anything was cut. */
static char *text_bounded(const char *s, size_t max, bool *cut)
{
        size_t len = strlen(s), i = 0, o = 0;
        char *out = malloc((len < max ? len : max) + 1);

        if (!out)
                return NULL;
        while (i < len) {
                size_t n = team_utf8_seq_len((const unsigned char *)s + i, len - i);

                if (o + (n ? n : 1) > max) {
                        *cut = true;
                        break;
                }
                if (n == 0) {
                        out[o++] = '?';
                        i++;
                } else {
                        memcpy(out + o, s + i, n);
                        o += n;
                        i += n;
                }
        }
        out[o] = '\0';
        return out;
}

/* An event's members, collected in any order and then added to its JSON
 * object sorted by key. Keys are string literals. */
#define MAX_MEMBERS 48

struct member {
        const char *key;
        struct json_object *val;
};

struct members {
        size_t n;
        struct member m[MAX_MEMBERS];
};

/* Takes val (NULL: out of memory). */
static int member_add(struct members *l, const char *key, struct json_object *val)
{
        if (!val)
                return -ENOMEM;
        if (l->n >= MAX_MEMBERS) {
                json_object_put(val);
                return -E2BIG;
        }
        l->m[l->n].key = key;
        l->m[l->n].val = val;
        l->n++;
        return 0;
}

static int add_text(struct members *obj, const char *key, const char *value, size_t max, bool *cut)
{
        char *t;
        int r;

        /* Absent and empty are one (journald cannot tell them apart). */
        if (!value || !*value)
                return 0;
        t = text_bounded(value, max, cut);
        if (!t)
                return -ENOMEM;
        r = member_add(obj, key, json_object_new_string(t));
        free(t);
        return r;
}

static int format_time(int64_t usec, char *buf, size_t len)
{
        time_t secs = (time_t)(usec / 1000000);
        struct tm tm;

        if (usec < 0 || !gmtime_r(&secs, &tm))
                return -ERANGE;
        if (strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
                return -ERANGE;
        snprintf(buf + strlen(buf), len - strlen(buf), ".%06lldZ", (long long)(usec % 1000000));
        return 0;
}

/* A count or sequence number: omitted when 0. */
static int add_count(struct members *obj, const char *key, uint64_t n)
{
        if (n == 0)
                return 0;
        if (n > TEAM_AUDIT_MAX_SEQ)
                return -ERANGE;
        return member_add(obj, key, json_object_new_int64((int64_t)n));
}

/* A number of a command: omitted when negative (unknown: the process
 * ended before it could be read). */
static int add_id(struct members *o, const char *key, int64_t v, int64_t max)
{
        if (v < 0)
                return 0;
        if (v > max)
                return -ERANGE;
        return member_add(o, key, json_object_new_int64(v));
}

static int add_command(struct members *o, const struct team_audit_command *c, bool *cut)
{
        int r;

        if (!c->present)
                return 0;
        if (c->pid < 1)
                return -ERANGE;
        if ((r = add_id(o, "pid", c->pid, INT32_MAX)) < 0 || (r = add_id(o, "ppid", c->ppid, INT32_MAX)) < 0 ||
            (r = add_id(o, "uid", c->uid, UINT32_MAX)) < 0 || (r = add_id(o, "euid", c->euid, UINT32_MAX)) < 0 ||
            (r = add_text(o, "exe", c->exe, TEAM_AUDIT_MAX_FIELD, cut)) < 0 ||
            (r = add_text(o, "cwd", c->cwd, TEAM_AUDIT_MAX_FIELD, cut)) < 0)
                return r;
        return add_text(o, "argv", c->argv, TEAM_AUDIT_MAX_MESSAGE, cut);
}

static int build_object(const struct team_audit_event *ev, struct members *o)
{
        char idbuf[SD_ID128_STRING_MAX], midbuf[SD_ID128_STRING_MAX], tbuf[64];
        bool cut = false;
        int r;

        r = format_time(ev->time_usec, tbuf, sizeof(tbuf));
        if (r < 0)
                return r;
        if ((r = member_add(o, "v", json_object_new_int(1))) < 0 ||
            (r = member_add(o, "id", json_object_new_string(sd_id128_to_string(ev->id, idbuf)))) < 0 ||
            (r = member_add(o, "type", json_object_new_string(team_event_name(ev->type)))) < 0 ||
            (r = member_add(o, "time", json_object_new_string(tbuf))) < 0 ||
            (r = member_add(o, "time_usec", json_object_new_int64(ev->time_usec))) < 0 ||
            (r = member_add(o, "message_id",
                               json_object_new_string(sd_id128_to_string(team_event_message_id(ev->type), midbuf)))) < 0 ||
            (r = member_add(o, "priority", json_object_new_int(team_event_priority(ev->type)))) < 0 ||
            (r = add_text(o, "outcome", team_audit_event_outcome(ev), TEAM_AUDIT_MAX_FIELD, &cut)) < 0 ||
            (r = add_text(o, "user", ev->user, TEAM_AUDIT_MAX_FIELD, &cut)) < 0 ||
            (r = add_text(o, "role", ev->role, TEAM_AUDIT_MAX_FIELD, &cut)) < 0 ||
            (r = add_text(o, "host", ev->host, TEAM_AUDIT_MAX_FIELD, &cut)) < 0 ||
            (r = add_text(o, "grant_id", ev->grant_id, TEAM_AUDIT_MAX_FIELD, &cut)) < 0 ||
            (r = add_text(o, "request_id", ev->request_id, TEAM_AUDIT_MAX_FIELD, &cut)) < 0 ||
            (r = add_text(o, "decision", ev->decision, TEAM_AUDIT_MAX_FIELD, &cut)) < 0 ||
            (r = add_text(o, "reason", ev->reason, TEAM_AUDIT_MAX_FIELD, &cut)) < 0 ||
            (r = add_text(o, "service", ev->service, TEAM_AUDIT_MAX_FIELD, &cut)) < 0 ||
            (r = add_text(o, "tty", ev->tty, TEAM_AUDIT_MAX_FIELD, &cut)) < 0 ||
            (r = add_text(o, "rhost", ev->rhost, TEAM_AUDIT_MAX_FIELD, &cut)) < 0)
                return r;
        if (ev->peer_pid > 0 && (r = member_add(o, "peer_pid", json_object_new_int64(ev->peer_pid))) < 0)
                return r;
        if ((r = add_text(o, "message", ev->message, TEAM_AUDIT_MAX_MESSAGE, &cut)) < 0 ||
            (r = add_text(o, "approvers", ev->approvers, TEAM_AUDIT_MAX_FIELD, &cut)) < 0 ||
            (r = add_text(o, "ticket", ev->ticket, TEAM_AUDIT_MAX_FIELD, &cut)) < 0 ||
            (r = add_text(o, "host_key", ev->host_key, TEAM_AUDIT_MAX_FIELD, &cut)) < 0 ||
            (r = add_text(o, "signature", ev->signature, TEAM_AUDIT_MAX_FIELD, &cut)) < 0 ||
            (r = add_text(o, "session_id", ev->session_id, TEAM_AUDIT_MAX_FIELD, &cut)) < 0 ||
            (r = add_command(o, &ev->command, &cut)) < 0 || (r = add_count(o, "summarised", ev->summarised)) < 0 ||
            (r = add_count(o, "seq", ev->seq)) < 0 || (r = add_count(o, "dropped_count", ev->dropped_count)) < 0 ||
            (r = add_count(o, "dropped_first", ev->dropped_first)) < 0 ||
            (r = add_count(o, "dropped_last", ev->dropped_last)) < 0)
                return r;
        if (ev->seq > 0 && (r = member_add(o, "prev", json_object_new_string(ev->prev))) < 0)
                return r;
        if (cut)
                return member_add(o, "truncated", json_object_new_boolean(1));
        return 0;
}

static int key_cmp(const void *a, const void *b)
{
        return strcmp(((const struct member *)a)->key, ((const struct member *)b)->key);
}

int team_audit_event_to_json(const struct team_audit_event *ev, char **out, size_t *len)
{
        struct members l = { .n = 0 };
        struct json_object *o = NULL;
        size_t i;
        int r;

        *out = NULL;
        if (!team_event_name(ev->type))
                return -EINVAL;
        r = build_object(ev, &l);
        if (r < 0)
                goto out;
        /* Added in key order, the object serialises in its canonical form
         * (audit_chain.h): no sorted copy of it is needed. */
        qsort(l.m, l.n, sizeof(l.m[0]), key_cmp);
        o = json_object_new_object();
        if (!o) {
                r = -ENOMEM;
                goto out;
        }
        for (i = 0; i < l.n; i++) {
                if (json_object_object_add_ex(o, l.m[i].key, l.m[i].val,
                                              JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT) < 0) {
                        r = -ENOMEM;
                        break;
                }
                l.m[i].val = NULL;
        }
        if (r == 0)
                r = team_json_to_text(o, SIZE_MAX, out, len);
out:
        for (i = 0; i < l.n; i++)
                json_object_put(l.m[i].val);
        json_object_put(o);
        return r;
}

/* The strict reader. */

enum field_kind { F_TEXT, F_MESSAGE, F_INT, F_BOOL };

struct field_def {
        const char *key;
        enum field_kind kind;
        size_t offset;  /* of the const char * in team_audit_event; unused for others */
};

#define EV_FIELD(name) offsetof(struct team_audit_event, name)

static const struct field_def text_fields[] = {
        { "outcome", F_TEXT, EV_FIELD(outcome) },
        { "user", F_TEXT, EV_FIELD(user) },
        { "role", F_TEXT, EV_FIELD(role) },
        { "host", F_TEXT, EV_FIELD(host) },
        { "grant_id", F_TEXT, EV_FIELD(grant_id) },
        { "request_id", F_TEXT, EV_FIELD(request_id) },
        { "decision", F_TEXT, EV_FIELD(decision) },
        { "reason", F_TEXT, EV_FIELD(reason) },
        { "service", F_TEXT, EV_FIELD(service) },
        { "tty", F_TEXT, EV_FIELD(tty) },
        { "rhost", F_TEXT, EV_FIELD(rhost) },
        { "message", F_MESSAGE, EV_FIELD(message) },
        { "approvers", F_TEXT, EV_FIELD(approvers) },
        { "ticket", F_TEXT, EV_FIELD(ticket) },
        { "host_key", F_TEXT, EV_FIELD(host_key) },
        { "signature", F_TEXT, EV_FIELD(signature) },
        { "session_id", F_TEXT, EV_FIELD(session_id) },
        { "exe", F_TEXT, EV_FIELD(command.exe) },
        { "cwd", F_TEXT, EV_FIELD(command.cwd) },
        { "argv", F_MESSAGE, EV_FIELD(command.argv) },
};

#define N_TEXT_FIELDS (sizeof(text_fields) / sizeof(text_fields[0]))

/* The copy walks the reader's table: it names every string member. */
static const char **text_member(struct team_audit_event *ev, size_t i)
{
        return (const char **)((char *)ev + text_fields[i].offset);
}

int team_audit_event_copy(const struct team_audit_event *src, struct team_audit_event_copy **out)
{
        struct team_audit_event_copy *c;
        size_t total = 1, off = 0;

        *out = NULL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->ev = *src;
        for (size_t i = 0; i < N_TEXT_FIELDS; i++)
                if (*text_member(&c->ev, i))
                        total += strlen(*text_member(&c->ev, i)) + 1;
        c->buf = malloc(total);
        if (!c->buf) {
                free(c);
                return -ENOMEM;
        }
        for (size_t i = 0; i < N_TEXT_FIELDS; i++) {
                const char **s = text_member(&c->ev, i);
                size_t n;

                if (!*s)
                        continue;
                n = strlen(*s) + 1;
                memcpy(c->buf + off, *s, n);
                *s = c->buf + off;
                off += n;
        }
        *out = c;
        return 0;
}

void team_audit_event_copy_free(struct team_audit_event_copy *c)
{
        if (!c)
                return;
        free(c->buf);
        free(c);
}

static const struct {
        const char *key;
        size_t offset;  /* of the uint64_t in team_audit_event */
} count_fields[] = {
        { "seq", EV_FIELD(seq) },
        { "dropped_count", EV_FIELD(dropped_count) },
        { "dropped_first", EV_FIELD(dropped_first) },
        { "dropped_last", EV_FIELD(dropped_last) },
        { "summarised", EV_FIELD(summarised) },
};

static int read_int(struct json_object *val, int64_t min, int64_t max, int64_t *out);

/* SessionCommand's numbers; uid 0 is root, so these are not counts. */
static const struct {
        const char *key;
        size_t offset;  /* of the int64_t in team_audit_event */
        int64_t min, max;
} command_numbers[] = {
        { "pid", EV_FIELD(command.pid), 1, INT32_MAX },
        { "ppid", EV_FIELD(command.ppid), 0, INT32_MAX },
        { "uid", EV_FIELD(command.uid), 0, UINT32_MAX },
        { "euid", EV_FIELD(command.euid), 0, UINT32_MAX },
};

static int read_command_number(const char *key, struct json_object *val, struct team_audit_event *ev,
                               unsigned *seen, bool *known)
{
        for (size_t i = 0; i < sizeof(command_numbers) / sizeof(command_numbers[0]); i++)
                if (strcmp(key, command_numbers[i].key) == 0) {
                        *known = true;
                        *seen |= 8u << i;
                        ev->command.present = true;
                        return read_int(val, command_numbers[i].min, command_numbers[i].max,
                                        (int64_t *)((char *)ev + command_numbers[i].offset));
                }
        *known = false;
        return 0;
}

static int read_text_field(const char *key, struct json_object *val, struct team_audit_event *ev, bool *known)
{
        for (size_t i = 0; i < sizeof(text_fields) / sizeof(text_fields[0]); i++) {
                const struct field_def *f = &text_fields[i];
                size_t max = f->kind == F_MESSAGE ? TEAM_AUDIT_MAX_MESSAGE : TEAM_AUDIT_MAX_FIELD;

                if (strcmp(f->key, key) != 0)
                        continue;
                *known = true;
                if (!json_object_is_type(val, json_type_string) || (size_t)json_object_get_string_len(val) > max ||
                    !utf8_valid(json_object_get_string(val), (size_t)json_object_get_string_len(val)) ||
                    strlen(json_object_get_string(val)) != (size_t)json_object_get_string_len(val))
                        return -EBADMSG;
                *(const char **)((char *)ev + f->offset) = json_object_get_string(val);
                return 0;
        }
        *known = false;
        return 0;
}


static int read_int(struct json_object *val, int64_t min, int64_t max, int64_t *out)
{
        if (!json_object_is_type(val, json_type_int))
                return -EBADMSG;
        errno = 0;
        *out = json_object_get_int64(val);
        if (errno != 0 || *out < min || *out > max)
                return -EBADMSG;
        return 0;
}

static bool is_lower_hex(const char *s, size_t len)
{
        return strspn(s, "0123456789abcdef") == len;
}

static int read_chain_member(const char *key, struct json_object *val, struct team_audit_event *ev, bool *known)
{
        int64_t n = 0;
        int r;

        *known = true;
        for (size_t i = 0; i < sizeof(count_fields) / sizeof(count_fields[0]); i++)
                if (strcmp(key, count_fields[i].key) == 0) {
                        r = read_int(val, 1, (int64_t)TEAM_AUDIT_MAX_SEQ, &n);
                        *(uint64_t *)((char *)ev + count_fields[i].offset) = (uint64_t)n;
                        return r;
                }
        if (strcmp(key, "prev") == 0) {
                if (!json_object_is_type(val, json_type_string) ||
                    json_object_get_string_len(val) != TEAM_AUDIT_HASH_HEX ||
                    !is_lower_hex(json_object_get_string(val), TEAM_AUDIT_HASH_HEX))
                        return -EBADMSG;
                memcpy(ev->prev, json_object_get_string(val), TEAM_AUDIT_HASH_HEX + 1);
                return 0;
        }
        *known = false;
        return 0;
}

static int read_member(const char *key, struct json_object *val, struct team_audit_event_parsed *p,
                       unsigned *seen)
{
        struct team_audit_event *ev = &p->ev;
        bool known;
        int64_t n = 0;
        int r = read_text_field(key, val, ev, &known);

        if (r < 0 || known)
                return r;
        r = read_chain_member(key, val, ev, &known);
        if (r < 0 || known)
                return r;
        r = read_command_number(key, val, ev, seen, &known);
        if (r < 0 || known)
                return r;
        if (strcmp(key, "v") == 0)
                return read_int(val, 1, 1, &n);
        if (strcmp(key, "id") == 0) {
                *seen |= 1;
                if (!json_object_is_type(val, json_type_string) || json_object_get_string_len(val) != 32)
                        return -EBADMSG;
                return sd_id128_from_string(json_object_get_string(val), &ev->id) < 0 ? -EBADMSG : 0;
        }
        if (strcmp(key, "type") == 0) {
                *seen |= 2;
                if (!json_object_is_type(val, json_type_string))
                        return -EBADMSG;
                return team_event_from_name(json_object_get_string(val), &ev->type) < 0 ? -EBADMSG : 0;
        }
        if (strcmp(key, "time_usec") == 0) {
                *seen |= 4;
                return read_int(val, 0, INT64_MAX, &ev->time_usec);
        }
        if (strcmp(key, "peer_pid") == 0) {
                r = read_int(val, 1, INT32_MAX, &n);
                ev->peer_pid = (pid_t)n;
                return r;
        }
        if (strcmp(key, "priority") == 0)
                return read_int(val, 0, 7, &n);
        if (strcmp(key, "time") == 0 || strcmp(key, "message_id") == 0)
                return json_object_is_type(val, json_type_string) && json_object_get_string_len(val) <= 64 ? 0
                                                                                                         : -EBADMSG;
        if (strcmp(key, "truncated") == 0) {
                if (!json_object_is_type(val, json_type_boolean))
                        return -EBADMSG;
                p->truncated = json_object_get_boolean(val);
                return 0;
        }
        return -EBADMSG;
}

int team_audit_event_from_json(const char *json, size_t len, struct team_audit_event_parsed *out)
{
        struct json_object *root = NULL;
        const char *why = NULL;
        unsigned seen = 0;
        int r;

        memset(out, 0, sizeof(*out));
        out->ev.command.ppid = out->ev.command.uid = out->ev.command.euid = -1;
        if (len > TEAM_AUDIT_MAX_JSON)
                return -EBADMSG;
        r = team_json_parse_object(json, len, JSON_MAX_DEPTH, &root, &why);
        if (r < 0)
                return r;
        json_object_object_foreach(root, key, val) {
                r = read_member(key, val, out, &seen);
                if (r < 0)
                        goto fail;
        }
        /* A chained event has both its seq and its prev; a command has
         * its pid. */
        if ((seen & 7) != 7 || ((seen >> 3) != 0 && !(seen & 8)) ||
            (!out->ev.command.present && (out->ev.command.exe || out->ev.command.cwd || out->ev.command.argv)) || (out->ev.seq > 0) != (out->ev.prev[0] != '\0')) {
                r = -EBADMSG;
                goto fail;
        }
        out->holder = root;
        return 0;
fail:
        json_object_put(root);
        memset(out, 0, sizeof(*out));
        return r;
}

void team_audit_event_parsed_clear(struct team_audit_event_parsed *p)
{
        if (!p)
                return;
        json_object_put(p->holder);
        memset(p, 0, sizeof(*p));
}
