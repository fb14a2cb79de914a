/* `pakfire upgrade`: the pipeline over one transaction. See upgrade.h.
 *
 *   resolve  the core chain, refused in words when it cannot be what was asked
 *   fetch    every unit's manifest (small: all that planning needs)
 *   plan     the space of the whole transaction, before any download
 *   then, unit by unit: the space check on fresh numbers, the package
 *   (fetch + verify), apply, record. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/apply.h"
#include "base/context.h"
#include "fetch/units.h"
#include "format/config.h"
#include "format/index.h"
#include "format/manifest.h"
#include "ops/session.h"
#include "ops/update.h"
#include "ops/upgrade.h"
#include "plan/space.h"
#include "resolve/resolve.h"
#include "resolve/transaction.h"
#include "state/history.h"
#include "state/system.h"

/* What the pipeline carries besides the transaction. */
struct run {
	struct pf_session *s;
	struct pf_transaction *t;
	struct pf_plan_input *in;  /* one per unit */
	char (*labels)[PF_UNIT_ID_MAX];
	int64_t tx;
	int cache_fd;
};

static void announce(struct pf_ctx *ctx, const struct pf_unit *u)
{
	uint64_t files = 0, bytes = 0, removes = 0;

	for (size_t i = 0; i < u->m->n; i++) {
		const struct pf_entry *e = &u->m->entries[i];

		files += e->type == PF_ENTRY_FILE || e->type == PF_ENTRY_DIR ||
			 e->type == PF_ENTRY_SYMLINK;
		bytes += e->type == PF_ENTRY_FILE ? e->size : 0;
		removes += e->type == PF_ENTRY_REMOVE;
	}
	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_UNIT_PENDING,
		.pending = {
			.unit = pf_unit_ref_of(u), .summary = u->entry->summary,
			.entries = files, .bytes = bytes, .removals = removes,
			.reboot = u->entry->reboot,
		},
	});
}

/* Download (unless cached), verify and apply unit I; the core level moves
 * on success. */
static int apply_one(struct run *run, size_t i, struct pf_apply_result *res)
{
	struct pf_ctx *ctx = run->s->ctx;
	struct pf_db *db = run->s->db;
	struct pf_unit *u = &run->t->units[i];
	const char *name = pf_fetch_unit_pak_name(u);
	bool cached = u->pak_fd >= 0;
	int fd, r;

	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_UNIT_BEGIN,
		.begin = { .unit = pf_unit_ref_of(u), .summary = u->entry->summary },
	});
	if (cached) {
		if (pf_db_tx_step(db, run->tx, u->id, "verified", "already in the cache") < 0)
			return -1;
	} else if (pf_db_tx_step(db, run->tx, u->id, "downloading", u->entry->package) < 0) {
		return -1;
	}
	if (pf_fetch_unit_package(ctx, cached ? NULL : pf_session_fetch(run->s), run->cache_fd,
				  run->t, u, &fd) < 0 ||
	    (!cached && pf_db_tx_step(db, run->tx, u->id, "verified", NULL) < 0))
		return -1;
	r = pf_apply_unit(ctx, db, run->tx, u, fd, name, res);
	if (fd != u->pak_fd)
		close(fd);
	if (r < 0) {
		/* A package that failed its checks is no use to keep. */
		if (pf_error_class(ctx) == PF_E_VERIFY)
			unlinkat(run->cache_fd, name, 0);
		return -1;
	}
	/* Applied: the package is no use any more, and the plan counted on
	 * its room coming back. */
	if (unlinkat(run->cache_fd, name, 0) < 0)
		pf_warn(ctx, "could not delete %s from the cache: %s", name, strerror(errno));
	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_UNIT_DONE,
		.done = {
			.unit = pf_unit_ref_of(u), .installed = res->files,
			.removed = res->removed, .kept = res->kept, .reboot = u->entry->reboot,
		},
	});
	return 0;
}

/* The space check right before unit I is applied, on fresh numbers: it is
 * recorded, and refused when it does not fit. */
static int check_next(struct run *run, struct pf_space_check *sc, size_t i)
{
	struct pf_ctx *ctx = run->s->ctx;
	struct pf_plan *p = NULL;
	int r = -1;

	if (pf_space_plan(ctx, sc, &run->in[i], 1, &p) < 0 ||
	    pf_space_record(run->s->db, run->tx, p, 0) < 0)
		goto out;
	if (!p->updates[0].fits) {
		pf_space_emit(ctx, p, 0, true);
		pf_space_refuse(ctx, p, 0, pf_transaction_level_before(run->t, i), false);
		goto out;
	}
	r = 0;
out:
	pf_plan_free(p);
	return r;
}

