/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the request lifecycle on a temporary store with a pinned
 * clock (server/lifecycle*.c, signer.c, the store of
 * tests/lib/test_store_backend.h: sqlite, or PostgreSQL with
 * TEAM_TEST_STORE=postgresql). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock_fake.h"
#include "lifecycle.h"
#include "test_store_backend.h"

#define T0 1800000000LL

static const char policy_text[] =
        "[role sudo]\n"
        "max_duration = 4h\n"
        "approver_groups = sre\n"
        "requester_groups = dev\n"
        "host_groups = web\n"
        "auto_approve_groups = oncall\n"
        "[role quorum]\n"
        "approvals_required = 2\n"
        "approver_groups = sre\n"
        "[role deny2]\n"
        "denials_required = 2\n"
        "approver_groups = sre\n"
        "[role ticket]\n"
        "approver_groups = sre\n"
        "ticket_pattern = ^INC-[0-9]+$\n";

struct fixture {
        char dir[64];
        struct srv_store *store;
        struct srv_policy *policy;
        struct srv_signer *signer;
        struct lc *lc;
        unsigned events[LC_EVENT__MAX];
};

static const char *const g_dev[] = { "dev", NULL }, *const g_sre[] = { "sre", NULL },
                  *const g_devsre[] = { "dev", "sre", NULL }, *const g_oncall[] = { "dev", "oncall", NULL },
                  *const g_web[] = { "web", "prod", NULL }, *const g_db[] = { "db", NULL };

static const struct lc_caller alice = { LC_CALLER_USER, "alice", g_dev };
static const struct lc_caller bob = { LC_CALLER_USER, "bob", g_devsre };
static const struct lc_caller carol = { LC_CALLER_USER, "carol", g_sre };
static const struct lc_caller dave = { LC_CALLER_USER, "dave", g_dev };
static const struct lc_caller oscar = { LC_CALLER_USER, "oscar", g_oncall };
static const struct lc_caller web1 = { LC_CALLER_HOST, "web1", g_web };
static const struct lc_caller db1 = { LC_CALLER_HOST, "db1", g_db };

static void on_notice(const struct lc_notice *n, void *ctx)
{
        struct fixture *f = ctx;

        assert_non_null(n->request);
        f->events[n->event]++;
}

/* A copy of a const group list (the callers' g_*), as the rows hold
 * their groups: an owned char ** list. */
static char **groups_dup(const char *const *groups)
{
        size_t n = srv_strv_len(groups);
        char **v = calloc(n + 1, sizeof(*v));

        assert_non_null(v);
        for (size_t i = 0; i < n; i++)
                assert_non_null(v[i] = strdup(groups[i]));
        return v;
}

static void add_user(struct fixture *f, const char *name, const char *const *groups, uint8_t tag)
{
        uint8_t hash[SRV_TOKEN_HASH_LEN];
        struct srv_user u = { .name = name, .groups = groups_dup(groups), .created_at = T0 };

        memset(hash, tag, sizeof(hash));
        assert_int_equal(srv_store_user_add(f->store, &u, hash), 0);
        srv_strv_free(u.groups);
}

