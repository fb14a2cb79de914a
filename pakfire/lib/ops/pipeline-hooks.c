/* Hooks in the pipeline: see pipeline-hooks.h. */
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "format/config.h"
#include "hooks/local.h"
#include "ops/pipeline-hooks.h"
#include "ops/session.h"
#include "resolve/transaction.h"
#include "state/hooks.h"

void pf_pipeline_hooks_init(struct pf_session *s, const struct pf_transaction *t, int64_t tx,
			    const char *dbdir, struct pf_hooks *hk)
{
	*hk = (struct pf_hooks){
		.ctx = s->ctx, .db = s->db, .tx = tx, .dbdir = dbdir,
		.timeout = s->config->hook_timeout,
		.boot_id_file = s->config->boot_id_file,
		/* --verbose: the output as it comes (text mode shows it). */
		.live = s->ctx->verbosity > 0,
		.series = t->series, .core = t->core,
	};
}

int pf_pipeline_local_hooks(const struct pf_hooks *hk, const struct pf_transaction *t,
			    size_t from, size_t to, const char *phase, unsigned core)
{
	struct pf_hooks at = *hk;
	size_t len = 1;
	char *units;
	int r;

	for (size_t i = from; i < to; i++)
		len += strlen(t->units[i].id) + 1;
	units = malloc(len);
	if (!units)
		return pf_fail(hk->ctx, PF_E_OTHER, "out of memory");
	units[0] = '\0';
	for (size_t i = from; i < to; i++) {
		if (i > from)
			strcat(units, " ");
		strcat(units, t->units[i].id);
	}
	at.core = core;
	r = pf_local_hooks_run(&at, phase, units);
	free(units);
	return r;
}

int pf_pipeline_hold(struct pf_session *s, bool dry_run)
{
	if (pf_hooks_refuse_open(s->ctx, s->db) == 0)
		return 0;
	if (!dry_run || pf_error_class(s->ctx) != PF_E_HOOK)
		return -1;
	pf_warn(s->ctx, "%s", pf_error_message(s->ctx));
	pf_clear_error(s->ctx);
	return 0;
}

void pf_pipeline_hook_failed(struct pf_session *s, const char *label)
{
	struct pf_hook_run_row *rows = NULL;
	size_t n = 0;
	long long id;

	/* The newest open run is the one that just failed. */
	if (pf_db_hook_runs_open(s->db, &rows, &n) < 0 || !n) {
		pf_fail_wrap(s->ctx, "%s was applied, but a hook of it failed", label);
		pf_hook_run_rows_free(rows, n);
		return;
	}
	id = (long long)rows[n - 1].id;
	pf_fail_wrap(s->ctx, "%s was applied, but not all of its hooks ran; nothing more is"
		     " changed until the hook is run again ('pakfire hook rerun %lld') or"
		     " acknowledged ('pakfire hook ack %lld')", label, id, id);
	pf_hook_run_rows_free(rows, n);
}
