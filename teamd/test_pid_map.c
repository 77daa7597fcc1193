/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the pid -> (parent, session slot) map that follows the
 * processes of recorded sessions (teamd/pid_map.c): put, get, replace and
 * delete, removal of a whole slot, growth past many thousands of entries,
 * reuse of deleted entries without unbounded growth, and the pids it
 * refuses (0 and the negative ones it uses as markers). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pid_map.h"

static void test_put_get_del(void **state)
{
        struct pid_map m = { 0 };
        const struct pid_entry *e;
        struct pid_entry old;

        (void)state;
        /* an empty map answers without a table */
        assert_null(pid_map_get(&m, 42));
        assert_false(pid_map_del(&m, 42, NULL));
        pid_map_del_slot(&m, 0);
        assert_int_equal(pid_map_put(&m, 42, 1, 3), 0);
        assert_int_equal(pid_map_put(&m, 43, 42, 3), 0);
        e = pid_map_get(&m, 42);
        assert_non_null(e);
        assert_int_equal(e->pid, 42);
        assert_int_equal(e->ppid, 1);
        assert_int_equal(e->slot, 3);
        e = pid_map_get(&m, 43);
        assert_non_null(e);
        assert_int_equal(e->ppid, 42);
        assert_null(pid_map_get(&m, 44));
        assert_int_equal(m.used, 2);

        assert_true(pid_map_del(&m, 42, &old));
        assert_int_equal(old.pid, 42);
        assert_int_equal(old.ppid, 1);
        assert_int_equal(old.slot, 3);
        assert_null(pid_map_get(&m, 42));
        assert_false(pid_map_del(&m, 42, &old));
        /* the other entry is still found past the deleted one */
        assert_non_null(pid_map_get(&m, 43));
        assert_true(pid_map_del(&m, 43, NULL));
        assert_int_equal(m.used, 0);
        pid_map_free(&m);
        assert_null(m.e);
        assert_int_equal(m.cap, 0);
        /* freeing twice is harmless */
        pid_map_free(&m);
}

static void test_replace(void **state)
{
        struct pid_map m = { 0 };
        const struct pid_entry *e;

        (void)state;
        assert_int_equal(pid_map_put(&m, 100, 1, 1), 0);
        /* an execve or a pid reused: the same pid, new parent and slot */
        assert_int_equal(pid_map_put(&m, 100, 7, 2), 0);
        assert_int_equal(m.used, 1);
        e = pid_map_get(&m, 100);
        assert_non_null(e);
        assert_int_equal(e->ppid, 7);
        assert_int_equal(e->slot, 2);
        /* it left slot 1 */
        pid_map_del_slot(&m, 1);
        assert_non_null(pid_map_get(&m, 100));
        pid_map_del_slot(&m, 2);
        assert_null(pid_map_get(&m, 100));
        assert_int_equal(m.used, 0);
        pid_map_free(&m);
}

static void test_bad_pids(void **state)
{
        struct pid_map m = { 0 };

        (void)state;
        assert_int_equal(pid_map_put(&m, 0, 1, 1), -EINVAL);
        assert_int_equal(pid_map_put(&m, -1, 1, 1), -EINVAL);
        assert_int_equal(pid_map_put(&m, INT32_MIN, 1, 1), -EINVAL);
        assert_int_equal(m.used, 0);
        /* a deleted entry (pid -1 inside) is never an answer */
        assert_int_equal(pid_map_put(&m, 5, 1, 1), 0);
        assert_true(pid_map_del(&m, 5, NULL));
        assert_null(pid_map_get(&m, -1));
        assert_null(pid_map_get(&m, 0));
        assert_false(pid_map_del(&m, -1, NULL));
        assert_false(pid_map_del(&m, 0, NULL));
        assert_int_equal(m.used, 0);
        /* the largest pid is a pid */
        assert_int_equal(pid_map_put(&m, INT32_MAX, 1, 9), 0);
        assert_non_null(pid_map_get(&m, INT32_MAX));
        pid_map_free(&m);
}

/* Many thousands of sessions' processes: every one is still found, and
 * the table stays at most half full. */
static void test_growth(void **state)
{
        enum { N = 200000 };
        struct pid_map m = { 0 };
        const struct pid_entry *e;

        (void)state;
        for (pid_t pid = 1; pid <= N; pid++)
                assert_int_equal(pid_map_put(&m, pid, pid - 1, (uint32_t)pid % 13), 0);
        assert_int_equal(m.used, N);
        assert_true(m.cap >= 2 * m.used);
        assert_int_equal(m.cap & (m.cap - 1), 0);
        for (pid_t pid = 1; pid <= N; pid++) {
                e = pid_map_get(&m, pid);
                assert_non_null(e);
                assert_int_equal(e->pid, pid);
                assert_int_equal(e->ppid, pid - 1);
                assert_int_equal(e->slot, (uint32_t)pid % 13);
        }
        assert_null(pid_map_get(&m, N + 1));

        /* one session ends: its processes go, the others stay */
        pid_map_del_slot(&m, 5);
        for (pid_t pid = 1; pid <= N; pid++) {
                e = pid_map_get(&m, pid);
                if ((uint32_t)pid % 13 == 5)
                        assert_null(e);
                else
                        assert_non_null(e);
        }
        assert_int_equal(m.used + m.dead, N);
        /* spread-out pids (pid_max is 4194304) and a few far apart */
        for (pid_t pid = N + 7; pid < 4194304; pid += 4099)
                assert_int_equal(pid_map_put(&m, pid, 1, 20), 0);
        for (pid_t pid = N + 7; pid < 4194304; pid += 4099)
                assert_non_null(pid_map_get(&m, pid));
        pid_map_free(&m);
}

/* A long-lived session forks and reaps all day: deleted entries are reused
 * or swept, so the table does not grow with the number of pids seen. */
static void test_deleted_reuse(void **state)
{
        enum { LIVE = 20, ROUNDS = 500000 };
        struct pid_map m = { 0 };

        (void)state;
        /* the same pid back in its own deleted entry */
        assert_int_equal(pid_map_put(&m, 77, 1, 1), 0);
        assert_true(pid_map_del(&m, 77, NULL));
        assert_int_equal(m.dead, 1);
        assert_int_equal(pid_map_put(&m, 77, 1, 1), 0);
        assert_int_equal(m.dead, 0);
        assert_int_equal(m.used, 1);
        assert_true(pid_map_del(&m, 77, NULL));

        /* pids go round from 300 up, LIVE of them alive at any time */
        for (pid_t pid = 300; pid < 300 + LIVE; pid++)
                assert_int_equal(pid_map_put(&m, pid, 1, 2), 0);
        for (pid_t pid = 300 + LIVE; pid < 300 + ROUNDS; pid++) {
                assert_int_equal(pid_map_put(&m, pid, pid - 1, 2), 0);
                assert_true(pid_map_del(&m, pid - LIVE, NULL));
                assert_true(m.used + m.dead <= m.cap / 2);
        }
        assert_int_equal(m.used, LIVE);
        assert_true(m.cap <= 256);
        for (pid_t pid = 300 + ROUNDS - LIVE; pid < 300 + ROUNDS; pid++)
                assert_non_null(pid_map_get(&m, pid));
        assert_null(pid_map_get(&m, 300 + ROUNDS - LIVE - 1));
        pid_map_free(&m);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_put_get_del),
                cmocka_unit_test(test_replace),
                cmocka_unit_test(test_bad_pids),
                cmocka_unit_test(test_growth),
                cmocka_unit_test(test_deleted_reuse),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
