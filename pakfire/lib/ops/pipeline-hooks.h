/* Hooks in the pipeline (inside ops/ only): the settings every hook run
 * of a transaction shares, the local hooks around it, and the words for
 * a unit that committed but whose post hook failed. */
#ifndef PF_OPS_PIPELINE_HOOKS_H
#define PF_OPS_PIPELINE_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hooks/hooks.h"

struct pf_session;
struct pf_transaction;

/* HK for transaction TX of T; DBDIR the database's folder (absolute, as
 * configured), kept by the caller. */
void pf_pipeline_hooks_init(struct pf_session *s, const struct pf_transaction *t, int64_t tx,
			    const char *dbdir, struct pf_hooks *hk);

/* The local hooks of PHASE (pre-transaction, post-transaction) with
 * PAKFIRE_UNITS the ids of units FROM to TO (exclusive) of T. */
int pf_pipeline_local_hooks(const struct pf_hooks *hk, const struct pf_transaction *t,
			    size_t from, size_t to, const char *phase, unsigned core);

/* A post hook that failed holds every change (upgrade, install, remove)
 * until the admin has seen to it: -1 (PF_E_HOOK) then; a dry run changes
 * nothing and only warns. */
int pf_pipeline_hold(struct pf_session *s, bool dry_run);

/* The error of a post hook of LABEL that failed, completed with what the
 * admin does next. */
void pf_pipeline_hook_failed(struct pf_session *s, const char *label);

#endif
