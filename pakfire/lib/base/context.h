/* The one handle. Everything the library needs travels in it: the root as a
 * directory fd, the configuration, the database, the event sink and the last
 * error. There is no other mutable global state. */
#ifndef PF_CONTEXT_H
#define PF_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/event.h"

struct pf_config;
struct pf_db;
struct pf_fetch;

struct pf_ctx {
	int root_fd;          /* O_PATH|O_DIRECTORY on the root, or -1 */
	char *root;           /* the root as given (for messages), "/" by default */
	struct pf_config *config;
	struct pf_db *db;     /* opened on demand by pf_ctx_open_db() */
	struct pf_fetch *fetch; /* the download session, made on first use */
	int lock_fd;          /* held while >= 0 (lock.c) */
	int signal_fd;        /* signalfd for SIGINT/TERM/HUP, or -1 */
	int stop_signal;      /* the signal that asked us to stop, 0 if none */

	pf_event_fn event_fn; /* where events go; NULL drops them */
	void *event_data;

	bool assume_yes;      /* --yes */
	int verbosity;        /* -1 quiet, 0 normal, 1 verbose */

	enum pf_errclass err_class;
	char err_msg[2048];
};

/* A context without a root: enough for parsers and unit tests. */
struct pf_ctx *pf_ctx_new(void);
void pf_ctx_free(struct pf_ctx *ctx);

/* Open DIR as the root. DIR must be an existing directory. */
int pf_ctx_set_root(struct pf_ctx *ctx, const char *dir);

/* Load the configuration: FILE as given (a path on the host), or
 * <root>/etc/pakfire/pakfire.conf when FILE is NULL. */
int pf_ctx_load_config(struct pf_ctx *ctx, const char *file);

/* Open (and migrate) the database named by the configuration. With
 * must_exist, a missing database is a usage error that says to run init. */
int pf_ctx_open_db(struct pf_ctx *ctx, bool must_exist);

/* The root for messages: "" for "/", else the root as given, so that
 * prefix + "/var/lib/..." reads right either way. */
const char *pf_ctx_root_prefix(const struct pf_ctx *ctx);

/* Take SIGINT, SIGTERM and SIGHUP as requests to stop cleanly: they are
 * blocked and read from a signalfd, so no handler and no global state. */
int pf_ctx_watch_signals(struct pf_ctx *ctx);

/* 0, or the signal that asked us to stop. Checked where stopping is clean:
 * between members while staging, during downloads, between updates; never
 * between the first rename and the commit point. */
int pf_interrupted(struct pf_ctx *ctx);

void pf_ctx_set_event_sink(struct pf_ctx *ctx, pf_event_fn fn, void *data);

#endif
