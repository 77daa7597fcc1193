/* SPDX-License-Identifier: BSD-3-Clause */
/* pam_team_breakglass.so: the break-glass prompt, verification, burn and
 * record (breakglass_abi.h), loaded by pam_team.so only when a code is
 * asked for. */
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
#include "breakglass_abi.h"
#include "breakglass_record.h"
#include "breakglass_store.h"
#include "conv.h"

#define ERR_LEN 512
#define BG_EXPORT __attribute__((visibility("default")))

BG_EXPORT const struct pam_team_bg_abi pam_team_breakglass_abi = PAM_TEAM_BG_ABI_INIT;

static int64_t now_s(void)
{
        return (int64_t)time(NULL);
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
                conv_format_utc(l.set.locked_until, when, sizeof(when));
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
static int judge_locked(const struct pam_team_args *args, const uint8_t *key,
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
static int verify_and_burn(const struct pam_team_args *args, const char *sym,
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
        r = judge_locked(args, sym ? key : NULL, &l, err, errsz);
        *set_created = l.set.created;
        *ttl_s = l.set.ttl_s;
out:
        OPENSSL_cleanse(key, sizeof(key));
        team_bg_unlock(&l);
        return r;
}

/* Records the use; the window opens with the record's time. */
static int record(pam_handle_t *pamh, const struct pam_team_args *args, const struct team_request *req,
                  unsigned slot, int64_t set_created, uint64_t ttl_s, int64_t *window_end)
{
        struct timespec ts;
        struct breakglass_use use = { .req = req, .slot = slot, .set_created = set_created };

        clock_gettime(CLOCK_REALTIME, &ts);
        use.time_usec = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
        use.window_end = (int64_t)ts.tv_sec + (int64_t)ttl_s;
        if (breakglass_record(pamh, args, &use) < 0) {
                conv_error(pamh, "pam_team: break-glass code accepted but the use could not be recorded; access refused");
                return PAM_PERM_DENIED;
        }
        *window_end = use.window_end;
        return PAM_SUCCESS;
}

BG_EXPORT int pam_team_breakglass_run(pam_handle_t *pamh, int flags, const struct pam_team_args *args,
                                      const struct team_request *req, int64_t *window_end)
{
        char sym[TEAM_BG_CODE_SYMBOLS + 1] = "", err[ERR_LEN] = "";
        int64_t created = 0;
        uint64_t ttl_s = 0;
        int rc, r;

        (void)flags; /* PAM_SILENT: the refusals are PAM_ERROR_MSG, shown anyway */
        *window_end = 0;
        rc = precheck(pamh, args);
        if (rc != PAM_SUCCESS)
                return rc;
        rc = ask(pamh, sym);
        if (rc == PAM_PERM_DENIED)
                return rc;
        /* The ttl is the one of the set the code is burned in. */
        r = verify_and_burn(args, rc == PAM_SUCCESS ? sym : NULL, &created, &ttl_s, err, sizeof(err));
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
        return record(pamh, args, req, (unsigned)r, created, ttl_s, window_end);
}
