/* The runs of hooks, and acting on a failed one: see hook.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "format/config.h"
#include "hooks/hooks.h"
#include "ops/hook.h"
#include "ops/session.h"
#include "resolve/transaction.h"
#include "state/history.h"
#include "state/hooks.h"
#include "state/system.h"

void pf_hook_run_view_clear(struct pf_hook_run_view *v)
{
	if (!v)
		return;
	free(v->output);
	v->output = NULL;
	v->output_len = 0;
}

void pf_hook_run_views_free(struct pf_hook_run_view *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		pf_hook_run_view_clear(&v[i]);
	free(v);
}

void pf_hook_run_view_of(struct pf_hook_run_row *row, struct pf_hook_run_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = row->id;
	v->tx = row->tx;
	v->local = !row->unit[0];
	snprintf(v->unit, sizeof(v->unit), "%s", row->unit);
	if (v->local) {
		snprintf(v->label, sizeof(v->label), "local");
	} else {
		struct pf_unit u;

		pf_unit_from_id(&u, row->unit);
		pf_unit_label(&u, v->label);
	}
	snprintf(v->phase, sizeof(v->phase), "%s", row->phase);
	snprintf(v->name, sizeof(v->name), "%s", row->name);
	snprintf(v->state, sizeof(v->state), "%s", row->state);
	v->started = row->started;
	v->ended = row->ended;
	v->duration_ms = row->duration_ms;
	v->exit_code = row->exit_code;
	v->signal = row->signal;
	v->output_total = row->output_total;
	v->dropped = row->dropped;
	v->output = row->output;
	v->output_len = row->output_len;
	row->output = NULL;
	row->output_len = 0;
	v->open = pf_hook_run_is_open(row);
	v->resolved_by = row->resolved > 0 ? row->resolved : 0;
	v->acknowledged = row->resolved == -1;
	v->rerun_of = row->rerun_of;
}

struct pf_hook_run_view *pf_hook_run_views_of(struct pf_session *s, struct pf_hook_run_row *rows,
					      size_t n)
{
	struct pf_hook_run_view *v = calloc(n ? n : 1, sizeof(*v));

	if (!v) {
		pf_fail(s->ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		pf_hook_run_view_of(&rows[i], &v[i]);
	return v;
}

/* Rows from the state layer turned into *OUT (N of them); frees ROWS. */
static int views(struct pf_session *s, int rc, struct pf_hook_run_row *rows, size_t n,
		 struct pf_hook_run_view **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	if (rc < 0)
		return -1;
	*out = pf_hook_run_views_of(s, rows, n);
	pf_hook_run_rows_free(rows, n);
	if (!*out)
		return -1;
	*count = n;
	return 0;
}

int pf_hook_open_runs(struct pf_session *s, struct pf_hook_run_view **out, size_t *n)
{
	struct pf_hook_run_row *rows = NULL;
	size_t k = 0;

	int rc = pf_db_hook_runs_open(s->db, &rows, &k);

	return views(s, rc, rows, k, out, n);
}

int pf_hook_runs_of_tx(struct pf_session *s, int64_t tx, struct pf_hook_run_view **out,
		       size_t *n)
{
	struct pf_hook_run_row *rows = NULL;
	size_t k = 0;

	int rc = pf_db_hook_runs_of_tx(s->db, tx, &rows, &k);

	return views(s, rc, rows, k, out, n);
}

int pf_hook_list(struct pf_session *s, bool all, struct pf_hook_list *out)
{
	struct pf_hook_run_row *rows = NULL;
	size_t k = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->all = all;
	if (pf_hook_open_runs(s, &out->open, &out->n_open) < 0)
		return -1;
	/* the rows exist once the call returned: then they are handed on */
	rc = pf_db_hook_runs_recent(s->db, all ? 0 : PF_HOOK_LIST_RECENT, &rows, &k);
	if (views(s, rc, rows, k, &out->recent, &out->n_recent) < 0) {
		pf_hook_list_clear(out);
		return -1;
	}
	return 0;
}

void pf_hook_list_clear(struct pf_hook_list *l)
{
	pf_hook_run_views_free(l->open, l->n_open);
	pf_hook_run_views_free(l->recent, l->n_recent);
	l->open = l->recent = NULL;
	l->n_open = l->n_recent = 0;
}

