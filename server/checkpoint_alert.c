/* SPDX-License-Identifier: BSD-3-Clause */
/* The audit rows, webhook jobs and journald entries of the hosts'
 * checkpoint events; see checkpoint_alert.h. Nothing here is secret: host
 * keys are public keys, and no token ever reaches this file. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <time.h>

#include <json-c/json.h>
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "checkpoint_alert.h"
#include "json_util.h"
#include "webhook.h"
#include "webhook_format.h"

#define FIELD_MAX (CP_REASON_MAX + 64)
#define MAX_FIELDS 20

static const struct {
        const char *name;
        const char *webhook;            /* NULL: audit and journald only */
        const char *message_id;
        int priority;
} events[CP_EVENT__MAX] = {
        [CP_EVENT_STOPPED] = { "HostCheckpointsStopped", WEBHOOK_EVENT_CHECKPOINTS_STOPPED,
                               "1f71f206811549688b566410217bc010", LOG_ERR },
        [CP_EVENT_RESUMED] = { "HostCheckpointsResumed", WEBHOOK_EVENT_CHECKPOINTS_RESUMED,
                               "fcf74703ebab48038b00af06637b1928", LOG_NOTICE },
        [CP_EVENT_FORK] = { "HostChainFork", WEBHOOK_EVENT_CHAIN_FORK, "fbafc8d84df441339721f6e32dfa4a3a",
                            LOG_ALERT },
        [CP_EVENT_KEY_MISMATCH] = { "HostKeyMismatch", WEBHOOK_EVENT_KEY_MISMATCH,
                                    "14d2ba2a332f48f78fe973eb947159e8", LOG_ALERT },
        [CP_EVENT_KEY_REGISTERED] = { "HostKeyRegistered", NULL, "69890aad68da4a27bd3fa1b50f7075f8", LOG_INFO },
        [CP_EVENT_KEY_SET] = { "HostKeySet", NULL, "69ae964639d24e41b31aae7a990ab677", LOG_NOTICE },
        [CP_EVENT_KEY_CLEARED] = { "HostKeyCleared", NULL, "a23ff32f67f245d5982f52ab7f78a497", LOG_NOTICE },
};

const char *checkpoint_event_name(enum checkpoint_event e)
{
        return (unsigned)e < CP_EVENT__MAX ? events[e].name : "unknown";
}

static const char *utc(int64_t t, char *buf, size_t len)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (t <= 0 || !gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, len, "%" PRId64, t);
        return buf;
}

static const struct srv_checkpoint *recorded_of(const struct checkpoint_alert *a)
{
        return a->recorded && a->recorded->seq > 0 ? a->recorded : NULL;
}

