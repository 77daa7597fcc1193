/* SPDX-License-Identifier: BSD-3-Clause */
/* Length-prefixed frames: a 4-byte big-endian length, then the payload.
 * The reader checks the announced length against its cap before it
 * allocates anything, and never reads past the end of its frame. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol.h"

int team_frame_build(const void *payload, size_t len, uint8_t **out, size_t *outlen)
{
        uint8_t *buf;

        if (!payload || !out || !outlen || len == 0)
                return -EINVAL;
        if (len > TEAM_PROTO_MAX_FRAME)
                return -EMSGSIZE;
        buf = malloc(TEAM_PROTO_HEADER_LEN + len);
        if (!buf)
                return -ENOMEM;
        buf[0] = (uint8_t)(len >> 24);
        buf[1] = (uint8_t)(len >> 16);
        buf[2] = (uint8_t)(len >> 8);
        buf[3] = (uint8_t)len;
        memcpy(buf + TEAM_PROTO_HEADER_LEN, payload, len);
        *out = buf;
        *outlen = TEAM_PROTO_HEADER_LEN + len;
        return 0;
}

void team_frame_reader_init(struct team_frame_reader *r, size_t max)
{
        memset(r, 0, sizeof(*r));
        r->max = (max == 0 || max > TEAM_PROTO_MAX_FRAME) ? TEAM_PROTO_MAX_FRAME : max;
}

void team_frame_reader_clear(struct team_frame_reader *r)
{
        size_t max;

        if (!r)
                return;
        max = r->max;
        free(r->body);
        team_frame_reader_init(r, max);
}

static bool frame_complete(const struct team_frame_reader *r)
{
        return r->header_have == TEAM_PROTO_HEADER_LEN && r->body && r->body_have == r->body_len;
}

/* A header was refused earlier: the stream is unusable until cleared. */
static bool frame_failed(const struct team_frame_reader *r)
{
        return r->header_have == TEAM_PROTO_HEADER_LEN && !r->body;
}

/* Called once the header is complete: validates the length, allocates. */
static int start_body(struct team_frame_reader *r)
{
        size_t max = r->max ? r->max : TEAM_PROTO_MAX_FRAME;

        r->body_len = (uint32_t)r->header[0] << 24 | (uint32_t)r->header[1] << 16 |
                      (uint32_t)r->header[2] << 8 | (uint32_t)r->header[3];
        if (r->body_len == 0)
                return -EBADMSG;
        if (r->body_len > max)
                return -EMSGSIZE;
        r->body = malloc((size_t)r->body_len + 1);
        if (!r->body)
                return -ENOMEM;
        r->body_have = 0;
        return 0;
}

/* Where the next bytes go and how many the frame still needs. */
static uint8_t *next_space(struct team_frame_reader *r, size_t *want)
{
        if (r->header_have < TEAM_PROTO_HEADER_LEN) {
                *want = TEAM_PROTO_HEADER_LEN - r->header_have;
                return r->header + r->header_have;
        }
        *want = r->body_len - r->body_have;
        return (uint8_t *)r->body + r->body_have;
}

/* Accounts for n bytes just stored at next_space(). Returns 1 when the
 * frame is complete, 0 when more is needed, or -errno. */
static int advance(struct team_frame_reader *r, size_t n)
{
        if (r->header_have < TEAM_PROTO_HEADER_LEN) {
                int e;

                r->header_have += n;
                if (r->header_have < TEAM_PROTO_HEADER_LEN)
                        return 0;
                e = start_body(r);
                return e < 0 ? e : 0;
        }
        r->body_have += n;
        if (r->body_have < r->body_len)
                return 0;
        r->body[r->body_len] = '\0';
        return 1;
}

int team_frame_reader_feed_buf(struct team_frame_reader *r, const uint8_t *buf, size_t len, size_t *used)
{
        size_t done = 0;
        int e = 0;

        if (used)
                *used = 0;
        if (!r || (!buf && len > 0))
                return -EINVAL;
        if (frame_failed(r))
                return -EBADMSG;
        if (frame_complete(r))
                e = 1;
        while (e == 0 && done < len) {
                size_t want, n;
                uint8_t *dst = next_space(r, &want);

                n = len - done < want ? len - done : want;
                memcpy(dst, buf + done, n);
                done += n;
                e = advance(r, n);
        }
        if (used)
                *used = done;
        return e;
}

int team_frame_reader_feed(struct team_frame_reader *r, int fd)
{
        int e = 0;

        if (!r || fd < 0)
                return -EINVAL;
        if (frame_failed(r))
                return -EBADMSG;
        if (frame_complete(r))
                return 1;
        while (e == 0) {
                size_t want;
                uint8_t *dst = next_space(r, &want);
                ssize_t n = read(fd, dst, want);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
                }
                if (n == 0)
                        return -ECONNRESET;
                e = advance(r, (size_t)n);
        }
        return e;
}
