/* History: see history.h. Reads only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "ops/history.h"
#include "ops/hook.h"
#include "ops/session.h"
#include "resolve/transaction.h"
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
	if (add_hooks(s, id, out) < 0)
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
	}
	free(h->runs);
	h->runs = NULL;
	h->n = 0;
}

int pf_last_run(struct pf_db *db, struct pf_run *out, bool *found)
{
	struct pf_tx_info t;

	memset(out, 0, sizeof(*out));
	*found = false;
	if (pf_db_last_tx(db, &t) < 0)
		return -1;
	if (t.found) {
		run_of(&t, out);
		*found = true;
	}
	return 0;
}
