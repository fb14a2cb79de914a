/* `pakfire verify --fix`: see repair.h.
 *
 * Four steps: verify (each finding kept with its database row), decide per
 * path (a config file kept; a path something else stands on, or that could
 * not be read, not repairable), build one repair unit per owner from the
 * signed index of the system's series (an owner the index no longer lists,
 * or lists at another build, is not repairable), fetch and verify each
 * unit's manifest, keep of it only the entries equal to the database rows,
 * and hand the transaction to the pipeline like any other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "format/index.h"
#include "format/manifest.h"
#include "ops/addons.h"
#include "ops/pipeline.h"
#include "ops/repair.h"
#include "ops/session.h"
#include "ops/update.h"
#include "resolve/addons.h"
#include "resolve/transaction.h"
#include "state/system.h"
#include "state/units.h"

/* A path that differs, with its database row. */
struct damaged {
	struct pf_entry row;        /* row.path and row.target malloc'd */
	char owner[PF_UNIT_ID_MAX];
	unsigned core;
	char found[64];             /* a type finding: what stands there */
	char unreadable[128];       /* "" or why it could not be read */
	bool type;                  /* something else stands there */
	bool decided;               /* told: kept or not repairable */
	size_t unit;                /* its repair unit in the transaction */
};

struct fix {
	struct pf_ctx *ctx;
	const struct pf_repair_opts *o;
	struct damaged *d;
	size_t n, cap;
	bool oom;
	size_t not_repairable, kept;
};

static void collect(const struct pf_finding *f, void *data)
{
	struct fix *x = data;
	struct damaged *d;

	if (x->o->finding)
		x->o->finding(f, x->o->finding_data);
	if (x->oom)
		return;
	/* One row at a time: a path's findings come together. */
	if (!x->n || strcmp(x->d[x->n - 1].row.path, f->path)) {
		if (x->n == x->cap) {
			size_t cap = x->cap ? x->cap * 2 : 32;
			struct damaged *p = realloc(x->d, cap * sizeof(*p));

			if (!p) {
				x->oom = true;
				return;
			}
			x->d = p;
			x->cap = cap;
		}
		d = &x->d[x->n];
		memset(d, 0, sizeof(*d));
		d->row = *f->row;
		d->row.path = strdup(f->row->path);
		d->row.target = f->row->target ? strdup(f->row->target) : NULL;
		if (!d->row.path || (f->row->target && !d->row.target)) {
			free(d->row.path);
			free(d->row.target);
			x->oom = true;
			return;
		}
		snprintf(d->owner, sizeof(d->owner), "%s", f->unit);
		d->core = f->owner;
		x->n++;
	}
	d = &x->d[x->n - 1];
	if (f->kind == PF_FINDING_TYPE) {
		d->type = true;
		snprintf(d->found, sizeof(d->found), "%s", f->found ? f->found : "");
	} else if (f->kind == PF_FINDING_UNREADABLE) {
		snprintf(d->unreadable, sizeof(d->unreadable), "%s", f->found ? f->found : "");
	}
}

static void tell(struct fix *x, struct damaged *d, enum pf_repair_kind kind, const char *why)
{
	d->decided = true;
	if (kind == PF_REPAIR_NOT_REPAIRABLE)
		x->not_repairable++;
	else if (kind == PF_REPAIR_KEPT)
		x->kept++;
	if (x->o->item)
		x->o->item(&(struct pf_repair_item){
			.kind = kind, .path = d->row.path, .unit = d->owner, .core = d->core,
			.why = why, .dry_run = x->o->dry_run,
		}, x->o->item_data);
}

/* The admin's config files: the owned paths under etc/ (the rule,
 * docs/diagnose.md: manifests carry no flag). */
static bool config_file(const char *path)
{
	return !strncmp(path, "etc/", 4);
}

