/* The pipeline every changing command runs over its transaction, once a
 * resolver built it (upgrade, install, remove: they differ only there):
 *
 *   fetch    every unit's manifest (small: all that planning needs); a
 *            removal's is made from the database by its operation
 *   check    what this pakfire cannot honour, and file conflicts
 *   plan     the space of the whole transaction, before any download
 *   confirm  once, with the plan shown
 *   then, unit by unit: the space check on fresh numbers, the package
 *   (fetch + verify), apply, record. */
#ifndef PF_OPS_PIPELINE_H
#define PF_OPS_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

struct pf_session;
struct pf_transaction;

struct pf_pipeline_opts {
	bool dry_run;       /* show the plan, change nothing */
	/* Asked once the plan was shown; false stops without changing
	 * anything. NULL: yes. */
	bool (*confirm)(void *data);
	void *confirm_data;
	/* The caller runs another transaction after this one in the same
	 * run (a crossing's second round): a unit that replaces what pakfire
	 * runs from ends the run even when it is the last. */
	bool more_follows;
	/* `upgrade --download-only`: plan with every package held in the
	 * cache, confirm, download and verify them all; apply nothing, run
	 * no hook. */
	bool download_only;
	/* `verify --fix`: a transaction of repairs runs no hook, the admin's
	 * local ones around it neither (it puts back what was there). */
	bool no_hooks;
};

/* Run transaction T (at least one unit) of history record TX (0 for a dry
 * run). Returns 0, or -1 with the error on the context and the system at
 * the last unit that committed. *APPLIED: how many units were applied.
 * A unit that replaces what this pakfire runs from ends the run when more
 * is to be done: it returns 0 with S->restart set, and the caller ends so
 * that pakfire restarts itself (docs/formats.md, "Self-update and
 * re-exec"). */
int pf_pipeline_run(struct pf_session *s, struct pf_transaction *t, int64_t tx,
		    const struct pf_pipeline_opts *opts, size_t *applied);

/* IN's package_cached, once its package_size is known (0: the package is
 * in the cache already): what the verdicts must not count as freeable, the
 * plan of the upgrade and of `status` alike. */
struct pf_plan_input;
struct pf_unit;
void pf_pipeline_cached_size(struct pf_plan_input *in, const struct pf_unit *u);

/* Unit I's manifest, fetched and verified ahead of the pipeline (the
 * crossing needs a switching update's before it trusts the next index);
 * the pipeline then uses it as it is. */
int pf_pipeline_fetch_manifest(struct pf_session *s, struct pf_transaction *t, size_t i);

#endif
