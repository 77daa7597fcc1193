/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals shared by webhook.c (setup, enqueue) and webhook_sender.c. */
#pragma once

#include <pthread.h>
#include <stdbool.h>

#include "webhook.h"
#include "webhook_format.h"

struct webhook_target {
        struct webhook *owner;
        char *name;
        char *url;                    /* secret: never logged */
        enum webhook_format format;
        pthread_t thread;
        bool started;
};

struct webhook {
        struct srv_store *store;
        struct webhook_options opts;
        struct webhook_target *targets;
        size_t n_targets;
        bool curl_ready;              /* curl_global_init done */

        pthread_mutex_t lock;         /* guards stopping and generation */
        pthread_cond_t wake;          /* new job queued, or stopping */
        bool stopping;
        uint64_t generation;          /* bumped on every enqueue */
};

/* The sender thread of one target (webhook_sender.c). */
void *webhook_sender_main(void *arg);

/* Logs to journald under systemd, else to stderr. No URLs, no bodies. */
void webhook_log(int priority, const char *target, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