int pf_hook_show(struct pf_session *s, int64_t id, struct pf_hook_run_view *out)
{
	struct pf_hook_run_row row;
	bool found;

	memset(out, 0, sizeof(*out));
	if (pf_db_hook_run_get(s->db, id, &row, &found) < 0)
		return -1;
	if (!found)
		return pf_fail(s->ctx, PF_E_USAGE, "there is no hook run %lld"
			       " ('pakfire hook list' shows them)", (long long)id);
	pf_hook_run_view_of(&row, out);
	return 0;
}

int pf_hook_ack(struct pf_session *s, int64_t id, struct pf_hook_run_view *out)
{
	char detail[256];
	int64_t tx = 0;
	int r = -1;

	/* Checked before anything is recorded: a mistyped ID is no event
	 * of the history. */
	if (pf_hook_show(s, id, out) < 0)
		return -1;
	if (!out->open) {
		pf_hook_run_view_clear(out);
		/* the state layer says why, in the same words as below */
		return pf_db_hook_run_ack(s->db, id) < 0 ? -1 :
		       pf_fail(s->ctx, PF_E_OTHER, "internal: hook run %lld acknowledged but"
			       " not open", (long long)id);
	}
	snprintf(detail, sizeof(detail), "run %lld: %s hook %s, %s, acknowledged by the admin",
		 (long long)id, out->phase, out->name, out->state);
	pf_hook_run_view_clear(out);
	if (pf_session_tx_begin(s, "hook ack", &tx) < 0)
		return -1;
	if (pf_db_hook_run_ack(s->db, id) < 0 ||
	    pf_db_tx_step(s->db, tx, out->local ? NULL : out->unit, "hook acknowledged",
			  detail) < 0)
		goto out;
	r = 0;
out:
	pf_session_tx_end(s, tx);
	return r < 0 ? -1 : pf_hook_show(s, id, out);
}

/* The database's folder, as pakfire.conf gives it ("/var/lib/pakfire"). */
static int db_folder(struct pf_session *s, char *buf, size_t size)
{
	const char *db = s->config->database, *slash = strrchr(db, '/');
	size_t len = slash ? (size_t)(slash - db) : 0;

	if (!slash || len + 1 > size)
		return pf_fail(s->ctx, PF_E_USAGE, "database path %s must be an absolute file path",
			       db);
	snprintf(buf, size, "%.*s", (int)(len ? len : 1), len ? db : "/");
	return 0;
}

int pf_hook_rerun(struct pf_session *s, int64_t id, struct pf_hook_run_view *out)
{
	struct pf_system sys;
	char dir[4096];
	int64_t tx = 0;
	int r = -1;

	if (pf_hook_show(s, id, out) < 0)
		return -1;
	pf_hook_run_view_clear(out);
	if (out->local)
		return pf_fail(s->ctx, PF_E_USAGE, "hook run %lld is of the local hook %s, of which"
			       " pakfire keeps no copy: run it yourself (a local hook holds no"
			       " upgrade)", (long long)id, out->name);
	if (!strcmp(out->state, "pending") || !strcmp(out->state, "running"))
		return pf_fail(s->ctx, PF_E_USAGE, "hook run %lld has not ended (the recovery of"
			       " the next run of pakfire runs it)", (long long)id);
	if (pf_db_get_system(s->db, &sys) < 0 || db_folder(s, dir, sizeof(dir)) < 0 ||
	    pf_session_tx_begin(s, "hook rerun", &tx) < 0)
		return -1;
	{
		const struct pf_hooks hk = {
			.ctx = s->ctx, .db = s->db, .tx = tx, .dbdir = dir,
			.timeout = s->config->hook_timeout,
			.boot_id_file = s->config->boot_id_file,
			.live = s->ctx->verbosity > 0, .series = sys.series, .core = sys.core,
		};

		r = pf_hooks_rerun(&hk, id);
	}
	pf_session_tx_end(s, tx);
	/* the run as it is now, also after a failure (its error stays) */
	if (pf_error_class(s->ctx) == PF_E_OK)
		return pf_hook_show(s, id, out);
	return r;
}
