/* SPDX-License-Identifier: BSD-3-Clause */
/* team-server benchmarks (run by bench/bench_server.sh, which sets up a
 * server with users alice (requester) and bob (approver) and hosts h1..hN
 * in the host group "fleet"):
 *
 *   approval to feed: H hosts (1, then 1,000) hold long-polls on
 *     GET /v1/hosts/{id}/grants; alice files a request for the group,
 *     bob approves; latency = from sending the approve until each host's
 *     long-poll answers with the grant. Baseline: the approve call's own
 *     round trip (what the approver waits for).
 *   request rate: POST /v1/requests and GET /v1/requests/{id} from C
 *     keep-alive connections for S seconds each; baseline GET /healthz.
 *   idle long-polls: N hosts each hold one long-poll; server RSS before
 *     and while they are held, and its CPU use while they idle.
 *
 * One thread, epoll, raw HTTP/1.1 (bench_http.h), so the client is not
 * what is measured. Prints markdown. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <json.h>

#include "bench/bench_http.h"
#include "bench/bench_proc.h"
#include "bench/bench_stats.h"
#include "parse.h"

#define MAX_HOSTS 20000
/* Long-poll waits: short enough that every poll can be let run out before
 * its connection is closed (a closed, suspended long-poll stays counted on
 * the server until its wait ends), long enough to outlast a phase. */
#define LATENCY_WAIT_S 20
#define ROUND_TIMEOUT_NS (15ULL * 1000000000)

static int wait_s = LATENCY_WAIT_S;

struct host {
        char id[64];
        char *token;
        char cursor[32];
        struct hconn h;
        int got;            /* this round's grant arrived */
};

static struct {
        uint16_t port;
        int server_pid;
        char *alice, *bob;
        struct host *hosts;
        size_t nhosts;
} B;

static void die(const char *what, int r)
{
        fprintf(stderr, "bench_server: %s: %s\n", what, r < 0 ? strerror(-r) : "failed");
        exit(1);
}

static void load_tokens(const char *path)
{
        FILE *f = fopen(path, "re");
        char kind[16], name[64], tok[256];

        if (!f)
                die(path, -errno);
        B.hosts = calloc(MAX_HOSTS, sizeof(*B.hosts));
        if (!B.hosts)
                die("hosts", -ENOMEM);
        while (fscanf(f, "%15s %63s %255s", kind, name, tok) == 3) {
                if (strcmp(kind, "user") == 0 && strcmp(name, "alice") == 0)
                        B.alice = strdup(tok);
                else if (strcmp(kind, "user") == 0 && strcmp(name, "bob") == 0)
                        B.bob = strdup(tok);
                else if (strcmp(kind, "host") == 0 && B.nhosts < MAX_HOSTS) {
                        struct host *h = &B.hosts[B.nhosts++];
                        snprintf(h->id, sizeof(h->id), "%s", name);
                        h->token = strdup(tok);
                        h->h.fd = -1;
                }
        }
        fclose(f);
        if (!B.alice || !B.bob || B.nhosts == 0)
                die("tokens file lacks alice, bob or hosts", -EINVAL);
}

/* --- the host feed ---------------------------------------------------- */

static int feed_send(struct host *h, int epfd, int wait)
{
        char path[192];

        snprintf(path, sizeof(path), "/v1/hosts/%s/grants?%s%s%swait=%d", h->id, h->cursor[0] ? "cursor=" : "",
                 h->cursor, h->cursor[0] ? "&" : "", wait);
        return hconn_send(&h->h, epfd, "GET", path, h->token, NULL);
}

/* Parses a feed answer: number of grants (cursor updated), or -1. */
static int feed_parse(struct host *h)
{
        struct json_object *o = NULL, *g = NULL, *c = NULL;
        int n = -1;

        if (h->h.status != 200)
                return -1;
        o = json_tokener_parse(strndupa(h->h.body, h->h.body_len));
        if (o && json_object_object_get_ex(o, "grants", &g) && json_object_is_type(g, json_type_array) &&
            json_object_object_get_ex(o, "cursor", &c) && json_object_is_type(c, json_type_string)) {
                snprintf(h->cursor, sizeof(h->cursor), "%s", json_object_get_string(c));
                n = (int)json_object_array_length(g);
        }
        json_object_put(o);
        return n;
}

