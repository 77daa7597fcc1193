/* SPDX-License-Identifier: BSD-3-Clause */
/* The break-glass spool: one small JSON file per event, written by the PAM
 * module (a use) or teamctl (a new set) while teamd may be down, and
 * shipped by teamd (teamd/breakglass_spool.c) with the event id it
 * carries. The directory is root's, 0700 (default /var/spool/teamd/breakglass);
 * each record is written to a dot-file, fsynced and renamed to ID.json.
 *
 *   {"v":1,"type":"BreakGlassUsed","id":"32hex","time_usec":N,
 *    "user":..,"role":..,"host":..,"service":..,"tty":..,"rhost":..,
 *    "slot":N,"set_created":N,"window_end":N,"pid":N,"pid_start":N}
 *   {"v":1,"type":"BreakGlassSetCreated","id":..,"time_usec":N,"user":..,
 *    "role":..,"host":..,"count":N,"ttl":N,"set_created":N}
 */
#pragma once

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#define TEAM_BG_DEFAULT_SPOOL "/var/spool/teamd/breakglass"
#define TEAM_BG_MAX_RECORD 4096
#define TEAM_BG_MAX_SPOOLED 10000   /* records teamd takes per scan */

enum team_bg_record_type {
        TEAM_BG_RECORD_USED,
        TEAM_BG_RECORD_SET_CREATED,
};

struct team_bg_record {
        enum team_bg_record_type type;
        char id[33];            /* event id, 32 lower-case hex */
        int64_t time_usec;
        const char *user, *role, *host, *service, *tty, *rhost; /* NULL: absent */
        unsigned slot;          /* used: the code's slot */
        unsigned count;         /* set created: codes in it */
        uint64_t ttl_s;         /* set created: window per use */
        int64_t set_created;
        int64_t window_end;     /* used: end of the access window (unix s) */
        pid_t pid;              /* used: the PAM caller (login), whose session teamd ends at
                                 * window_end; 0: not known (then both are absent) */
        uint64_t pid_start;     /* its start time (proc_stat.h), naming it with pid */
        void *holder;           /* parse tree the strings point into */
};

/* The record as JSON text (malloc'd, NUL-terminated). 0 or -errno. */
int team_bg_record_to_json(const struct team_bg_record *rec, char **out);
/* Strict: an object, known keys only, types and bounds checked, strings
 * printable. 0 or -EBADMSG; free with team_bg_record_clear(). */
int team_bg_record_from_json(const char *buf, size_t len, struct team_bg_record *out);
void team_bg_record_clear(struct team_bg_record *rec);

/* Creates dir (and its parent) 0700 when missing; refuses one that is not
 * a directory owned by root without group/other access. 0 or -errno, a
 * sentence in err. */
int team_bg_spool_prepare(const char *dir, char *err, size_t errsz);
/* Writes rec as dir/ID.json (temp, fsync, rename, fsync dir). 0 or -errno. */
int team_bg_spool_write(const char *dir, const struct team_bg_record *rec, char *err, size_t errsz);
