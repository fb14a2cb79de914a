/* pakfire diagnose: see diagnose.h. The orchestration: each part fills
 * its section (diagnose-facts.c, diagnose-runs.c, status, the mounts of
 * diagnose-mounts.c), in an order where each finds what it builds on,
 * and the verdict is made last from what they found
 * (diagnose-problems.c). Nothing here takes the lock, migrates, recovers
 * or records a run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/context.h"
#include "ops/diagnose-mounts.h"
#include "ops/diagnose-parts.h"
#include "ops/diagnose.h"
#include "ops/hook.h"
#include "ops/session.h"

/* pakfire.conf: a session opened without it (it could not be read) tries
 * once more here for the reason; the report then looks at the default
 * paths. */
static void config(struct pf_session *s, struct pf_diagnosis *d)
{
	if (s->config)
		return;
	if (pf_session_need(s, s->config_file, PF_NEED_CONFIG) == 0)
		return;
	snprintf(d->config_error, sizeof(d->config_error), "%s", pf_error_message(s->ctx));
	pf_clear_error(s->ctx);
}

static void status(struct pf_session *s, struct pf_diagnosis *d)
{
	if (!s->config || !s->db) {
		snprintf(d->status_error, sizeof(d->status_error), "%s",
			 !s->config ? "pakfire.conf cannot be read" : "the database cannot be read");
		return;
	}
	if (pf_status(s, &d->status) == 0) {
		d->have_status = true;
		return;
	}
	snprintf(d->status_error, sizeof(d->status_error), "%s%s", pf_error_message(s->ctx),
		 d->database.outdated ? " (the database has an older schema: the next pakfire"
		 " run under the lock migrates it)" : "");
	pf_clear_error(s->ctx);
	pf_status_clear(&d->status);
}

static void mounts(struct pf_session *s, struct pf_diagnosis *d)
{
	if (!s->config) {
		snprintf(d->mounts_error, sizeof(d->mounts_error), "pakfire.conf cannot be read");
		return;
	}
	if (pf_diag_mounts(s, d->have_status ? &d->status : NULL, &d->mounts, &d->n_mounts) < 0) {
		snprintf(d->mounts_error, sizeof(d->mounts_error), "%s", pf_error_message(s->ctx));
		pf_clear_error(s->ctx);
		d->mounts = NULL;
		d->n_mounts = 0;
	}
}

static void failure_clear(struct pf_diagnosis *d)
{
	free(d->failure.steps);
	pf_hook_run_views_free(d->failure.hooks, d->failure.n_hooks);
	free(d->failure.space);
	memset(&d->failure, 0, sizeof(d->failure));
	d->have_failure = false;
	d->failure_unit[0] = d->failure_label[0] = d->failure_step[0] = d->failure_cause[0] = '\0';
}

int pf_diagnose(struct pf_session *s, struct pf_diagnosis *out)
{
	struct pf_diag_paths p;

	memset(out, 0, sizeof(*out));
	out->now = time(NULL);
	if (!s || !s->ctx || s->ctx->root_fd < 0)
		return s && s->ctx ? pf_fail(s->ctx, PF_E_USAGE, "diagnose: no root to look at") : -1;
	config(s, out);
	pf_diag_paths(s, &p);
	if (pf_diag_database(s, &p, out) < 0)
		return -1;
	status(s, out);
	if (pf_diag_runs(s, out) < 0 || pf_diag_journal(s, out) < 0 ||
	    pf_diag_indexes(s, &p, out) < 0 || pf_diag_keys(s, &p, out) < 0)
		return -1;
	pf_diag_cache(s, &p, out);
	pf_diag_lock(s, out);
	mounts(s, out);
	/* An interrupted run whose unit the journal no longer holds was
	 * recovered (or had nothing to recover): history, not a failure. */
	if (out->have_failure && !strcmp(out->failure_cause, "interrupted") &&
	    !(out->journal.present && out->journal.run == out->failure.run.id))
		failure_clear(out);
	return pf_diag_problems(out) < 0 ? pf_fail(s->ctx, PF_E_OTHER, "out of memory") : 0;
}

void pf_diagnosis_clear(struct pf_diagnosis *d)
{
	if (d->have_status)
		pf_status_clear(&d->status);
	free(d->runs);
	failure_clear(d);
	for (size_t i = 0; d->journal.paths && i < d->journal.n_listed; i++)
		free(d->journal.paths[i]);
	free(d->journal.paths);
	free(d->keys);
	free(d->indexes);
	free(d->mounts);
	free(d->problems);
	memset(d, 0, sizeof(*d));
}

int pf_diagnose_exit_code(const struct pf_diagnosis *d)
{
	return d->bits ? PF_DIAG_EXIT + (int)d->bits : 0;
}
