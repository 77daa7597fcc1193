/* SPDX-License-Identifier: BSD-3-Clause */
/* Wire protocol cost in-process: a check request encoded, framed, read back
 * through team_frame_reader and strictly decoded, in the packed encoding
 * pam_team.so speaks, against the same in the JSON encoding. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_ab.h"
#include "protocol.h"

static const struct team_request check_req = {
        .op = TEAM_OP_CHECK, .user = "alice", .role = "sudo", .service = "sudo",
        .tty = "/dev/pts/3", .rhost = NULL, .failmode_safe = false,
};

/* Encode + frame + incremental read + strict decode: both ends of one
 * check, in the packed encoding (packed) or the JSON one. */
static int once_round(bool packed)
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
        if (packed) {
                r = team_request_pack_frame(&check_req, &frame, &flen);
        } else {
                r = team_request_encode(&check_req, &payload, &len);
                if (r == 0)
                        r = team_frame_build(payload, len, &frame, &flen);
        }
        if (r < 0)
                goto out;
        r = team_frame_reader_feed_buf(&rd, frame, flen, &used);
        if (r != 1) {
                r = r < 0 ? r : -EBADMSG;
                goto out;
        }
        r = packed ? team_request_unpack(rd.body, rd.body_len, &dec, &why)
                   : team_request_decode(rd.body, rd.body_len, &dec, &why);
out:
        team_request_clear(&dec);
        team_frame_reader_clear(&rd);
        free(payload);
        free(frame);
        return r;
}

/* Side 0: the JSON encoding (the baseline, what teamctl speaks); side 1:
 * the packed one (what pam_team.so speaks). */
static int once(void *ctx, int side)
{
        (void)ctx;
        return once_round(side == 1);
}

int main(int argc, char **argv)
{
        struct bench_ab_opts o = { .n = 50000, .warmup = 2000, .header = 1 };
        struct bench_samples s[2];      /* json, packed */
        const struct bench_ab ab = {
                .prog = "bench_codec", .what = { "JSON check round", "packed check round" },
                .once = once, .ctx = NULL,
        };
        int rc = 1;

        bench_ab_parse(argc, argv, "bench_codec", &o);
        memset(s, 0, sizeof(s));
        if (bench_ab_run(&ab, &o, s) == 0) {
                if (o.header)
                        bench_print_latency_header();
                bench_print_latency_row("check request, packed: encode + frame + read + strict decode", &s[1],
                                        "the same in JSON", &s[0]);
                rc = 0;
        }
        bench_samples_free(&s[0]);
        bench_samples_free(&s[1]);
        return rc;
}
