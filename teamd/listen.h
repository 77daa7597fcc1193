/* SPDX-License-Identifier: BSD-3-Clause */
/* teamd's two listening sockets: from systemd socket activation
 * (FileDescriptorName=priv / user) or bound here. */
#pragma once

#include <stdbool.h>

struct teamd_listeners {
        int priv_fd;        /* socket: root only, all ops */
        int user_fd;        /* user_socket: anyone, status only */
        bool activated;     /* fds came from systemd: leave the files alone */
        char priv_path[108]; /* where they listen (getsockname), for messages */
        char user_path[108];
};

/* Returns 0 or -errno with err naming the socket and the problem. */
int teamd_listen(const char *priv_path, const char *user_path, struct teamd_listeners *out, char *err,
                 size_t errlen);
void teamd_listeners_close(struct teamd_listeners *l);
