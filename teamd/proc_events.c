/* SPDX-License-Identifier: BSD-3-Clause */
/* The netlink process connector; see proc_events.h. */
#include "config.h"

#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proc_events.h"

/* Bytes of socket buffer: a make -j forks thousands of processes a
 * second; each event is a 76-byte datagram plus the kernel's overhead. */
#define RCVBUF_BYTES (8 * 1024 * 1024)

/* nlmsghdr, cn_msg, op, back to back. (A struct holding a cn_msg, which
 * ends in a flexible array, before another member is a GNU extension that
 * clang refuses under -Werror.) */
#define SUBSCRIBE_LEN NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op))

static int subscribe(int fd, enum proc_cn_mcast_op op)
{
        struct nlmsghdr nl = { .nlmsg_len = SUBSCRIBE_LEN, .nlmsg_type = NLMSG_DONE, .nlmsg_pid = 0 };
        struct cn_msg cn = { .id = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC }, .len = sizeof(op) };
        union {
                struct nlmsghdr align;
                unsigned char bytes[SUBSCRIBE_LEN];
        } msg;

        memset(&msg, 0, sizeof(msg));
        memcpy(msg.bytes, &nl, sizeof(nl));
        memcpy(msg.bytes + NLMSG_HDRLEN, &cn, sizeof(cn));
        memcpy(msg.bytes + NLMSG_HDRLEN + sizeof(cn), &op, sizeof(op));
        if (send(fd, msg.bytes, sizeof(msg.bytes), 0) != (ssize_t)sizeof(msg.bytes))
                return -errno;
        return 0;
}

int proc_events_open(int *fd_out)
{
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0 };
        int size = RCVBUF_BYTES;
        int fd, r;

        fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
        if (fd < 0)
                return -errno;
        /* FORCE passes net.core.rmem_max (needs CAP_NET_ADMIN, which the
         * subscription needs anyway); without it, the plain size. */
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
                (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                r = -errno;
                goto fail;
        }
        r = subscribe(fd, PROC_CN_MCAST_LISTEN);
        if (r < 0)
                goto fail;
        *fd_out = fd;
        return 0;
fail:
        close(fd);
        return r;
}

void proc_events_close(int fd)
{
        if (fd < 0)
                return;
        (void)subscribe(fd, PROC_CN_MCAST_IGNORE);
        close(fd);
}

static void deliver(const struct proc_event *ev, const struct proc_event_handlers *h, void *userdata)
{
        switch (ev->what) {
        case PROC_EVENT_FORK:
                /* A thread shares its parent's thread group: not a process. */
                if (ev->event_data.fork.child_pid == ev->event_data.fork.child_tgid && h->fork)
                        h->fork(userdata, ev->event_data.fork.parent_tgid, ev->event_data.fork.child_tgid);
                break;
        case PROC_EVENT_EXEC:
                if (h->exec)
                        h->exec(userdata, ev->event_data.exec.process_tgid);
                break;
        case PROC_EVENT_EXIT:
                if (ev->event_data.exit.process_pid == ev->event_data.exit.process_tgid && h->exit)
                        h->exit(userdata, ev->event_data.exit.process_tgid);
                break;
        default:
                break;
        }
}

int proc_events_parse(const void *buf, size_t len, const struct proc_event_handlers *h, void *userdata)
{
        const unsigned char *p = buf;

        while (len > 0) {
                struct nlmsghdr nl;
                struct cn_msg cn;
                struct proc_event ev;
                size_t step;

                if (len < sizeof(nl))
                        return -EBADMSG;
                memcpy(&nl, p, sizeof(nl));
                if (nl.nlmsg_len < sizeof(nl) || nl.nlmsg_len > len)
                        return -EBADMSG;
                if (nl.nlmsg_type == NLMSG_DONE || nl.nlmsg_type >= NLMSG_MIN_TYPE) {
                        if (nl.nlmsg_len < sizeof(nl) + sizeof(cn))
                                return -EBADMSG;
                        memcpy(&cn, p + sizeof(nl), sizeof(cn));
                        if (cn.len > nl.nlmsg_len - sizeof(nl) - sizeof(cn))
                                return -EBADMSG;
                        /* The events this code reads end before the
                         * union's largest member; a shorter one is not an
                         * event of the connector we know. */
                        if (cn.id.idx == CN_IDX_PROC && cn.id.val == CN_VAL_PROC &&
                            cn.len >= offsetof(struct proc_event, event_data) + sizeof(ev.event_data.fork)) {
                                memset(&ev, 0, sizeof(ev));
                                memcpy(&ev, p + sizeof(nl) + sizeof(cn), cn.len < sizeof(ev) ? cn.len : sizeof(ev));
                                deliver(&ev, h, userdata);
                        }
                } else if (nl.nlmsg_type == NLMSG_ERROR) {
                        return -EBADMSG;
                }
                step = NLMSG_ALIGN(nl.nlmsg_len);
                if (step >= len)
                        break;
                p += step;
                len -= step;
        }
        return 0;
}
