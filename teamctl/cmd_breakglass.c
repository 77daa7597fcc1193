/* SPDX-License-Identifier: BSD-3-Clause */
/* teamctl breakglass init|status (root, local: no teamd needed) and
 * uses|acknowledge (approvers, team-server: cmd_breakglass_central.c). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <json.h>
#include <openssl/crypto.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "audit_event.h"
#include "breakglass_spool.h"
#include "breakglass_store.h"
#include "format.h"
#include "parse.h"
#include "teamctl.h"
#include "unconst.h"

#define DEFAULT_TTL_S 900
#define ERR_LEN 512

struct init_opts {
        unsigned count;
        uint64_t ttl_s;
        const char *role;
        const char *file;
        const char *spool;
        bool json;
};

void cmd_breakglass_help(void)
{
        printf("Usage: teamctl breakglass init --count N --ttl DURATION [--role ROLE] [--file PATH]\n"
               "                               [--spool DIR] [--json]\n"
               "       teamctl breakglass status [--file PATH] [--json]\n"
               "       teamctl --server URL breakglass uses [--all] [--json]\n"
               "       teamctl --server URL breakglass acknowledge ID [--comment TEXT]\n"
               "\n"
               "init (root) makes N (1-%d) one-time codes for the PAM line's breakglass\n"
               "option, replacing the whole previous set, and prints them once: one code per\n"
               "line on stdout and nothing else (--json: {\"codes\":[...],\"file\":...,\"ttl\":...}).\n"
               "Only salted scrypt hashes are stored, in PATH (default %s,\n"
               "root 0600). Each code lets one person in for DURATION (60s-24h, default 15m)\n"
               "when the normal check does not. --role defaults to console.\n"
               "status (root) tells how many codes are left, never which.\n"
               "uses lists break-glass uses reported to team-server (unacknowledged ones unless\n"
               "--all); acknowledge records that a use was reviewed. See docs/breakglass.md.\n"
               "\n"
               "Exit status: 0 ok, 1 failed, 2 usage, 3 no set / no such use, 5 not root or not allowed.\n",
               TEAM_BG_MAX_CODES, TEAM_BG_DEFAULT_FILE);
}

static int parse_init(int argc, char **argv, bool json, struct init_opts *o)
{
        static const struct option longopts[] = {
                { "count", required_argument, NULL, 'n' },
                { "ttl", required_argument, NULL, 't' },
                { "role", required_argument, NULL, 'r' },
                { "file", required_argument, NULL, 'f' },
                { "spool", required_argument, NULL, 'S' },
                { "json", no_argument, NULL, 'j' },
                { NULL, 0, NULL, 0 },
        };
        uint64_t n = 0;
        int c;

        *o = (struct init_opts){ .ttl_s = DEFAULT_TTL_S, .role = "console", .file = TEAM_BG_DEFAULT_FILE,
                                 .spool = TEAM_BG_DEFAULT_SPOOL, .json = json };
        optind = 1;
        while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
                switch (c) {
                case 'n':
                        if (parse_uint(optarg, 1, TEAM_BG_MAX_CODES, &n) < 0) {
                                fprintf(stderr, "teamctl: --count: a number of codes in 1..%d\n", TEAM_BG_MAX_CODES);
                                return -EINVAL;
                        }
                        o->count = (unsigned)n;
                        break;
                case 't':
                        if (parse_duration(optarg, TEAM_BG_MIN_TTL_S, TEAM_BG_MAX_TTL_S, &o->ttl_s) < 0) {
                                fprintf(stderr, "teamctl: --ttl: a duration (900, 15m, 1h) of 1 minute to 24 hours\n");
                                return -EINVAL;
                        }
                        break;
                case 'r':
                        if (!is_valid_token_name(optarg, TEAM_BG_MAX_ROLE)) {
                                fprintf(stderr, "teamctl: --role: not a valid role name\n");
                                return -EINVAL;
                        }
                        o->role = optarg;
                        break;
                case 'f':
                        o->file = optarg;
                        break;
                case 'S':
                        o->spool = optarg;
                        break;
                case 'j':
                        o->json = true;
                        break;
                default:
                        return -EINVAL;
                }
        }
        if (optind != argc || o->count == 0 || o->file[0] != '/' || o->spool[0] != '/') {
                fprintf(stderr, "teamctl: usage: breakglass init --count N --ttl DURATION [--role ROLE] "
                                "[--file /ABS/PATH] [--spool /ABS/DIR] [--json]\n");
                return -EINVAL;
        }
        return 0;
}

/* A new set for o; the codes' symbols in syms (count x 17 bytes). */
static int make_set(const struct init_opts *o, struct team_bg_set *set, char (*syms)[TEAM_BG_CODE_SYMBOLS + 1])
{
        uint8_t key[TEAM_BG_KEY_LEN];
        int r;

        memset(set, 0, sizeof(*set));
        snprintf(set->role, sizeof(set->role), "%s", o->role);
        set->ttl_s = o->ttl_s;
        set->created = (int64_t)time(NULL);
        set->kdf = (struct team_bg_kdf){ .n = TEAM_BG_SCRYPT_N, .r = TEAM_BG_SCRYPT_R, .p = TEAM_BG_SCRYPT_P };
        set->n_slots = o->count;
        r = team_bg_random(set->kdf.salt, sizeof(set->kdf.salt));
        for (unsigned i = 0; r == 0 && i < o->count; i++) {
                r = team_bg_code_generate(syms[i], sizeof(syms[i]));
                r = r ?: team_bg_random(set->slots[i].salt, TEAM_BG_SALT_LEN);
                r = r ?: team_bg_derive(syms[i], &set->kdf, key);
                r = r ?: team_bg_slot_hash(key, set->slots[i].salt, set->slots[i].hash);
        }
        OPENSSL_cleanse(key, sizeof(key));
        return r;
}

