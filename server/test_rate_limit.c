/* SPDX-License-Identifier: BSD-3-Clause */
/* rate_limit.c: burst, refill, Retry-After seconds, independent keys,
 * and the bound on tracked keys. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "rate_limit.h"

static void test_burst_and_refill(void **state)
{
        struct rate_limit *rl;
        uint64_t t = 1000000;

        (void)state;
        assert_int_equal(rate_limit_new(6, &rl), 0);    /* 6 a minute: one every 10 s */
        for (int i = 0; i < 6; i++)
                assert_int_equal(rate_limit_take(rl, "user:alice", t), 0);
        assert_int_equal(rate_limit_take(rl, "user:alice", t), 10);
        assert_int_equal(rate_limit_take(rl, "user:bob", t), 0);       /* another identity */
        assert_int_equal(rate_limit_take(rl, "user:alice", t + 4000), 6);
        assert_int_equal(rate_limit_take(rl, "user:alice", t + 10000), 0);
        assert_int_equal(rate_limit_take(rl, "user:alice", t + 10000), 10);
        /* A minute refills the whole bucket, no more. */
        for (int i = 0; i < 6; i++)
                assert_int_equal(rate_limit_take(rl, "user:alice", t + 600000), 0);
        assert_true(rate_limit_take(rl, "user:alice", t + 600000) > 0);
        rate_limit_free(rl);
        assert_int_equal(rate_limit_new(0, &rl), -EINVAL);
}

static void test_many_keys(void **state)
{
        struct rate_limit *rl;
        char key[32];

        (void)state;
        assert_int_equal(rate_limit_new(1, &rl), 0);
        assert_int_equal(rate_limit_take(rl, "host:busy", 0), 0);
        /* More keys than tracked: old ones are dropped, the table stays bounded. */
        for (unsigned i = 0; i < RATE_LIMIT_MAX_KEYS + 100; i++) {
                snprintf(key, sizeof(key), "user:u%u", i);
                assert_int_equal(rate_limit_take(rl, key, 1), 0);
        }
        assert_true(rate_limit_take(rl, "user:u1", 2) <= 60);
        rate_limit_free(rl);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_burst_and_refill),
                cmocka_unit_test(test_many_keys),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