/* What is decided by the path alone, before any index is read. */
static void decide_paths(struct fix *x)
{
	char why[256];

	for (size_t i = 0; i < x->n; i++) {
		struct damaged *d = &x->d[i];
		bool dir = d->row.type == PF_ENTRY_DIR;

		if (d->unreadable[0]) {
			snprintf(why, sizeof(why), "it could not be read (%s)", d->unreadable);
			tell(x, d, PF_REPAIR_NOT_REPAIRABLE, why);
		} else if (d->type && (dir || !strcmp(d->found, "dir"))) {
			/* Never taken away: what stands there may hold the
			 * admin's files, which the database does not own. */
			snprintf(why, sizeof(why), "a %s stands where the %s belongs; move it away"
				 " and run 'pakfire verify --fix' again", d->found,
				 pf_entry_type_name(d->row.type));
			tell(x, d, PF_REPAIR_NOT_REPAIRABLE, why);
		} else if (config_file(d->row.path) && !x->o->fix_config) {
			tell(x, d, PF_REPAIR_KEPT, "a config file the admin changed; use"
			     " --fix-config to restore it");
		}
	}
}

/* Every damaged path of OWNER not decided yet is not repairable: WHY. */
static void refuse_owner(struct fix *x, const char *owner, const char *why)
{
	for (size_t i = 0; i < x->n; i++)
		if (!x->d[i].decided && !strcmp(x->d[i].owner, owner))
			tell(x, &x->d[i], PF_REPAIR_NOT_REPAIRABLE, why);
}

/* Core updates first, by number, then add-ons by name: the folders of
 * the core exist before an add-on's files go into them. */
static int owner_cmp(const void *a, const void *b)
{
	const struct damaged *x = a, *y = b;

	if (!x->core != !y->core)
		return x->core ? -1 : 1;
	if (x->core != y->core)
		return x->core < y->core ? -1 : 1;
	return strcmp(x->owner, y->owner);
}

/* OWNER's stanza in IDX (the index of SERIES), or NULL after telling why
 * its paths are not repairable. */
static const struct pf_index_entry *stanza_of(struct fix *x, const struct pf_index *idx,
					      const char *series, const struct damaged *d,
					      const struct pf_addons *inst)
{
	const struct pf_index_entry *e;
	char why[512], have[128];

	if (d->core) {
		e = pf_index_find_core(idx, d->core);
		if (!e) {
			snprintf(why, sizeof(why), "the index of series %s no longer lists core %u,"
				 " so nothing vouches for its package", series, d->core);
			refuse_owner(x, d->owner, why);
			return NULL;
		}
	} else {
		const char *installed = NULL;

		for (size_t k = 0; k < inst->set.n; k++)
			if (!strcmp(inst->v[k].name, d->owner))
				installed = inst->v[k].version;
		e = pf_index_find_addon(idx, d->owner);
		if (!e || !installed) {
			snprintf(why, sizeof(why), "the index of series %s no longer lists the"
				 " add-on %s, so nothing vouches for its package", series, d->owner);
			refuse_owner(x, d->owner, why);
			return NULL;
		}
		pf_addon_version(e, have, sizeof(have));
		if (strcmp(have, installed)) {
			snprintf(why, sizeof(why), "the index of series %s offers %s %s, not the"
				 " installed %s; 'pakfire upgrade' installs the current build",
				 series, d->owner, have, installed);
			refuse_owner(x, d->owner, why);
			return NULL;
		}
	}
	if (!pf_index_entry_honoured(e)) {
		snprintf(why, sizeof(why), "its stanza in the index of series %s asks for a newer"
			 " pakfire", series);
		refuse_owner(x, d->owner, why);
		return NULL;
	}
	return e;
}

/* Whether manifest entry E describes the path exactly as the database
 * row R recorded it. */
static bool same(const struct pf_entry *e, const struct pf_entry *r)
{
	if (e->type != r->type)
		return false;
	if (e->type == PF_ENTRY_SYMLINK)
		return r->target && !strcmp(e->target, r->target);
	if (e->mode != r->mode || e->uid != r->uid || e->gid != r->gid)
		return false;
	return e->type != PF_ENTRY_FILE ||
	       (e->size == r->size && !memcmp(e->sha256, r->sha256, sizeof(e->sha256)));
}

