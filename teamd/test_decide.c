/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the check decision (decide.c) with a fixed now. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "decide.h"

#define NOW INT64_C(1800000000)

static char *aud_h1[] = { "h1" };
static char *aud_grp[] = { "web", "other" };
static char *aud_h2[] = { "h2" };

/* char *, like the store's rows: the tests pass literals. */
static struct grant_row row(char *id, char *sub, char *role, char **aud, size_t n_aud, int64_t nbf, int64_t exp)
{
        return (struct grant_row){
                .id = id, .sub = sub, .role = role, .aud = aud, .n_aud = n_aud,
                .nbf = nbf, .exp = exp, .iat = nbf, .req = "req-1",
        };
}

static const char *const groups[] = { "web" };

static struct decide_input input(const struct grant_row *rows, size_t n)
{
        return (struct decide_input){
                .user = "alice", .role = "sudo", .host_id = "h1", .host_groups = groups, .n_host_groups = 1,
                .now = NOW, .clock_skew = 60, .api_state = TEAM_API_UNCONFIGURED, .rows = rows, .n_rows = n,
        };
}

static void active_allows_and_latest_exp_wins(void **state)
{
        struct grant_row rows[] = {
                row("g1", "alice", "sudo", aud_h1, 1, NOW - 100, NOW + 100),
                row("g2", "alice", "sudo", aud_grp, 2, NOW - 100, NOW + 900),
        };
        struct decide_input in = input(rows, 2);
        struct decide_result res;

        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_ALLOW);
        assert_int_equal(res.rule, DECIDE_ACTIVE);
        assert_string_equal(res.grant->id, "g2");
        assert_false(res.fail_open);
}

static void clock_skew_widens_nbf_not_exp(void **state)
{
        struct grant_row early[] = { row("g1", "alice", "sudo", aud_h1, 1, NOW + 30, NOW + 3600) };
        struct grant_row ended[] = { row("g1", "alice", "sudo", aud_h1, 1, NOW - 3600, NOW) };
        struct decide_input in = input(early, 1);
        struct decide_result res;

        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_ALLOW);
        in = input(ended, 1);
        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_DENY);
        assert_int_equal(res.rule, DECIDE_EXPIRED);
        assert_non_null(strstr(res.reason, "expired at"));
        assert_non_null(strstr(res.reason, "teamctl request sudo"));
}

static void future_grant_denies_with_start_time(void **state)
{
        struct grant_row rows[] = { row("g9", "alice", "sudo", aud_h1, 1, NOW + 3600, NOW + 7200) };
        struct decide_input in = input(rows, 1);
        struct decide_result res;

        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_DENY);
        assert_int_equal(res.rule, DECIDE_FUTURE);
        assert_non_null(strstr(res.reason, "g9"));
        assert_non_null(strstr(res.reason, "starts at 2027-01-15"));
}

static void other_host_user_or_role_do_not_count(void **state)
{
        struct grant_row rows[] = {
                row("g1", "alice", "sudo", aud_h2, 1, NOW - 10, NOW + 100),
                row("g2", "bob", "sudo", aud_h1, 1, NOW - 10, NOW + 100),
                row("g3", "alice", "ssh", aud_h1, 1, NOW - 10, NOW + 100),
        };
        struct decide_input in = input(rows, 3);
        struct decide_result res;

        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_DENY);
        assert_int_equal(res.rule, DECIDE_NO_GRANT);
        assert_non_null(strstr(res.reason, "no grant for sudo on h1"));
        assert_non_null(strstr(res.reason, "teamctl request sudo --for 1h"));
}

