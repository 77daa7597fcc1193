/* SPDX-License-Identifier: BSD-3-Clause */
/* Scopes and logind sessions over sd-bus; see session_systemd.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-login.h>

#include "parse.h"
#include "session_systemd.h"

#define SYSTEMD_DEST "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"
#define LOGIND_DEST "org.freedesktop.login1"
#define CGROUP_ROOT "/sys/fs/cgroup"

int session_systemd_available(void)
{
        return sd_booted() > 0;
}

static int bus_open(sd_bus **bus)
{
        int r = sd_bus_open_system(bus);

        if (r >= 0)
                r = sd_bus_set_method_call_timeout(*bus, SESSION_BUS_TIMEOUT_USEC);
        return r < 0 ? r : 0;
}

int session_logind_of(pid_t pid, char **session_out, int *is_leader)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        char path[256], *session = NULL;
        sd_bus *bus = NULL;
        uint32_t leader = 0;
        int r;

        *session_out = NULL;
        *is_leader = 0;
        r = sd_pid_get_session(pid, &session);
        if (r < 0)
                return r == -ENXIO ? -ENODATA : r;
        if (!is_valid_token_name(session, 64)) {
                r = -EINVAL;
                goto out;
        }
        r = bus_open(&bus);
        if (r < 0)
                goto out;
        snprintf(path, sizeof(path), "/org/freedesktop/login1/session/%s", session);
        r = sd_bus_get_property_trivial(bus, LOGIND_DEST, path, "org.freedesktop.login1.Session", "Leader", &error,
                                        'u', &leader);
        /* A session whose path needs escaping (logind escapes leading
         * digits) is asked by id instead. */
        if (r < 0) {
                sd_bus_error_free(&error);
                r = sd_bus_call_method(bus, LOGIND_DEST, "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
                                       "GetSession", &error, &reply, "s", session);
                const char *opath = NULL;
                if (r >= 0)
                        r = sd_bus_message_read(reply, "o", &opath);
                if (r >= 0)
                        r = sd_bus_get_property_trivial(bus, LOGIND_DEST, opath, "org.freedesktop.login1.Session",
                                                        "Leader", &error, 'u', &leader);
        }
        if (r >= 0) {
                *is_leader = (pid_t)leader == pid;
                *session_out = session;
                session = NULL;
                r = 0;
        }
out:
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        sd_bus_flush_close_unref(bus);
        free(session);
        return r;
}

struct job_wait {
        const char *job;
        int done;
        int failed;
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct job_wait *w = userdata;
        const char *path = NULL, *unit = NULL, *result = NULL;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0 || !w->job || strcmp(path, w->job) != 0)
                return 0;
        w->done = 1;
        w->failed = strcmp(result, "done") != 0;
        return 0;
}

static uint64_t mono_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* Processes the bus until the job is removed or the deadline passes. */
static int wait_job(sd_bus *bus, struct job_wait *w)
{
        uint64_t deadline = mono_usec() + SESSION_BUS_TIMEOUT_USEC;
        int r = 0;

        while (!w->done) {
                uint64_t now = mono_usec();
                if (now >= deadline)
                        return -ETIMEDOUT;
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r == 0 && (r = sd_bus_wait(bus, deadline - now)) < 0)
                        return r;
        }
        return w->failed ? -EIO : 0;
}

static int start_scope_call(sd_bus *bus, const char *unit, pid_t pid, sd_bus_message **reply,
                            sd_bus_error *error)
{
        sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                           "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", unit, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)", "PIDs", "au", 1, (uint32_t)pid, "Slice", "s",
                                          "team.slice", "Description", "s", "pam_team elevated session",
                                          "CollectMode", "s", "inactive-or-failed");
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r >= 0)
                r = sd_bus_call(bus, m, SESSION_BUS_TIMEOUT_USEC, error, reply);
        sd_bus_message_unref(m);
        return r < 0 ? r : 0;
}

static int scope_cgroup(sd_bus *bus, const char *unit, char **cgroup_out)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *opath = NULL;
        char *cg = NULL;
        int r;

        r = sd_bus_call_method(bus, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER, "GetUnit", &error, &reply, "s",
                               unit);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &opath);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, SYSTEMD_DEST, opath, "org.freedesktop.systemd1.Scope",
                                               "ControlGroup", &error, &cg);
        if (r >= 0 && (cg[0] != '/' || strstr(cg, "/..")))
                r = -EBADMSG;
        if (r >= 0 && asprintf(cgroup_out, "%s%s", CGROUP_ROOT, cg) < 0)
                r = -ENOMEM;
        free(cg);
        sd_bus_message_unref(reply);
        sd_bus_error_free(&error);
        return r < 0 ? r : 0;
}

int session_scope_attach(const char *session_id, pid_t pid, char **unit_out, char **cgroup_out)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        sd_bus_slot *slot = NULL;
        struct job_wait w = { .job = NULL };
        char *unit = NULL;
        sd_bus *bus = NULL;
        int r;

        *unit_out = *cgroup_out = NULL;
        if (asprintf(&unit, "team-%s.scope", session_id) < 0)
                return -ENOMEM;
        r = bus_open(&bus);
        /* Subscribed before the call so that a fast job's end is not missed. */
        if (r >= 0)
                r = sd_bus_match_signal(bus, &slot, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER, "JobRemoved",
                                        on_job_removed, &w);
        if (r >= 0)
                r = start_scope_call(bus, unit, pid, &reply, &error);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &w.job);
        if (r >= 0)
                r = wait_job(bus, &w);
        if (r >= 0)
                r = scope_cgroup(bus, unit, cgroup_out);
        if (r >= 0) {
                *unit_out = unit;
                unit = NULL;
        }
        sd_bus_slot_unref(slot);
        sd_bus_message_unref(reply);
        sd_bus_error_free(&error);
        sd_bus_flush_close_unref(bus);
        free(unit);
        return r < 0 ? r : 0;
}

int session_scope_add(const char *unit, const pid_t *pids, size_t n)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL;
        uint32_t *v = calloc(n ? n : 1, sizeof(*v));
        sd_bus *bus = NULL;
        int r = v ? bus_open(&bus) : -ENOMEM;

        for (size_t i = 0; v && i < n; i++)
                v[i] = (uint32_t)pids[i];
        if (r >= 0)
                r = sd_bus_message_new_method_call(bus, &m, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                                   "AttachProcessesToUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", unit, "");
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'u', v, n * sizeof(*v));
        if (r >= 0)
                r = sd_bus_call(bus, m, SESSION_BUS_TIMEOUT_USEC, &error, NULL);
        sd_bus_message_unref(m);
        sd_bus_error_free(&error);
        sd_bus_flush_close_unref(bus);
        free(v);
        return r < 0 ? r : 0;
}

int session_scope_kill(const char *unit, int sig)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus *bus = NULL;
        int r = bus_open(&bus);

        if (r >= 0)
                r = sd_bus_call_method(bus, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER, "KillUnit", &error, NULL,
                                       "ssi", unit, "all", (int32_t)sig);
        sd_bus_error_free(&error);
        sd_bus_flush_close_unref(bus);
        return r < 0 ? r : 0;
}

int session_logind_terminate(const char *logind_session)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus *bus = NULL;
        int r = bus_open(&bus);

        if (r >= 0)
                r = sd_bus_call_method(bus, LOGIND_DEST, "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
                                       "TerminateSession", &error, NULL, "s", logind_session);
        sd_bus_error_free(&error);
        sd_bus_flush_close_unref(bus);
        return r < 0 ? r : 0;
}
