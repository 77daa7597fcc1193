/* SPDX-License-Identifier: BSD-3-Clause */
/* team-server admin host-key: the key a host's audit checkpoints must be
 * signed with (server/checkpoints.h).
 *
 *   host-key HOST            what is recorded for HOST, one "FIELD<TAB>VALUE" per line
 *   host-key HOST KEY        registers KEY (base64url of the raw Ed25519 key, or
 *                            ed25519:KEY as teamctl status shows it); the recorded
 *                            checkpoint stays, a recorded refusal is cleared
 *   host-key HOST --clear    forgets the key and the recorded checkpoint: the
 *                            host's next checkpoint registers its key again
 *
 * Without an admin's key, a host's first verified checkpoint registers
 * its own (trust on first use). Exit status 0, 1 (error), 2 (usage). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checkpoints.h"
#include "clock.h"
#include "parse.h"
#include "server.h"
#include "server_config.h"
#include "store.h"

static int usage(void)
{
        fprintf(stderr, "usage: team-server [--config FILE] admin host-key HOST\n"
                        "       team-server [--config FILE] admin host-key HOST KEY\n"
                        "       team-server [--config FILE] admin host-key HOST --clear\n"
                        "KEY: the host's audit key, base64url of the 32 raw bytes (ed25519:KEY as teamctl status "
                        "shows it)\n");
        return 2;
}

static const char *utc(int64_t t, char *buf, size_t len)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (t <= 0 || !gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, len, "-");
        return buf;
}

static int show(struct srv_store *store, const char *host)
{
        struct srv_checkpoint c;
        char t1[32], t2[32];
        int r = srv_store_checkpoint_get(store, host, &c);

        if (r == -ENOENT) {
                printf("host\t%s\nkey\tnone (the next checkpoint registers its key)\n", host);
                return 0;
        }
        if (r < 0)
                return r;
        printf("host\t%s\n", host);
        printf("key\t%s\t%s\t%s\n", c.host_key ? c.host_key : "none", c.key_by_admin ? "admin" : "first-use",
               utc(c.key_at, t1, sizeof(t1)));
        if (c.seq > 0)
                printf("checkpoint\t%" PRId64 "\t%s\tsigned %s\treceived %s\n", c.seq, c.head ? c.head : "-",
                       utc(c.time_usec / 1000000, t1, sizeof(t1)), utc(c.received_at, t2, sizeof(t2)));
        else
                printf("checkpoint\tnone\n");
        printf("stopped\t%s\n", c.stop_alerted_at ? utc(c.stop_alerted_at, t1, sizeof(t1)) : "no");
        if (c.conflict)
                printf("refused\t%" PRId64 "\t%s\tseq %" PRId64 "\t%s\tat %s\n", c.conflicts, c.conflict,
                       c.conflict_seq, c.conflict_key ? c.conflict_key : "-", utc(c.conflict_at, t1, sizeof(t1)));
        srv_checkpoint_clear(&c);
        return 0;
}

int admin_host_key_main(const struct server_config *cfg, int argc, char **argv)
{
        struct srv_store *store = NULL;
        struct srv_host h = { 0 };
        char key[CHECKPOINT_KEY_LEN + 1] = "";
        const char *host, *arg;
        bool clear;
        int r, status = 1;

        if (argc < 2 || argc > 3)
                return usage();
        host = argv[1];
        arg = argc == 3 ? argv[2] : NULL;
        clear = arg && strcmp(arg, "--clear") == 0;
        if (!is_valid_token_name(host, SRV_MAX_NAME)) {
                fprintf(stderr, "team-server: \"%s\" is not a valid host id\n", host);
                return 2;
        }
        if (arg && !clear && (arg[0] == '-' || checkpoint_key_parse(arg, key) < 0)) {
                fprintf(stderr, "team-server: the key is the host's Ed25519 public key in base64url (%d characters, "
                                "no padding), or ed25519:KEY\n", CHECKPOINT_KEY_LEN);
                return 2;
        }
        if (admin_open_store(cfg, &store) < 0)
                return 1;
        r = srv_store_host_get(store, host, &h);
        srv_host_clear(&h);
        if (r == -ENOENT) {
                fprintf(stderr, "team-server: there is no host %s (team-server admin host add %s)\n", host, host);
                goto out;
        }
        if (r == 0 && !arg) {
                r = show(store, host);
        } else if (r == 0) {
                struct checkpoint_ctx ctx = { .store = store };

                r = checkpoint_set_key(&ctx, host, clear ? NULL : key, "admin", srv_now());
                if (r == -ENOENT) {
                        printf("host %s: no key and no checkpoint recorded; nothing to clear\n", host);
                        r = 0;
                } else if (r == 0) {
                        if (clear)
                                printf("host %s: key and checkpoint forgotten; its next checkpoint registers its "
                                       "key\n", host);
                        else
                                printf("host %s: audit key %s registered\n", host, key);
                }
        }
        if (r < 0)
                fprintf(stderr, "team-server: host-key %s: %s\n", host, strerror(-r));
        else
                status = 0;
        fflush(stdout);
out:
        srv_store_close(store);
        return status;
}
