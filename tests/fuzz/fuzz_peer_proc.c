/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: what teamd reads about a peer from /proc (teamd/peer_origin.c):
 * the tty_nr field of /proc/PID/stat, after a process name the user chose
 * (it may hold spaces and parentheses), and /proc/PID/comm itself.
 * Properties: no crash; both results are NUL-terminated, within their
 * buffers, and printable (they go into audit events and terminals). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "peer_origin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void printable(const char *s, size_t cap)
{
        size_t n = strnlen(s, cap);

        if (n == cap)
                abort();
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1);
        char tty[32], comm[17];

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        memset(tty, 'x', sizeof(tty));
        if (peer_proc_stat_tty(text, tty, sizeof(tty)) == 0 || tty[0] == '\0')
                printable(tty, sizeof(tty));
        else
                abort();
        memset(comm, 'x', sizeof(comm));
        peer_proc_comm(text, size, comm, sizeof(comm));
        printable(comm, sizeof(comm));
        if (strchr(comm, ' '))
                abort();
        free(text);
        return 0;
}
