/* SPDX-License-Identifier: BSD-3-Clause */
/* The central API over libcurl; see api_client.h. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <json.h>

#include "api_client.h"
#include "teamctl.h"
#include "text.h"
#include "token.h"

struct api_client {
        CURL *curl;
        char *base;              /* no trailing slash */
        char *cacert;
        char *token;
        struct curl_slist *headers;
        long timeout_ms;
};

struct buf {
        char *data;
        size_t len;
        bool too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
        struct buf *b = ud;
        size_t add = size * n;
        char *nd;

        if (add > API_RESPONSE_MAX - b->len) {
                b->too_big = true;
                return 0;   /* curl aborts with CURLE_WRITE_ERROR */
        }
        nd = realloc(b->data, b->len + add + 1);
        if (!nd)
                return 0;
        memcpy(nd + b->len, p, add);
        b->data = nd;
        b->len += add;
        b->data[b->len] = '\0';
        return add;
}

static int resolve_server(const struct api_config *cfg, struct api_client *c, char *err, size_t errlen)
{
        const char *s = cfg->server && cfg->server[0] ? cfg->server : getenv("TEAM_SERVER");
        size_t len;

        if (!s || !s[0]) {
                snprintf(err, errlen, "no server: set TEAM_SERVER or pass --server https://team.example.com");
                return TEAMCTL_EXIT_CONFIG;
        }
        if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) {
                snprintf(err, errlen, "the server URL must start with https:// (or http:// behind a local proxy); "
                                      "fix TEAM_SERVER or --server");
                return TEAMCTL_EXIT_CONFIG;
        }
        len = strlen(s);
        if (len > 2048 || strpbrk(s, " \t\r\n?#")) {
                snprintf(err, errlen, "the server URL is malformed (no spaces, query or fragment); fix TEAM_SERVER "
                                      "or --server");
                return TEAMCTL_EXIT_CONFIG;
        }
        while (len > 0 && s[len - 1] == '/')
                len--;
        c->base = strndup(s, len);
        if (!c->base) {
                snprintf(err, errlen, "out of memory");
                return EX_OSERR;
        }
        return 0;
}

static int build_headers(struct api_client *c, char *err, size_t errlen)
{
        size_t len = strlen("Authorization: Bearer ") + strlen(c->token) + 1;
        struct curl_slist *h;
        char *auth = malloc(len);
        int ret = 0;

        if (!auth) {
                snprintf(err, errlen, "out of memory");
                return EX_OSERR;
        }
        snprintf(auth, len, "Authorization: Bearer %s", c->token);
        h = curl_slist_append(NULL, auth);
        if (h)
                c->headers = h;
        if (h)
                h = curl_slist_append(c->headers, "Accept: application/json");
        if (h)
                h = curl_slist_append(c->headers, "Content-Type: application/json");
        if (!h) {
                snprintf(err, errlen, "out of memory");
                ret = EX_OSERR;
        }
        explicit_bzero(auth, len);
        free(auth);
        return ret;
}

int api_client_new(const struct api_config *cfg, struct api_client **out, char *err, size_t errlen)
{
        struct api_client *c;
        const char *ca = cfg->cacert && cfg->cacert[0] ? cfg->cacert : getenv("TEAM_CA_FILE");
        int ret;

        *out = NULL;
        c = calloc(1, sizeof(*c));
        if (!c) {
                snprintf(err, errlen, "out of memory");
                return EX_OSERR;
        }
        c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : API_DEFAULT_TIMEOUT_MS;
        ret = resolve_server(cfg, c, err, errlen);
        if (ret == 0)
                ret = token_load(&c->token, err, errlen);
        if (ret == 0)
                ret = build_headers(c, err, errlen);
        if (ret == 0 && ca && ca[0] && !(c->cacert = strdup(ca))) {
                snprintf(err, errlen, "out of memory");
                ret = EX_OSERR;
        }
        if (ret == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                snprintf(err, errlen, "cannot initialize libcurl");
                ret = EX_SOFTWARE;
        }
        if (ret == 0 && !(c->curl = curl_easy_init())) {
                snprintf(err, errlen, "cannot initialize libcurl");
                ret = EX_SOFTWARE;
        }
        if (ret != 0) {
                api_client_free(c);
                return ret;
        }
        *out = c;
        return 0;
}

