/* SPDX-License-Identifier: BSD-3-Clause */
/* PostgreSQL connection URIs: what may be in one (no password: that comes
 * from a passfile nobody else can read) and how one is shown in messages
 * (any password masked, should one slip through). libpq parses; this only
 * looks at what it parsed. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libpq-fe.h>

#include "store_pg.h"

void pg_uri_redact(const char *uri, char *out, size_t outlen)
{
        const char *scheme = strstr(uri, "://");
        const char *auth = scheme ? scheme + 3 : uri;
        const char *at, *colon, *end = auth + strcspn(auth, "/?");
        size_t o = 0;

        if (outlen == 0)
                return;
#define PUT(p, n) do { size_t k_ = (n); if (o + k_ >= outlen) k_ = outlen - 1 - o; memcpy(out + o, (p), k_); o += k_; } while (0)
        at = memchr(auth, '@', (size_t)(end - auth));
        colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
                PUT(uri, (size_t)(colon - uri));
                PUT(":***", 4);
                uri = at;
        }
        /* password=... in the query string or a key=value string */
        for (const char *p = uri; *p;) {
                const char *hit = strstr(p, "password=");

                if (!hit || (hit > uri && hit[-1] != '?' && hit[-1] != '&' && hit[-1] != ' ')) {
                        if (!hit) {
                                PUT(p, strlen(p));
                                break;
                        }
                        PUT(p, (size_t)(hit - p) + 9);
                        p = hit + 9;
                        continue;
                }
                PUT(p, (size_t)(hit - p) + 9);
                PUT("***", 3);
                p = hit + 9 + strcspn(hit + 9, "& ");
        }
#undef PUT
        out[o] = '\0';
}

static int check_passfile(const char *path, char *err, size_t errlen)
{
        struct stat sb;

        if (stat(path, &sb) < 0)
                return 0;               /* none: libpq asks the server without a password */
        if (!S_ISREG(sb.st_mode)) {
                snprintf(err, errlen, "passfile %s is not a regular file", path);
                return -EINVAL;
        }
        if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
                snprintf(err, errlen, "passfile %s is readable or writable by others (chmod 600 %s)", path, path);
                return -EPERM;
        }
        return 0;
}

int pg_uri_check(const char *uri, char *err, size_t errlen)
{
        char shown[1024], *perr = NULL, home_pass[4096];
        const char *passfile = NULL;
        PQconninfoOption *opts = PQconninfoParse(uri, &perr);
        int r = 0;

        pg_uri_redact(uri, shown, sizeof(shown));
        if (!opts) {
                snprintf(err, errlen, "%s: not a valid PostgreSQL connection URI%s%.*s", shown, perr ? ": " : "",
                         perr ? (int)strcspn(perr, "\n") : 0, perr ? perr : "");
                PQfreemem(perr);
                return -EINVAL;
        }
        for (PQconninfoOption *o = opts; o->keyword; o++) {
                if (strcmp(o->keyword, "password") == 0 && o->val && o->val[0]) {
                        snprintf(err, errlen, "%s: the URI holds a password; put it in a passfile (mode 0600) "
                                              "named by passfile= or PGPASSFILE instead", shown);
                        r = -EPERM;
                }
                if (strcmp(o->keyword, "passfile") == 0 && o->val && o->val[0])
                        passfile = o->val;
        }
        if (r == 0 && !passfile)
                passfile = getenv("PGPASSFILE");
        if (r == 0 && !passfile && getenv("HOME")) {
                snprintf(home_pass, sizeof(home_pass), "%s/.pgpass", getenv("HOME"));
                passfile = home_pass;
        }
        if (r == 0 && passfile)
                r = check_passfile(passfile, err, errlen);
        PQconninfoFree(opts);
        return r;
}
