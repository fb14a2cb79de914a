/* The runs of diagnose: the last PF_DIAG_RUNS, and the failure that
 * stands (docs/diagnose.md, "Last failure") with its steps, hook runs and
 * space checks, and the cause recorded with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "ops/diagnose-parts.h"
#include "ops/hook.h"
#include "ops/history.h"
#include "ops/session.h"
#include "state/history.h"

bool pf_diag_stands(const struct pf_run *runs, size_t n, size_t i)
{
	const struct pf_run *r = &runs[i];

	if (r->dry_run || r->running || !r->outcome[0] || !strcmp(r->outcome, "ok"))
		return false;
	for (size_t k = i + 1; k < n; k++)
		if (!runs[k].dry_run && !strcmp(runs[k].command, r->command) &&
		    !strcmp(runs[k].outcome, "ok"))
			return false;
	return true;
}

/* The cause of run F when none was recorded (a run before migration 11,
 * or one closed by the stale sweep of an older pakfire): from its exit
 * code, the one other fact recorded with it; never from the message. */
static const char *cause_of_code(const struct pf_history_run *f)
{
	if (!strcmp(f->run.outcome, "interrupted"))
		return "interrupted";
	if (!f->run.has_exit_code)
		return "failed";
	switch (f->run.exit_code) {
	case 3:
		for (size_t i = 0; i < f->n_space; i++)
			if (!f->space[i].fits && !strcmp(f->space[i].verdict, "never-fits"))
				return "never-fits";
		return "space";
	case 4: return "hash";
	case 5: return "download";
	case 6: return "hook";
	case 7: return "lock";
	default:
		return f->run.exit_code > 128 ? "interrupted" : "failed";
	}
}

/* D->failure is run ID, read whole (its hook runs and space checks). */
static int take_failure(struct pf_session *s, int64_t id, struct pf_diagnosis *d)
{
	struct pf_history one = { 0 };
	struct pf_history_run *f = &d->failure;

	if (pf_history(s, id, &one) < 0 || one.n != 1) {
		snprintf(d->runs_error, sizeof(d->runs_error), "run #%lld: %s", (long long)id,
			 pf_error_message(s->ctx));
		pf_clear_error(s->ctx);
		pf_history_clear(&one);
		return 0;
	}
	*f = one.runs[0];
	free(one.runs);
	d->have_failure = true;
	for (size_t i = f->n_steps; i-- > 0;) {
		if (!d->failure_step[0])
			snprintf(d->failure_step, sizeof(d->failure_step), "%s", f->steps[i].step);
		if (f->steps[i].unit[0]) {
			snprintf(d->failure_unit, sizeof(d->failure_unit), "%s", f->steps[i].unit);
			snprintf(d->failure_label, sizeof(d->failure_label), "%s", f->steps[i].label);
			break;
		}
	}
	/* a hook run still "running" in a run that was interrupted died with
	 * it (history settles the run, not its hook runs): say so */
	for (size_t i = 0; !strcmp(f->run.outcome, "interrupted") && i < f->n_hooks; i++)
		if (!strcmp(f->hooks[i].state, "running"))
			snprintf(f->hooks[i].state, sizeof(f->hooks[i].state), "interrupted");
	/* a refused run records no step naming a unit: the space check that
	 * did not fit names it (the refusal is made while planning) */
	for (size_t i = 0; !d->failure_unit[0] && i < f->n_space; i++) {
		if (f->space[i].fits)
			continue;
		snprintf(d->failure_unit, sizeof(d->failure_unit), "%s", f->space[i].unit);
		snprintf(d->failure_label, sizeof(d->failure_label), "%s", f->space[i].label);
		if (!d->failure_step[0])
			snprintf(d->failure_step, sizeof(d->failure_step), "planning");
	}
	/* an older schema has no cause column: then the exit code tells */
	if (pf_db_tx_cause_of(s->db, id, d->failure_cause, sizeof(d->failure_cause)) < 0)
		pf_clear_error(s->ctx);
	if (!d->failure_cause[0] || pf_diag_cause_of(d->failure_cause) < 0)
		snprintf(d->failure_cause, sizeof(d->failure_cause), "%s", cause_of_code(f));
	return 0;
}

int pf_diag_runs(struct pf_session *s, struct pf_diagnosis *d)
{
	struct pf_history h = { 0 };
	struct pf_run *all = NULL;
	size_t first, standing = SIZE_MAX;
	int r = -1;

	if (!s->db)
		return 0;
	if (pf_history(s, 0, &h) < 0) {
		snprintf(d->runs_error, sizeof(d->runs_error), "%s", pf_error_message(s->ctx));
		pf_clear_error(s->ctx);
		return 0;
	}
	all = calloc(h.n ? h.n : 1, sizeof(*all));
	if (!all) {
		pf_fail(s->ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < h.n; i++)
		all[i] = h.runs[i].run;
	first = h.n > PF_DIAG_RUNS ? h.n - PF_DIAG_RUNS : 0;
	d->runs = calloc(h.n - first ? h.n - first : 1, sizeof(*d->runs));
	if (!d->runs) {
		pf_fail(s->ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	memcpy(d->runs, all + first, (h.n - first) * sizeof(*d->runs));
	d->n_runs = h.n - first;
	for (size_t i = h.n; i-- > 0 && standing == SIZE_MAX;)
		if (pf_diag_stands(all, h.n, i))
			standing = i;
	r = standing == SIZE_MAX ? 0 : take_failure(s, all[standing].id, d);
out:
	free(all);
	pf_history_clear(&h);
	return r;
}