/* Waits for the current set's lock (a login may be burning a code) so
 * that the replacement is not overwritten by that login's write. A
 * missing, unreadable or damaged old set is replaced all the same. */
static void lock_old(const char *file, struct team_bg_locked *old)
{
        char err[ERR_LEN] = "";
        int r = team_bg_lock(file, old, err, sizeof(err));

        if (r < 0 && r != -ENOENT)
                fprintf(stderr, "teamctl: replacing the previous set anyway: %s\n", err);
}

/* /etc/team may not exist yet on a fresh host (tmpfiles makes it 0755). */
static void make_parent(const char *file)
{
        char dir[4096];
        const char *slash = strrchr(file, '/');

        if (!slash || slash == file || (size_t)(slash - file) >= sizeof(dir))
                return;
        memcpy(dir, file, (size_t)(slash - file));
        dir[slash - file] = '\0';
        if (mkdir(dir, 0755) == 0)
                fprintf(stderr, "teamctl: created %s\n", dir);
}

static int print_codes(const struct init_opts *o, char (*syms)[TEAM_BG_CODE_SYMBOLS + 1])
{
        char shown[TEAM_BG_CODE_TEXT + 1];
        json_object *obj = NULL, *arr = NULL;
        int r = 0;

        if (o->json) {
                obj = json_object_new_object();
                arr = json_object_new_array();
                if (!obj || !arr) {
                        json_object_put(obj);
                        json_object_put(arr);
                        return -ENOMEM;
                }
        }
        for (unsigned i = 0; i < o->count; i++) {
                team_bg_code_format(syms[i], shown, sizeof(shown));
                if (arr)
                        json_object_array_add(arr, json_object_new_string(shown));
                else
                        printf("%s\n", shown);
        }
        OPENSSL_cleanse(shown, sizeof(shown));
        if (obj) {
                json_object_object_add(obj, "codes", arr);
                json_object_object_add(obj, "file", json_object_new_string(o->file));
                json_object_object_add(obj, "ttl", json_object_new_int64((int64_t)o->ttl_s));
                json_object_object_add(obj, "role", json_object_new_string(o->role));
                const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
                                                                           JSON_C_TO_STRING_NOSLASHESCAPE);

                printf("%s\n", text);
                /* The JSON text and the array's strings held the codes too. */
                OPENSSL_cleanse(team_unconst(text), strlen(text));
                for (size_t i = 0; i < json_object_array_length(arr); i++) {
                        json_object *c = json_object_array_get_idx(arr, i);

                        OPENSSL_cleanse(team_unconst(json_object_get_string(c)),
                                        (size_t)json_object_get_string_len(c));
                }
                json_object_put(obj);
        }
        if (fflush(stdout) != 0 || ferror(stdout))
                r = -EIO;
        return r;
}