/* Opens n feed connections and brings each to a current cursor. */
static void feed_open(size_t n, int epfd)
{
        struct epoll_event ev[256];
        size_t pending = 0;
        int r;

        for (size_t i = 0; i < n; i++) {
                r = hconn_open(&B.hosts[i].h, epfd, B.port, &B.hosts[i]);
                if (r < 0)
                        die("connect", r);
                B.hosts[i].cursor[0] = '\0';
                r = feed_send(&B.hosts[i], epfd, 0);
                if (r < 0)
                        die("send feed", r);
                pending++;
        }
        while (pending > 0) {
                int k = epoll_wait(epfd, ev, 256, 10000);
                if (k <= 0)
                        die("initial feed answers", k == 0 ? -ETIMEDOUT : -errno);
                for (int j = 0; j < k; j++) {
                        struct hconn *c = ev[j].data.ptr;
                        r = hconn_event(c, epfd, ev[j].events);
                        if (r < 0)
                                die("feed connection", r);
                        if (r == 1) {
                                if (feed_parse(c->ud) < 0)
                                        die("initial feed answer", -EPROTO);
                                pending--;
                        }
                }
        }
}

/* Lets every outstanding long-poll answer (at most its wait), without
 * re-polling, so the server holds none of ours once we close. */
static void feed_drain(size_t n, int epfd)
{
        struct epoll_event ev[256];
        uint64_t until = bench_now_ns() + (uint64_t)(wait_s + 5) * 1000000000ULL;
        size_t busy = 0;

        for (size_t i = 0; i < n; i++)
                busy += B.hosts[i].h.busy ? 1 : 0;
        while (busy > 0 && bench_now_ns() < until) {
                int k = epoll_wait(epfd, ev, 256, 1000);
                for (int j = 0; j < k; j++) {
                        struct hconn *c = ev[j].data.ptr;
                        int r = hconn_event(c, epfd, ev[j].events);
                        if (r < 0)
                                die("connection while draining", r);
                        if (r == 1 && c->ud)
                                busy--;
                }
        }
}

static void feed_close(size_t n, int epfd)
{
        feed_drain(n, epfd);
        for (size_t i = 0; i < n; i++)
                hconn_close(&B.hosts[i].h, epfd);
}

/* Pumps events for ms milliseconds: any feed answer is re-polled.
 * Returns the number of answers that carried grants. */
static size_t feed_pump(int epfd, int ms, struct hconn *ctl)
{
        struct epoll_event ev[256];
        uint64_t until = bench_now_ns() + (uint64_t)ms * 1000000;
        size_t with_grants = 0;

        for (;;) {
                int64_t left = (int64_t)(until - bench_now_ns()) / 1000000;
                int k;
                if ((int64_t)(until - bench_now_ns()) <= 0)
                        break;
                k = epoll_wait(epfd, ev, 256, (int)(left > 0 ? left : 1));
                for (int j = 0; j < k; j++) {
                        struct hconn *c = ev[j].data.ptr;
                        int r = hconn_event(c, epfd, ev[j].events);
                        if (r < 0)
                                die("connection while idle", r);
                        if (r == 1 && c != ctl) {
                                struct host *h = c->ud;
                                if (feed_parse(h) > 0)
                                        with_grants++;
                                if (feed_send(h, epfd, wait_s) < 0)
                                        die("re-poll", -EIO);
                        }
                }
        }
        return with_grants;
}

/* --- approval to feed ------------------------------------------------- */

static char *file_request(void)
{
        static const char body[] = "{\"role\":\"sudo\",\"host\":\"fleet\",\"duration\":3600,\"reason\":\"bench\"}";
        struct json_object *o, *id;
        char *resp = NULL, *out = NULL;
        int st = http_once(B.port, "POST", "/v1/requests", B.alice, body, &resp);

        if (st != 201)
                die(resp ? resp : "POST /v1/requests", st < 0 ? st : -EPROTO);
        o = json_tokener_parse(resp);
        if (o && json_object_object_get_ex(o, "id", &id) && json_object_is_type(id, json_type_string))
                out = strdup(json_object_get_string(id));
        json_object_put(o);
        free(resp);
        if (!out)
                die("request id", -EPROTO);
        return out;
}

struct latency {
        struct bench_samples feed, approve;
        size_t missed;
};