static void add_host(struct fixture *f, const char *id, const char *const *groups, uint8_t tag)
{
        uint8_t hash[SRV_TOKEN_HASH_LEN];
        struct srv_host h = { .id = id, .groups = groups_dup(groups), .created_at = T0 };

        memset(hash, tag, sizeof(hash));
        assert_int_equal(srv_store_host_add(f->store, &h, hash), 0);
        srv_strv_free(h.groups);
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        char path[160], pub[160], err[512];
        EVP_PKEY *key = NULL;

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test_lifecycle_XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(path, sizeof(path), "%s/keys", f->dir);
        assert_int_equal(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/keys/k1.pem", f->dir);
        snprintf(pub, sizeof(pub), "%s/k1.pub", f->dir);
        assert_int_equal(team_key_generate(&key), 0);
        assert_int_equal(team_key_write_pem(key, path, pub), 0);
        EVP_PKEY_free(key);
        snprintf(path, sizeof(path), "%s/keys", f->dir);
        assert_int_equal(srv_signer_load(path, &f->signer, err, sizeof(err)), 0);
        f->store = test_backend_open(f->dir);
        assert_int_equal(srv_policy_load_string(policy_text, "policy", &f->policy, err, sizeof(err)), 0);
        assert_int_equal(lc_new(f->store, f->policy, f->signer, &f->lc), 0);
        assert_int_equal(lc_set_notify(f->lc, on_notice, f), 0);
        srv_clock_set_fixed(T0);
        add_user(f, "alice", g_dev, 1);
        add_user(f, "bob", g_devsre, 2);
        add_user(f, "carol", g_sre, 3);
        add_user(f, "dave", g_dev, 4);
        add_user(f, "oscar", g_oncall, 5);
        add_host(f, "web1", g_web, 6);
        add_host(f, "db1", g_db, 7);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[128];

        lc_free(f->lc);
        srv_policy_free(f->policy);
        srv_signer_free(f->signer);
        srv_store_close(f->store);
        test_backend_drop(f->dir);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        srv_clock_set_fixed(0);
        free(f);
        return 0;
}

/* Files a request; returns its id (static buffer per call site is enough). */
static int file_req(struct fixture *f, const struct lc_caller *who, const char *role, const char *host,
                    int64_t duration, const char *ticket, int64_t start_at, char id[SRV_ID_LEN + 1])
{
        struct lc_new_request in = { .role = role, .host = host, .duration = duration, .reason = "deploy fix",
                                     .ticket = ticket, .start_at = start_at };
        struct srv_request r;
        char msg[LC_MSG_MAX];
        int ret;

        if (who->kind == LC_CALLER_HOST)
                in.user = "alice";
        ret = lc_request_create(f->lc, who, &in, &r, msg, sizeof(msg));
        if (ret == 0) {
                if (id)
                        snprintf(id, SRV_ID_LEN + 1, "%s", r.id);
                srv_request_clear(&r);
        }
        return ret;
}

static int decide(struct fixture *f, const struct lc_caller *who, const char *id, bool approve)
{
        struct srv_request r;
        char msg[LC_MSG_MAX];
        int ret = lc_decide(f->lc, who, id, approve, "ok", &r, msg, sizeof(msg));

        srv_request_clear(&r);
        return ret;
}

static enum lc_status status_of(struct fixture *f, const char *id, struct srv_request *keep)
{
        struct srv_request r;
        char msg[LC_MSG_MAX];
        enum lc_status st;

        assert_int_equal(lc_request_get(f->lc, &alice, id, &r, msg, sizeof(msg)), 0);
        st = lc_request_status(&r, srv_now());
        if (keep)
                *keep = r;
        else
                srv_request_clear(&r);
        return st;
}

/* ticket: the tkt claim the grant must carry (NULL: none). */
static void verify_jws(struct fixture *f, const char *jws, const char *sub, const char *host, const char *ticket)
{
        struct team_keyring *kr = team_keyring_new();
        const struct srv_public_key *keys;
        struct team_jws_policy pol = { .now = srv_now(), .host_id = host, .expect_sub = sub };
        struct team_grant g = { 0 };
        size_t n;

        keys = signer_public_keys(f->signer, &n);
        assert_int_equal(n, 1);
        assert_int_equal(team_keyring_add_pem(kr, keys[0].kid, keys[0].pem, strlen(keys[0].pem)), 0);
        assert_int_equal(team_jws_verify(jws, strlen(jws), kr, &pol, &g), TEAM_JWS_OK);
        if (ticket)
                assert_string_equal(g.tkt, ticket);
        else
                assert_null(g.tkt);
        team_grant_clear(&g);
        team_keyring_free(kr);
}

static void test_quorum(void **state)
{
        struct fixture *f = *state;
        char id[SRV_ID_LEN + 1];
        struct srv_request r;
        struct json_object *o, *a;

        assert_int_equal(file_req(f, &alice, "quorum", "web1", 3600, NULL, 0, id), 0);
        assert_int_equal(decide(f, &bob, id, true), 0);
        assert_int_equal(status_of(f, id, &r), LC_STATUS_PENDING);
        o = lc_request_to_json(f->lc, &r);
        assert_true(json_object_object_get_ex(o, "approvers", &a));
        assert_int_equal(json_object_array_length(a), 1);   /* carol; bob decided, alice asked */
        assert_string_equal(json_object_get_string(json_object_array_get_idx(a, 0)), "carol");
        json_object_put(o);
        srv_request_clear(&r);
        assert_int_equal(decide(f, &bob, id, true), -EBUSY);   /* once per person */
        assert_int_equal(decide(f, &carol, id, true), 0);
        assert_int_equal(status_of(f, id, &r), LC_STATUS_ACTIVE);
        assert_non_null(r.grant);
        assert_int_equal(r.grant->nbf, T0);
        assert_int_equal(r.grant->exp, T0 + 3600);
        verify_jws(f, r.grant->jws, "alice", "web1", NULL);
        o = lc_request_to_json(f->lc, &r);
        assert_string_equal(json_object_get_string(json_object_object_get(o, "status")), "active");
        assert_int_equal(json_object_array_length(json_object_object_get(o, "decisions")), 2);
        json_object_put(o);
        srv_request_clear(&r);
        assert_int_equal(f->events[LC_EVENT_GRANT_ISSUED], 1);
        assert_int_equal(f->events[LC_EVENT_REQUEST_DECIDED], 2);
}

static void test_self_and_non_approver(void **state)
{
        struct fixture *f = *state;
        char id[SRV_ID_LEN + 1];

        assert_int_equal(file_req(f, &bob, "quorum", "web1", 600, NULL, 0, id), 0);
        assert_int_equal(decide(f, &bob, id, true), -EPERM);     /* self-approval */
        assert_int_equal(decide(f, &dave, id, true), -EPERM);    /* not an approver */
        assert_int_equal(decide(f, &web1, id, true), -EPERM);    /* host token */
        assert_int_equal(decide(f, &carol, "r_0000000000000000", true), -ENOENT);
        assert_int_equal(decide(f, &carol, "x'; --", true), -ENOENT);
}

static void test_deny(void **state)
{
        struct fixture *f = *state;
        char id[SRV_ID_LEN + 1];

        assert_int_equal(file_req(f, &alice, "quorum", "web1", 600, NULL, 0, id), 0);
        assert_int_equal(decide(f, &bob, id, false), 0);
        assert_int_equal(status_of(f, id, NULL), LC_STATUS_DENIED);
        assert_int_equal(decide(f, &carol, id, true), -EBUSY);
        assert_int_equal(file_req(f, &alice, "deny2", "web1", 600, NULL, 0, id), 0);
        assert_int_equal(decide(f, &bob, id, false), 0);
        assert_int_equal(status_of(f, id, NULL), LC_STATUS_PENDING);
        assert_int_equal(decide(f, &carol, id, false), 0);
        assert_int_equal(status_of(f, id, NULL), LC_STATUS_DENIED);
}

static void test_cancel(void **state)
{
        struct fixture *f = *state;
        char id[SRV_ID_LEN + 1], msg[LC_MSG_MAX];
        struct srv_request r;

        assert_int_equal(file_req(f, &alice, "quorum", "web1", 600, NULL, 0, id), 0);
        assert_int_equal(lc_cancel(f->lc, &dave, id, &r, msg, sizeof(msg)), -EPERM);
        assert_int_equal(lc_cancel(f->lc, &bob, id, &r, msg, sizeof(msg)), -EPERM);
        assert_int_equal(lc_cancel(f->lc, &alice, id, &r, msg, sizeof(msg)), 0);
        assert_int_equal(lc_request_status(&r, srv_now()), LC_STATUS_CANCELLED);
        srv_request_clear(&r);
        assert_int_equal(lc_cancel(f->lc, &alice, id, &r, msg, sizeof(msg)), -EBUSY);
        assert_int_equal(decide(f, &bob, id, true), -EBUSY);
}

static void test_ttl_expiry(void **state)
{
        struct fixture *f = *state;
        char id[SRV_ID_LEN + 1];
        struct srv_audit_record *a = NULL;
        struct srv_request r;
        size_t n = 0;

        assert_int_equal(file_req(f, &alice, "quorum", "web1", 600, NULL, 0, id), 0);
        srv_clock_set_fixed(T0 + 3599);
        assert_int_equal(status_of(f, id, NULL), LC_STATUS_PENDING);
        srv_clock_set_fixed(T0 + 3600);
        assert_int_equal(status_of(f, id, &r), LC_STATUS_EXPIRED);
        assert_int_equal(r.state, SRV_REQ_EXPIRED);
        srv_request_clear(&r);
        assert_int_equal(decide(f, &bob, id, true), -EBUSY);
        assert_int_equal(f->events[LC_EVENT_REQUEST_EXPIRED], 1);
        assert_int_equal(srv_store_audit_list(f->store, id, &a, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(a[0].event, "RequestCreated");
        assert_string_equal(a[1].event, "RequestExpired");
        srv_audit_list_free(a, n);
}

static void test_start_at(void **state)
{
        struct fixture *f = *state;
        char id[SRV_ID_LEN + 1];

        assert_int_equal(file_req(f, &alice, "quorum", "web1", 600, NULL, T0 + 900, id), 0);
        assert_int_equal(decide(f, &bob, id, true), 0);
        assert_int_equal(decide(f, &carol, id, true), 0);
        assert_int_equal(status_of(f, id, NULL), LC_STATUS_APPROVED);
        srv_clock_set_fixed(T0 + 900);
        assert_int_equal(status_of(f, id, NULL), LC_STATUS_ACTIVE);
        srv_clock_set_fixed(T0 + 1500);
        assert_int_equal(status_of(f, id, NULL), LC_STATUS_EXPIRED);
}

static void test_extend(void **state)
{
        struct fixture *f = *state;
        char id[SRV_ID_LEN + 1], gid[SRV_ID_LEN + 1], msg[LC_MSG_MAX];
        struct srv_request r;

        assert_int_equal(file_req(f, &alice, "sudo", "web1", 3600, NULL, 0, id), 0);
        assert_int_equal(decide(f, &bob, id, true), 0);
        assert_int_equal(status_of(f, id, &r), LC_STATUS_ACTIVE);
        snprintf(gid, sizeof(gid), "%s", r.grant->id);
        srv_request_clear(&r);
        srv_clock_set_fixed(T0 + 3000);
        assert_int_equal(lc_extend(f->lc, &dave, gid, 1800, "more", &r, msg, sizeof(msg)), -EPERM);
        assert_int_equal(lc_extend(f->lc, &alice, gid, 1800, "more", &r, msg, sizeof(msg)), 0);
        assert_string_equal(r.extends, gid);
        snprintf(id, sizeof(id), "%s", r.id);
        srv_request_clear(&r);
        assert_int_equal(lc_extend(f->lc, &alice, gid, 1800, "again", &r, msg, sizeof(msg)), -EBUSY);
        assert_int_equal(decide(f, &bob, id, true), 0);
        assert_int_equal(status_of(f, id, &r), LC_STATUS_APPROVED);
        assert_int_equal(r.grant->nbf, T0 + 3600);      /* no gap, no overlap */
        assert_int_equal(r.grant->exp, T0 + 3600 + 1800);
        srv_request_clear(&r);
        srv_clock_set_fixed(T0 + 3600);
        assert_int_equal(status_of(f, id, NULL), LC_STATUS_ACTIVE);
        srv_clock_set_fixed(T0 + 7200);
        assert_int_equal(lc_extend(f->lc, &alice, gid, 1800, "late", &r, msg, sizeof(msg)), -EBUSY);
}

static void test_revoke_cascade(void **state)
{
        struct fixture *f = *state;
        char id[SRV_ID_LEN + 1], id2[SRV_ID_LEN + 1], gid[SRV_ID_LEN + 1], msg[LC_MSG_MAX];
        struct srv_request r;
        int64_t at = 0;

        assert_int_equal(file_req(f, &alice, "sudo", "web1", 3600, NULL, 0, id), 0);
        assert_int_equal(decide(f, &bob, id, true), 0);
        assert_int_equal(status_of(f, id, &r), LC_STATUS_ACTIVE);
        snprintf(gid, sizeof(gid), "%s", r.grant->id);
        srv_request_clear(&r);
        assert_int_equal(lc_extend(f->lc, &alice, gid, 600, "more", &r, msg, sizeof(msg)), 0);
        snprintf(id2, sizeof(id2), "%s", r.id);
        srv_request_clear(&r);
        assert_int_equal(decide(f, &bob, id2, true), 0);
        assert_int_equal(status_of(f, id2, NULL), LC_STATUS_APPROVED);
        assert_int_equal(lc_revoke(f->lc, &bob, gid, "stop", &at, msg, sizeof(msg)), 0);
        assert_int_equal(status_of(f, id, NULL), LC_STATUS_REVOKED);
        assert_int_equal(status_of(f, id2, NULL), LC_STATUS_REVOKED);   /* the follow-on went too */
        assert_int_equal(f->events[LC_EVENT_GRANT_REVOKED], 2);
        /* a pending extension is cancelled */
        assert_int_equal(file_req(f, &alice, "sudo", "web1", 3600, NULL, 0, id), 0);
        assert_int_equal(decide(f, &bob, id, true), 0);
        assert_int_equal(status_of(f, id, &r), LC_STATUS_ACTIVE);
        snprintf(gid, sizeof(gid), "%s", r.grant->id);
        srv_request_clear(&r);
        assert_int_equal(lc_extend(f->lc, &alice, gid, 600, "more", &r, msg, sizeof(msg)), 0);
        snprintf(id2, sizeof(id2), "%s", r.id);
        srv_request_clear(&r);
        assert_int_equal(lc_revoke(f->lc, &alice, gid, "done early", &at, msg, sizeof(msg)), 0);
        assert_int_equal(status_of(f, id2, NULL), LC_STATUS_CANCELLED);
}

static size_t feed(struct fixture *f, const struct lc_caller *who, const char *cursor, char *next,
                   size_t *n_revoked)
{
        struct json_object *o = NULL;
        char msg[LC_MSG_MAX];
        size_t n = 0;

        assert_int_equal(lc_feed_since(f->lc, who, who->name, cursor, &o, &n, msg, sizeof(msg)), 0);
        snprintf(next, 32, "%s", json_object_get_string(json_object_object_get(o, "cursor")));
        *n_revoked = json_object_array_length(json_object_object_get(o, "revoked"));
        json_object_put(o);
        return n;
}

static void test_revoke_feed(void **state)
{
        struct fixture *f = *state;
        char id[SRV_ID_LEN + 1], gid[SRV_ID_LEN + 1], msg[LC_MSG_MAX], c1[32], c2[32], c3[32];
        struct json_object *o = NULL;
        struct srv_request r;
        size_t n, revoked;
        int64_t at = 0;

        assert_int_equal(file_req(f, &alice, "sudo", "web1", 3600, NULL, 0, id), 0);
        assert_int_equal(decide(f, &bob, id, true), 0);
        assert_int_equal(status_of(f, id, &r), LC_STATUS_ACTIVE);
        snprintf(gid, sizeof(gid), "%s", r.grant->id);
        srv_request_clear(&r);
        assert_int_equal(feed(f, &web1, "", c1, &revoked), 1);
        assert_int_equal(revoked, 0);
        assert_int_equal(feed(f, &db1, "", c2, &revoked), 0);   /* not db1's grant */
        assert_int_equal(lc_feed_since(f->lc, &db1, "web1", "", &o, &n, msg, sizeof(msg)), -EPERM);
        assert_int_equal(lc_feed_since(f->lc, &alice, "web1", "", &o, &n, msg, sizeof(msg)), -EPERM);
        assert_int_equal(lc_feed_since(f->lc, &web1, "web1", "12x", &o, &n, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(lc_feed_since(f->lc, &web1, "web1", "999", &o, &n, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(lc_revoke(f->lc, &dave, gid, "no", &at, msg, sizeof(msg)), -EPERM);
        assert_int_equal(lc_revoke(f->lc, &web1, gid, "no", &at, msg, sizeof(msg)), -EPERM);
        assert_int_equal(lc_revoke(f->lc, &carol, gid, "incident over", &at, msg, sizeof(msg)), 0);
        assert_int_equal(at, T0);
        assert_int_equal(lc_revoke(f->lc, &carol, gid, "again", &at, msg, sizeof(msg)), -EBUSY);
        assert_int_equal(status_of(f, id, NULL), LC_STATUS_REVOKED);
        assert_int_equal(feed(f, &web1, c1, c2, &revoked), 1);
        assert_int_equal(revoked, 1);
        assert_int_equal(feed(f, &web1, c2, c3, &revoked), 0);   /* replay: nothing new */
        assert_string_equal(c2, c3);
        /* A host syncing from the start never sees the revoked grant, only
         * its revocation. */
        assert_int_equal(feed(f, &web1, "", c3, &revoked), 1);
        assert_int_equal(revoked, 1);
        assert_string_equal(c2, c3);
        assert_int_equal(f->events[LC_EVENT_GRANT_REVOKED], 1);
}

static void test_auto_approve(void **state)
{
        struct fixture *f = *state;
        char id[SRV_ID_LEN + 1];
        struct srv_request r;

        assert_int_equal(file_req(f, &oscar, "sudo", "web1", 600, NULL, 0, id), 0);
        assert_int_equal(lc_request_get(f->lc, &oscar, id, &r, (char[LC_MSG_MAX]){ 0 }, LC_MSG_MAX), 0);
        assert_int_equal(lc_request_status(&r, srv_now()), LC_STATUS_ACTIVE);
        assert_int_equal(r.n_decisions, 0);
        assert_non_null(r.grant);
        srv_request_clear(&r);
}

static void test_policy_checks(void **state)
{
        struct fixture *f = *state;
        char id[SRV_ID_LEN + 1];
        struct srv_request r;

        assert_int_equal(file_req(f, &alice, "ticket", "web1", 600, NULL, 0, id), -EINVAL);
        assert_int_equal(file_req(f, &alice, "ticket", "web1", 600, "CHG-1", 0, id), -EINVAL);
        assert_int_equal(file_req(f, &alice, "ticket", "web1", 600, "INC-12", 0, id), 0);
        /* The request's ticket is the grant's tkt claim. */
        assert_int_equal(decide(f, &bob, id, true), 0);
        assert_int_equal(status_of(f, id, &r), LC_STATUS_ACTIVE);
        verify_jws(f, r.grant->jws, "alice", "web1", "INC-12");
        srv_request_clear(&r);
        assert_int_equal(file_req(f, &carol, "sudo", "web1", 600, NULL, 0, id), -EPERM);   /* requester_groups */
        assert_int_equal(file_req(f, &alice, "sudo", "db1", 600, NULL, 0, id), -EPERM);    /* host_groups */
        assert_int_equal(file_req(f, &alice, "sudo", "web", 600, NULL, 0, id), 0);         /* a group */
        assert_int_equal(file_req(f, &alice, "quorum", "nohost", 600, NULL, 0, id), -EINVAL);
        assert_int_equal(file_req(f, &alice, "sudo", "web1", 5 * 3600, NULL, 0, id), -EINVAL);
        assert_int_equal(file_req(f, &alice, "sudo", "web1", 0, NULL, 0, id), -EINVAL);
        assert_int_equal(file_req(f, &alice, "nope", "web1", 600, NULL, 0, id), -EINVAL);
}

static void test_host_filing(void **state)
{
        struct fixture *f = *state;
        struct lc_new_request in = { .role = "quorum", .host = "web1", .duration = 60, .reason = "x",
                                     .user = "bob" };
        char id[SRV_ID_LEN + 1], msg[LC_MSG_MAX];
        struct srv_request r;

        assert_int_equal(file_req(f, &web1, "quorum", "web1", 600, NULL, 0, id), 0);
        assert_int_equal(lc_request_get(f->lc, &web1, id, &r, msg, sizeof(msg)), 0);
        assert_string_equal(r.filed_by, "host:web1");
        assert_string_equal(r.user, "alice");
        srv_request_clear(&r);
        assert_int_equal(lc_request_get(f->lc, &db1, id, &r, msg, sizeof(msg)), -EPERM);
        assert_int_equal(lc_request_get(f->lc, &dave, id, &r, msg, sizeof(msg)), -EPERM);
        assert_int_equal(file_req(f, &db1, "quorum", "web1", 600, NULL, 0, id), -EPERM);
        assert_int_equal(lc_request_create(f->lc, &alice, &in, &r, msg, sizeof(msg)), -EPERM);
}

static void test_metacharacters(void **state)
{
        struct fixture *f = *state;
        static const char evil[] = "'; DROP TABLE requests; -- \" %s \\";
        struct lc_new_request in = { .role = "quorum", .host = "web1", .duration = 60, .reason = evil,
                                     .ticket = evil };
        char msg[LC_MSG_MAX];
        struct srv_request r, *list = NULL;
        struct lc_list_query q = { 0 };
        size_t n = 0;

        assert_int_equal(lc_request_create(f->lc, &alice, &in, &r, msg, sizeof(msg)), 0);
        assert_string_equal(r.reason, evil);
        assert_string_equal(r.ticket, evil);
        srv_request_clear(&r);
        in.host = "web1'--";
        assert_int_equal(lc_request_create(f->lc, &alice, &in, &r, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(lc_request_list(f->lc, &alice, &q, &list, &n, msg, sizeof(msg)), 0);
        assert_int_equal(n, 1);
        srv_request_list_free(list, n);
}

static void test_list(void **state)
{
        struct fixture *f = *state;
        struct lc_list_query q = { .has_status = true, .status = LC_STATUS_PENDING };
        char id[SRV_ID_LEN + 1], msg[LC_MSG_MAX];
        struct srv_request *list = NULL;
        size_t n = 0;

        assert_int_equal(file_req(f, &alice, "quorum", "web1", 600, NULL, 0, id), 0);
        assert_int_equal(file_req(f, &dave, "quorum", "web1", 600, NULL, 0, NULL), 0);
        assert_int_equal(lc_request_list(f->lc, &alice, &q, &list, &n, msg, sizeof(msg)), 0);
        assert_int_equal(n, 1);   /* her own */
        srv_request_list_free(list, n);
        assert_int_equal(lc_request_list(f->lc, &carol, &q, &list, &n, msg, sizeof(msg)), 0);
        assert_int_equal(n, 2);   /* may approve both */
        srv_request_list_free(list, n);
        q.mine = true;
        assert_int_equal(lc_request_list(f->lc, &carol, &q, &list, &n, msg, sizeof(msg)), 0);
        assert_int_equal(n, 0);
        srv_request_list_free(list, n);
        assert_int_equal(decide(f, &bob, id, false), 0);
        q = (struct lc_list_query){ .has_status = true, .status = LC_STATUS_DENIED };
        assert_int_equal(lc_request_list(f->lc, &alice, &q, &list, &n, msg, sizeof(msg)), 0);
        assert_int_equal(n, 1);
        srv_request_list_free(list, n);
}

/* ---- two instances on one database ---- */

struct racer {
        struct lc *lc;
        const struct lc_caller *who;
        const char *id;
        bool cancel;                  /* cancel instead of approving */
        pthread_barrier_t *start;
        int ret;
};

static void *race_main(void *arg)
{
        struct racer *x = arg;
        struct srv_request r;
        char msg[LC_MSG_MAX];

        pthread_barrier_wait(x->start);
        x->ret = x->cancel ? lc_cancel(x->lc, x->who, x->id, &r, msg, sizeof(msg))
                           : lc_decide(x->lc, x->who, x->id, true, NULL, &r, msg, sizeof(msg));
        srv_request_clear(&r);
        return NULL;
}

/* Runs a and b at the same moment, each on its own instance. */
static void race(struct racer *a, struct racer *b)
{
        pthread_barrier_t start;
        pthread_t ta, tb;

        assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
        a->start = b->start = &start;
        assert_int_equal(pthread_create(&ta, NULL, race_main, a), 0);
        assert_int_equal(pthread_create(&tb, NULL, race_main, b), 0);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        pthread_barrier_destroy(&start);
}

#define RACE_ROUNDS 25

/* A second store and lifecycle on the same database stand for a second
 * team-server instance: the two approvers of a quorum decide at once on
 * two instances, RACE_ROUNDS times: exactly one grant each time. Then a
 * cancel on one instance races an approval on the other: exactly one
 * wins, and the request ends in the winner's state. */
static void test_two_instances(void **state)
{
        struct fixture *f = *state;
        struct srv_store *store_b = test_backend_open(f->dir);
        struct lc *lc_b = NULL;
        uint64_t grants = 0, before = 0;

        assert_int_equal(lc_new(store_b, f->policy, f->signer, &lc_b), 0);
        assert_int_equal(srv_store_grant_count(f->store, &before), 0);
        for (int i = 0; i < RACE_ROUNDS; i++) {
                char id[SRV_ID_LEN + 1];
                struct racer a = { .lc = f->lc, .who = &bob, .id = id }, b = { .lc = lc_b, .who = &carol, .id = id };
                struct srv_request r;

                assert_int_equal(file_req(f, &alice, "quorum", "web1", 600, NULL, 0, id), 0);
                race(&a, &b);
                assert_int_equal(a.ret, 0);
                assert_int_equal(b.ret, 0);
                assert_int_equal(status_of(f, id, &r), LC_STATUS_ACTIVE);
                assert_int_equal(r.n_decisions, 2);
                assert_non_null(r.grant);
                srv_request_clear(&r);
        }
        assert_int_equal(srv_store_grant_count(f->store, &grants), 0);
        assert_int_equal(grants - before, RACE_ROUNDS);
        for (int i = 0; i < RACE_ROUNDS; i++) {
                char id[SRV_ID_LEN + 1];
                struct racer a = { .lc = f->lc, .who = &alice, .id = id, .cancel = true },
                             b = { .lc = lc_b, .who = &carol, .id = id };
                enum lc_status st;

                assert_int_equal(file_req(f, &alice, "sudo", "web1", 600, NULL, 0, id), 0);
                race(&a, &b);
                assert_true((a.ret == 0) != (b.ret == 0));
                assert_int_equal(a.ret == 0 ? b.ret : a.ret, -EBUSY);
                st = status_of(f, id, NULL);
                assert_int_equal(st, a.ret == 0 ? LC_STATUS_CANCELLED : LC_STATUS_ACTIVE);
        }
        lc_free(lc_b);
        srv_store_close(store_b);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        const struct CMUnitTest tests[] = {
                T(test_quorum),       T(test_self_and_non_approver), T(test_deny),
                T(test_cancel),       T(test_ttl_expiry),            T(test_start_at),
                T(test_extend),       T(test_revoke_feed),           T(test_revoke_cascade),           T(test_auto_approve),
                T(test_policy_checks), T(test_host_filing),          T(test_metacharacters),
                T(test_list),         T(test_two_instances),
        };
#undef T
        return cmocka_run_group_tests(tests, NULL, NULL);
}
