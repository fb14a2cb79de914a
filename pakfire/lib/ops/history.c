/* History: see history.h. Reads only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "ops/history.h"
#include "ops/hook.h"
#include "ops/lock.h"
#include "ops/session.h"
#include "resolve/transaction.h"
#include "state/db.h"
#include "state/history.h"
#include "state/hooks.h"

static void run_of(const struct pf_tx_info *t, struct pf_run *r)
{
	memset(r, 0, sizeof(*r));
	r->id = t->id;
	snprintf(r->command, sizeof(r->command), "%s", t->command);
	r->started = t->started;
	r->ended = t->ended;
	snprintf(r->outcome, sizeof(r->outcome), "%s", t->outcome);
	r->has_exit_code = t->has_exit_code;
	r->exit_code = t->exit_code;
	snprintf(r->error, sizeof(r->error), "%s", t->error);
	r->dry_run = t->dry_run;
}

/* What a run that never ended (outcome NULL) is now. Only the newest open
 * run can be the one a process is at (one pakfire at a time, and a
 * restarted one goes on with its own): while another process holds the
 * lock it is running, with that pid. Every other open run, and the newest
 * when nobody holds the lock, was interrupted: the next pakfire under the
 * lock records that (pf_db_close_stale_transactions). When /proc/locks
 * cannot be read, nothing is said but that: the outcome stays unknown. */
static int settle_open(struct pf_ctx *ctx, struct pf_run *r, bool newest)
{
	bool held;
	long pid;
	int known;

	if (r->outcome[0] || r->dry_run)
		return 0;
	if (!newest) {
		held = false;
		known = 1;
	} else if ((known = pf_lock_holder(ctx, &held, &pid)) < 0) {
		return -1;
	}
	if (known == 0) {
		pf_warn(ctx, "cannot tell whether run #%lld is still running (/proc/locks cannot be"
			" read): it has not ended", (long long)r->id);
		return 0;
	}
	if (held) {
		r->running = true;
		r->pid = pid;
		return 0;
	}
	snprintf(r->outcome, sizeof(r->outcome), "interrupted");
	if (!r->error[0])
		snprintf(r->error, sizeof(r->error), "did not finish, and no pakfire is at it: the"
			 " process was killed or the power failed");
	return 0;
}

/* The space checks run V recorded, as the view shows them. */
static int add_space(struct pf_session *s, struct pf_history_run *v)
{
	struct pf_space_info *rows = NULL;
	size_t n = 0;

	if (pf_db_space_checks(s->db, v->run.id, &rows, &n) < 0)
		return -1;
	v->space = calloc(n ? n : 1, sizeof(*v->space));
	if (!v->space) {
		free(rows);
		return pf_fail(s->ctx, PF_E_OTHER, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		const struct pf_space_info *e = &rows[i];
		struct pf_run_space *d = &v->space[i];
		struct pf_unit u;

		pf_unit_from_id(&u, e->unit);
		snprintf(d->unit, sizeof(d->unit), "%s", e->unit);
		pf_unit_label(&u, d->label);
		snprintf(d->mount, sizeof(d->mount), "%s", e->mount);
		d->needed = e->needed;
		d->available = e->available;
		d->reserve = e->reserve;
		d->inodes_needed = e->inodes_needed;
		d->inodes_available = e->inodes_available;
		d->fits = e->fits;
		snprintf(d->verdict, sizeof(d->verdict), "%s", e->verdict);
		d->total = e->total;
		d->usable = e->usable;
		d->judged = e->judged;
		d->minimum = e->minimum;
		d->recommended = e->recommended;
		d->freeable = e->freeable;
	}
	v->n_space = n;
	free(rows);
	return 0;
}

/* The hook runs that did not end ok, counted on the run they belong to;
 * for one run (ID > 0), its hook runs too. */
static int add_hooks(struct pf_session *s, int64_t id, struct pf_history *out)
{
	struct pf_hook_run_row *rows = NULL;
	size_t n = 0, k = 0;

	if (pf_db_hook_runs_failed(s->db, &rows, &n) < 0)
		return -1;
	/* both in order of id */
	for (size_t i = 0; i < n; i++) {
		while (k < out->n && out->runs[k].run.id < rows[i].tx)
			k++;
		if (k < out->n && out->runs[k].run.id == rows[i].tx) {
			out->runs[k].hooks_failed++;
			out->runs[k].hook_open |= pf_hook_run_is_open(&rows[i]);
		}
	}
	pf_hook_run_rows_free(rows, n);
	if (id > 0 && out->n == 1)
		return pf_hook_runs_of_tx(s, id, &out->runs[0].hooks, &out->runs[0].n_hooks);
	return 0;
}

int pf_history(struct pf_session *s, int64_t id, struct pf_history *out)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_history_entry *h = NULL;
	size_t n = 0;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (pf_db_history(s->db, id, &h, &n) < 0)
		return -1;
	out->runs = calloc(n ? n : 1, sizeof(*out->runs));
	if (!out->runs) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct pf_history_run *v = &out->runs[i];

		run_of(&h[i].tx, &v->run);
		v->steps = calloc(h[i].n_steps ? h[i].n_steps : 1, sizeof(*v->steps));
		if (!v->steps) {
			pf_fail(ctx, PF_E_OTHER, "out of memory");
			goto out;
		}
		out->n = i + 1;
		for (size_t k = 0; k < h[i].n_steps; k++) {
			const struct pf_step_info *st = &h[i].steps[k];
			struct pf_run_step *d = &v->steps[k];
			struct pf_unit u;

			d->at = st->at;
			if (st->unit[0]) {
				pf_unit_from_id(&u, st->unit);
				snprintf(d->unit, sizeof(d->unit), "%s", st->unit);
				pf_unit_label(&u, d->label);
				d->core = u.number;
			}
			snprintf(d->step, sizeof(d->step), "%s", st->step);
			snprintf(d->detail, sizeof(d->detail), "%s", st->detail);
		}
		v->n_steps = h[i].n_steps;
	}
	/* newest first: only the newest open run can be running */
	for (size_t i = n, newest = 1; i-- > 0;) {
		bool open = !out->runs[i].run.outcome[0] && !out->runs[i].run.dry_run;

		if (settle_open(ctx, &out->runs[i].run, open && newest) < 0)
			goto out;
		newest &= !open;
	}
	if (add_hooks(s, id, out) < 0 || (id > 0 && n == 1 && add_space(s, &out->runs[0]) < 0))
		goto out;
	r = 0;
out:
	if (r < 0)
		pf_history_clear(out);
	pf_history_free(h, n);
	return r;
}

void pf_history_clear(struct pf_history *h)
{
	for (size_t i = 0; h->runs && i < h->n; i++) {
		free(h->runs[i].steps);
		pf_hook_run_views_free(h->runs[i].hooks, h->runs[i].n_hooks);
		free(h->runs[i].space);
	}
	free(h->runs);
	h->runs = NULL;
	h->n = 0;
}

int pf_last_run(struct pf_db *db, bool real_only, struct pf_run *out, bool *found)
{
	struct pf_tx_info t;

	memset(out, 0, sizeof(*out));
	*found = false;
	if (pf_db_last_tx(db, real_only, &t) < 0)
		return -1;
	if (t.found) {
		run_of(&t, out);
		*found = true;
	}
	/* the newest run: the only one that can be running */
	return settle_open(pf_db_ctx(db), out, true);
}