/* Unit I (owner of the damaged paths whose unit is I): keep of its
 * verified manifest only the entries equal to their rows; the others are
 * not repairable. Its M becomes that selection, APPLIES its bytes. */
static int select_entries(struct fix *x, struct pf_transaction *t, size_t i, size_t *n_sel)
{
	struct pf_unit *u = &t->units[i];
	struct pf_manifest *sel = pf_manifest_new();
	char why[512];
	int r = -1;

	*n_sel = 0;
	if (!sel)
		return pf_fail(x->ctx, PF_E_OTHER, "out of memory");
	for (size_t k = 0; k < x->n; k++) {
		struct damaged *d = &x->d[k];
		const struct pf_entry *e;

		if (d->decided || d->unit != i)
			continue;
		e = pf_manifest_find(u->m, d->row.path);
		if (!e || !same(e, &d->row)) {
			snprintf(why, sizeof(why), "the signed manifest %s of series %s %s",
				 u->entry->manifest, t->series,
				 e ? "describes it otherwise than the database recorded (the unit"
				     " was published again with other bytes)" : "does not list it");
			tell(x, d, PF_REPAIR_NOT_REPAIRABLE, why);
			continue;
		}
		if (pf_manifest_add(x->ctx, sel, e) < 0)
			goto out;
		(*n_sel)++;
	}
	if (!*n_sel) {
		r = 0;
		goto out;
	}
	if (pf_manifest_check(x->ctx, u->id, sel) < 0 ||
	    pf_manifest_write(x->ctx, sel, &u->applies, &u->applies_len) < 0)
		goto out;
	pf_manifest_free(u->m);
	u->m = sel;
	sel = NULL;
	r = 0;
out:
	pf_manifest_free(sel);
	return r;
}

/* Drop the units with nothing to restore (the array keeps its order). */
static void compact(struct pf_transaction *t, const size_t *n_sel)
{
	size_t to = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (n_sel[i]) {
			if (to != i) {
				struct pf_unit tmp = t->units[to];

				t->units[to] = t->units[i];
				t->units[i] = tmp;
			}
			to++;
		}
	}
	pf_transaction_truncate(t, to);
}

/* The repair units of the paths left to restore, each with its selected
 * manifest; units with nothing left are dropped. */
