/* SPDX-License-Identifier: BSD-3-Clause */
/* The durable record of a break-glass use: one JSON file per use in the
 * spool directory (teamd ships it: teamd/breakglass_spool.c) and an ALERT
 * journald entry, both with the same event id, so that the local journal
 * has the use even if teamd never comes back and the shipped event can be
 * matched to it. The spool record format is in docs/breakglass.md. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <json-c/json.h>
#include <security/pam_ext.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "audit_event.h"
#include "breakglass.h"

/* The spool directory exists (created 0700 if missing, parent too), is a
 * directory (not a link), owned by root, and not open to group or others. */
static int check_spool(pam_handle_t *pamh, const char *dir)
{
        struct stat st;
        char parent[4096];
        const char *slash = strrchr(dir, '/');

        if (slash && slash != dir && (size_t)(slash - dir) < sizeof(parent)) {
                memcpy(parent, dir, (size_t)(slash - dir));
                parent[slash - dir] = '\0';
                if (mkdir(parent, 0700) < 0 && errno != EEXIST)
                        pam_syslog(pamh, LOG_ERR, "break-glass spool: mkdir %s: %m", parent);
        }
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
                pam_syslog(pamh, LOG_ERR, "break-glass spool: mkdir %s: %m", dir);
                return -errno;
        }
        if (lstat(dir, &st) < 0) {
                pam_syslog(pamh, LOG_ERR, "break-glass spool: %s: %m", dir);
                return -errno;
        }
        if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077) != 0) {
                pam_syslog(pamh, LOG_ERR, "break-glass spool: %s refused: must be a directory owned by root, mode 0700",
                           dir);
                return -EPERM;
        }
        return 0;
}

static void add_str(json_object *o, const char *key, const char *v)
{
        if (v)
                json_object_object_add(o, key, json_object_new_string(v));
}

static json_object *record_json(const char *id, const char *host, const struct breakglass_use *u)
{
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, "v", json_object_new_int(1));
        add_str(o, "id", id);
        json_object_object_add(o, "time_usec", json_object_new_int64(u->time_usec));
        add_str(o, "user", u->req->user);
        add_str(o, "role", u->req->role);
        add_str(o, "host", host);
        add_str(o, "service", u->req->service);
        add_str(o, "tty", u->req->tty);
        add_str(o, "rhost", u->req->rhost);
        json_object_object_add(o, "slot", json_object_new_int((int)u->slot));
        json_object_object_add(o, "set_created", json_object_new_int64(u->set_created));
        json_object_object_add(o, "window_end", json_object_new_int64(u->window_end));
        return o;
}

static int write_file(int dfd, const char *tmp, const char *name, const char *text)
{
        size_t len = strlen(text), off = 0;
        int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        int r = 0;

        if (fd < 0)
                return -errno;
        while (off < len && r == 0) {
                ssize_t n = write(fd, text + off, len - off);

                if (n < 0 && errno != EINTR)
                        r = -errno;
                else if (n > 0)
                        off += (size_t)n;
        }
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
                r = -errno;
        if (r == 0 && fsync(dfd) < 0)
                r = -errno;
        if (r < 0)
                unlinkat(dfd, tmp, 0);
        return r;
}

static int write_spool(pam_handle_t *pamh, const char *dir, const char *id, const char *host,
                       const struct breakglass_use *u)
{
        json_object *o = NULL;
        char name[64], tmp[64];
        int dfd = -1, r;

        r = check_spool(pamh, dir);
        if (r < 0)
                return r;
        o = record_json(id, host, u);
        if (!o)
                return -ENOMEM;
        snprintf(name, sizeof(name), "%s.json", id);
        snprintf(tmp, sizeof(tmp), ".%s.tmp", id);
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0) {
                r = -errno;
                pam_syslog(pamh, LOG_ERR, "break-glass spool: %s: %m", dir);
                goto out;
        }
        r = write_file(dfd, tmp, name, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        if (r < 0)
                pam_syslog(pamh, LOG_ERR, "break-glass spool: cannot write %s/%s: %s", dir, name, strerror(-r));
        close(dfd);
out:
        json_object_put(o);
        return r;
}

static void write_journal(pam_handle_t *pamh, const char *id, const char *host, const struct breakglass_use *u,
                          int spool_r)
{
        char mid[SD_ID128_STRING_MAX];
        const struct team_request *q = u->req;
        int r;

        sd_id128_to_string(team_event_message_id(TEAM_EVENT_BREAK_GLASS_USED), mid);
        r = sd_journal_send("MESSAGE=BREAK-GLASS: %s used role %s on %s (service %s, code %u); window until %" PRId64,
                            q->user, q->role, host, q->service, u->slot, u->window_end,
                            "MESSAGE_ID=%s", mid,
                            "PRIORITY=%d", LOG_ALERT,
                            "SYSLOG_IDENTIFIER=pam_team",
                            "TEAM_EVENT=BreakGlassUsed",
                            "TEAM_EVENT_ID=%s", id,
                            "TEAM_OUTCOME=success",
                            "TEAM_DECISION=allow",
                            "TEAM_USER=%s", q->user,
                            "TEAM_ROLE=%s", q->role,
                            "TEAM_HOST=%s", host,
                            "TEAM_SERVICE=%s", q->service,
                            "TEAM_TTY=%s", q->tty ? q->tty : "",
                            "TEAM_RHOST=%s", q->rhost ? q->rhost : "",
                            "TEAM_REASON=break-glass code %u of the set created %" PRId64 "; window until %" PRId64,
                            u->slot, u->set_created, u->window_end,
                            "TEAM_BREAKGLASS_SLOT=%u", u->slot,
                            "TEAM_WINDOW_END=%" PRId64, u->window_end,
                            "TEAM_SPOOLED=%s", spool_r == 0 ? "yes" : "no",
                            NULL);
        if (r < 0)
                pam_syslog(pamh, LOG_ALERT, "break-glass: %s used role %s; journald entry not written: %s",
                           q->user, q->role, strerror(-r));
}

int breakglass_record(pam_handle_t *pamh, const struct pam_team_args *args, const struct breakglass_use *u)
{
        char id[SD_ID128_STRING_MAX], host[256] = "unknown";
        sd_id128_t rid;
        int r;

        r = sd_id128_randomize(&rid);
        if (r < 0) {
                pam_syslog(pamh, LOG_ALERT, "break-glass: no event id: %s", strerror(-r));
                return r;
        }
        sd_id128_to_string(rid, id);
        if (gethostname(host, sizeof(host) - 1) < 0)
                snprintf(host, sizeof(host), "unknown");
        host[sizeof(host) - 1] = '\0';
        r = write_spool(pamh, args->breakglass_spool, id, host, u);
        write_journal(pamh, id, host, u, r);
        pam_syslog(pamh, LOG_ALERT, "BREAK-GLASS: %s used role %s with code %u (event %s)%s",
                   u->req->user, u->req->role, u->slot, id, r == 0 ? "" : "; spool record NOT written");
        return r;
}
