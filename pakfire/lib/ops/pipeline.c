/* The pipeline over one transaction: see pipeline.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/apply.h"
#include "base/context.h"
#include "fetch/kept.h"
#include "fetch/units.h"
#include "format/config.h"
#include "format/index.h"
#include "format/manifest.h"
#include "ops/pipeline.h"
#include "ops/pipeline-hooks.h"
#include "ops/pipeline-run.h"
#include "ops/self.h"
#include "ops/session.h"
#include "ops/verdicts.h"
#include "plan/conflicts.h"
#include "plan/space.h"
#include "plan/vfat.h"
#include "resolve/resolve.h"
#include "resolve/transaction.h"
#include "state/history.h"

static const char *summary_of(const struct pf_unit *u)
{
	if (u->op == PF_UNIT_REMOVE)
		return "removal";
	if (u->op == PF_UNIT_REPAIR)
		return "repair: the paths it installed that differ";
	return u->entry ? u->entry->summary : NULL;
}

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
			.unit = pf_unit_ref_of(u), .summary = summary_of(u),
			.entries = files, .bytes = bytes, .removals = removes,
			.download = pf_unit_has_package(u) && u->entry ? u->entry->package_size : 0,
			.reboot = u->entry && u->entry->reboot,
		},
	});
}

/* The package of unit I, verified: from the cache, or downloaded now. */
static int package_of(struct run *run, size_t i, int *fd)
{
	struct pf_unit *u = &run->t->units[i];
	bool cached = u->pak_fd >= 0;
	struct pf_db *db = run->s->db;

	/* Downloaded ahead, its steps recorded then; or it failed there, on
	 * every mirror, at its turn already. */
	if (run->ahead[i]) {
		*fd = u->pak_fd;
		return 0;
	}
	if (run->ahead_failed == i)
		return pf_fail(run->s->ctx, run->ahead_cls, "%s", run->ahead_error);
	if (cached) {
		if (pf_db_tx_step(db, run->tx, u->id, "verified", "already in the cache") < 0)
			return -1;
	} else if (pf_db_tx_step(db, run->tx, u->id, "downloading", u->entry->package) < 0) {
		return -1;
	}
	if (pf_fetch_unit_package(run->s->ctx, cached ? NULL : pf_session_fetch(run->s),
				  run->cache_fds[i], run->t, u, fd) < 0 ||
	    (!cached && pf_db_tx_step(db, run->tx, u->id, "verified", NULL) < 0))
		return -1;
	return 0;
}

/* Download (unless cached), verify and apply unit I; the core level moves
 * on success. A removal has no package. */
static int apply_one(struct run *run, size_t i, struct pf_apply_result *res)
{
	struct pf_ctx *ctx = run->s->ctx;
	struct pf_unit *u = &run->t->units[i];
	const char *name = pf_unit_has_package(u) ? pf_fetch_unit_pak_name(u) : NULL;
	struct pf_hooks hk = run->hk;
	int fd = -1, r;

	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_UNIT_BEGIN,
		.begin = { .unit = pf_unit_ref_of(u), .summary = summary_of(u) },
	});
	if (pf_unit_has_package(u) && package_of(run, i, &fd) < 0) {
		pf_pipeline_note_partial(run, i, i + 1);
		return -1;
	}
	hk.core = pf_transaction_level_before(run->t, i);
	r = pf_apply_unit(ctx, run->s->db, &hk, run->tx, run->t, u, fd, name, res);
	/* Closed now: deleted below, its room must come back at once (the
	 * plan gives it back at the commit). */
	if (u->pak_fd >= 0)
		close(u->pak_fd);
	u->pak_fd = -1;
	if (r < 0 && !res->hook_failed) {
		/* A package that failed its checks is no use to keep. */
		if (name && pf_error_class(ctx) == PF_E_VERIFY)
			unlinkat(run->cache_fds[i], name, 0);
		return -1;
	}
	/* Applied: the package is no use any more, and the plan counted on
	 * its room coming back. */
	if (name && unlinkat(run->cache_fds[i], name, 0) < 0)
		pf_warn(ctx, "could not delete %s from the cache: %s", name, strerror(errno));
	/* Nor is its kept manifest: status plans what is pending. After a
	 * failed post hook it stays (dropping it could overwrite the hook's
	 * error): status plans only what is above the core level, and the
	 * next `update` prunes it. */
	if (r == 0 && u->kind == PF_UNIT_CORE && u->op == PF_UNIT_APPLY &&
	    pf_kept_drop(ctx, run->s->config->cache, run->t->arch, u) < 0) {
		pf_warn(ctx, "could not delete the kept manifest of %s from the cache: %s", u->id,
			pf_error_message(ctx));
		pf_clear_error(ctx);
	}
	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_UNIT_DONE,
		.done = {
			.unit = pf_unit_ref_of(u), .installed = res->files,
			.removed = res->removed, .kept = res->kept,
			.reboot = u->entry && u->entry->reboot,
		},
	});
	return r;
}

