/* SPDX-License-Identifier: BSD-3-Clause */
/* Which store a `database =` value names, and opening it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store.h"
#include "store_pg.h"

#define SQLITE_PREFIX "sqlite:"

bool srv_store_is_pg(const char *database)
{
        return database && (strncmp(database, "postgresql://", 13) == 0 || strncmp(database, "postgres://", 11) == 0);
}

void srv_store_redact_uri(const char *uri, char *out, size_t outlen)
{
        pg_uri_redact(uri, out, outlen);
}

int srv_store_open(const char *database, unsigned connections, struct srv_store **out, char *err, size_t errlen)
{
        *out = NULL;
        if (!database)
                return -EINVAL;
        if (srv_store_is_pg(database))
                return srv_store_open_pg(database, connections, out, err, errlen);
        if (strncmp(database, SQLITE_PREFIX, strlen(SQLITE_PREFIX)) == 0)
                database += strlen(SQLITE_PREFIX);
        if (database[0] != '/') {
                snprintf(err, errlen, "database \"%s\": give an absolute sqlite path or a postgresql:// URI",
                         database);
                return -EINVAL;
        }
        return srv_store_open_sqlite(database, out, err, errlen);
}