static void one_round(size_t n, int epfd, struct hconn *ctl, struct latency *L, int record)
{
        struct epoll_event ev[256];
        char path[96], *id = file_request();
        size_t left = n;
        int ctl_done = 0, r;
        uint64_t t0, deadline;

        for (size_t i = 0; i < n; i++)
                B.hosts[i].got = 0;
        snprintf(path, sizeof(path), "/v1/requests/%s/approve", id);
        t0 = bench_now_ns();
        r = hconn_send(ctl, epfd, "POST", path, B.bob, "{}");
        if (r < 0)
                die("approve", r);
        deadline = t0 + ROUND_TIMEOUT_NS;
        while ((left > 0 || !ctl_done) && bench_now_ns() < deadline) {
                int k = epoll_wait(epfd, ev, 256, 1000);
                for (int j = 0; j < k; j++) {
                        struct hconn *c = ev[j].data.ptr;
                        uint64_t now;
                        r = hconn_event(c, epfd, ev[j].events);
                        if (r < 0)
                                die("connection", r);
                        if (r != 1)
                                continue;
                        now = bench_now_ns();
                        if (c == ctl) {
                                if (c->status != 200)
                                        die("approve answer", -EPROTO);
                                if (record)
                                        bench_samples_add(&L->approve, now - t0);
                                ctl_done = 1;
                                continue;
                        }
                        struct host *h = c->ud;
                        if (feed_parse(h) > 0 && !h->got) {
                                h->got = 1;
                                left--;
                                if (record)
                                        bench_samples_add(&L->feed, now - t0);
                        }
                        if (feed_send(h, epfd, wait_s) < 0)
                                die("re-poll", -EIO);
                }
        }
        if (record)
                L->missed += left;
        free(id);
}

static void bench_latency(size_t n, unsigned rounds, int epfd)
{
        struct latency L = { 0 };
        struct hconn ctl;
        char a50[32], a99[32], amax[32], b50[32], b99[32];
        int r;

        if (n > B.nhosts)
                n = B.nhosts;
        bench_samples_init(&L.feed, n * rounds);
        bench_samples_init(&L.approve, rounds);
        feed_open(n, epfd);
        for (size_t i = 0; i < n; i++)
                if ((r = feed_send(&B.hosts[i], epfd, wait_s)) < 0)
                        die("long-poll", r);
        r = hconn_open(&ctl, epfd, B.port, NULL);
        if (r < 0)
                die("control connection", r);
        feed_pump(epfd, 300, &ctl);   /* let the server suspend them all */
        for (unsigned i = 0; i < rounds + 1; i++) {
                one_round(n, epfd, &ctl, &L, i > 0);   /* round 0 warms up */
                feed_pump(epfd, 50, &ctl);
        }
        hconn_close(&ctl, epfd);
        feed_close(n, epfd);
        bench_fmt_us(a50, sizeof(a50), bench_samples_pct(&L.feed, 50));
        bench_fmt_us(a99, sizeof(a99), bench_samples_pct(&L.feed, 99));
        bench_fmt_us(amax, sizeof(amax), bench_samples_max(&L.feed));
        bench_fmt_us(b50, sizeof(b50), bench_samples_pct(&L.approve, 50));
        bench_fmt_us(b99, sizeof(b99), bench_samples_pct(&L.approve, 99));
        printf("| %zu | %u | %zu | %s | %s | %s | %zu | %s | %s |\n", n, rounds, L.feed.n, a50, a99, amax, L.missed,
               b50, b99);
        fflush(stdout);
        bench_samples_free(&L.feed);
        bench_samples_free(&L.approve);
}

/* --- request rate ----------------------------------------------------- */

struct rate {
        double per_s;
        struct bench_samples s;
        uint64_t errors;
};

static int rate_send(struct hconn *c, int epfd, int kind, const char *get_path)
{
        static const char body[] = "{\"role\":\"sudo\",\"host\":\"h1\",\"duration\":600,\"reason\":\"rate\"}";

        switch (kind) {
        case 0:
                return hconn_send(c, epfd, "GET", "/healthz", NULL, NULL);
        case 1:
                return hconn_send(c, epfd, "POST", "/v1/requests", B.alice, body);
        default:
                return hconn_send(c, epfd, "GET", get_path, B.alice, NULL);
        }
}

