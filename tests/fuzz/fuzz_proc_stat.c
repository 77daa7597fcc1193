/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: /proc/PID/stat as teamd reads it to name a session's
 * processes by pid + start time (teamd/proc_tree.c). The comm field is the
 * process's own choice (blanks, parentheses, anything but NUL).
 * Properties: no crash; what parses has pid-sized ppid and sid. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc_stat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct proc_stat st;
        char *text, state;

        if (size > 4096)
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        if (proc_stat_parse(text, &state, &st) == 0 && (st.ppid < 0 || st.sid < 0))
                abort();
        free(text);
        return 0;
}
