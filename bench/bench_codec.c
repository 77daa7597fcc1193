/* SPDX-License-Identifier: BSD-3-Clause */
/* Wire protocol cost in-process: a check request encoded, framed, read back
 * through team_frame_reader and strictly decoded, against json-c parsing the
 * same payload (the floor any JSON protocol pays). Needs only common/. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "bench/bench_ab.h"
#include "protocol.h"

static const struct team_request check_req = {
        .op = TEAM_OP_CHECK, .user = "alice", .role = "sudo", .service = "sudo",
        .tty = "/dev/pts/3", .rhost = NULL, .failmode_safe = false,
};

/* Encode + frame + incremental read + strict decode: both ends of one check. */
static int once_proto(void)
{
        struct team_request dec;
        struct team_frame_reader rd;
        char *payload = NULL;
        uint8_t *frame = NULL;
        size_t len = 0, flen = 0, used = 0;
        const char *why = NULL;
        int r;

        memset(&dec, 0, sizeof(dec));
        team_frame_reader_init(&rd, 0);
        r = team_request_encode(&check_req, &payload, &len);
        if (r < 0)
                goto out;
        r = team_frame_build(payload, len, &frame, &flen);
        if (r < 0)
                goto out;
        r = team_frame_reader_feed_buf(&rd, frame, flen, &used);
        if (r != 1) {
                r = r < 0 ? r : -EBADMSG;
                goto out;
        }
        r = team_request_decode(rd.body, rd.body_len, &dec, &why);
out:
        team_request_clear(&dec);
        team_frame_reader_clear(&rd);
        free(payload);
        free(frame);
        return r;
}

static int once_json(const char *payload, size_t len)
{
        struct json_tokener *tok = json_tokener_new();
        struct json_object *obj;
        int r = -ENOMEM;

        if (!tok)
                return r;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        obj = json_tokener_parse_ex(tok, payload, (int)len);
        r = obj ? 0 : -EBADMSG;
        json_object_put(obj);
        json_tokener_free(tok);
        return r;
}

struct codec_bench {
        const char *payload;
        size_t len;
};

/* Side 0: json-c parse (the baseline); side 1: the check request round. */
static int once(void *ctx, int side)
{
        const struct codec_bench *cb = ctx;

        return side ? once_proto() : once_json(cb->payload, cb->len);
}

int main(int argc, char **argv)
{
        struct bench_ab_opts o = { .n = 50000, .warmup = 2000, .header = 1 };
        struct bench_samples s[2];      /* json, proto */
        struct codec_bench cb = { NULL, 0 };
        const struct bench_ab ab = {
                .prog = "bench_codec", .what = { "json-c parse", "check request round" },
                .once = once, .ctx = &cb,
        };
        char *payload = NULL;
        int rc = 1;

        bench_ab_parse(argc, argv, "bench_codec", &o);
        memset(s, 0, sizeof(s));
        if (team_request_encode(&check_req, &payload, &cb.len) < 0) {
                fprintf(stderr, "bench_codec: cannot encode a check request\n");
                goto out;
        }
        cb.payload = payload;
        if (bench_ab_run(&ab, &o, s) < 0)
                goto out;
        if (o.header)
                bench_print_latency_header();
        bench_print_latency_row("check request codec: encode + frame + read + strict decode", &s[1],
                                "json-c parse of the same payload", &s[0]);
        rc = 0;
out:
        free(payload);
        bench_samples_free(&s[0]);
        bench_samples_free(&s[1]);
        return rc;
}
