/* SPDX-License-Identifier: BSD-3-Clause */
/* Row helpers shared by every store backend and its callers. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "store.h"
#include "unconst.h"

/* The rows' strings are const members (callers also point them at
 * borrowed strings to insert a row); the rows a store hands out own them. */
void srv_str_free(const char *s)
{
        free(team_unconst(s));
}

void srv_strv_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

size_t srv_strv_len(const char *const *v)
{
        size_t n = 0;

        while (v && v[n])
                n++;
        return n;
}

int srv_strv_to_json(const char *const *v, char **out)
{
        struct json_object *a = json_object_new_array();
        int r = -ENOMEM;

        *out = NULL;
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; v && v[i]; i++) {
                struct json_object *x = json_object_new_string(v[i]);

                if (!x || json_object_array_add(a, x) < 0) {
                        json_object_put(x);
                        goto out;
                }
        }
        *out = strdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN));
        r = *out ? 0 : -ENOMEM;
out:
        json_object_put(a);
        return r;
}

bool srv_strv_contains(const char *const *v, const char *s)
{
        for (size_t i = 0; s && v && v[i]; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}

bool srv_strv_intersects(const char *const *a, const char *const *b)
{
        for (size_t i = 0; a && a[i]; i++)
                if (srv_strv_contains(b, a[i]))
                        return true;
        return false;
}

void srv_user_clear(struct srv_user *u)
{
        if (!u)
                return;
        srv_str_free(u->name);
        srv_strv_free(u->groups);
        memset(u, 0, sizeof(*u));
}

void srv_host_clear(struct srv_host *h)
{
        if (!h)
                return;
        srv_str_free(h->id);
        srv_strv_free(h->groups);
        memset(h, 0, sizeof(*h));
}

void srv_grant_clear(struct srv_grant *g)
{
        if (!g)
                return;
        srv_str_free(g->id);
        srv_str_free(g->request_id);
        srv_str_free(g->user);
        srv_str_free(g->role);
        srv_str_free(g->aud);
        srv_str_free(g->jws);
        srv_str_free(g->kid);
        srv_str_free(g->revoked_by);
        srv_str_free(g->revoke_reason);
        memset(g, 0, sizeof(*g));
}

void srv_request_clear(struct srv_request *r)
{
        if (!r)
                return;
        srv_str_free(r->id);
        srv_str_free(r->role);
        srv_str_free(r->host);
        srv_str_free(r->user);
        srv_str_free(r->filed_by);
        srv_str_free(r->reason);
        srv_str_free(r->ticket);
        srv_str_free(r->extends);
        for (size_t i = 0; i < r->n_decisions; i++) {
                srv_str_free(r->decisions[i].by);
                srv_str_free(r->decisions[i].comment);
        }
        free(r->decisions);
        if (r->grant) {
                srv_grant_clear(r->grant);
                free(r->grant);
        }
        memset(r, 0, sizeof(*r));
}

void srv_request_list_free(struct srv_request *list, size_t n)
{
        for (size_t i = 0; list && i < n; i++)
                srv_request_clear(&list[i]);
        free(list);
}

void srv_feed_list_free(struct srv_feed_entry *list, size_t n)
{
        for (size_t i = 0; list && i < n; i++) {
                srv_str_free(list[i].grant_id);
                srv_str_free(list[i].jws);
        }
        free(list);
}

void srv_audit_list_free(struct srv_audit_record *list, size_t n)
{
        for (size_t i = 0; list && i < n; i++) {
                srv_str_free(list[i].event);
                srv_str_free(list[i].actor);
                srv_str_free(list[i].request_id);
                srv_str_free(list[i].grant_id);
                srv_str_free(list[i].user);
                srv_str_free(list[i].role);
                srv_str_free(list[i].host);
                srv_str_free(list[i].reason);
        }
        free(list);
}

void srv_webhook_job_clear(struct srv_webhook_job *j)
{
        if (!j)
                return;
        srv_str_free(j->target);
        srv_str_free(j->event);
        srv_str_free(j->body);
        srv_str_free(j->last_error);
        memset(j, 0, sizeof(*j));
}

void srv_checkpoint_clear(struct srv_checkpoint *c)
{
        if (!c)
                return;
        srv_str_free(c->host);
        srv_str_free(c->head);
        srv_str_free(c->host_key);
        srv_str_free(c->conflict);
        srv_str_free(c->conflict_head);
        srv_str_free(c->conflict_key);
        memset(c, 0, sizeof(*c));
}

void srv_checkpoint_list_free(struct srv_checkpoint *list, size_t n)
{
        for (size_t i = 0; list && i < n; i++)
                srv_checkpoint_clear(&list[i]);
        free(list);
}
