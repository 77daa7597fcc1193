/* SPDX-License-Identifier: BSD-3-Clause */
/* The break-glass spool: record codec and atomic writer (see breakglass_spool.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json.h>

#include "breakglass_file.h"
#include "breakglass_spool.h"
#include "breakglass_store.h"
#include "json_util.h"
#include "printable.h"

#define MAX_TEXT 256
#define MAX_DEPTH 3

static const char *type_name(enum team_bg_record_type t)
{
        return t == TEAM_BG_RECORD_USED ? "BreakGlassUsed" : "BreakGlassSetCreated";
}

static int add_str(json_object *o, const char *key, const char *v)
{
        return v ? team_json_add(o, key, json_object_new_string(v)) : 0;
}

int team_bg_record_to_json(const struct team_bg_record *rec, char **out)
{
        json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = team_json_add(o, "v", json_object_new_int(1));
        r = r ?: add_str(o, "type", type_name(rec->type));
        r = r ?: add_str(o, "id", rec->id);
        r = r ?: team_json_add(o, "time_usec", json_object_new_int64(rec->time_usec));
        r = r ?: add_str(o, "user", rec->user);
        r = r ?: add_str(o, "role", rec->role);
        r = r ?: add_str(o, "host", rec->host);
        r = r ?: add_str(o, "service", rec->service);
        r = r ?: add_str(o, "tty", rec->tty);
        r = r ?: add_str(o, "rhost", rec->rhost);
        r = r ?: team_json_add(o, "set_created", json_object_new_int64(rec->set_created));
        if (rec->type == TEAM_BG_RECORD_USED) {
                r = r ?: team_json_add(o, "slot", json_object_new_int((int)rec->slot));
                r = r ?: team_json_add(o, "window_end", json_object_new_int64(rec->window_end));
                if (rec->pid > 1) {
                        r = r ?: team_json_add(o, "pid", json_object_new_int64((int64_t)rec->pid));
                        r = r ?: team_json_add(o, "pid_start", json_object_new_int64((int64_t)rec->pid_start));
                }
        } else {
                r = r ?: team_json_add(o, "count", json_object_new_int((int)rec->count));
                r = r ?: team_json_add(o, "ttl", json_object_new_int64((int64_t)rec->ttl_s));
        }
        r = r ?: team_json_to_text(o, TEAM_BG_MAX_RECORD, out, NULL);
        json_object_put(o);
        return r;
}

static int get_text(json_object *v, const char **out)
{
        const char *s;
        size_t len;

        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        s = json_object_get_string(v);
        len = (size_t)json_object_get_string_len(v);
        if (len == 0 || len > MAX_TEXT || strlen(s) != len || !team_text_is_printable(s, len))
                return -EBADMSG;
        *out = s;
        return 0;
}

static int get_int(json_object *v, int64_t min, int64_t max, int64_t *out)
{
        int64_t n;

        if (!json_object_is_type(v, json_type_int))
                return -EBADMSG;
        errno = 0;
        n = json_object_get_int64(v);
        if (errno != 0 || n < min || n > max)
                return -EBADMSG;
        *out = n;
        return 0;
}

static int get_id(json_object *v, char id[33])
{
        const char *s;

        if (get_text(v, &s) < 0 || strlen(s) != 32 || strspn(s, "0123456789abcdef") != 32)
                return -EBADMSG;
        memcpy(id, s, 33);
        return 0;
}

/* One key of the object; -EBADMSG for an unknown one or a bad value. */
static int take_field(struct team_bg_record *r, const char *key, json_object *v, unsigned *seen)
{
        static const char *const texts[] = { "user", "role", "host", "service", "tty", "rhost" };
        const char **slots[] = { &r->user, &r->role, &r->host, &r->service, &r->tty, &r->rhost };
        int64_t n;

        for (unsigned i = 0; i < 6; i++)
                if (strcmp(key, texts[i]) == 0)
                        return get_text(v, slots[i]);
        if (strcmp(key, "v") == 0)
                return get_int(v, 1, 1, &n);
        if (strcmp(key, "type") == 0) {
                const char *t;

                if (get_text(v, &t) < 0)
                        return -EBADMSG;
                *seen |= 1;
                if (strcmp(t, "BreakGlassUsed") == 0)
                        r->type = TEAM_BG_RECORD_USED;
                else if (strcmp(t, "BreakGlassSetCreated") == 0)
                        r->type = TEAM_BG_RECORD_SET_CREATED;
                else
                        return -EBADMSG;
                return 0;
        }
        if (strcmp(key, "id") == 0) {
                *seen |= 2;
                return get_id(v, r->id);
        }
        if (strcmp(key, "time_usec") == 0) {
                *seen |= 4;
                return get_int(v, 0, TEAM_BG_MAX_TIME * 1000000, &r->time_usec);
        }
        if (strcmp(key, "set_created") == 0)
                return get_int(v, 0, TEAM_BG_MAX_TIME, &r->set_created);
        if (strcmp(key, "window_end") == 0)
                return get_int(v, 0, TEAM_BG_MAX_TIME, &r->window_end);
        if (strcmp(key, "pid") == 0) {
                if (get_int(v, 2, INT32_MAX, &n) < 0)
                        return -EBADMSG;
                r->pid = (pid_t)n;
                return 0;
        }
        if (strcmp(key, "pid_start") == 0) {
                if (get_int(v, 1, INT64_MAX, &n) < 0)
                        return -EBADMSG;
                r->pid_start = (uint64_t)n;
                return 0;
        }
        if (strcmp(key, "slot") == 0 || strcmp(key, "count") == 0) {
                if (get_int(v, 1, TEAM_BG_MAX_CODES, &n) < 0)
                        return -EBADMSG;
                *(key[0] == 's' ? &r->slot : &r->count) = (unsigned)n;
                return 0;
        }
        if (strcmp(key, "ttl") == 0) {
                if (get_int(v, TEAM_BG_MIN_TTL_S, TEAM_BG_MAX_TTL_S, &n) < 0)
                        return -EBADMSG;
                r->ttl_s = (uint64_t)n;
                return 0;
        }
        return -EBADMSG;
}