/* The sentence of the audit row, the journal's MESSAGE and the webhook. */
static void compose_reason(struct checkpoint_alert *a)
{
        const struct srv_checkpoint *rec = recorded_of(a);
        const struct team_audit_event *ev = a->ev;
        char t1[32], t2[32];
        char *b = a->reason;
        size_t n = sizeof(a->reason);

        switch (a->event) {
        case CP_EVENT_STOPPED:
                snprintf(b, n, "no audit checkpoint accepted from %s for %" PRId64 " s (checkpoint_alert_after %" PRIu64
                         " s); the last, seq %" PRId64 " signed at %s, was received at %s",
                         a->host, rec ? a->at - rec->received_at : 0, a->alert_after, rec ? rec->seq : 0,
                         utc(rec ? rec->time_usec / 1000000 : 0, t1, sizeof(t1)),
                         utc(rec ? rec->received_at : 0, t2, sizeof(t2)));
                break;
        case CP_EVENT_RESUMED:
                snprintf(b, n, "checkpoint seq %" PRIu64 " accepted after the stop alert of %s; the one before it, "
                         "seq %" PRId64 ", was received at %s",
                         ev ? ev->seq : 0, utc(a->recorded ? a->recorded->stop_alerted_at : 0, t1, sizeof(t1)),
                         rec ? rec->seq : 0, utc(rec ? rec->received_at : 0, t2, sizeof(t2)));
                break;
        case CP_EVENT_FORK:
                if (ev && rec && (int64_t)ev->seq < rec->seq)
                        snprintf(b, n, "checkpoint seq %" PRIu64 " (prev %s) is behind the recorded seq %" PRId64
                                 " (prev %s, received at %s): the host's audit chain was rolled back or forked; "
                                 "the recorded checkpoint is kept", ev->seq, ev->prev, rec->seq,
                                 rec->head ? rec->head : "-", utc(rec->received_at, t1, sizeof(t1)));
                else
                        snprintf(b, n, "checkpoint seq %" PRIu64 " (prev %s, signed at %s) differs from the recorded "
                                 "checkpoint of that seq (prev %s, signed at %s): two chains claim one sequence "
                                 "number; the recorded checkpoint is kept", ev ? ev->seq : 0, ev ? ev->prev : "-",
                                 utc(ev ? ev->time_usec / 1000000 : 0, t1, sizeof(t1)),
                                 rec && rec->head ? rec->head : "-", utc(rec ? rec->time_usec / 1000000 : 0, t2,
                                                                          sizeof(t2)));
                break;
        case CP_EVENT_KEY_MISMATCH:
                snprintf(b, n, "checkpoint seq %" PRIu64 " is signed with key %s, not the registered key %s "
                         "(registered at %s%s): a reinstalled host, a second machine with this host's token, or a "
                         "forged checkpoint; if the key was replaced on purpose: team-server admin host-key %s KEY",
                         ev ? ev->seq : 0, ev && ev->host_key ? ev->host_key : "-",
                         a->recorded && a->recorded->host_key ? a->recorded->host_key : "-",
                         utc(a->recorded ? a->recorded->key_at : 0, t1, sizeof(t1)),
                         a->recorded && a->recorded->key_by_admin ? " by an admin" : ", trust on first use",
                         a->host);
                break;
        case CP_EVENT_KEY_REGISTERED:
                snprintf(b, n, "audit key %s registered with checkpoint seq %" PRIu64 " (trust on first use)",
                         a->key ? a->key : "-", ev ? ev->seq : 0);
                break;
        case CP_EVENT_KEY_SET:
                snprintf(b, n, "audit key %s set by an admin%s", a->key ? a->key : "-",
                         a->recorded && a->recorded->host_key && a->key &&
                                         strcmp(a->recorded->host_key, a->key) != 0
                                 ? " (replacing another key)" : "");
                break;
        case CP_EVENT_KEY_CLEARED:
                snprintf(b, n, "audit key %s and the recorded checkpoint (seq %" PRId64 ") forgotten by an admin; the "
                         "next checkpoint registers its key", a->recorded && a->recorded->host_key
                                                                   ? a->recorded->host_key : "(none)",
                         a->recorded ? a->recorded->seq : 0);
                break;
        default:
                snprintf(b, n, "?");
        }
}

/* Builders: each new node goes to its parent at once (team_json_add), so
 * freeing the root frees everything on any error path. */
static int put_str(json_object *o, const char *key, const char *v)
{
        return v ? team_json_add(o, key, json_object_new_string(v)) : 0;
}