static int build(struct fix *x, struct pf_session *s, const struct pf_system *sys,
		 const struct pf_index *idx, struct pf_transaction *t)
{
	struct pf_addons inst = { 0 };
	size_t *n_sel = NULL;
	int r = -1;

	if (pf_addons_load(s->db, &inst) < 0)
		return -1;
	qsort(x->d, x->n, sizeof(*x->d), owner_cmp);
	for (size_t k = 0; k < x->n; k++) {
		struct damaged *d = &x->d[k];
		const struct pf_index_entry *e;

		if (d->decided)
			continue;
		if (t->n && !strcmp(t->units[t->n - 1].id, d->owner)) {
			d->unit = t->n - 1;
			continue;
		}
		e = stanza_of(x, idx, sys->series, d, &inst);
		if (!e)
			continue;
		if (pf_transaction_add(x->ctx, t, e, t->series) < 0)
			goto out;
		t->units[t->n - 1].op = PF_UNIT_REPAIR;
		d->unit = t->n - 1;
	}
	n_sel = calloc(t->n ? t->n : 1, sizeof(*n_sel));
	if (!n_sel) {
		pf_fail(x->ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	/* Verified against the index before a byte of it is read; a
	 * manifest that fails is the run's error: nothing changed. */
	for (size_t i = 0; i < t->n; i++)
		if (pf_pipeline_fetch_manifest(s, t, i) < 0 || select_entries(x, t, i, &n_sel[i]) < 0)
			goto out;
	compact(t, n_sel);
	r = 0;
out:
	free(n_sel);
	pf_addons_clear(&inst);
	return r;
}

static void restored(struct fix *x, const struct pf_unit *u)
{
	for (size_t i = 0; i < u->m->n; i++)
		if (x->o->item)
			x->o->item(&(struct pf_repair_item){
				.kind = PF_REPAIR_RESTORED, .path = u->m->entries[i].path,
				.unit = u->id, .core = u->kind == PF_UNIT_CORE ? u->number : 0,
				.dry_run = x->o->dry_run,
			}, x->o->item_data);
}

/* The failure of a fix that left paths as they are: exit 4, a
 * verification failure. Its cause is "failed", not "hash": nothing that
 * was fetched failed its signed hash (that is the pipeline's own error,
 * with its own cause); the system differs from what the database recorded
 * and this run could not put it back. */
static int refuse_rest(struct fix *x)
{
	if (!x->not_repairable)
		return 0;
	pf_fail(x->ctx, PF_E_VERIFY, "%zu path%s not repairable and stay%s as %s (listed"
		" above)", x->not_repairable, x->not_repairable == 1 ? " is" : "s are",
		x->not_repairable == 1 ? "s" : "", x->not_repairable == 1 ? "it is" : "they are");
	return pf_fail_cause(x->ctx, "failed");
}

/* The run is recorded whatever it comes to (history, diagnose): begun
 * before the index is read, ended after its failure is raised, so that
 * its outcome, exit code and cause are the ones the command exits with;
 * also when nothing was left to restore (every path kept or not
 * repairable). */
static int repair(struct fix *x, struct pf_session *s)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_pipeline_opts po = {
		.dry_run = x->o->dry_run, .confirm = x->o->confirm,
		.confirm_data = x->o->confirm_data, .no_hooks = true,
	};
	struct pf_transaction *t = NULL;
	struct pf_index *idx = NULL;
	struct pf_system sys;
	size_t applied = 0;
	int64_t tx = 0;
	int r = -1;

	if (x->o->dry_run)
		pf_session_dry_run(s, "verify --fix");
	else if (pf_session_tx_begin(s, "verify --fix", &tx) < 0)
		return -1;
	decide_paths(x);
	if (pf_db_get_system(s->db, &sys) < 0)
		goto out;
	/* Only the index of the series the system is on vouches. */
	if (pf_current_index(s, &sys, true, &idx) < 0)
		goto out;
	t = pf_transaction_new(ctx, sys.series, sys.arch, sys.core);
	if (!t || build(x, s, &sys, idx, t) < 0)
		goto out;
	if (t->n) {
		r = pf_pipeline_run(s, t, tx, &po, &applied);
		if (x->o->dry_run && r == 0)
			applied = t->n; /* what would be restored */
		for (size_t i = 0; i < applied && i < t->n; i++)
			restored(x, &t->units[i]);
		if (r < 0)
			goto out;
	}
	r = refuse_rest(x);
out:
	pf_session_tx_end(s, tx);
	pf_transaction_free(t);
	pf_index_free(idx);
	return r;
}

int pf_verify_fix(struct pf_session *s, const struct pf_repair_opts *opts,
		  struct pf_verify_summary *sum)
{
	struct pf_ctx *ctx = s->ctx;
	struct fix x = { .ctx = ctx, .o = opts };
	int r = -1;

	if (pf_verify_files(s, collect, &x, sum) == 0) {
		r = 0;
		goto out;
	}
	if (pf_error_class(ctx) != PF_E_VERIFY || !sum->complete)
		goto out;
	if (x.oom) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	pf_clear_error(ctx);
	if (repair(&x, s) < 0)
		goto out;
	r = 0;
out:
	for (size_t i = 0; i < x.n; i++) {
		free(x.d[i].row.path);
		free(x.d[i].row.target);
	}
	free(x.d);
	return r;
}
