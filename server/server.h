/* SPDX-License-Identifier: BSD-3-Clause */
/* team-server's entry points besides serving. */
#pragma once

struct server_config;

/* team-server --config FILE admin user|host add NAME --groups a,b.
 * argv[0] is "admin". Returns an exit status (0, 1 error, 2 usage). */
int admin_main(const struct server_config *cfg, int argc, char **argv);
/* admin migrate --from sqlite:PATH --to URI (argv[0] is "migrate"). */
int admin_migrate_main(int argc, char **argv);