void api_client_free(struct api_client *c)
{
        if (!c)
                return;
        if (c->curl)
                curl_easy_cleanup(c->curl);
        if (c->headers) {
                /* The first header carries the token. */
                explicit_bzero(c->headers->data, strlen(c->headers->data));
                curl_slist_free_all(c->headers);
        }
        token_free(c->token);
        free(c->base);
        free(c->cacert);
        free(c);
}

/* Strict JSON: one object, nothing after it. NULL when it is not. */
static struct json_object *parse_object(const char *data, size_t len)
{
        struct json_tokener *tok = json_tokener_new_ex(32);
        struct json_object *o = NULL;

        if (!tok || len > INT32_MAX)
                goto out;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        o = json_tokener_parse_ex(tok, data, (int)len);
        if (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len ||
            !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                o = NULL;
        }
out:
        if (tok)
                json_tokener_free(tok);
        return o;
}

static int setup(struct api_client *c, const char *method, const char *url, const char *body, struct buf *b)
{
        CURL *h = c->curl;
        CURLcode r = CURLE_OK;

        curl_easy_reset(h);
#define SET(opt, val)                                      \
        do {                                               \
                if (r == CURLE_OK)                         \
                        r = curl_easy_setopt(h, opt, val); \
        } while (0)
        SET(CURLOPT_URL, url);
        SET(CURLOPT_PROTOCOLS_STR, "http,https");
        SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
        SET(CURLOPT_FOLLOWLOCATION, 0L);
        SET(CURLOPT_NOSIGNAL, 1L);
        SET(CURLOPT_TIMEOUT_MS, c->timeout_ms);
        SET(CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms < API_CONNECT_TIMEOUT_MS ? c->timeout_ms
                                                                              : (long)API_CONNECT_TIMEOUT_MS);
        SET(CURLOPT_SSL_VERIFYPEER, 1L);
        SET(CURLOPT_SSL_VERIFYHOST, 2L);
        if (c->cacert)
                SET(CURLOPT_CAINFO, c->cacert);
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)API_RESPONSE_MAX);
        SET(CURLOPT_USERAGENT, "teamctl/" PACKAGE_VERSION);
        SET(CURLOPT_HTTPHEADER, c->headers);
        SET(CURLOPT_WRITEFUNCTION, on_data);
        SET(CURLOPT_WRITEDATA, b);
        SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
        if (strcmp(method, "POST") == 0) {
                SET(CURLOPT_POST, 1L);
                SET(CURLOPT_POSTFIELDS, body ? body : "{}");
        } else {
                SET(CURLOPT_HTTPGET, 1L);
        }
#undef SET
        return r == CURLE_OK ? 0 : -EINVAL;
}

static int transport_error(struct api_client *c, CURLcode cr, const struct buf *b, char *err, size_t errlen)
{
        switch (cr) {
        case CURLE_OPERATION_TIMEDOUT:
                snprintf(err, errlen, "%s did not answer within %ld ms; try again, or check the server", c->base,
                         c->timeout_ms);
                return TEAMCTL_EXIT_UNAVAILABLE;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
                snprintf(err, errlen, "TLS with %s failed (%s); if the server uses a private CA, pass --cacert "
                                      "FILE or set TEAM_CA_FILE", c->base, curl_easy_strerror(cr));
                return TEAMCTL_EXIT_UNAVAILABLE;
        case CURLE_UNSUPPORTED_PROTOCOL:
                snprintf(err, errlen, "%s: only http and https are allowed", c->base);
                return TEAMCTL_EXIT_CONFIG;
        case CURLE_WRITE_ERROR:
        case CURLE_FILESIZE_EXCEEDED:
                if (b->too_big || cr == CURLE_FILESIZE_EXCEEDED) {
                        snprintf(err, errlen, "%s sent more than %d bytes; is TEAM_SERVER the team-server?",
                                 c->base, API_RESPONSE_MAX);
                        return TEAMCTL_EXIT_UNAVAILABLE;
                }
                break;
        default:
                break;
        }
        snprintf(err, errlen, "cannot reach %s: %s; check TEAM_SERVER / --server and that team-server runs",
                 c->base, curl_easy_strerror(cr));
        return TEAMCTL_EXIT_UNAVAILABLE;
}

