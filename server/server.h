/* SPDX-License-Identifier: BSD-3-Clause */
/* team-server's entry points besides serving. */
#pragma once

struct server_config;

/* team-server --config FILE admin user|host add NAME --groups a,b.
 * argv[0] is "admin". Returns an exit status (0, 1 error, 2 usage). */
int admin_main(const struct server_config *cfg, int argc, char **argv);
/* admin migrate --from sqlite:PATH --to URI (argv[0] is "migrate"). */
int admin_migrate_main(int argc, char **argv);
/* admin host-key HOST [KEY | --clear] (argv[0] is "host-key"). */
int admin_host_key_main(const struct server_config *cfg, int argc, char **argv);

struct srv_store;
/* The store the admin commands use (run as root on sqlite: as the owner
 * of the database's directory). 0, or -errno after a message on stderr. */
int admin_open_store(const struct server_config *cfg, struct srv_store **out);