/* The space check right before unit I is applied, on fresh numbers: it is
 * recorded, and refused when it does not fit. */
static int check_next(struct run *run, struct pf_space_check *sc, size_t i)
{
	struct pf_ctx *ctx = run->s->ctx;
	struct pf_plan *p = NULL;
	int r = -1;

	if (pf_space_plan(ctx, sc, &run->in[i], 1, &p) < 0)
		goto out;
	/* What would make room is recorded with the refusal. */
	if (!p->updates[0].fits)
		pf_pipeline_judge(run->s, run->t, sc, &run->in[i], 1, &run->in[i + 1],
				  run->t->n - i - 1, p, 0);
	if (pf_space_record(run->s->db, run->tx, p, 0) < 0)
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
static int plan_all(struct run *run, struct pf_space_check *sc, bool dry_run, bool whole)
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

		/* Add-ons are all or nothing: what the admin asked for fits,
		 * or nothing changes. Core updates before one that does not
		 * fit are applied (a cleanup among them may free the room it
		 * needs); the one that does not fit is refused on fresh
		 * numbers when its turn comes. */
		bool crossing = false;

		/* Nor is a crossing started that cannot finish: applying the
		 * switch and stopping after it would leave the system on the
		 * new series with the add-ons of the old one. */
		for (size_t j = 0; j < k; j++)
			crossing |= t->units[j].entry && t->units[j].entry->series_switch;
		if (dry_run || whole || crossing || t->units[k].kind == PF_UNIT_ADDON) {
			/* The verdicts judge an update's own needs, not a
			 * cache holding every package at once. */
			if (!whole)
				pf_pipeline_judge(run->s, t, sc, run->in, t->n, NULL, 0, p, k);
			pf_space_emit(ctx, p, k, true);
			pf_space_refuse(ctx, p, k, pf_transaction_level_before(t, k), dry_run);
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

/* The units that replace what this pakfire runs from, found before
 * anything changed (the files are still the ones the process maps). */
static void mark_self_updates(struct run *run)
{
	for (size_t i = 0; i < run->t->n; i++) {
		const struct pf_unit *u = &run->t->units[i];

		if (u->op != PF_UNIT_APPLY)
			continue;
		/* An update that says it brings a newer pakfire does, wherever
		 * that pakfire lies. */
		if (!pf_self_replaced_by(run->s->ctx, &run->self, u->m, run->replaces_self[i],
					 sizeof(run->replaces_self[i])) &&
		    u->entry && u->entry->provides_client > PF_CLIENT_LEVEL)
			snprintf(run->replaces_self[i], sizeof(run->replaces_self[i]),
				 "a pakfire of client level %u", u->entry->provides_client);
	}
}

/* Whether the run stops after unit I to restart pakfire: I replaced what
 * it runs from, and there is more to do (units after it, or an update the
 * chain stopped before that I brings a client for). */
static bool restart_after(const struct run *run, size_t i)
{
	const struct pf_transaction *t = run->t;
	const struct pf_unit *u = &t->units[i];

	if (!run->replaces_self[i][0])
		return false;
	return i + 1 < t->n || run->more_follows ||
	       (t->blocked && u->entry && u->entry->provides_client > PF_CLIENT_LEVEL);
}

void pf_pipeline_cached_size(struct pf_plan_input *in, const struct pf_unit *u)
{
	in->package_cached = pf_unit_has_package(u) && !in->package_size && u->entry ?
			     u->entry->package_size : 0;
}

/* Every manifest, the checks on them, and the plan: everything before a
 * change. */
static int prepare(struct run *run, const char *cache, struct pf_space_check *sc, bool dry_run,
		   bool download_only)
{
	struct pf_session *s = run->s;
	struct pf_transaction *t = run->t;

	run->in = calloc(t->n, sizeof(*run->in));
	run->labels = calloc(t->n, sizeof(*run->labels));
	run->cache_fds = malloc(t->n * sizeof(*run->cache_fds));
	run->cache_dirs = calloc(t->n, sizeof(*run->cache_dirs));
	run->replaces_self = calloc(t->n, sizeof(*run->replaces_self));
	if (!run->in || !run->labels || !run->cache_fds || !run->cache_dirs || !run->replaces_self)
		return pf_fail(s->ctx, PF_E_OTHER, "out of memory");
	for (size_t i = 0; i < t->n; i++) {
		struct pf_unit *u = &t->units[i];

		run->cache_fds[i] = -1;
		if (pf_unit_has_package(u)) {
			if (pf_fetch_unit_cache_dir(s->ctx, s->config->cache, t, u, run->cache_dirs[i],
						    sizeof(run->cache_dirs[i])) < 0)
				return -1;
			run->cache_fds[i] = pf_fetch_open_cache(s->ctx, run->cache_dirs[i], true);
		}
	}
	/* What is neither cached nor kept comes from the mirrors at once. */
	if (pf_fetch_unit_manifests(s->ctx, pf_session_fetch(s), run->cache_fds, s->config->cache, t,
				    dry_run) < 0)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		struct pf_unit *u = &t->units[i];

		announce(s->ctx, u);
		run->in[i] = (struct pf_plan_input){
			.number = u->number, .unit = u->id, .label = pf_unit_label(u, run->labels[i]),
			.m = u->m, .held = download_only,
		};
		pf_pipeline_package_input(run, i);
	}
	if (!dry_run && !download_only)
		mark_self_updates(run);
	if (pf_plan_conflicts(s->ctx, s->db, t) < 0 ||
	    pf_space_open(s->ctx, sc, s->db, cache, s->config->reserves, s->config->n_reserves) < 0 ||
	    pf_plan_vfat(s->ctx, &sc->env, t) < 0)
		return -1;
	if (!download_only)
		return plan_all(run, sc, dry_run, false);
	/* Every package held in the cache until its unit commits: the
	 * promise that the later upgrade fits with all of them there. */
	if (plan_all(run, sc, false, true) < 0) {
		if (pf_error_class(s->ctx) == PF_E_SPACE)
			pf_fail_wrap(s->ctx, "downloading every pending update ahead does not fit"
				     " (nothing was downloaded; 'pakfire upgrade' downloads each update"
				     " only at its turn)");
		return -1;
	}
	for (size_t i = 0; i < t->n; i++)
		run->in[i].held = false;
	return 0;
}

int pf_pipeline_fetch_manifest(struct pf_session *s, struct pf_transaction *t, size_t i)
{
	struct pf_unit *u = &t->units[i];
	char dir[4096];
	int fd, r;

	if (u->m)
		return 0;
	if (pf_fetch_unit_cache_dir(s->ctx, s->config->cache, t, u, dir, sizeof(dir)) < 0)
		return -1;
	fd = pf_fetch_open_cache(s->ctx, dir, true);
	/* As a dry run would: nothing in the cache is touched yet. */
	r = pf_fetch_unit_manifest(s->ctx, pf_session_fetch(s), fd, s->config->cache, t, u, true);
	if (fd >= 0)
		close(fd);
	return r;
}

/* The local post-transaction hooks, told the APPLIED units. Their failure
 * fails the command, unless it failed already (R < 0): then it is a
 * warning, and the first error stays. */
static int post_transaction(struct run *run, size_t applied, int r)
{
	struct pf_ctx *ctx = run->s->ctx;
	char first[sizeof(ctx->err_msg)], cause[sizeof(ctx->err_cause)];
	enum pf_errclass cls = pf_error_class(ctx);

	snprintf(first, sizeof(first), "%s", pf_error_message(ctx));
	snprintf(cause, sizeof(cause), "%s", pf_error_cause(ctx));
	pf_clear_error(ctx);
	if (pf_pipeline_local_hooks(&run->hk, run->t, 0, applied, "post-transaction",
				    pf_transaction_level_before(run->t, applied)) < 0 && r < 0) {
		pf_warn(ctx, "%s", pf_error_message(ctx));
		pf_clear_error(ctx);
	}
	if (r < 0) {
		pf_fail(ctx, cls, "%s", first);
		if (cause[0])
			pf_fail_cause(ctx, cause); /* the first error's, as found */
	} else if (pf_error_class(ctx) != PF_E_OK)
		r = -1;
	return r;
}

int pf_pipeline_run(struct pf_session *s, struct pf_transaction *t, int64_t tx,
		    const struct pf_pipeline_opts *opts, size_t *applied)
{
	struct pf_ctx *ctx = s->ctx;
	struct run run = {
		.s = s, .t = t, .tx = tx, .more_follows = opts->more_follows,
		.ahead_failed = SIZE_MAX,
	};
	struct pf_space_check sc = { 0 };
	char cache[4096], dbdir[4096];
	int r = -1;

	*applied = 0;
	t->keys = s->config->keys;
	t->own[0] = s->config->keys;
	t->own[1] = s->config->cache;
	if ((size_t)snprintf(dbdir, sizeof(dbdir), "%s", s->config->database) >= sizeof(dbdir)) {
		pf_fail(ctx, PF_E_USAGE, "database path too long");
		goto out;
	}
	if (strrchr(dbdir, '/'))
		*strrchr(dbdir, '/') = '\0';
	t->own[2] = dbdir;
	pf_pipeline_hooks_init(s, t, tx, dbdir, &run.hk);
	/* What this pakfire runs from, before anything changes; replaced
	 * already (a recovery finished an update of pakfire), the old image
	 * changes nothing more: the new one goes on. */
	if (!opts->dry_run && !opts->download_only) {
		if (pf_self_load(ctx, &run.self) < 0)
			goto out;
		if (run.self.stale[0]) {
			pf_info(ctx, "%s was replaced since this pakfire started: restarting pakfire"
				" to go on", run.self.stale);
			if (pf_session_restart(s, tx, NULL, run.self.stale) < 0)
				goto out;
			r = 0;
			goto out;
		}
	}
	if ((size_t)snprintf(cache, sizeof(cache), "%s", s->config->cache + 1) >= sizeof(cache)) {
		pf_fail(ctx, PF_E_USAGE, "cache path too long");
		goto out;
	}
	run.ahead = calloc(t->n, sizeof(*run.ahead));
	if (!run.ahead) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (prepare(&run, cache, &sc, opts->dry_run, opts->download_only) < 0)
		goto out;
	if (opts->dry_run || (opts->confirm && !opts->confirm(opts->confirm_data))) {
		if (!opts->dry_run)
			pf_info(ctx, "nothing was changed");
		r = 0;
		goto out;
	}
	/* Downloading changes nothing on the system: no hook runs. */
	if (opts->download_only) {
		r = pf_pipeline_download_all(&run);
		goto out;
	}
	/* The admin's own hooks, before anything changes (a restarted
	 * pakfire goes on with a transaction they saw begin). */
	if (!s->resumed && !opts->no_hooks) {
		run.pre_ran = true;
		if (pf_pipeline_local_hooks(&run.hk, t, 0, t->n, "pre-transaction", t->core) < 0)
			goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		unsigned level = pf_transaction_level_before(t, i);
		struct pf_apply_result res = { 0 };

		if (pf_interrupted(ctx)) {
			pf_fail(ctx, PF_E_OTHER, "interrupted by %s; the system stays at core %u",
				strsignal(pf_interrupted(ctx)), level);
			goto out;
		}
		if (pf_pipeline_open_cache(&run, i) < 0)
			goto out;
		if (pf_pipeline_window(&run, &sc, i) < 0)
			goto out;
		pf_pipeline_package_input(&run, i);
		if (check_next(&run, &sc, i) < 0)
			goto out;
		if (apply_one(&run, i, &res) < 0) {
			if (res.hook_failed)
				pf_pipeline_hook_failed(s, run.labels[i]);
			else if (res.committed)
				pf_fail_wrap(ctx, "%s was applied, but cleaning up after it failed;"
					     " the next run of pakfire finishes it", run.labels[i]);
			else if (!res.undecided && t->units[i].op == PF_UNIT_REPAIR)
				pf_fail_wrap(ctx, "%s: nothing of it was restored; its files are as"
					     " they were", run.labels[i]);
			else if (!res.undecided && t->units[i].op == PF_UNIT_REMOVE)
				pf_fail_wrap(ctx, "%s not removed: its files are as they were",
					     run.labels[i]);
			else if (!res.undecided)
				pf_fail_wrap(ctx, "%s not applied, system stays at core %u",
					     run.labels[i], level);
			if (res.committed)
				(*applied)++;
			goto out;
		}
		(*applied)++;
		if (restart_after(&run, i)) {
			pf_info(ctx, "%s replaced what pakfire runs from (%s): restarting pakfire to"
				" go on", run.labels[i], run.replaces_self[i]);
			if (pf_session_restart(s, tx, t->units[i].id, run.replaces_self[i]) < 0)
				goto out;
			break;
		}
	}
	r = 0;
out:
	/* After it, whatever its outcome, once the pre-transaction hooks ran
	 * (a maintenance on/off pair must not be left half done) or a
	 * restarted pakfire finished it: told the units that were applied
	 * (none, maybe). A restarting pakfire leaves that to the one that
	 * finishes the transaction. */
	if ((run.pre_ran || (s->resumed && *applied)) && !s->restart)
		r = post_transaction(&run, *applied, r);
	t->own[2] = NULL; /* dbdir ends here */
	pf_space_close(&sc);
	for (size_t i = 0; run.cache_fds && i < t->n; i++)
		if (run.cache_fds[i] >= 0)
			close(run.cache_fds[i]);
	free(run.cache_fds);
	free(run.ahead);
	free(run.cache_dirs);
	free(run.replaces_self);
	pf_self_clear(&run.self);
	free(run.in);
	free(run.labels);
	return r;
}
