/* SPDX-License-Identifier: BSD-3-Clause */
/* One question to teamd for a verb: load teamd.conf, call the socket, and
 * report a transport error or a refusal the same way for every verb. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "client.h"
#include "teamctl.h"
#include "text.h"

int teamctl_ask(struct teamctl *t, const struct team_request *req, struct team_response *resp, char **raw,
                const char *refused)
{
        char err[512], clean[1024];
        int ret;

        ret = teamctl_load_config(t);
        if (ret != 0)
                return ret;
        ret = teamctl_call(teamctl_socket(t), req, resp, raw, err, sizeof(err));
        if (ret != 0) {
                fprintf(stderr, "teamctl: %s\n", err);
                return ret;
        }
        if (!resp->ok) {
                text_sanitize(resp->error ? resp->error : refused, clean, sizeof(clean));
                fprintf(stderr, "teamctl: %s\n", clean);
                team_response_clear(resp);
                if (raw) {
                        free(*raw);
                        *raw = NULL;
                }
                return TEAMCTL_EXIT_REFUSED;
        }
        return 0;
}
