/* Wire protocol cost in-process: a check request encoded, framed, read back
 * through team_frame_reader and strictly decoded, against json-c parsing the
 * same payload (the floor any JSON protocol pays). Needs only common/. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "bench/bench_stats.h"
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

static int run(int proto, const char *payload, size_t len, uint64_t warmup, uint64_t n,
               struct bench_samples *s)
{
        for (uint64_t i = 0; i < warmup + n; i++) {
                uint64_t t0 = bench_now_ns(), t1;
                int r = proto ? once_proto() : once_json(payload, len);

                t1 = bench_now_ns();
                if (r < 0) {
                        fprintf(stderr, "bench_codec: %s failed: %s\n",
                                proto ? "check request round" : "json-c parse", strerror(-r));
                        return r;
                }
                if (i >= warmup && bench_samples_add(s, t1 - t0) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "iterations", required_argument, NULL, 'n' },
                { "warmup", required_argument, NULL, 'w' },
                { "no-header", no_argument, NULL, 'H' },
                { NULL, 0, NULL, 0 },
        };
        uint64_t n = 50000, warmup = 2000;
        int header = 1, c, rc = 1;
        struct bench_samples proto, json;
        char *payload = NULL;
        size_t len = 0;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (c == 'n')
                        n = bench_arg_uint("--iterations", optarg, 1, 10000000);
                else if (c == 'w')
                        warmup = bench_arg_uint("--warmup", optarg, 0, 10000000);
                else if (c == 'H')
                        header = 0;
                else {
                        fprintf(stderr, "usage: bench_codec [--iterations N] [--warmup N] [--no-header]\n");
                        return 2;
                }
        }
        memset(&proto, 0, sizeof(proto));
        memset(&json, 0, sizeof(json));
        if (team_request_encode(&check_req, &payload, &len) < 0) {
                fprintf(stderr, "bench_codec: cannot encode a check request\n");
                goto out;
        }
        if (bench_samples_init(&proto, (size_t)n) < 0 || bench_samples_init(&json, (size_t)n) < 0)
                goto out;
        if (run(0, payload, len, warmup, n / 2, &json) < 0 ||
            run(1, payload, len, warmup, n / 2, &proto) < 0 ||
            run(0, payload, len, 0, n - n / 2, &json) < 0 ||
            run(1, payload, len, 0, n - n / 2, &proto) < 0)
                goto out;
        if (header)
                bench_print_latency_header();
        bench_print_latency_row("check request codec: encode + frame + read + strict decode", &proto,
                                "json-c parse of the same payload", &json);
        rc = 0;
out:
        free(payload);
        bench_samples_free(&proto);
        bench_samples_free(&json);
        return rc;
}
