/* SPDX-License-Identifier: BSD-3-Clause */
/* Exempt accounts (see exempt.h). */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exempt.h"

#define MAX_GROUPS 1024
#define PW_BUF 16384

static bool listed(char *const *list, const char *name)
{
        for (size_t i = 0; list && list[i]; i++)
                if (strcmp(list[i], name) == 0)
                        return true;
        return false;
}

static bool in_exempt_group(char *const *groups, const char *user)
{
        struct passwd pw, *pwp = NULL;
        char *buf = malloc(PW_BUF);
        gid_t *gids = malloc(MAX_GROUPS * sizeof(*gids));
        int n = MAX_GROUPS;
        bool found = false;

        if (!buf || !gids || getpwnam_r(user, &pw, buf, PW_BUF, &pwp) != 0 || !pwp ||
            getgrouplist(user, pw.pw_gid, gids, &n) < 0)
                goto out;
        for (int i = 0; i < n && !found; i++) {
                struct group gr, *grp = NULL;
                char gbuf[PW_BUF];

                if (getgrgid_r(gids[i], &gr, gbuf, sizeof(gbuf), &grp) == 0 && grp)
                        found = listed(groups, grp->gr_name);
        }
out:
        free(buf);
        free(gids);
        return found;
}

bool teamd_is_exempt(const struct teamd_config *cfg, const char *user)
{
        if (!user || !*user)
                return false;
        if (listed(cfg->exempt_users, user))
                return true;
        return cfg->exempt_groups && in_exempt_group(cfg->exempt_groups, user);
}
