/* SPDX-License-Identifier: BSD-3-Clause */
/* Human-readable times; see format.h. */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "format.h"

void format_local_time(int64_t t, char *buf, size_t len)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!localtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M %Z", &tm) == 0)
                snprintf(buf, len, "@%lld", (long long)t);
}

static void format_span(int64_t s, char *buf, size_t len)
{
        if (s < 60)
                snprintf(buf, len, "%llds", (long long)s);
        else if (s < 3600)
                snprintf(buf, len, "%lldm", (long long)(s / 60));
        else if (s < 86400)
                snprintf(buf, len, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
        else
                snprintf(buf, len, "%lldd %lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
}

void format_relative(int64_t t, int64_t now, char *buf, size_t len)
{
        char span[32];

        if (t == now) {
                snprintf(buf, len, "now");
                return;
        }
        format_span(t > now ? t - now : now - t, span, sizeof(span));
        if (t > now)
                snprintf(buf, len, "in %s", span);
        else
                snprintf(buf, len, "%s ago", span);
}
