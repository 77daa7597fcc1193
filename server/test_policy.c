/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the policy file parser (server/policy.c). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy.h"

static const char good[] =
        "# the roles\n"
        "[role sudo]\n"
        "max_duration = 4h\n"
        "approvals_required = 2\n"
        "denials_required = 1\n"
        "approver_groups = sre, security\n"
        "requester_groups = dev\n"
        "host_groups = web, prod\n"
        "require_reason = yes\n"
        "ticket_pattern = ^(INC|CHG)-[0-9]+$\n"
        "request_ttl = 30m\n"
        "auto_approve_groups = oncall\n"
        "\n"
        "[role db-admin]\n"
        "approver_groups = dba\n"
        "require_reason = no\n";

static void test_good(void **state)
{
        const struct srv_role_policy *rp;
        struct srv_policy *p = NULL;
        char err[512];

        (void)state;
        assert_int_equal(srv_policy_load_string(good, "policy.conf", &p, err, sizeof(err)), 0);
        assert_int_equal(p->n_roles, 2);
        rp = srv_policy_find(p, "sudo");
        assert_non_null(rp);
        assert_int_equal(rp->max_duration, 4 * 3600);
        assert_int_equal(rp->approvals_required, 2);
        assert_int_equal(rp->denials_required, 1);
        assert_string_equal(rp->approver_groups[0], "sre");
        assert_string_equal(rp->approver_groups[1], "security");
        assert_null(rp->approver_groups[2]);
        assert_string_equal(rp->requester_groups[0], "dev");
        assert_string_equal(rp->host_groups[1], "prod");
        assert_string_equal(rp->auto_approve_groups[0], "oncall");
        assert_true(rp->require_reason);
        assert_int_equal(rp->request_ttl, 1800);
        assert_true(srv_policy_ticket_ok(rp, "INC-42"));
        assert_false(srv_policy_ticket_ok(rp, "INC-42x"));
        assert_false(srv_policy_ticket_ok(rp, NULL));
        rp = srv_policy_find(p, "db-admin");
        assert_non_null(rp);
        assert_int_equal(rp->approvals_required, 1);
        assert_int_equal(rp->max_duration, SRV_POLICY_DEFAULT_MAX_DURATION);
        assert_int_equal(rp->request_ttl, SRV_POLICY_DEFAULT_TTL);
        assert_false(rp->require_reason);
        assert_null(rp->requester_groups);
        assert_true(srv_policy_ticket_ok(rp, NULL));
        assert_null(srv_policy_find(p, "nope"));
        srv_policy_free(p);
}

static void expect_error(const char *text, const char *needle)
{
        struct srv_policy *p = NULL;
        char err[512];

        assert_int_equal(srv_policy_load_string(text, "policy.conf", &p, err, sizeof(err)), -EINVAL);
        assert_null(p);
        if (!strstr(err, needle))
                fail_msg("error \"%s\" lacks \"%s\"", err, needle);
}

static void test_unknown_key(void **state)
{
        (void)state;
        expect_error("[role sudo]\napprovers = sre\n", "policy.conf:2: [role sudo] approvers: unknown key");
}

static void test_bad_regex(void **state)
{
        (void)state;
        expect_error("[role sudo]\n\nticket_pattern = ^(INC-[0-9+$\n",
                     "policy.conf:3: [role sudo] ticket_pattern: not a POSIX extended regular expression");
}

/* Patterns that would make glibc's regcomp take gigabytes (found by
 * fuzz_policy) are refused before regcomp; ordinary ones still load. */