static void fail_open_only_when_everything_holds(void **state)
{
        struct grant_row other_host[] = { row("g1", "alice", "sudo", aud_h2, 1, NOW - 10, NOW + 100) };
        struct decide_input in = input(NULL, 0);
        struct decide_result res;

        in.failmode_safe = true;
        in.api_state = TEAM_API_UNREACHABLE;
        in.api_since = NOW - 5;
        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_ALLOW);
        assert_int_equal(res.rule, DECIDE_FAIL_OPEN);
        assert_true(res.fail_open);
        assert_null(res.grant);

        in.failmode_safe = false; /* failmode=secure */
        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_DENY);

        in.failmode_safe = true;
        in.api_state = TEAM_API_REACHABLE;
        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_DENY);

        in.api_state = TEAM_API_UNCONFIGURED; /* air-gapped: never */
        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_DENY);

        in.api_state = TEAM_API_UNREACHABLE;
        in.api_since = 0; /* not probed yet */
        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_DENY);

        /* Any row for user+role is an answer, even one for another host. */
        in = input(other_host, 1);
        in.failmode_safe = true;
        in.api_state = TEAM_API_UNREACHABLE;
        in.api_since = NOW - 5;
        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_DENY);
}

static void expired_or_future_grant_blocks_fail_open(void **state)
{
        struct grant_row ended[] = { row("g1", "alice", "sudo", aud_h1, 1, NOW - 7200, NOW - 3600) };
        struct grant_row later[] = { row("g2", "alice", "sudo", aud_h1, 1, NOW + 7200, NOW + 9600) };
        struct decide_input in = input(ended, 1);
        struct decide_result res;

        in.failmode_safe = true;
        in.api_state = TEAM_API_UNREACHABLE;
        in.api_since = NOW - 5;
        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_DENY);
        assert_int_equal(res.rule, DECIDE_EXPIRED);
        in.rows = later;
        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_DENY);
        assert_int_equal(res.rule, DECIDE_FUTURE);
}

static void exempt_allows_only_without_an_active_grant(void **state)
{
        struct grant_row active[] = { row("g1", "alice", "sudo", aud_h1, 1, NOW - 100, NOW + 100) };
        struct grant_row ended[] = { row("g2", "alice", "sudo", aud_h1, 1, NOW - 3600, NOW - 60) };
        struct decide_input in = input(NULL, 0);
        struct decide_result res;

        in.exempt = true;
        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_ALLOW);
        assert_int_equal(res.rule, DECIDE_EXEMPT);
        assert_true(res.exempt);
        assert_false(res.fail_open);
        assert_null(res.grant);
        in.rows = ended;
        in.n_rows = 1;
        decide(&in, &res);
        assert_int_equal(res.rule, DECIDE_EXEMPT);
        in.rows = active;
        decide(&in, &res);
        assert_int_equal(res.rule, DECIDE_ACTIVE);
        assert_false(res.exempt);
        in.exempt = false;
        in.rows = NULL;
        in.n_rows = 0;
        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_DENY);
}

/* A refusal (401/403/4xx: the API said no) is never an outage; a
 * revocation is a cached "no"; and an outage opens only once it has
 * lasted fail_open_after. */
static void refusal_revocation_and_short_outage_block_fail_open(void **state)
{
        struct decide_input in = input(NULL, 0);
        struct decide_result res;

        in.failmode_safe = true;
        in.api_state = TEAM_API_FAILING;
        in.api_since = NOW - 3600;
        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_DENY);
        assert_false(res.fail_open);

        in.api_state = TEAM_API_UNREACHABLE;
        in.revoked = true;
        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_DENY);
        assert_int_equal(res.rule, DECIDE_NO_GRANT);

        in.revoked = false;
        in.fail_open_after = 60;
        in.api_since = NOW - 59;
        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_DENY);
        in.api_since = NOW - 60;
        decide(&in, &res);
        assert_int_equal(res.decision, TEAM_DECISION_ALLOW);
        assert_true(res.fail_open);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(active_allows_and_latest_exp_wins),
                cmocka_unit_test(clock_skew_widens_nbf_not_exp),
                cmocka_unit_test(future_grant_denies_with_start_time),
                cmocka_unit_test(other_host_user_or_role_do_not_count),
                cmocka_unit_test(fail_open_only_when_everything_holds),
                cmocka_unit_test(expired_or_future_grant_blocks_fail_open),
                cmocka_unit_test(exempt_allows_only_without_an_active_grant),
                cmocka_unit_test(refusal_revocation_and_short_outage_block_fail_open),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
