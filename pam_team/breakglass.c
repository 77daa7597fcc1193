/* SPDX-License-Identifier: BSD-3-Clause */
/* The break-glass prompt, verification and burn (see breakglass.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <openssl/crypto.h>
#include <security/pam_ext.h>

#include "breakglass.h"
#include "breakglass_store.h"
#include "conv.h"

#define ERR_LEN 512

static int64_t now_s(void)
{
        return (int64_t)time(NULL);
}

static void format_utc(int64_t t, char *out, size_t outsz)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm) || strftime(out, outsz, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                snprintf(out, outsz, "%lld", (long long)t);
}

bool breakglass_applies(pam_handle_t *pamh, const struct pam_team_args *args)
{
        const void *conv = NULL;

        return args->breakglass && pam_get_item(pamh, PAM_CONV, &conv) == PAM_SUCCESS && conv &&
               ((const struct pam_conv *)conv)->conv;
}

int64_t breakglass_window_end(pam_handle_t *pamh)
{
        const void *v = NULL;

        if (pam_get_data(pamh, PAM_TEAM_BG_DATA, &v) != PAM_SUCCESS || !v)
                return 0;
        return *(const int64_t *)v;
}

bool breakglass_session(pam_handle_t *pamh, const char *user, const char *why)
{
        char when[64];
        int64_t end = breakglass_window_end(pamh);

        if (end <= 0)
                return false;
        format_utc(end, when, sizeof(when));
        pam_syslog(pamh, LOG_WARNING, "break-glass session of %s opened without teamd's record (%s); window until %s",
                   user, why, when);
        return true;
}

static void free_window(pam_handle_t *pamh, void *data, int error_status)
{
        free(data);
}

/* Before asking: is there a usable set for this role, not locked? */
static int precheck(pam_handle_t *pamh, const struct pam_team_args *args)
{
        struct team_bg_locked l = { .fd = -1 };
        char err[ERR_LEN] = "", when[64];
        int rc = PAM_AUTHINFO_UNAVAIL;

        if (team_bg_lock(args->breakglass_file, &l, err, sizeof(err)) < 0) {
                pam_syslog(pamh, LOG_ERR, "break-glass unavailable: %s", err);
                conv_error(pamh, "pam_team: break-glass is not available on this host (see the system log)");
                return rc;
        }
        if (strcmp(l.set.role, args->role) != 0) {
                pam_syslog(pamh, LOG_ERR, "break-glass unavailable: %s holds codes for role %s, not %s",
                           args->breakglass_file, l.set.role, args->role);
                conv_error(pamh, "pam_team: break-glass is not available for this role");
        } else if (team_bg_set_locked(&l.set, now_s())) {
                format_utc(l.set.locked_until, when, sizeof(when));
                pam_syslog(pamh, LOG_WARNING, "break-glass locked until %s after too many wrong codes", when);
                snprintf(err, sizeof(err), "pam_team: too many wrong break-glass codes; try again after %s", when);
                conv_error(pamh, err);
                rc = PAM_PERM_DENIED;
        } else if (team_bg_set_unused(&l.set) == 0) {
                pam_syslog(pamh, LOG_ERR, "break-glass unavailable: every code of %s is used",
                           args->breakglass_file);
                conv_error(pamh, "pam_team: every break-glass code is used; a new set is needed");
        } else {
                rc = PAM_SUCCESS;
        }
        team_bg_unlock(&l);
        return rc;
}

/* Asks; the canonical symbols in sym. PAM_SUCCESS, PAM_PERM_DENIED for an
 * empty answer (cancel) or a conversation failure, PAM_AUTH_ERR for an
 * answer that is no code (counted as a wrong code). */
static int ask(pam_handle_t *pamh, char sym[TEAM_BG_CODE_SYMBOLS + 1])
{
        char *answer = NULL;
        int rc;

        if (pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &answer, "%s", PAM_TEAM_BG_PROMPT) != PAM_SUCCESS || !answer) {
                pam_syslog(pamh, LOG_NOTICE, "break-glass: the conversation could not ask for a code");
                rc = PAM_PERM_DENIED;
        } else if (answer[0] == '\0') {
                conv_error(pamh, "pam_team: break-glass cancelled");
                rc = PAM_PERM_DENIED;
        } else if (team_bg_code_normalize(answer, sym, TEAM_BG_CODE_SYMBOLS + 1) < 0) {
                rc = PAM_AUTH_ERR;
        } else {
                rc = PAM_SUCCESS;
        }
        if (answer) {
                OPENSSL_cleanse(answer, strlen(answer));
                free(answer);
        }
        return rc;
}

/* Under the lock: match, burn or count a failure, write the set back.
 * Returns the burned slot (> 0), 0 for a wrong or used code, or -errno. */
