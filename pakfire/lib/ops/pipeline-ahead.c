/* Packages downloaded ahead: see pipeline-run.h. Applying stays strictly
 * in order; what changes is that several packages come in one batch (in
 * parallel) before the first of them is applied. The space promise holds
 * because the plan counts each one held in the cache (struct
 * pf_plan_input, held) from now until its own unit commits, and a window
 * is only taken when that plan refuses nothing the plain one does not. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "fetch/fetch.h"
#include "fetch/units.h"
#include "format/index.h"
#include "ops/pipeline.h"
#include "ops/pipeline-run.h"
#include "ops/session.h"
#include "plan/space.h"
#include "state/history.h"

int pf_pipeline_open_cache(struct run *run, size_t i)
{
	if (!pf_unit_has_package(&run->t->units[i]) || run->cache_fds[i] >= 0)
		return 0;
	run->cache_fds[i] = pf_fetch_open_cache(run->s->ctx, run->cache_dirs[i], false);
	return run->cache_fds[i] < 0 ? -1 : 0;
}

void pf_pipeline_package_input(struct run *run, size_t i)
{
	const struct pf_unit *u = &run->t->units[i];
	struct pf_plan_input *in = &run->in[i];

	in->package_size = 0;
	in->package_partial = 0;
	if (pf_unit_has_package(u) && u->entry) {
		in->package_size = pf_fetch_unit_need(run->cache_fds[i], u);
		if (in->package_size)
			in->package_partial = pf_fetch_unit_partial(run->cache_fds[i], u);
	}
	pf_pipeline_cached_size(in, u);
}

/* Whether unit I's package is still to be downloaded. */
static bool to_fetch(const struct run *run, size_t i)
{
	const struct pf_unit *u = &run->t->units[i];

	return pf_unit_has_package(u) && u->entry && u->pak_fd < 0 && !run->ahead[i];
}

/* The packages of units FROM..TO-1 not in the cache, in one batch, each
 * with its 'downloading' and 'verified' steps. FATAL: the first failure is
 * the error (the rest still land); else only the failure of unit FROM is
 * remembered for its turn, and the others are fetched again at theirs. */
static int fetch_ahead(struct run *run, size_t from, size_t to, bool fatal)
{
	struct pf_ctx *ctx = run->s->ctx;
	struct pf_db *db = run->s->db;
	size_t n = 0, *idx = calloc(to - from, sizeof(*idx));
	int *fds = calloc(to - from, sizeof(*fds));
	struct pf_fetch_job *jobs = calloc(to - from, sizeof(*jobs));
	int r = -1;

	if (!idx || !fds || !jobs) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	for (size_t i = from; i < to; i++) {
		if (!to_fetch(run, i))
			continue;
		if (pf_pipeline_open_cache(run, i) < 0 ||
		    pf_db_tx_step(db, run->tx, run->t->units[i].id, "downloading",
				  run->t->units[i].entry->package) < 0)
			goto out;
		idx[n] = i;
		fds[n++] = run->cache_fds[i];
	}
	if (n == 0) {
		r = 0;
		goto out;
	}
	if (pf_fetch_unit_packages(ctx, pf_session_fetch(run->s), run->t, idx, fds, n, jobs) < 0) {
		/* The batch stopped (no space after all, a broken ca-bundle ...):
		 * a window is only a head start, so each package is fetched
		 * again at its turn, after a fresh space check. Stopping
		 * (--download-only, a stop signal) ends the run. */
		if (fatal || pf_interrupted(ctx)) {
			pf_pipeline_note_partial(run, from, to);
			goto out;
		}
		pf_warn(ctx, "downloading ahead stopped (%s): each package is downloaded at its"
			" turn", pf_error_message(ctx));
		pf_clear_error(ctx);
		r = 0;
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		const char *id = run->t->units[idx[k]].id;

		if (jobs[k].result == 0) {
			run->ahead[idx[k]] = true;
			if (pf_db_tx_step(db, run->tx, id, "verified", NULL) < 0)
				goto out;
		} else if (fatal || idx[k] == from) {
			if (run->ahead_failed == SIZE_MAX) {
				run->ahead_failed = idx[k];
				run->ahead_cls = jobs[k].cls;
				snprintf(run->ahead_error, sizeof(run->ahead_error), "%s", jobs[k].error);
			}
		} else {
			pf_debug(ctx, "%s: downloading it ahead failed (%s): it is downloaded again at"
				 " its turn", id, jobs[k].error);
		}
	}
	if (fatal && run->ahead_failed != SIZE_MAX) {
		pf_fail(ctx, run->ahead_cls, "%s", run->ahead_error);
		pf_pipeline_note_partial(run, run->ahead_failed, run->ahead_failed + 1);
		pf_fail_wrap(ctx, "%s was not downloaded", run->labels[run->ahead_failed]);
		goto out;
	}
	r = 0;
out:
	free(idx);
	free(fds);
	free(jobs);
	return r;
}