/* The audit of a new set: a journald entry now, and a spool record that
 * teamd ships to the outbox, the sinks and team-server. */
static void audit_init(const struct init_opts *o, const struct team_bg_set *set)
{
        struct team_bg_record rec = { .type = TEAM_BG_RECORD_SET_CREATED, .role = o->role, .count = o->count,
                                      .ttl_s = o->ttl_s, .set_created = set->created };
        char mid[SD_ID128_STRING_MAX], host[256] = "unknown", err[ERR_LEN] = "";
        const char *sudo_user = getenv("SUDO_USER");
        struct timespec ts;
        sd_id128_t id;
        int r;

        clock_gettime(CLOCK_REALTIME, &ts);
        rec.time_usec = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
        if (sd_id128_randomize(&id) < 0)
                id = SD_ID128_NULL;
        sd_id128_to_string(id, rec.id);
        (void)gethostname(host, sizeof(host) - 1);
        /* Who typed it, as far as sudo says; root otherwise. */
        rec.user = sudo_user && is_valid_token_name(sudo_user, 64) ? sudo_user : "root";
        rec.host = host;
        sd_id128_to_string(team_event_message_id(TEAM_EVENT_BREAK_GLASS_SET_CREATED), mid);
        sd_journal_send("MESSAGE=New break-glass set for role %s: %u codes, window %llus, in %s",
                        o->role, o->count, (unsigned long long)o->ttl_s, o->file,
                        "MESSAGE_ID=%s", mid, "PRIORITY=%d", LOG_NOTICE, "SYSLOG_IDENTIFIER=teamctl",
                        "TEAM_EVENT=BreakGlassSetCreated", "TEAM_EVENT_ID=%s", rec.id,
                        "TEAM_USER=%s", rec.user, "TEAM_ROLE=%s", o->role, "TEAM_HOST=%s", host,
                        "TEAM_REASON=%u codes, window %llus, file %s", o->count, (unsigned long long)o->ttl_s,
                        o->file, NULL);
        r = team_bg_spool_write(o->spool, &rec, err, sizeof(err));
        if (r < 0)
                fprintf(stderr, "teamctl: warning: the new set is not spooled for teamd: %s\n", err);
}

static int breakglass_init(struct teamctl *t, int argc, char **argv)
{
        struct init_opts o;
        struct team_bg_set *set = NULL;
        struct team_bg_locked *old = NULL;
        char (*syms)[TEAM_BG_CODE_SYMBOLS + 1] = NULL;
        char err[ERR_LEN] = "";
        int ret = TEAMCTL_EXIT_REFUSED, r;

        if (parse_init(argc, argv, t->json, &o) < 0)
                return TEAMCTL_EXIT_USAGE;
        if (geteuid() != 0) {
                fprintf(stderr, "teamctl: breakglass init needs root\n");
                return TEAMCTL_EXIT_FORBIDDEN;
        }
        set = calloc(1, sizeof(*set));
        old = calloc(1, sizeof(*old));
        syms = calloc(o.count, sizeof(*syms));
        if (!set || !old || !syms) {
                fprintf(stderr, "teamctl: out of memory\n");
                goto out;
        }
        old->fd = -1;
        fprintf(stderr, "teamctl: making %u break-glass codes for role %s (scrypt N=%u r=%u p=%u each)...\n",
                o.count, o.role, TEAM_BG_SCRYPT_N, TEAM_BG_SCRYPT_R, TEAM_BG_SCRYPT_P);
        r = make_set(&o, set, syms);
        if (r < 0) {
                fprintf(stderr, "teamctl: cannot make the codes: %s\n", strerror(-r));
                goto out;
        }
        make_parent(o.file);
        lock_old(o.file, old);
        r = team_bg_write(o.file, set, err, sizeof(err));
        team_bg_unlock(old);
        if (r < 0) {
                fprintf(stderr, "teamctl: %s\n", err);
                goto out;
        }
        audit_init(&o, set);
        if (print_codes(&o, syms) < 0) {
                fprintf(stderr, "teamctl: cannot print the codes; the new set is stored but nobody has its codes: run init again\n");
                goto out;
        }
        fprintf(stderr, "teamctl: stored %u codes in %s (only their hashes); each opens a %llu-second window.\n"
                        "teamctl: they are shown only now: print them, seal them, store them (docs/breakglass.md).\n",
                o.count, o.file, (unsigned long long)o.ttl_s);
        ret = TEAMCTL_EXIT_OK;
out:
        if (syms) {
                OPENSSL_cleanse(syms, o.count * sizeof(*syms));
                free(syms);
        }
        if (set) {
                OPENSSL_cleanse(set, sizeof(*set));
                free(set);
        }
        free(old);
        return ret;
}

