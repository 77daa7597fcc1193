/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: one datagram of the kernel's process connector as teamd
 * parses it (teamd/proc_events.c): netlink messages, each a cn_msg holding
 * a struct proc_event. Properties: no crash or read past the datagram; the
 * answer is 0 or -EBADMSG and does not depend on which handlers are set;
 * every pid a handler is given was in the datagram (nothing is read from
 * outside it), the handlers get their userdata, and there are no more
 * events than the datagram has room for. */
#include "config.h"

#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc_events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The smallest message that carries an event the parser delivers. */
#define EVENT_MIN (NLMSG_HDRLEN + sizeof(struct cn_msg) + offsetof(struct proc_event, event_data) + \
                   sizeof(((struct proc_event *)0)->event_data.fork))

struct seen {
        const uint8_t *data;
        size_t size;
        size_t events;
};

/* The 4 bytes of pid are somewhere in the datagram. */
static void from_datagram(const struct seen *s, pid_t pid)
{
        uint32_t v = (uint32_t)pid;

        for (size_t i = 0; i + sizeof(v) <= s->size; i++)
                if (memcmp(s->data + i, &v, sizeof(v)) == 0)
                        return;
        abort();
}

static void count(struct seen *s)
{
        if (!s || !s->data)
                abort();
        s->events++;
        if (s->events > s->size / EVENT_MIN)
                abort();
}

static void handle_fork(void *userdata, pid_t parent, pid_t child)
{
        struct seen *s = userdata;

        count(s);
        from_datagram(s, parent);
        from_datagram(s, child);
}

static void handle_exec(void *userdata, pid_t tgid)
{
        struct seen *s = userdata;

        count(s);
        from_datagram(s, tgid);
}

static void handle_exit(void *userdata, pid_t tgid)
{
        struct seen *s = userdata;

        count(s);
        from_datagram(s, tgid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const struct proc_event_handlers all = { .fork = handle_fork, .exec = handle_exec, .exit = handle_exit };
        static const struct proc_event_handlers none = { 0 };
        struct seen s = { .data = data, .size = size };
        int r, again;

        r = proc_events_parse(data, size, &all, &s);
        if (r != 0 && r != -EBADMSG)
                abort();
        again = proc_events_parse(data, size, &none, NULL);
        if (again != r)
                abort();
        return 0;
}
