/* SPDX-License-Identifier: BSD-3-Clause */
/* Break-glass codes: what a person types from paper, and how it is hashed.
 *
 * A code is 16 symbols of a 32-symbol alphabet without look-alikes
 * (Crockford's base32: no I, L, O, U), 80 bits from getrandom(), shown as
 * four dash-separated groups (7KQ4-M2XD-9TPW-H3RC). Input is case- and
 * dash-insensitive (spaces too); O reads as 0 and I/L as 1.
 *
 * Hashing: one slow KDF per attempt, whatever the number of codes in the
 * set: K = scrypt(code, set salt; N, r, p) and each slot stores
 * SHA-256(slot salt || K). Constant cost per attempt keeps the prompt's
 * delay a known, benchmarked figure (bench/bench_breakglass.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEAM_BG_CODE_SYMBOLS 16          /* 16 x 5 bits = 80 bits */
#define TEAM_BG_CODE_TEXT 19             /* XXXX-XXXX-XXXX-XXXX, without NUL */
#define TEAM_BG_MAX_INPUT 64             /* longest accepted typed text */
#define TEAM_BG_SALT_LEN 16
#define TEAM_BG_KEY_LEN 32
#define TEAM_BG_HASH_LEN 32

/* scrypt cost (docs/breakglass.md): N = 2^15, r = 8, p = 1 (32 MiB,
 * about 0.1 s here). The parser accepts N in [2^10, 2^20]. */
#define TEAM_BG_SCRYPT_N 32768u
#define TEAM_BG_SCRYPT_R 8u
#define TEAM_BG_SCRYPT_P 1u
#define TEAM_BG_SCRYPT_N_MIN 1024u
#define TEAM_BG_SCRYPT_N_MAX 1048576u
#define TEAM_BG_SCRYPT_R_MAX 32u
#define TEAM_BG_SCRYPT_P_MAX 4u

struct team_bg_kdf {
        uint64_t n;
        uint32_t r, p;
        uint8_t salt[TEAM_BG_SALT_LEN];
};

/* A fresh code from getrandom(): the 16 symbols, NUL-terminated, in
 * sym (size >= TEAM_BG_CODE_SYMBOLS + 1). 0 or -errno. */
int team_bg_code_generate(char *sym, size_t symsz);
/* The shown form of 16 symbols: XXXX-XXXX-XXXX-XXXX (out >= 20 bytes). */
void team_bg_code_format(const char *sym, char *out, size_t outsz);
/* What was typed -> the 16 canonical symbols in sym (>= 17 bytes).
 * -EINVAL for anything but a code: longer than TEAM_BG_MAX_INPUT, a
 * control character, a symbol outside the alphabet, or not 16 symbols. */
int team_bg_code_normalize(const char *typed, char *sym, size_t symsz);

/* K from 16 canonical symbols (EVP_KDF scrypt). 0 or -EIO. */
int team_bg_derive(const char *sym, const struct team_bg_kdf *kdf, uint8_t key[TEAM_BG_KEY_LEN]);
/* SHA-256(slot salt || K). 0 or -EIO. */
int team_bg_slot_hash(const uint8_t key[TEAM_BG_KEY_LEN], const uint8_t salt[TEAM_BG_SALT_LEN],
                      uint8_t hash[TEAM_BG_HASH_LEN]);
/* Fills buf with getrandom() bytes. 0 or -errno. */
int team_bg_random(void *buf, size_t len);