void pf_pipeline_note_partial(struct run *run, size_t from, size_t to)
{
	struct pf_ctx *ctx = run->s->ctx;
	enum pf_errclass cls = pf_error_class(ctx);
	char msg[sizeof(ctx->err_msg)], size[32];
	char cause[sizeof(ctx->err_cause)];
	uint64_t kept = 0;
	size_t files = 0;

	for (size_t i = from; i < to && i < run->t->n; i++) {
		const struct pf_unit *u = &run->t->units[i];
		uint64_t part;

		if (!pf_unit_has_package(u) || !u->entry || run->cache_fds[i] < 0)
			continue;
		part = pf_fetch_unit_partial(run->cache_fds[i], u);
		kept += part;
		files += part > 0;
	}
	if (!files || cls == PF_E_OK)
		return;
	snprintf(msg, sizeof(msg), "%s", pf_error_message(ctx));
	snprintf(cause, sizeof(cause), "%s", pf_error_cause(ctx));
	pf_clear_error(ctx);
	pf_format_size(kept, size);
	pf_fail(ctx, cls, "%s; the partial download%s (%s) %s kept in the cache: the next run"
		" resumes %s", msg, files == 1 ? "" : "s", size, files == 1 ? "is" : "are",
		files == 1 ? "it" : "them");
	if (cause[0])
		pf_fail_cause(ctx, cause);
}

/* Whether the plan of units I.. with the first W of them held refuses
 * nothing before K, the first that the plain plan refuses (relative). */
static int window_fits(struct run *run, struct pf_space_check *sc, size_t i, size_t w, size_t k,
		       bool *fits)
{
	size_t m = run->t->n - i;
	struct pf_plan *p = NULL;
	int r;

	for (size_t j = 0; j < m; j++)
		run->in[i + j].held = j < w;
	r = pf_space_plan(run->s->ctx, sc, &run->in[i], m, &p);
	for (size_t j = 0; j < m; j++)
		run->in[i + j].held = false;
	*fits = r == 0 && p->first_refused >= k;
	pf_plan_free(p);
	return r;
}

int pf_pipeline_window(struct run *run, struct pf_space_check *sc, size_t i)
{
	struct pf_ctx *ctx = run->s->ctx;
	size_t m = run->t->n - i, k, w, wanted = 0;
	struct pf_plan *p = NULL;
	bool fits = false;

	if (i < run->window_end)
		return 0;
	run->window_end = i + 1;
	for (size_t j = i; j < run->t->n; j++) {
		pf_pipeline_package_input(run, j);
		wanted += to_fetch(run, j);
	}
	/* One package at most: fetched at its turn, as always. */
	if (wanted < 2)
		return 0;
	if (pf_space_plan(ctx, sc, &run->in[i], m, &p) < 0)
		return -1;
	k = p->first_refused;
	pf_plan_free(p);
	for (w = m; w > 1; w /= 2) {
		if (w > k)
			continue; /* a unit that does not fit is not downloaded */
		if (window_fits(run, sc, i, w, k, &fits) < 0)
			return -1;
		if (fits)
			break;
	}
	if (w < 2) {
		pf_debug(ctx, "the cache cannot hold the packages of %s and the next update at"
			 " once: each is downloaded at its turn", run->labels[i]);
		return 0;
	}
	run->window_end = i + w;
	pf_debug(ctx, "downloading the packages of %s to %s ahead", run->labels[i],
		 run->labels[i + w - 1]);
	return fetch_ahead(run, i, i + w, false);
}

int pf_pipeline_download_all(struct run *run)
{
	size_t n = 0;

	for (size_t i = 0; i < run->t->n; i++)
		n += pf_unit_has_package(&run->t->units[i]);
	if (fetch_ahead(run, 0, run->t->n, true) < 0)
		return -1;
	pf_info(run->s->ctx, "%zu package%s verified in the cache, ready to apply: 'pakfire"
		" upgrade' applies %s without downloading", n, n == 1 ? "" : "s",
		n == 1 ? "it" : "them");
	return 0;
}
