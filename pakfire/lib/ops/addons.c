/* Installing and removing add-ons: see addons.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "format/index.h"
#include "format/manifest.h"
#include "ops/addons.h"
#include "ops/pipeline.h"
#include "ops/pipeline-hooks.h"
#include "ops/session.h"
#include "ops/update.h"
#include "resolve/transaction.h"
#include "state/db.h"
#include "state/history.h"
#include "state/system.h"
#include "state/units.h"

int pf_addons_load(struct pf_db *db, struct pf_addons *out)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	if (pf_db_addons(db, &out->rows, &n) < 0)
		return -1;
	out->v = calloc(n + 1, sizeof(*out->v));
	if (!out->v) {
		pf_addon_rows_free(out->rows, n);
		out->rows = NULL;
		return pf_fail(pf_db_ctx(db), PF_E_OTHER, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		out->v[i] = (struct pf_installed){
			.name = out->rows[i].name, .version = out->rows[i].version,
			.series = out->rows[i].series, .reason = out->rows[i].reason,
			.depends = out->rows[i].depends,
		};
	out->set = (struct pf_installed_set){ .v = out->v, .n = n };
	return 0;
}

void pf_addons_clear(struct pf_addons *a)
{
	pf_addon_rows_free(a->rows, a->set.n);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* Run T as command COMMAND ("install", "remove"), or say there is nothing
 * to do. *DONE: every unit was applied (nothing to do counts). */
static int run(struct pf_session *s, const char *command, struct pf_transaction *t,
	       const struct pf_addons_opts *opts, bool *done)
{
	struct pf_pipeline_opts po = {
		.dry_run = opts->dry_run, .confirm = opts->confirm, .confirm_data = opts->confirm_data,
	};
	int64_t tx = 0;
	size_t applied;
	int r;

	*done = t->n == 0;
	if (t->n == 0) {
		pf_info(s->ctx, "nothing to do: %s", !strcmp(command, "install") ?
			"every add-on named is installed already, at the build the index offers" :
			"nothing named is installed");
		return 0;
	}
	if (opts->dry_run)
		pf_session_dry_run(s, command);
	else if (pf_session_tx_begin(s, command, &tx) < 0)
		return -1;
	/* Restarted to go on: the admin said yes already. */
	if (s->resumed)
		po.confirm = NULL;
	r = pf_pipeline_run(s, t, tx, &po, &applied);
	*done = r == 0 && applied == t->n;
	pf_session_tx_end(s, tx);
	return r;
}

/* Asked for by name: an add-on that was only a dependency becomes one the
 * admin wants, even when nothing else changes. */
static int mark_asked(struct pf_session *s, const struct pf_addons *inst,
		      const struct pf_addons_opts *opts)
{
	if (opts->dry_run)
		return 0;
	for (size_t i = 0; i < opts->n; i++)
		for (size_t k = 0; k < inst->set.n; k++)
			if (!strcmp(inst->v[k].name, opts->names[i]) &&
			    !strcmp(inst->v[k].reason, "dependency") &&
			    pf_db_addon_set_explicit(s->db, opts->names[i]) < 0)
				return -1;
	return 0;
}

int pf_install(struct pf_session *s, const struct pf_addons_opts *opts)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_addons inst = { 0 };
	struct pf_transaction *t = NULL;
	struct pf_index *idx = NULL;
	struct pf_system sys;
	bool done = false;
	int r = -1;

	/* Held by a failed post hook: the admin sees to it first. */
	if (pf_pipeline_hold(s, opts->dry_run) < 0)
		return -1;
	if (pf_db_get_system(s->db, &sys) < 0 || pf_addons_load(s->db, &inst) < 0)
		return -1;
	/* Only ever from the index of the series the system is on. */
	if (pf_current_index(s, &sys, true, &idx) < 0)
		goto out;
	t = pf_transaction_new(ctx, sys.series, sys.arch, sys.core);
	if (!t || pf_resolve_install(ctx, idx, &inst.set, opts->names, opts->n, t) < 0 ||
	    run(s, "install", t, opts, &done) < 0 || (done && mark_asked(s, &inst, opts) < 0))
		goto out;
	r = 0;
out:
	pf_transaction_free(t);
	pf_index_free(idx);
	pf_addons_clear(&inst);
	return r;
}

/* What one removal unit takes away: a `remove` entry for every path its
 * add-on owns, what is inside a folder before the folder. */
struct removal_manifest {
	char *buf;
	size_t len;
	FILE *f;
};

static int add_line(void *data, const char *path, const char *type)
{
	struct removal_manifest *rm = data;

	(void)type;
	return fprintf(rm->f, "remove\t%s\n", path) < 0 ? 1 : 0; /* 1: out of memory */
}

static int removal_manifest(struct pf_session *s, struct pf_unit *u)
{
	struct removal_manifest rm = { 0 };
	int r;

	rm.f = open_memstream(&rm.buf, &rm.len);
	if (!rm.f)
		return pf_fail_errno(s->ctx, PF_E_OTHER, "%s", u->id);
	fputs("pakfire-manifest\t1\n", rm.f);
	r = pf_db_unit_paths(s->db, u->id, add_line, &rm);
	if (fclose(rm.f) != 0 && r == 0)
		r = pf_fail(s->ctx, PF_E_OTHER, "out of memory");
	if (r != 0) {
		free(rm.buf);
		return r < 0 ? r : pf_fail(s->ctx, PF_E_OTHER, "out of memory");
	}
	u->manifest = rm.buf;
	u->manifest_len = rm.len;
	return pf_manifest_parse(s->ctx, u->id, u->manifest, u->manifest_len, &u->m);
}

int pf_remove(struct pf_session *s, const struct pf_addons_opts *opts)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_addons inst = { 0 };
	struct pf_transaction *t = NULL;
	struct pf_system sys;
	bool done;
	int r = -1;

	/* Held by a failed post hook: the admin sees to it first. */
	if (pf_pipeline_hold(s, opts->dry_run) < 0)
		return -1;
	if (pf_db_get_system(s->db, &sys) < 0 || pf_addons_load(s->db, &inst) < 0)
		return -1;
	t = pf_transaction_new(ctx, sys.series, sys.arch, sys.core);
	if (!t || pf_resolve_remove(ctx, &inst.set, opts->names, opts->n, opts->with_dependents,
				    t) < 0)
		goto out;
	for (size_t i = 0; i < t->n; i++)
		if (removal_manifest(s, &t->units[i]) < 0)
			goto out;
	if (run(s, "remove", t, opts, &done) < 0)
		goto out;
	r = 0;
out:
	pf_transaction_free(t);
	pf_addons_clear(&inst);
	return r;
}