/* {"error": CODE, "message": TEXT} -> an exit code and a sentence. */
static int server_error(struct api_client *c, long status, struct json_object *o, char *err, size_t errlen)
{
        struct json_object *m = NULL;
        char msg[512] = "";

        if (o && json_object_object_get_ex(o, "message", &m) && json_object_is_type(m, json_type_string))
                text_sanitize(json_object_get_string(m), msg, sizeof(msg));
        if (!msg[0])
                snprintf(msg, sizeof(msg), "HTTP %ld", status);
        switch (status) {
        case 400:
        case 413:
                snprintf(err, errlen, "rejected: %s", msg);
                return TEAMCTL_EXIT_REFUSED;
        case 401:
                snprintf(err, errlen, "your token was refused (%s): ask an admin for a new one (team-server "
                                      "admin user rotate-token NAME), then set TEAM_TOKEN or save it in "
                                      "~/.config/team/token", msg);
                return TEAMCTL_EXIT_FORBIDDEN;
        case 403:
                snprintf(err, errlen, "not allowed: %s", msg);
                return TEAMCTL_EXIT_FORBIDDEN;
        case 404:
                snprintf(err, errlen, "not found: %s; list what you can see with teamctl list", msg);
                return TEAMCTL_EXIT_NOT_FOUND;
        case 409:
                snprintf(err, errlen, "wrong state: %s; see teamctl show ID", msg);
                return TEAMCTL_EXIT_CONFLICT;
        case 429:
                snprintf(err, errlen, "too many requests: %s", msg);
                return TEAMCTL_EXIT_REFUSED;
        default:
                if (status >= 500)
                        snprintf(err, errlen, "the server failed (%s); try again later or tell its admin", msg);
                else
                        snprintf(err, errlen, "unexpected answer from %s: %s; is TEAM_SERVER the team-server?",
                                 c->base, msg);
                return status >= 400 && status < 500 ? TEAMCTL_EXIT_REFUSED : TEAMCTL_EXIT_UNAVAILABLE;
        }
}

int api_call(struct api_client *c, const char *method, const char *path, struct json_object *body,
             struct json_object **out, char *err, size_t errlen)
{
        const char *text = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL;
        struct buf b = { 0 };
        struct json_object *o = NULL;
        size_t ulen = strlen(c->base) + strlen(path) + 1;
        char *url = malloc(ulen);
        long status = 0;
        CURLcode cr;
        int ret;

        *out = NULL;
        if (!url || (body && !text)) {
                snprintf(err, errlen, "out of memory");
                ret = EX_OSERR;
                goto out;
        }
        snprintf(url, ulen, "%s%s", c->base, path);
        if (setup(c, method, url, text, &b) < 0) {
                snprintf(err, errlen, "libcurl refused an option; is it older than 7.85?");
                ret = EX_SOFTWARE;
                goto out;
        }
        cr = curl_easy_perform(c->curl);
        if (cr != CURLE_OK) {
                ret = transport_error(c, cr, &b, err, errlen);
                goto out;
        }
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
        o = b.data ? parse_object(b.data, b.len) : NULL;
        if (status < 200 || status > 299) {
                ret = server_error(c, status, o, err, errlen);
                goto out;
        }
        if (!o) {
                snprintf(err, errlen, "%s answered HTTP %ld without a JSON object; is TEAM_SERVER the team-server?",
                         c->base, status);
                ret = TEAMCTL_EXIT_UNAVAILABLE;
                goto out;
        }
        *out = o;
        o = NULL;
        ret = 0;
out:
        json_object_put(o);
        free(b.data);
        free(url);
        return ret;
}
