/* Connections on teamd's sockets: one request, one response, then close. */
#pragma once

#include <stdbool.h>

#include "teamd.h"

/* Adds an io source that accepts on listen_fd. privileged: the root socket. */
int teamd_conn_listen(struct teamd *d, int listen_fd, bool privileged);
/* Closes every open connection (shutdown). */
void teamd_conn_close_all(struct teamd *d);
