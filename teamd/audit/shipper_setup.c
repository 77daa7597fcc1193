/* SPDX-License-Identifier: BSD-3-Clause */
/* Building the shipper from teamd.conf; see shipper.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <syslog.h>

#include "audit/aws_creds.h"
#include "http_client.h"
#include "audit/journal.h"
#include "audit/shipper.h"
#include "audit/sink_cloudtrail.h"
#include "audit/sink_cloudwatch.h"
#include "teamd_config.h"

struct audit_shipping {
        struct http_client *http;
        struct aws_creds *creds;
        struct shipper *shipper;
};

size_t shipper_sink_names(const struct teamd_config *cfg, const char *names[3])
{
        size_t n = 0;

        if (cfg->cloudtrail_channel_arn)
                names[n++] = OUTBOX_SINK_CLOUDTRAIL;
        if (cfg->cloudwatch_log_group && cfg->cloudwatch_log_stream)
                names[n++] = OUTBOX_SINK_CLOUDWATCH;
        names[n] = NULL;
        return n;
}

void audit_shipping_free(struct audit_shipping *a)
{
        if (!a)
                return;
        shipper_free(a->shipper);        /* sinks first: they hold requests */
        aws_creds_free(a->creds);
        http_client_free(a->http);
        free(a);
}

int audit_shipping_start(sd_event *event, const struct teamd_config *cfg, struct outbox *ob,
                         struct audit_shipping **out)
{
        const char *names[3];
        struct sink *sinks[2] = { NULL, NULL };
        size_t n = 0, want = shipper_sink_names(cfg, names);
        struct audit_shipping *a;
        int r;

        *out = NULL;
        if (want == 0)
                return 0;
        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        /* AWS endpoints use the system CAs, not the central API's ca_file */
        r = http_client_new(event, NULL, &a->http);
        if (r == 0)
                r = aws_creds_new(event, a->http, cfg, &a->creds);
        if (r == 0 && cfg->cloudtrail_channel_arn) {
                r = sink_cloudtrail_new(a->http, a->creds, cfg, &sinks[n]);
                if (r == 0)
                        n++;
        }
        if (r == 0 && cfg->cloudwatch_log_group && cfg->cloudwatch_log_stream) {
                r = sink_cloudwatch_new(a->http, a->creds, cfg, &sinks[n]);
                if (r == 0)
                        n++;
        }
        if (r == 0)
                r = shipper_new(event, ob, sinks, n, &a->shipper);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        sinks[i]->free(sinks[i]);
                audit_shipping_free(a);
                return r;
        }
        teamd_log(LOG_INFO, "audit shipping to %s%s%s", names[0], names[1] ? " and " : "", names[1] ? names[1] : "");
        *out = a;
        return 0;
}