/* The webhook's "request" member: the host's checkpoint, not a request. */
static json_object *payload(const struct checkpoint_alert *a)
{
        const struct srv_checkpoint *rec = recorded_of(a);
        json_object *o = json_object_new_object(), *c;
        int r;

        if (!o)
                return NULL;
        r = put_str(o, "host", a->host);
        r = r ?: put_str(o, "event", events[a->event].name);
        r = r ?: put_str(o, "reason", a->reason);
        if (r == 0 && a->ev) {
                r = team_json_add(o, "checkpoint", c = json_object_new_object());
                r = r ?: team_json_add(c, "seq", json_object_new_int64((int64_t)a->ev->seq));
                r = r ?: put_str(c, "prev", a->ev->prev);
                r = r ?: team_json_add(c, "time_usec", json_object_new_int64(a->ev->time_usec));
                r = r ?: put_str(c, "host_key", a->ev->host_key);
        }
        if (r == 0 && rec) {
                r = team_json_add(o, "recorded", c = json_object_new_object());
                r = r ?: team_json_add(c, "seq", json_object_new_int64(rec->seq));
                r = r ?: put_str(c, "prev", rec->head);
                r = r ?: team_json_add(c, "time_usec", json_object_new_int64(rec->time_usec));
                r = r ?: team_json_add(c, "received_at", json_object_new_int64(rec->received_at));
        }
        if (r == 0 && a->recorded && a->recorded->host_key)
                r = put_str(o, "registered_key", a->recorded->host_key);
        if (r == 0 && a->event == CP_EVENT_STOPPED) {
                r = team_json_add(o, "alert_after", json_object_new_int64((int64_t)a->alert_after));
                r = r ?: team_json_add(o, "silent_for", json_object_new_int64(rec ? a->at - rec->received_at : 0));
        }
        if (r < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

int checkpoint_alert_record(struct srv_store *store, struct webhook *w, struct checkpoint_alert *a)
{
        struct srv_audit_record row = {
                .at = a->at, .event = events[a->event].name, .actor = a->actor,
                .host = a->host, .reason = a->reason,
        };
        struct webhook_event wev = { .type = events[a->event].webhook, .actor = a->actor, .at = a->at };
        json_object *o;
        int r;

        if ((unsigned)a->event >= CP_EVENT__MAX)
                return -EINVAL;
        compose_reason(a);
        r = srv_store_audit_append(store, &row);
        if (r < 0 || !wev.type || !w)
                return r;
        o = payload(a);
        if (!o)
                return -ENOMEM;
        wev.request = o;
        r = webhook_enqueue_in(w, &wev);
        json_object_put(o);
        return r;
}

static void add_field(struct iovec *iov, size_t *n, char (*buf)[FIELD_MAX], const char *key, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
static void add_field(struct iovec *iov, size_t *n, char (*buf)[FIELD_MAX], const char *key, const char *fmt, ...)
{
        va_list ap;
        int len, k;

        if (*n >= MAX_FIELDS)
                return;
        k = snprintf(buf[*n], FIELD_MAX, "%s=", key);
        va_start(ap, fmt);
        len = vsnprintf(buf[*n] + k, FIELD_MAX - (size_t)k, fmt, ap);
        va_end(ap);
        if (k < 0 || len < 0)
                return;
        iov[*n].iov_base = buf[*n];
        iov[*n].iov_len = strnlen(buf[*n], FIELD_MAX - 1);
        (*n)++;
}

void checkpoint_alert_announce(struct webhook *w, const struct checkpoint_alert *a)
{
        char f[MAX_FIELDS][FIELD_MAX];
        const struct srv_checkpoint *rec = recorded_of(a);
        struct iovec iov[MAX_FIELDS];
        size_t n = 0;

        if ((unsigned)a->event >= CP_EVENT__MAX)
                return;
        add_field(iov, &n, f, "MESSAGE", "%s: host %s: %s", events[a->event].name, a->host, a->reason);
        add_field(iov, &n, f, "MESSAGE_ID", "%s", events[a->event].message_id);
        add_field(iov, &n, f, "PRIORITY", "%d", events[a->event].priority);
        add_field(iov, &n, f, "SYSLOG_IDENTIFIER", "%s", "team-server");
        add_field(iov, &n, f, "TEAM_EVENT", "%s", events[a->event].name);
        add_field(iov, &n, f, "TEAM_ACTOR", "%s", a->actor ? a->actor : "server");
        add_field(iov, &n, f, "TEAM_HOST", "%s", a->host);
        add_field(iov, &n, f, "TEAM_REASON", "%s", a->reason);
        if (a->ev) {
                add_field(iov, &n, f, "TEAM_SEQ", "%" PRIu64, a->ev->seq);
                add_field(iov, &n, f, "TEAM_PREV", "%s", a->ev->prev);
                add_field(iov, &n, f, "TEAM_CHECKPOINT_TIME_USEC", "%" PRId64, a->ev->time_usec);
                if (a->ev->host_key)
                        add_field(iov, &n, f, "TEAM_HOST_KEY", "%s", a->ev->host_key);
        }
        if (rec) {
                add_field(iov, &n, f, "TEAM_RECORDED_SEQ", "%" PRId64, rec->seq);
                add_field(iov, &n, f, "TEAM_RECORDED_PREV", "%s", rec->head ? rec->head : "");
                add_field(iov, &n, f, "TEAM_RECORDED_TIME_USEC", "%" PRId64, rec->time_usec);
                add_field(iov, &n, f, "TEAM_RECEIVED_AT", "%" PRId64, rec->received_at);
        }
        if (a->recorded && a->recorded->host_key)
                add_field(iov, &n, f, "TEAM_REGISTERED_KEY", "%s", a->recorded->host_key);
        else if (a->key)
                add_field(iov, &n, f, "TEAM_REGISTERED_KEY", "%s", a->key);
        sd_journal_sendv(iov, (int)n);
        if (!getenv("JOURNAL_STREAM"))
                fprintf(stderr, "team-server: %s: host %s: %s\n", events[a->event].name, a->host, a->reason);
        if (events[a->event].webhook)
                webhook_wake(w);
}

void checkpoint_log(int priority, const char *host, const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (getenv("JOURNAL_STREAM"))
                sd_journal_send("MESSAGE=checkpoint of %s: %s", host ? host : "-", msg, "PRIORITY=%d", priority,
                                "SYSLOG_IDENTIFIER=team-server", "TEAM_HOST=%s", host ? host : "", NULL);
        else
                fprintf(stderr, "team-server: checkpoint of %s: %s\n", host ? host : "-", msg);
}
