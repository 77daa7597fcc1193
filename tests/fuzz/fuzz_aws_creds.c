/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the AWS credentials parsers of teamd (teamd/audit/aws_creds_parse.c):
 * the shared credentials file (first byte 'f'; the profile is "default" or,
 * after a second byte '!', "audit"), the ECS/IMDS JSON answer (first byte
 * 'j') and ISO 8601 times (anything else). Properties: no crash or leak;
 * what is accepted has both keys, NUL-terminated within their bounds. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/aws_creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct aws_credentials *k)
{
        if (!k->access_key_id[0] || !k->secret_access_key[0] || strlen(k->access_key_id) > AWS_KEY_MAX ||
            strlen(k->secret_access_key) > AWS_KEY_MAX || strlen(k->session_token) > AWS_TOKEN_MAX)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct aws_credentials k;
        const char *text = (const char *)data + 1;
        char *s;
        int64_t t;

        if (size < 1)
                return 0;
        if (data[0] == 'f') {
                bool audit = size > 1 && data[1] == '!';

                if (aws_creds_parse_file(text, size - 1, audit ? "audit" : "default", &k) == 0)
                        check(&k);
        } else if (data[0] == 'j') {
                if (aws_creds_parse_json(text, size - 1, &k) == 0)
                        check(&k);
        } else {
                s = strndup(text, size - 1);
                if (s && aws_parse_time(s, &t) == 0 && t < 0)
                        abort();
                free(s);
        }
        return 0;
}
