/* The hooks of units (docs/hooks.md): a phase of a unit run hook by hook,
 * each recorded in hook_runs (state/hooks.h) before it starts and when it
 * ends; the post hooks a crash interrupted run again by recovery; a failed
 * post hook run again or acknowledged by the admin. */
#ifndef PF_HOOKS_HOOKS_H
#define PF_HOOKS_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hooks/run.h"

struct pf_ctx;
struct pf_db;
struct pf_hook_body;

/* What every hook run of a command shares. */
struct pf_hooks {
	struct pf_ctx *ctx;
	struct pf_db *db;
	int64_t tx;              /* the transaction record runs belong to */
	const char *dbdir;       /* the database's folder, inside the root
				  * (absolute, as pakfire.conf gives it): hooks
				  * are written to a private folder there to be
				  * executed */
	unsigned timeout;        /* seconds; 0: PF_HOOK_TIMEOUT_DEFAULT */
	const char *boot_id_file; /* pakfire.conf's boot-id-file (NULL: the kernel's) */
	bool live;               /* --verbose: their output as it comes */
	const char *series;      /* PAKFIRE_SERIES */
	unsigned core;           /* PAKFIRE_CORE */
	const char *units;       /* PAKFIRE_UNITS: local hooks only (local.c sets it) */
};

/* Run the hooks H (N of them, in order) of unit UNIT for PHASE, recording
 * each. RUN_IDS: when not NULL, the ids of pending rows queued for them
 * (post hooks, queued in the unit's commit), else new rows are made. Stops
 * at the first that does not end ok: -1 with PF_E_HOOK naming the unit, the
 * hook, how it ended and its last lines (an interrupt: the class of an
 * interrupt). */
int pf_hooks_run(const struct pf_hooks *hk, const struct pf_unit_ref *unit, const char *phase,
		 const struct pf_hook_body *h, size_t n, const int64_t *run_ids);

/* Recovery, after pf_recover: kill what a crash left of running hooks;
 * mark the pre hooks and local hooks among them interrupted (their unit
 * was rolled back; local hooks run with their transactions only); run
 * again, once, the post hooks left pending or running. One that fails
 * again is recorded and open, as any failed post hook, and reported as a
 * warning: the command goes on (`pakfire hook ack` must still work). -1
 * only when pakfire itself fails. */
int pf_hooks_recover(const struct pf_hooks *hk);  /* HK's series and core: the system's */

/* `pakfire hook rerun ID`: run again the hook of run ID (an open failed
 * post hook, or any package hook run) from its kept bytes; an ok run
 * resolves it. */
int pf_hooks_rerun(const struct pf_hooks *hk, int64_t id);

/* Upgrades, installs and removals refuse while a post hook failed and was
 * neither run again successfully nor acknowledged: PF_E_HOOK naming it and
 * the two ways out. */
int pf_hooks_refuse_open(struct pf_ctx *ctx, struct pf_db *db);

#endif