static void print_status(const char *file, const struct team_bg_set *set, bool json)
{
        unsigned left = team_bg_set_unused(set);
        int64_t now = (int64_t)time(NULL);
        char when[64];

        if (json) {
                json_object *o = json_object_new_object();

                json_object_object_add(o, "file", json_object_new_string(file));
                json_object_object_add(o, "role", json_object_new_string(set->role));
                json_object_object_add(o, "codes", json_object_new_int((int)set->n_slots));
                json_object_object_add(o, "left", json_object_new_int((int)left));
                json_object_object_add(o, "ttl", json_object_new_int64((int64_t)set->ttl_s));
                json_object_object_add(o, "created", json_object_new_int64(set->created));
                json_object_object_add(o, "locked_until",
                                       json_object_new_int64(team_bg_set_locked(set, now) ? set->locked_until : 0));
                json_object_object_add(o, "failures", json_object_new_int((int)set->failures));
                printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(o);
                return;
        }
        format_local_time(set->created, when, sizeof(when));
        printf("file:    %s\nrole:    %s\ncodes:   %u of %u left\nwindow:  %llu seconds per use\ncreated: %s\n",
               file, set->role, left, set->n_slots, (unsigned long long)set->ttl_s, when);
        if (team_bg_set_locked(set, now)) {
                format_local_time(set->locked_until, when, sizeof(when));
                printf("locked:  until %s (too many wrong codes)\n", when);
        } else if (set->failures) {
                printf("wrong:   %u wrong code%s in the last 15 minutes\n", set->failures, set->failures == 1 ? "" : "s");
        }
}

static int breakglass_status(struct teamctl *t, int argc, char **argv)
{
        static const struct option longopts[] = {
                { "file", required_argument, NULL, 'f' },
                { "json", no_argument, NULL, 'j' },
                { NULL, 0, NULL, 0 },
        };
        struct team_bg_locked *l = calloc(1, sizeof(*l));
        const char *file = TEAM_BG_DEFAULT_FILE;
        bool json = t->json;
        char err[ERR_LEN] = "";
        int c, r, ret = TEAMCTL_EXIT_REFUSED;

        if (!l)
                return TEAMCTL_EXIT_REFUSED;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
                if (c == 'f')
                        file = optarg;
                else if (c == 'j')
                        json = true;
                else {
                        free(l);
                        return TEAMCTL_EXIT_USAGE;
                }
        }
        if (optind != argc) {
                free(l);
                return TEAMCTL_EXIT_USAGE;
        }
        r = team_bg_lock(file, l, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "teamctl: %s\n", err);
                ret = r == -ENOENT ? TEAMCTL_EXIT_NOT_FOUND : r == -EACCES ? TEAMCTL_EXIT_FORBIDDEN : ret;
                goto out;
        }
        print_status(file, &l->set, json);
        ret = TEAMCTL_EXIT_OK;
out:
        team_bg_unlock(l);
        free(l);
        return ret;
}

int cmd_breakglass(struct teamctl *t, int argc, char **argv)
{
        if (argc < 1) {
                cmd_breakglass_help();
                return TEAMCTL_EXIT_USAGE;
        }
        if (strcmp(argv[0], "init") == 0)
                return breakglass_init(t, argc, argv);
        if (strcmp(argv[0], "status") == 0)
                return breakglass_status(t, argc, argv);
        if (strcmp(argv[0], "uses") == 0)
                return breakglass_uses(t, argc, argv);
        if (strcmp(argv[0], "acknowledge") == 0)
                return breakglass_acknowledge(t, argc, argv);
        fprintf(stderr, "teamctl: breakglass: no verb '%s' (init, status, uses, acknowledge)\n", argv[0]);
        return TEAMCTL_EXIT_USAGE;
}