int team_bg_record_from_json(const char *buf, size_t len, struct team_bg_record *out)
{
        json_object *o = NULL;
        const char *why = NULL;
        unsigned seen = 0;
        int r;

        memset(out, 0, sizeof(*out));
        if (len > TEAM_BG_MAX_RECORD)
                return -EBADMSG;
        r = team_json_parse_object(buf, len, MAX_DEPTH, &o, &why);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        out->holder = o;
        json_object_object_foreach(o, key, val) {
                if (take_field(out, key, val, &seen) < 0) {
                        r = -EBADMSG;
                        goto out;
                }
        }
        /* type, id and time always; the user and role always; a use names its
         * slot and window, a new set its count and ttl; pid and its start
         * time go together. */
        if (seen != 7 || !out->user || !out->role || !out->pid != !out->pid_start ||
            (out->type == TEAM_BG_RECORD_USED && (!out->slot || !out->window_end)) ||
            (out->type == TEAM_BG_RECORD_SET_CREATED && (!out->count || !out->ttl_s)))
                r = -EBADMSG;
out:
        if (r < 0)
                team_bg_record_clear(out);
        return r;
}

void team_bg_record_clear(struct team_bg_record *rec)
{
        if (rec->holder)
                json_object_put(rec->holder);
        memset(rec, 0, sizeof(*rec));
}

static int check_dir(const char *dir, char *err, size_t errsz)
{
        struct stat st;

        if (lstat(dir, &st) < 0) {
                snprintf(err, errsz, "%s: %s", dir, strerror(errno));
                return -errno;
        }
        if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077) != 0) {
                snprintf(err, errsz, "%s: refused: must be a directory owned by root, mode 0700", dir);
                return -EPERM;
        }
        return 0;
}

int team_bg_spool_prepare(const char *dir, char *err, size_t errsz)
{
        char parent[4096];
        const char *slash = strrchr(dir, '/');

        if (slash && slash != dir && (size_t)(slash - dir) < sizeof(parent)) {
                memcpy(parent, dir, (size_t)(slash - dir));
                parent[slash - dir] = '\0';
                (void)mkdir(parent, 0755);
        }
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
                snprintf(err, errsz, "mkdir %s: %s", dir, strerror(errno));
                return -errno;
        }
        return check_dir(dir, err, errsz);
}

static int write_at(int dfd, const char *tmp, const char *name, const char *text)
{
        int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        int r;

        if (fd < 0)
                return -errno;
        r = team_bg_write_all(fd, text, strlen(text));
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
                r = -errno;
        if (r == 0 && fsync(dfd) < 0)
                r = -errno;
        if (r < 0)
                (void)unlinkat(dfd, tmp, 0);
        return r;
}

int team_bg_spool_write(const char *dir, const struct team_bg_record *rec, char *err, size_t errsz)
{
        char name[64], tmp[64], *text = NULL;
        int dfd = -1, r;

        r = team_bg_spool_prepare(dir, err, errsz);
        if (r < 0)
                return r;
        r = team_bg_record_to_json(rec, &text);
        if (r < 0) {
                snprintf(err, errsz, "cannot encode the record: %s", strerror(-r));
                return r;
        }
        snprintf(name, sizeof(name), "%s.json", rec->id);
        snprintf(tmp, sizeof(tmp), ".%s.tmp", rec->id);
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0) {
                r = -errno;
                snprintf(err, errsz, "%s: %s", dir, strerror(errno));
                goto out;
        }
        r = write_at(dfd, tmp, name, text);
        if (r < 0)
                snprintf(err, errsz, "cannot write %s/%s: %s", dir, name, strerror(-r));
        close(dfd);
out:
        free(text);
        return r;
}
