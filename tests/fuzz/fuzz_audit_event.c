/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the audit event's JSON form (common/audit_event_json.c).
 *
 * Each input is used twice: as JSON for the strict reader (whatever it
 * accepts must write out again and read back to the same event), and as
 * raw bytes for the writer's text fields (any bytes: invalid UTF-8, control
 * characters, over-long values), whose output the reader must accept. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The writer leaves an empty text member out (absent and empty are one:
 * journald cannot tell them apart), so "" reads back as absent. */
static bool same(const char *a, const char *b)
{
        return strcmp(a ? a : "", b ? b : "") == 0;
}

static void read_write_read(const uint8_t *data, size_t size)
{
        struct team_audit_event_parsed a, b;
        const struct team_audit_event *x = &a.ev, *y = &b.ev;
        char *json = NULL;
        size_t len = 0;
        int r;

        if (team_audit_event_from_json((const char *)data, size, &a) < 0)
                return;
        r = team_audit_event_to_json(&a.ev, &json, &len);
        if (r == -ERANGE || r == -ENOMEM)
                goto out;       /* a time past what gmtime can show */
        if (r < 0 || team_audit_event_from_json(json, len, &b) < 0)
                abort();
        if (x->type != y->type || !sd_id128_equal(x->id, y->id) || x->time_usec != y->time_usec ||
            x->peer_pid != y->peer_pid || !same(x->user, y->user) || !same(x->role, y->role) ||
            !same(x->host, y->host) || !same(x->grant_id, y->grant_id) || !same(x->request_id, y->request_id) ||
            !same(x->decision, y->decision) || !same(x->reason, y->reason) || !same(x->service, y->service) ||
            !same(x->tty, y->tty) || !same(x->rhost, y->rhost) || !same(x->message, y->message) ||
            strcmp(team_audit_event_outcome(x), team_audit_event_outcome(y)) != 0)
                abort();
        team_audit_event_parsed_clear(&b);
out:
        free(json);
        team_audit_event_parsed_clear(&a);
}

/* The input as NUL-separated text fields of an event. */
static void write_any_text(const uint8_t *data, size_t size)
{
        char *buf = malloc(size + 1), *p, *end;
        struct team_audit_event ev;
        struct team_audit_event_parsed back;
        char *json = NULL;
        size_t len = 0, i = 0;

        if (!buf)
                return;
        memcpy(buf, data, size);
        buf[size] = '\0';
        if (team_audit_event_init(&ev, (enum team_event_type)(size % TEAM_EVENT__MAX)) < 0)
                goto out;
        const char **slots[] = { &ev.user, &ev.role, &ev.host, &ev.grant_id, &ev.request_id, &ev.decision,
                                 &ev.reason, &ev.service, &ev.tty, &ev.rhost, &ev.outcome, &ev.message };
        for (p = buf, end = buf + size; p <= end && i < sizeof(slots) / sizeof(slots[0]); i++) {
                *slots[i] = p;
                p += strlen(p) + 1;
        }
        ev.peer_pid = (pid_t)(size & 0xffff);
        if (team_audit_event_to_json(&ev, &json, &len) < 0)
                abort();
        if (team_audit_event_from_json(json, len, &back) < 0)
                abort();
        if (!sd_id128_equal(back.ev.id, ev.id) || back.ev.type != ev.type)
                abort();
        team_audit_event_parsed_clear(&back);
out:
        free(json);
        free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        read_write_read(data, size);
        write_any_text(data, size);
        return 0;
}
