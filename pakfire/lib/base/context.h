/* The context: the root as a directory fd, the event sink, the signals that
 * ask us to stop, and the last error. Nothing else: the configuration, the
 * lock, the database and the downloader are opened by a session
 * (ops/session.h), which closes them in reverse. There is no mutable global
 * state. */
#ifndef PF_CONTEXT_H
#define PF_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/event.h"


struct pf_ctx {
	int root_fd;          /* O_PATH|O_DIRECTORY on the root, or -1 */
	char *root;           /* the root as given (for messages), "/" by default */
	int signal_fd;        /* signalfd for SIGINT/TERM/HUP, or -1 */
	int stop_signal;      /* the signal that asked us to stop, 0 if none */

	pf_event_fn event_fn; /* where events go; NULL drops them */
	void *event_data;

	bool assume_yes;      /* --yes */
	int verbosity;        /* -1 quiet, 0 normal, 1 verbose */

	enum pf_errclass err_class;
	char err_msg[2048];
	/* The cause word of the failure (docs/diagnose.md), set where it is
	 * found (pf_fail_cause), "" when none: recorded with the run. */
	char err_cause[24];
};

/* A context without a root: enough for parsers and unit tests. */
struct pf_ctx *pf_ctx_new(void);
void pf_ctx_free(struct pf_ctx *ctx);

/* Open DIR as the root. DIR must be an existing directory. */
int pf_ctx_set_root(struct pf_ctx *ctx, const char *dir);

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
