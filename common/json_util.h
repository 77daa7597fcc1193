/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON helpers shared by the wire protocol and the JWS code. */
#pragma once

#include <stddef.h>

struct json_object;

/* buf[0..len) as one JSON object: RFC 8259 strict, valid UTF-8, no NUL
 * byte, at most max_depth - 1 levels deep (json-c refuses to open a level
 * when depth >= max_depth - 1), and nothing after it that json-c does not
 * consume. Returns 0 and *out (the caller puts it), -EBADMSG with *why set
 * to a static text, or -ENOMEM. */
int team_json_parse_object(const char *buf, size_t len, int max_depth, struct json_object **out,
                           const char **why);

/* obj as compact JSON text (no slash escaping) in a malloc'd, NUL-terminated
 * *out of at most max bytes (*len, when len is not NULL, excludes the NUL).
 * obj stays the caller's. Returns 0, -EMSGSIZE (empty or over max) or
 * -ENOMEM. */
int team_json_to_text(struct json_object *obj, size_t max, char **out, size_t *len);

/* json_object_object_add() that consumes val whatever happens: 0, or
 * -ENOMEM when val is NULL (its constructor failed) or cannot be added. */
int team_json_add(struct json_object *obj, const char *key, struct json_object *val);
