/* SPDX-License-Identifier: BSD-3-Clause */
/* The one place a const qualifier is dropped: for C interfaces that take a
 * non-const pointer to data they only read (execv's and getopt's argv,
 * OpenSSL's OSSL_PARAM input buffers, libmicrohttpd's MHD_RESPMEM_MUST_COPY
 * body), for memory of a library's that we wipe in place (json-c's copy of
 * a secret, before it frees it), and for free() of the strings a decoded
 * struct owns behind its const members (struct team_grant: the same struct
 * is a view of borrowed strings when it is built to be signed). A union,
 * not a cast, so that -Wcast-qual still reports every other place. */
#pragma once

static inline void *team_unconst(const void *p)
{
        union {
                const void *c;
                void *m;
        } u = { .c = p };

        return u.m;
}
