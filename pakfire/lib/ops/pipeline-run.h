/* What the pipeline carries besides the transaction (inside ops/ only:
 * pipeline.c runs it, pipeline-ahead.c downloads packages ahead for it). */
#ifndef PF_OPS_PIPELINE_RUN_H
#define PF_OPS_PIPELINE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "hooks/hooks.h"
#include "ops/self.h"
#include "resolve/transaction.h"

struct pf_plan_input;
struct pf_session;
struct pf_space_check;

struct run {
	struct pf_session *s;
	struct pf_transaction *t;
	struct pf_plan_input *in;  /* one per unit */
	char (*labels)[PF_UNIT_ID_MAX];
	int *cache_fds;            /* one per unit: its cache folder, or -1 */
	char (*cache_dirs)[4096];
	int64_t tx;
	/* What the running pakfire runs from (read before anything changed),
	 * and one per unit: what of it the unit replaces ("" for nothing): it
	 * ends its segment (ops/self.h). */
	struct pf_self self;
	char (*replaces_self)[256];
	bool more_follows;         /* opts->more_follows */
	struct pf_hooks hk;        /* what its hook runs share */
	bool pre_ran;              /* the local pre-transaction hooks ran */
	/* The download window (pipeline-ahead.c): the units before
	 * window_end had their packages fetched ahead; one per unit, whether
	 * it was, verified, with its history steps recorded. */
	size_t window_end;
	bool *ahead;
	/* The first unit of the window, when its download failed there: the
	 * error stands at its turn (every mirror was tried), SIZE_MAX none. */
	size_t ahead_failed;
	enum pf_errclass ahead_cls;
	char ahead_error[1024];
};

/* Unit I's cache folder, made now that something will be written. */
int pf_pipeline_open_cache(struct run *run, size_t i);

/* Unit I's package figures for the plan (package_size, package_partial,
 * package_cached), from its cache folder as it is now. */
void pf_pipeline_package_input(struct run *run, size_t i);

/* Before unit I's turn, when the window is used up: the largest window of
 * the units from I on whose packages the cache can hold until their own
 * commits while the plan still fits (all, then halved, down to 1: then
 * nothing is fetched ahead), and its packages fetched in one batch. A
 * failure of a later unit there is not an error: it is fetched again at
 * its turn. */
int pf_pipeline_window(struct run *run, struct pf_space_check *sc, size_t i);

/* After a failed download of units FROM..TO-1: when partial/ holds what
 * came of their packages, the error says so (the next run resumes it
 * rather than starting again: the admin need not wait for a faster line
 * to try again). */
void pf_pipeline_note_partial(struct run *run, size_t from, size_t to);

/* `upgrade --download-only`: every package not in the cache yet, in one
 * batch, with its history steps; a failure is the error. */
int pf_pipeline_download_all(struct run *run);

#endif