static void run_rate(int kind, unsigned conns, unsigned seconds, const char *get_path, struct rate *out)
{
        static const int want[] = { 200, 201, 200 };
        struct hconn *cs = calloc(conns, sizeof(*cs));
        struct epoll_event ev[64];
        int epfd = epoll_create1(EPOLL_CLOEXEC), r;
        uint64_t start, warm, end, done = 0;

        if (!cs || epfd < 0)
                die("rate setup", -ENOMEM);
        bench_samples_init(&out->s, 100000);
        out->errors = 0;
        for (unsigned i = 0; i < conns; i++) {
                if ((r = hconn_open(&cs[i], epfd, B.port, NULL)) < 0 || (r = rate_send(&cs[i], epfd, kind, get_path)) < 0)
                        die("rate connection", r);
        }
        start = bench_now_ns();
        warm = start + 300000000ULL;
        end = warm + (uint64_t)seconds * 1000000000ULL;
        for (;;) {
                uint64_t now = bench_now_ns();
                int k;
                if (now >= end)
                        break;
                k = epoll_wait(epfd, ev, 64, 100);
                for (int j = 0; j < k; j++) {
                        struct hconn *c = ev[j].data.ptr;
                        r = hconn_event(c, epfd, ev[j].events);
                        if (r < 0)
                                die("rate connection", r);
                        if (r != 1)
                                continue;
                        now = bench_now_ns();
                        if (now >= warm && now < end) {
                                done++;
                                bench_samples_add(&out->s, now - c->sent_ns);
                                if (c->status != want[kind])
                                        out->errors++;
                        }
                        if ((r = rate_send(c, epfd, kind, get_path)) < 0)
                                die("rate send", r);
                }
        }
        out->per_s = (double)done / seconds;
        for (unsigned i = 0; i < conns; i++)
                hconn_close(&cs[i], epfd);
        close(epfd);
        free(cs);
}

static void bench_rates(unsigned conns, unsigned seconds)
{
        static const char *const names[] = { "GET /healthz", "POST /v1/requests", "GET /v1/requests/{id}" };
        struct rate base, r;
        char path[96], *id = file_request(), p50[32], p99[32], b50[32];

        snprintf(path, sizeof(path), "/v1/requests/%s", id);
        run_rate(0, conns, seconds, path, &base);
        bench_fmt_us(b50, sizeof(b50), bench_samples_pct(&base.s, 50));
        for (int kind = 0; kind < 3; kind++) {
                if (kind == 0) {
                        r = base;
                } else {
                        run_rate(kind, conns, seconds, path, &r);
                }
                bench_fmt_us(p50, sizeof(p50), bench_samples_pct(&r.s, 50));
                bench_fmt_us(p99, sizeof(p99), bench_samples_pct(&r.s, 99));
                printf("| %s | %u | %.0f | %s | %s | %llu | %.0f | %s | %.0f %% |\n", names[kind], conns, r.per_s,
                       p50, p99, (unsigned long long)r.errors, base.per_s, b50,
                       base.per_s > 0 ? 100.0 * r.per_s / base.per_s : 0.0);
                fflush(stdout);
                if (kind != 0)
                        bench_samples_free(&r.s);
        }
        bench_samples_free(&base.s);
        free(id);
}

/* --- idle long-polls -------------------------------------------------- */

static long metric_open_polls(void)
{
        char *body = NULL, *p;
        long v = -1;

        if (http_once(B.port, "GET", "/metrics", NULL, NULL, &body) == 200 && body) {
                for (p = body; (p = strstr(p, "team_server_open_long_polls")); p++)
                        if ((p == body || p[-1] == '\n') && p[strlen("team_server_open_long_polls")] == ' ') {
                                v = strtol(p + strlen("team_server_open_long_polls") + 1, NULL, 10);
                                break;
                        }
        }
        free(body);
        return v;
}

static void bench_idle(size_t n, unsigned hold_s)
{
        int epfd = epoll_create1(EPOLL_CLOEXEC), r;
        long before, held, hwm, open_polls;
        long long cpu0, cpu1;
        uint64_t t0, t1;
        double cpu_pct;
        size_t woke;

        if (n > B.nhosts)
                n = B.nhosts;
        wait_s = (int)hold_s + 6;   /* 2 s to settle + the hold, then they run out */
        before = bench_proc_kb(B.server_pid, "VmRSS");
        feed_open(n, epfd);
        for (size_t i = 0; i < n; i++)
                if ((r = feed_send(&B.hosts[i], epfd, wait_s)) < 0)
                        die("long-poll", r);
        feed_pump(epfd, 2000, NULL);
        open_polls = metric_open_polls();
        held = bench_proc_kb(B.server_pid, "VmRSS");
        cpu0 = bench_proc_cpu_ticks(B.server_pid);
        t0 = bench_now_ns();
        woke = feed_pump(epfd, (int)hold_s * 1000, NULL);
        t1 = bench_now_ns();
        cpu1 = bench_proc_cpu_ticks(B.server_pid);
        if (bench_proc_kb(B.server_pid, "VmRSS") > held)
                held = bench_proc_kb(B.server_pid, "VmRSS");
        hwm = bench_proc_kb(B.server_pid, "VmHWM");
        cpu_pct = 100.0 * (double)(cpu1 - cpu0) / (double)sysconf(_SC_CLK_TCK) / ((double)(t1 - t0) / 1e9);
        feed_close(n, epfd);
        close(epfd);
        wait_s = LATENCY_WAIT_S;
        printf("| %zu | %ld | %.1f MiB | %.1f MiB | %.1f KiB | %.1f MiB | %.1f %% over %u s | %zu |\n", n,
               open_polls, before / 1024.0, held / 1024.0, n ? (double)(held - before) / (double)n : 0.0,
               hwm / 1024.0, cpu_pct, hold_s, woke);
        fflush(stdout);
}

