/* SPDX-License-Identifier: BSD-3-Clause */
/* Grant sync's rows in the grant store's database: the feed cursor and the
 * revoked grant ids (migration 2 of db.c). One feed answer is applied
 * in one transaction (sync_store_begin .. sync_store_commit): its grants,
 * its revocations and the new cursor are stored together or not at all, so
 * that a restart neither misses nor replays an answer. All functions return
 * 0 or -errno. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* How long a revoked id is remembered when its grant was never stored. */
#define SYNC_REVOKED_KEEP (30 * 24 * 3600)
/* Longest cursor the feed may hand out (a decimal sequence number). */
#define SYNC_CURSOR_MAX 20

int sync_store_begin(struct teamd_db *s);
/* A transaction whose commit is not synced to disk (synchronous=NORMAL:
 * in the WAL in order, so a crash loses at most a suffix of such commits);
 * sync_store_commit() restores synchronous=FULL, and the next FULL commit
 * syncs them all. Grant slices use it; the cursor's commit is FULL. */
int sync_store_begin_unsynced(struct teamd_db *s);
int sync_store_commit(struct teamd_db *s);
void sync_store_rollback(struct teamd_db *s);

/* The stored cursor into buf (size > SYNC_CURSOR_MAX); "" when none. */
int sync_store_get_cursor(struct teamd_db *s, char *buf, size_t size);
int sync_store_set_cursor(struct teamd_db *s, const char *cursor);

/* Was grant id revoked? */
int sync_store_is_revoked(struct teamd_db *s, const char *id, bool *revoked);
/* Records the revocation and deletes the grant. *row (optional) receives the
 * grant that was stored (row->id == NULL when none was); clear it with
 * grant_row_clear(). Returns 1 when the id was already recorded (nothing
 * changed), 0 when newly recorded. */
int sync_store_revoke(struct teamd_db *s, const char *id, int64_t now, struct grant_row *row);
/* Forgets revoked ids past their keep time. */
int sync_store_purge_revoked(struct teamd_db *s, int64_t now);
