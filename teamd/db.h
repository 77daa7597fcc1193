/* SPDX-License-Identifier: BSD-3-Clause */
/* The local grant store: sqlite in STATE_DIR/grants.db (WAL, mode 0600).
 *
 * Grants arrive verified (grant_add.c); the store keeps them until 24 h after
 * their exp so that a check can say "your grant expired at ...". Sessions
 * opened under a grant are recorded beside them. All functions return 0 or
 * -errno. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "jws.h"

/* How long a grant stays in the store after its exp. */
#define GRANT_STORE_KEEP_EXPIRED (24 * 3600)

struct teamd_db;

struct grant_row {
        char *id;
        char *sub;
        char *role;
        char **aud;
        size_t n_aud;
        int64_t nbf, exp, iat;
        char *req;      /* may be NULL */
        char *rsn;      /* may be NULL */
        int64_t received_at;
};

struct session_row {
        char *id;
        char *grant_id; /* NULL: opened under fail-open */
        char *user;
        char *role;
        char *service;
        char *tty;
        char *rhost;
        pid_t pid;
        int64_t opened_at;
        int64_t closed_at; /* 0: still open */
        /* How teamd holds it (session_hold.h); NULL in rows written
         * before sessions were held. */
        char *hold;             /* "scope", "logind", "cgroup", "tree", "none" */
        uint64_t leader_start;  /* the leader pid's start time (proc_tree.h) */
        char *logind_session;
        char *unit;             /* the scope's unit name */
        char *cgroup;           /* the scope's or teamd's cgroup directory */
        int64_t exp;            /* end of the grant it runs under; 0: none */
        char *end_reason;       /* why teamd ended it; NULL: not ended by teamd */
        int64_t warned;         /* last warning sent, seconds before exp; 0: none */
        char *breakglass_id;    /* the break-glass use it runs under (grant_id NULL); NULL: none */
};

/* How a session is held, as the store records it. */
struct session_hold_info {
        const char *hold;
        uint64_t leader_start;
        const char *logind_session;
        const char *unit;
        const char *cgroup;
        int64_t exp;
};

struct session_info {
        const char *grant_id;
        const char *user;
        const char *role;
        const char *service;
        const char *tty;
        const char *rhost;
        pid_t pid;
        const char *breakglass_id; /* a break-glass use's id instead of a grant */
};

/* Creates state_dir (0700) and the database (0600) when missing; migrates
 * the schema. path_out (optional) receives nothing; err names the problem. */
int teamd_db_open(const char *state_dir, uint64_t max_grants, struct teamd_db **out, char *err, size_t errlen);
/* Same on an explicit database file (tests). */
int teamd_db_open_file(const char *path, uint64_t max_grants, struct teamd_db **out, char *err, size_t errlen);
void teamd_db_close(struct teamd_db *s);

/* Stores a verified grant. Returns 0 when stored, 1 when the same token
 * (same jti, same JWS) was already stored, -EKEYREVOKED when the jti was
 * revoked (a tombstone: a revoked grant never comes back, whoever hands it
 * over), -EEXIST when the jti is stored with a different token, -EDQUOT
 * when max_grants are stored, -ENOSPC when the disk is full, or -errno. */
int db_grant_add(struct teamd_db *s, const struct team_grant *g, const char *jws, int64_t now);

/* Every row for user+role with exp > now - GRANT_STORE_KEEP_EXPIRED. */
int db_grant_find(struct teamd_db *s, const char *user, const char *role, int64_t now,
                     struct grant_row **rows, size_t *n);
/* The user's grants that have not ended (exp > now), by nbf, at most max. */
int db_grant_list_user(struct teamd_db *s, const char *user, int64_t now, size_t max,
                          struct grant_row **rows, size_t *n);
/* Every user's grants that have not ended (exp > now), by user and nbf,
 * at most max (teamctl status as root). */
int db_grant_list_all(struct teamd_db *s, int64_t now, size_t max, struct grant_row **rows, size_t *n);
/* Whether a revocation of a grant for user+role is still remembered (a
 * cached "no" that fail-open never overrides). */
int db_tombstone_for(struct teamd_db *s, const char *user, const char *role, int64_t now, bool *found);
/* Grants that have not ended (exp > now), all users. */
int db_grant_count_current(struct teamd_db *s, int64_t now, uint64_t *n);
/* Deletes grants more than GRANT_STORE_KEEP_EXPIRED past exp; *n_purged
 * (optional) says how many. */
int db_grant_purge(struct teamd_db *s, int64_t now, uint64_t *n_purged);
/* Grants whose exp is in [from, to): the ones that ended since the last
 * look (GrantExpired events). */
int db_grant_list_ended(struct teamd_db *s, int64_t from, int64_t to, struct grant_row **rows, size_t *n);

/* The earliest exp after now; 0 when no grant ends later. */
int db_grant_next_exp(struct teamd_db *s, int64_t now, int64_t *t);

/* Records an opened session; *id_out is a fresh 32-hex id (malloc'd). */
int db_session_open(struct teamd_db *s, const struct session_info *info, int64_t now, char **id_out);
/* Marks the session closed and returns its row. -ENOENT when unknown,
 * -EALREADY when already closed. */
int db_session_close(struct teamd_db *s, const char *id, int64_t now, struct session_row *out);

/* The session's row, open or closed. -ENOENT when unknown. */
int db_session_get(struct teamd_db *s, const char *id, struct session_row *out);
/* Records how the session is held and the end of its grant. */
int db_session_set_hold(struct teamd_db *s, const char *id, const struct session_hold_info *h);
/* The open sessions (of user; NULL: of everyone), oldest first, at most max. */
int db_session_list_open(struct teamd_db *s, const char *user, size_t max, struct session_row **rows,
                                  size_t *n);
int db_session_count_open(struct teamd_db *s, uint64_t *n);
/* The session now runs under grant_id until exp (an extension). -ENOENT
 * when it is not open. */
int db_session_move(struct teamd_db *s, const char *id, const char *grant_id, int64_t exp);
/* teamd ended the session: closed at now, for reason. -ENOENT when it is
 * not open. */
int db_session_end(struct teamd_db *s, const char *id, int64_t now, const char *reason);
/* The warning written "before" seconds ahead of exp has been sent. */
int db_session_set_warned(struct teamd_db *s, const char *id, int64_t before);
void session_rows_free(struct session_row *rows, size_t n);

void grant_row_clear(struct grant_row *r);
void grant_rows_free(struct grant_row *rows, size_t n);
void session_row_clear(struct session_row *r);