/* The plan of the whole transaction, shown before anything is downloaded. */
static int plan_all(struct run *run, struct pf_space_check *sc, bool dry_run)
{
	struct pf_ctx *ctx = run->s->ctx;
	const struct pf_transaction *t = run->t;
	struct pf_plan *p = NULL;
	int r = -1;

	if (pf_space_plan(ctx, sc, run->in, t->n, &p) < 0)
		return -1;
	for (size_t i = 0; i < t->n && p->updates[i].reached; i++)
		pf_space_emit(ctx, p, i, false);
	if (p->first_refused < t->n) {
		size_t k = p->first_refused;

		if (dry_run) {
			pf_space_refuse(ctx, p, k, pf_transaction_level_before(t, k), true);
			goto out;
		}
		if (k > 0)
			pf_warn(ctx, "%s will not fit: the updates before it will be applied,"
				" %s and later will not", run->labels[k], run->labels[k]);
	}
	r = 0;
out:
	pf_plan_free(p);
	return r;
}

/* Resolve, fetch every manifest, and plan: everything before a change. */
static int prepare(struct run *run, const struct pf_upgrade_opts *opts, const char *cache,
		   const struct pf_index *idx, struct pf_space_check *sc)
{
	struct pf_session *s = run->s;
	struct pf_transaction *t = run->t;

	if (pf_resolve_upgrade(s->ctx, idx, t, opts->to) < 0)
		return -1;
	if (t->n == 0)
		return 0;
	run->in = calloc(t->n, sizeof(*run->in));
	run->labels = calloc(t->n, sizeof(*run->labels));
	if (!run->in || !run->labels)
		return pf_fail(s->ctx, PF_E_OTHER, "out of memory");
	run->cache_fd = pf_fetch_open_cache(s->ctx, cache, true);
	for (size_t i = 0; i < t->n; i++) {
		struct pf_unit *u = &t->units[i];

		if (pf_fetch_unit_manifest(s->ctx, pf_session_fetch(s), run->cache_fd, t, u,
					   opts->dry_run) < 0 ||
		    pf_resolve_supported_manifest(s->ctx, t, i) < 0)
			return -1;
		announce(s->ctx, u);
		run->in[i] = (struct pf_plan_input){
			.number = u->number, .unit = u->id, .label = pf_unit_label(u, run->labels[i]),
			.m = u->m, .package_size = pf_fetch_unit_need(run->cache_fd, u),
		};
	}
	if (pf_space_open(s->ctx, sc, s->db, cache, s->config->reserves, s->config->n_reserves) < 0)
		return -1;
	return plan_all(run, sc, opts->dry_run);
}

int pf_upgrade(struct pf_session *s, const struct pf_upgrade_opts *opts)
{
	struct pf_ctx *ctx = s->ctx;
	struct run run = { .s = s, .cache_fd = -1 };
	struct pf_space_check sc = { 0 };
	struct pf_index *idx = NULL;
	struct pf_system sys;
	char cache[4096];
	int r = -1;

	if (pf_db_get_system(s->db, &sys) < 0)
		return -1;
	if (!opts->dry_run && pf_db_tx_begin(s->db, "upgrade", &run.tx) < 0)
		return -1;
	run.t = pf_transaction_new(ctx, sys.series, sys.arch, sys.core);
	if (!run.t || pf_fetch_cache_dir(ctx, s->config->cache, run.t, cache, sizeof(cache)) < 0 ||
	    pf_current_index(s, &sys, true, &idx) < 0 ||
	    prepare(&run, opts, cache, idx, &sc) < 0)
		goto out;
	if (run.t->n == 0) {
		pf_emit(ctx, &(struct pf_event){
			.type = PF_EV_UPTODATE,
			.uptodate = { .core = sys.core, .series = sys.series },
		});
		pf_warn_successor(ctx, idx);
		r = 0;
		goto out;
	}
	if (opts->dry_run || (opts->confirm && !opts->confirm(opts->confirm_data))) {
		if (!opts->dry_run)
			pf_info(ctx, "nothing was changed");
		r = 0;
		goto out;
	}
	if (run.cache_fd < 0)
		run.cache_fd = pf_fetch_open_cache(ctx, cache, false);
	if (run.cache_fd < 0)
		goto out;
	for (size_t i = 0; i < run.t->n; i++) {
		unsigned level = pf_transaction_level_before(run.t, i);
		struct pf_apply_result res = { 0 };

		if (pf_interrupted(ctx)) {
			pf_fail(ctx, PF_E_OTHER, "interrupted by %s; the system stays at core %u",
				strsignal(pf_interrupted(ctx)), level);
			goto out;
		}
		run.in[i].package_size = pf_fetch_unit_need(run.cache_fd, &run.t->units[i]);
		if (check_next(&run, &sc, i) < 0)
			goto out;
		if (apply_one(&run, i, &res) < 0) {
			if (res.committed)
				pf_fail_wrap(ctx, "%s was applied, but cleaning up after it failed;"
					     " the next run of pakfire finishes it", run.labels[i]);
			else if (!res.undecided)
				pf_fail_wrap(ctx, "%s not applied, system stays at core %u",
					     run.labels[i], level);
			goto out;
		}
	}
	r = 0;
out:
	pf_db_tx_end(s->db, run.tx);
	pf_space_close(&sc);
	if (run.cache_fd >= 0)
		close(run.cache_fd);
	free(run.in);
	free(run.labels);
	pf_transaction_free(run.t);
	pf_index_free(idx);
	return r;
}