static void test_costly_regex(void **state)
{
        struct srv_policy *p = NULL;
        char err[512];

        expect_error("[role a]\nticket_pattern = x+++\n", "stacked repetition");
        expect_error("[role a]\nticket_pattern = (x{200}){2}\n", "bound above 64");
        /* "[:[]" closes at its second ']': the '+' after it are outside */
        expect_error("[role a]\nticket_pattern = [a:[]x+++\n", "stacked repetition");
        expect_error("[role a]\nticket_pattern = [[:alpha:]]x+++\n", "stacked repetition");
        assert_int_equal(srv_policy_load_string("[role a]\nticket_pattern = ^[A-Z]{2,10}-[0-9]{1,8}$\n",
                                                "p.conf", &p, err, sizeof(err)), 0);
        srv_policy_free(p);
        p = NULL;
        assert_int_equal(srv_policy_load_string("[role a]\nticket_pattern = ^[*+]+x?$\n", "p.conf", &p, err,
                                                sizeof(err)), 0);
        srv_policy_free(p);
        p = NULL;
        assert_int_equal(srv_policy_load_string("[role a]\nticket_pattern = ^[]*+[:alpha:]]+x?$\n", "p.conf", &p, err,
                                                sizeof(err)), 0);
        srv_policy_free(p);
}

static void test_bad_duration(void **state)
{
        (void)state;
        expect_error("[role sudo]\nmax_duration = 4 hours\n", "policy.conf:2: [role sudo] max_duration");
        expect_error("[role sudo]\nrequest_ttl = 0\n", "policy.conf:2: [role sudo] request_ttl");
}

static void test_bad_sections(void **state)
{
        (void)state;
        expect_error("[server]\nlisten = x\n", "policy.conf:1: unknown section [server]");
        expect_error("[role bad name]\n", "policy.conf:1: unknown section");
        expect_error("[role a]\n[role a]\n", "policy.conf:2: [role a] given twice");
        expect_error("max_duration = 1h\n[role a]\n", "policy.conf:1:");
        expect_error("[role a]\napprovals_required = 0\n", "approvals_required");
        expect_error("[role a]\napprovals_required = 2\napprovals_required = 3\n", "given twice");
        expect_error("[role a]\nrequire_reason = maybe\n", "require_reason");
        expect_error("[role a]\n[role b]\nfoo = 1\n", "policy.conf:3: [role b] foo: unknown key");
}

/* A role name may use all 64 bytes (inih itself keeps 49 of a header). */
static void test_long_name(void **state)
{
        static const char name[] = "r234567890123456789012345678901234567890123456789012345678901234";
        struct srv_policy *p = NULL;
        char text[128], err[512];

        (void)state;
        snprintf(text, sizeof(text), "[role %s]\nrequest_ttl = 5m\n", name);
        assert_int_equal(srv_policy_load_string(text, "policy.conf", &p, err, sizeof(err)), 0);
        assert_non_null(srv_policy_find(p, name));
        assert_int_equal(srv_policy_find(p, name)->request_ttl, 300);
        srv_policy_free(p);
        snprintf(text, sizeof(text), "[role %sx]\n", name);
        expect_error(text, "policy.conf:1: unknown section");
}

static void test_empty(void **state)
{
        struct srv_policy *p = NULL;
        char err[256];

        (void)state;
        assert_int_equal(srv_policy_load_string("# nothing\n", NULL, &p, err, sizeof(err)), 0);
        assert_int_equal(p->n_roles, 0);
        srv_policy_free(p);
}

static void test_file(void **state)
{
        char path[] = "/tmp/test_policy_XXXXXX";
        struct srv_policy *p = NULL;
        char err[512];
        int fd;

        (void)state;
        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, good, sizeof(good) - 1), (ssize_t)(sizeof(good) - 1));
        close(fd);
        assert_int_equal(srv_policy_load_file(path, &p, err, sizeof(err)), 0);
        assert_int_equal(p->n_roles, 2);
        srv_policy_free(p);
        unlink(path);
        assert_int_equal(srv_policy_load_file(path, &p, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, path));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good),         cmocka_unit_test(test_unknown_key),
                cmocka_unit_test(test_bad_regex),    cmocka_unit_test(test_costly_regex),    cmocka_unit_test(test_bad_duration),
                cmocka_unit_test(test_bad_sections), cmocka_unit_test(test_long_name), cmocka_unit_test(test_empty),
                cmocka_unit_test(test_file),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