static void raise_nofile(size_t need)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return;
        if (rl.rlim_max < need)
                rl.rlim_max = need;   /* root may raise the hard limit */
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
                getrlimit(RLIMIT_NOFILE, &rl);
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
        }
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "port", required_argument, NULL, 'p' },   { "server-pid", required_argument, NULL, 'P' },
                { "tokens", required_argument, NULL, 't' }, { "hosts", required_argument, NULL, 'H' },
                { "rounds", required_argument, NULL, 'r' }, { "idle", required_argument, NULL, 'i' },
                { "seconds", required_argument, NULL, 's' }, { "conns", required_argument, NULL, 'c' },
                { "hold", required_argument, NULL, 'h' },   { NULL, 0, NULL, 0 },
        };
        const char *tokens = NULL;
        unsigned rounds = 20, seconds = 5, conns = 4, hold = 10;
        size_t many = 1000, idle = 10000;
        int c, epfd;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'p': B.port = (uint16_t)bench_arg_uint("--port", optarg, 1, 65535); break;
                case 'P': B.server_pid = (int)bench_arg_uint("--server-pid", optarg, 1, 1 << 22); break;
                case 't': tokens = optarg; break;
                case 'H': many = bench_arg_uint("--hosts", optarg, 1, MAX_HOSTS); break;
                case 'r': rounds = (unsigned)bench_arg_uint("--rounds", optarg, 1, 10000); break;
                case 'i': idle = bench_arg_uint("--idle", optarg, 0, MAX_HOSTS); break;
                case 's': seconds = (unsigned)bench_arg_uint("--seconds", optarg, 1, 600); break;
                case 'c': conns = (unsigned)bench_arg_uint("--conns", optarg, 1, 256); break;
                case 'h': hold = (unsigned)bench_arg_uint("--hold", optarg, 1, 50); break;
                default:
                        fprintf(stderr, "usage: bench_server --port P --server-pid PID --tokens FILE [--hosts N] "
                                        "[--rounds N] [--idle N] [--seconds S] [--conns N] [--hold S]\n");
                        return 2;
                }
        }
        if (!B.port || !B.server_pid || !tokens) {
                fprintf(stderr, "bench_server: --port, --server-pid and --tokens are required\n");
                return 2;
        }
        load_tokens(tokens);
        raise_nofile((idle > many ? idle : many) + 256);
        epfd = epoll_create1(EPOLL_CLOEXEC);
        if (epfd < 0)
                die("epoll", -errno);

        if (idle > 0) {
                printf("### Idle long-polls (each host holds `GET /v1/hosts/{id}/grants?wait=%u`)\n\n", hold + 6);
                printf("| long-polls | open_long_polls metric | server RSS before (baseline) | RSS held | "
                       "per long-poll | peak RSS | server CPU while held | answers while idle |\n");
                printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
                bench_idle(idle, hold);
                printf("\n");
        }
        printf("### Approval to feed (a request for host group `fleet` approved while its hosts long-poll)\n\n");
        printf("| hosts long-polling | rounds | deliveries | p50 | p99 | max | missed | "
               "baseline: approve answer p50 | baseline p99 |\n");
        printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        bench_latency(1, rounds * 5, epfd);
        bench_latency(many, rounds, epfd);
        close(epfd);

        printf("\n### Request rate (%u keep-alive connections, %u s each, after 0.3 s warm-up)\n\n", conns, seconds);
        printf("| endpoint | connections | requests/s | p50 | p99 | errors | baseline GET /healthz req/s | "
               "baseline p50 | vs baseline |\n");
        printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        bench_rates(conns, seconds);

        return 0;
}
