/* SPDX-License-Identifier: BSD-3-Clause */
/* The store backend a unit test runs on, so that one test body covers
 * both: TEAM_TEST_STORE=postgresql runs on the PostgreSQL server whose
 * connection URI is in TEAM_TEST_PG_URI (tests/lib/pg_fixture.sh starts
 * one; each test gets a fresh database on it), anything else on sqlite in
 * the test's temporary directory. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

bool test_backend_is_pg(void);
/* The `database =` value of the test whose temporary directory is dir
 * (the sqlite file in it, or a PostgreSQL URI of a database named after
 * it). Creates the PostgreSQL database the first time. */
int test_backend_database(const char *dir, char *out, size_t outlen);
/* srv_store_open() on test_backend_database(dir); fails the test on error. */
struct srv_store *test_backend_open(const char *dir);
/* Drops the PostgreSQL database of dir (nothing for sqlite). */
void test_backend_drop(const char *dir);
