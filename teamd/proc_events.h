/* SPDX-License-Identifier: BSD-3-Clause */
/* The kernel's process events (the netlink process connector, cn_proc):
 * every fork, exec and exit on the host, as datagrams on a socket, with
 * no daemon of its own. Subscribing needs CAP_NET_ADMIN in the initial
 * user namespace. Functions return 0 or -errno. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

struct proc_event_handlers {
        /* A new process (not a thread): child_tgid forked by parent_tgid. */
        void (*fork)(void *userdata, pid_t parent_tgid, pid_t child_tgid);
        /* tgid called execve (it is then its own thread group leader). */
        void (*exec)(void *userdata, pid_t tgid);
        /* The process tgid ended (its last thread). */
        void (*exit)(void *userdata, pid_t tgid);
};

/* A non-blocking socket subscribed to the events, its receive buffer
 * raised so that a burst of forks is not lost. */
int proc_events_open(int *fd_out);
/* Unsubscribes and closes. */
void proc_events_close(int fd);
/* One datagram as received (possibly several netlink messages): calls the
 * handlers for the events in it. Everything is bounds-checked: a short or
 * malformed message is -EBADMSG (the events before it were delivered). */
int proc_events_parse(const void *buf, size_t len, const struct proc_event_handlers *h, void *userdata);
