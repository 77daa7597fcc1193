/* SPDX-License-Identifier: BSD-3-Clause */
/* The module's side of break-glass (see breakglass.h): when it applies,
 * the window of a handle it allowed, and the loading of the helper that
 * asks for and judges a code (breakglass_abi.h). */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "breakglass.h"
#include "breakglass_abi.h"
#include "conv.h"

#define HELPER_FIX "reinstall libpam-team (pam_team on RPM systems)"

struct bg_helper {
        void *handle;
        pam_team_bg_run_fn *run;
};

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
        conv_format_utc(end, when, sizeof(when));
        pam_syslog(pamh, LOG_WARNING, "break-glass session of %s opened without teamd's record (%s); window until %s",
                   user, why, when);
        return true;
}

/* fd (open on path) is a helper root could have installed: a regular file
 * owned by root that neither its group nor others can write. */
static int helper_check(pam_handle_t *pamh, const char *path, int fd)
{
        struct stat st;

        if (fstat(fd, &st) < 0) {
                pam_syslog(pamh, LOG_ERR, "break-glass helper %s: fstat: %s", path, strerror(errno));
                return -EIO;
        }
        if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
                pam_syslog(pamh, LOG_ERR,
                           "break-glass helper %s refused: not a regular file owned by root and writable only by "
                           "root (owner %u, mode %04o); %s", path, (unsigned)st.st_uid,
                           (unsigned)(st.st_mode & 07777), HELPER_FIX);
                return -EPERM;
        }
        return 0;
}

/* The helper's entry, after checking its interface is this module's. */
static int helper_bind(pam_handle_t *pamh, const char *path, struct bg_helper *h)
{
        static const struct pam_team_bg_abi want = PAM_TEAM_BG_ABI_INIT;
        const struct pam_team_bg_abi *abi = dlsym(h->handle, PAM_TEAM_BG_ABI_SYMBOL);

        if (!abi || !abi->package_version) {
                pam_syslog(pamh, LOG_ERR, "break-glass helper %s has no %s: not a pam_team helper; %s", path,
                           PAM_TEAM_BG_ABI_SYMBOL, HELPER_FIX);
                return -ENOEXEC;
        }
        if (abi->version != want.version || strcmp(abi->package_version, want.package_version) != 0 ||
            abi->args_size != want.args_size || abi->request_size != want.request_size) {
                pam_syslog(pamh, LOG_ERR, "break-glass helper %s is from pam_team %s (interface %u), this module "
                           "from %s (interface %u): refused; %s", path, abi->package_version, abi->version,
                           want.package_version, want.version, HELPER_FIX);
                return -ENOEXEC;
        }
        h->run = (pam_team_bg_run_fn *)dlsym(h->handle, PAM_TEAM_BG_RUN_SYMBOL);
        if (!h->run) {
                pam_syslog(pamh, LOG_ERR, "break-glass helper %s has no %s; %s", path, PAM_TEAM_BG_RUN_SYMBOL,
                           HELPER_FIX);
                return -ENOEXEC;
        }
        return 0;
}

/* Loads the helper at path (a fixed path, never searched). What dlopen maps
 * is the file that was checked: it is opened once (O_NOFOLLOW), checked on
 * the descriptor, and loaded through /proc/self/fd, so a path swapped in
 * between is never loaded (its link map is named /proc/self/fd/N).
 * RTLD_LOCAL: its symbols (and libcrypto's and libsystemd's) do not join
 * the host's. dlclose unloads the helper and libsystemd; libcrypto marks
 * itself NODELETE and stays once loaded, and libsystemd's cached journald
 * socket (close-on-exec) stays open after a use: one per break-glass use,
 * in a process that is about to give a root shell. 0 with h->handle to
 * dlclose, or -errno, logged with what to do. */
static int helper_open(pam_handle_t *pamh, const char *path, struct bg_helper *h)
{
        char fdpath[64];
        const char *e;
        int fd, r;

        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                pam_syslog(pamh, LOG_ERR, "break-glass helper %s cannot be opened: %s; %s", path, strerror(-r),
                           HELPER_FIX);
                return r;
        }
        r = helper_check(pamh, path, fd);
        if (r < 0)
                goto out;
        snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
        h->handle = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL);
        if (!h->handle) {
                e = dlerror();
                pam_syslog(pamh, LOG_ERR, "break-glass helper %s cannot be loaded: %s; %s", path,
                           e ? e : "unknown error", HELPER_FIX);
                r = -ENOEXEC;
                goto out;
        }
        r = helper_bind(pamh, path, h);
        if (r < 0) {
                dlclose(h->handle);
                h->handle = NULL;
        }
out:
        close(fd);
        return r;
}

static void free_window(pam_handle_t *pamh, void *data, int error_status)
{
        (void)pamh;
        (void)error_status;
        free(data);
}

/* After an accepted code: the window's end in the handle (the session
 * phase reads it; the cleanup is this module's, not the unloaded
 * helper's), and the person told. */
static int keep_window(pam_handle_t *pamh, int64_t end)
{
        int64_t *window = malloc(sizeof(*window));
        char when[64], msg[160];

        if (!window) {
                pam_syslog(pamh, LOG_CRIT, "break-glass: out of memory");
                return PAM_BUF_ERR;
        }
        *window = end;
        if (pam_set_data(pamh, PAM_TEAM_BG_DATA, window, free_window) != PAM_SUCCESS) {
                free(window);
                pam_syslog(pamh, LOG_CRIT, "break-glass: cannot keep the window end");
                return PAM_BUF_ERR;
        }
        conv_format_utc(end, when, sizeof(when));
        snprintf(msg, sizeof(msg), "pam_team: BREAK-GLASS access until %s; this use is reported and reviewed", when);
        conv_error(pamh, msg);
        return PAM_SUCCESS;
}

int breakglass_run(pam_handle_t *pamh, int flags, const struct pam_team_args *args,
                   const struct team_request *req)
{
        struct bg_helper h = { 0 };
        int64_t end = 0;
        int rc;

        if (helper_open(pamh, args->breakglass_helper, &h) < 0) {
                conv_error(pamh, "pam_team: break-glass is not available on this host (see the system log)");
                return PAM_AUTHINFO_UNAVAIL;
        }
        rc = h.run(pamh, flags, args, req, &end);
        if (dlclose(h.handle) != 0) {
                const char *e = dlerror();

                pam_syslog(pamh, LOG_WARNING, "break-glass helper %s: dlclose: %s", args->breakglass_helper,
                           e ? e : "unknown error");
        }
        if (rc != PAM_SUCCESS)
                return rc;
        if (end <= 0) {
                pam_syslog(pamh, LOG_ERR, "break-glass helper %s accepted a code without a window; refused",
                           args->breakglass_helper);
                return PAM_PERM_DENIED;
        }
        return keep_window(pamh, end);
}