static int judge_locked(pam_handle_t *pamh, const struct pam_team_args *args, const uint8_t *key,
                        struct team_bg_locked *l, char *err, size_t errsz)
{
        int64_t now = now_s();
        unsigned slot = key ? team_bg_set_match(&l->set, key) : 0;
        bool used = slot && l->set.slots[slot - 1].used;
        int r;

        if (strcmp(l->set.role, args->role) != 0) {
                snprintf(err, errsz, "%s holds codes for role %s", args->breakglass_file, l->set.role);
                return -EPERM;
        }
        if (team_bg_set_locked(&l->set, now)) {
                snprintf(err, errsz, "locked after too many wrong codes");
                return -EPERM;
        }
        if (slot && !used)
                l->set.slots[slot - 1].used = true;
        else
                team_bg_set_count_failure(&l->set, now);
        r = team_bg_write(args->breakglass_file, &l->set, err, errsz);
        if (r < 0)
                return r;
        if (used)
                snprintf(err, errsz, "code %u was already used", slot);
        return slot && !used ? (int)slot : 0;
}

/* Verifies sym (NULL: an answer that was no code) and burns it. */
static int verify_and_burn(pam_handle_t *pamh, const struct pam_team_args *args, const char *sym,
                           int64_t *set_created, uint64_t *ttl_s, char *err, size_t errsz)
{
        struct team_bg_locked l = { .fd = -1 };
        uint8_t key[TEAM_BG_KEY_LEN];
        int r;

        r = team_bg_lock(args->breakglass_file, &l, err, errsz);
        if (r < 0)
                return r;
        if (sym && team_bg_derive(sym, &l.set.kdf, key) < 0) {
                snprintf(err, errsz, "the key derivation failed");
                r = -EIO;
                goto out;
        }
        r = judge_locked(pamh, args, sym ? key : NULL, &l, err, errsz);
        *set_created = l.set.created;
        *ttl_s = l.set.ttl_s;
out:
        OPENSSL_cleanse(key, sizeof(key));
        team_bg_unlock(&l);
        return r;
}

static int allow(pam_handle_t *pamh, int flags, const struct pam_team_args *args,
                 const struct team_request *req, unsigned slot, int64_t set_created, uint64_t ttl_s)
{
        struct timespec ts;
        struct breakglass_use use = { .req = req, .slot = slot, .set_created = set_created };
        int64_t *window = malloc(sizeof(*window));
        char when[64], msg[160];

        clock_gettime(CLOCK_REALTIME, &ts);
        use.time_usec = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
        use.window_end = (int64_t)ts.tv_sec + (int64_t)ttl_s;
        if (!window) {
                pam_syslog(pamh, LOG_CRIT, "break-glass: out of memory");
                return PAM_BUF_ERR;
        }
        *window = use.window_end;
        if (breakglass_record(pamh, args, &use) < 0) {
                free(window);
                conv_error(pamh, "pam_team: break-glass code accepted but the use could not be recorded; access refused");
                return PAM_PERM_DENIED;
        }
        if (pam_set_data(pamh, PAM_TEAM_BG_DATA, window, free_window) != PAM_SUCCESS) {
                free(window);
                pam_syslog(pamh, LOG_CRIT, "break-glass: cannot keep the window end");
                return PAM_BUF_ERR;
        }
        format_utc(use.window_end, when, sizeof(when));
        snprintf(msg, sizeof(msg), "pam_team: BREAK-GLASS access until %s; this use is reported and reviewed", when);
        conv_error(pamh, msg);
        return PAM_SUCCESS;
}

int breakglass_run(pam_handle_t *pamh, int flags, const struct pam_team_args *args,
                   const struct team_request *req)
{
        char sym[TEAM_BG_CODE_SYMBOLS + 1] = "", err[ERR_LEN] = "";
        int64_t created = 0;
        uint64_t ttl_s = 0;
        int rc, r;

        rc = precheck(pamh, args);
        if (rc != PAM_SUCCESS)
                return rc;
        rc = ask(pamh, sym);
        if (rc == PAM_PERM_DENIED)
                return rc;
        /* The ttl is the one of the set the code is burned in. */
        r = verify_and_burn(pamh, args, rc == PAM_SUCCESS ? sym : NULL, &created, &ttl_s, err, sizeof(err));
        OPENSSL_cleanse(sym, sizeof(sym));
        if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "break-glass for %s refused: %s", req->user, err);
                conv_error(pamh, "pam_team: break-glass refused (see the system log)");
                return r == -EPERM ? PAM_PERM_DENIED : PAM_AUTHINFO_UNAVAIL;
        }
        if (r == 0) {
                pam_syslog(pamh, LOG_WARNING, "break-glass for %s role %s refused: %s", req->user, args->role,
                           err[0] ? err : (rc == PAM_SUCCESS ? "wrong code" : "not a code"));
                conv_error(pamh, "pam_team: wrong or already used break-glass code");
                return PAM_PERM_DENIED;
        }
        return allow(pamh, flags, args, req, (unsigned)r, created, ttl_s);
}
