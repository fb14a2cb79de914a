/* The space figures of `status`: see status-space.h. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/context.h"
#include "fetch/fetch.h"
#include "fetch/units.h"
#include "format/config.h"
#include "format/index.h"
#include "format/manifest.h"
#include "ops/pipeline.h"
#include "ops/session.h"
#include "ops/update.h"
#include "ops/status-space.h"
#include "ops/status.h"
#include "plan/space.h"
#include "plan/verdict.h"
#include "resolve/transaction.h"
#include "state/system.h"

/* Why there are no figures, kept for the report; the error is cleared:
 * status goes on with the rest. */
static void no_plan(struct pf_ctx *ctx, struct pf_status_space *sp)
{
	snprintf(sp->error, sizeof(sp->error), "%s", pf_error_message(ctx));
	pf_clear_error(ctx);
}

static uint64_t file_bytes(const struct pf_manifest *m)
{
	uint64_t bytes = 0;

	for (size_t i = 0; i < m->n; i++)
		bytes += m->entries[i].type == PF_ENTRY_FILE ? m->entries[i].size : 0;
	return bytes;
}

/* Each pending update's kept manifest, and what it installs. */
static int load_manifests(struct pf_session *s, struct pf_transaction *t, struct pf_status *out)
{
	for (size_t i = 0; i < t->n; i++) {
		struct pf_unit *u = &t->units[i];
		struct pf_status_update *p = &out->pending[i];
		int got = pf_fetch_unit_kept(s->ctx, s->config->cache, t, u);

		if (got < 0) {
			if (pf_error_class(s->ctx) != PF_E_VERIFY)
				return -1;
			no_plan(s->ctx, &out->space);
			continue;
		}
		if (got == 0) {
			out->space.n_missing++;
			continue;
		}
		p->have_manifest = true;
		p->installed_size = file_bytes(u->m);
		out->pending_installed += p->installed_size;
	}
	return 0;
}

/* A figure of update U's row R, counted from now on its mount M: what the
 * chain took there before U (negative: it freed), plus what U needs at its
 * peak. */
static int64_t from_now(uint64_t now, uint64_t before, uint64_t needed)
{
	return (int64_t)now - (int64_t)before + (int64_t)needed;
}

/* The plan's rows, per mount: the chain's peak from now, and whether every
 * update fits. */
static int figures(struct pf_ctx *ctx, const struct pf_plan *p, struct pf_status_space *sp)
{
	int64_t *peak = calloc(p->n_fs ? p->n_fs : 1, sizeof(*peak) * 2);
	size_t *slot = calloc(p->n_fs ? p->n_fs : 1, sizeof(*slot));

	sp->mounts = calloc(p->n_fs ? p->n_fs : 1, sizeof(*sp->mounts));
	if (!peak || !slot || !sp->mounts) {
		free(peak);
		free(slot);
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	/* A mount shows once the chain touches it (the cache's is known to
	 * the plan even when every package is there already). */
	for (size_t i = 0; i < p->n; i++) {
		const struct pf_plan_update *u = &p->updates[i];

		for (size_t k = 0; u->reached && k < u->n_rows; k++) {
			const struct pf_plan_row *r = &u->rows[k];
			const struct pf_plan_fs *fs = &p->fs[r->fs];
			struct pf_status_mount *m;
			int64_t bytes, inodes;

			if (!slot[r->fs]) {
				slot[r->fs] = ++sp->n_mounts;
				m = &sp->mounts[slot[r->fs] - 1];
				snprintf(m->mount, sizeof(m->mount), "%s", fs->name);
				m->available = fs->space.avail;
				m->inodes_available = fs->space.inodes;
				m->inodes_unlimited = fs->space.inodes_unlimited;
				m->read_only = fs->space.readonly;
				m->reserve = fs->reserve;
				m->fits = true;
				peak[2 * r->fs] = peak[2 * r->fs + 1] = INT64_MIN;
			}
			m = &sp->mounts[slot[r->fs] - 1];
			bytes = from_now(m->available, r->available, r->needed);
			inodes = from_now(m->inodes_available, r->inodes_available, r->inodes_needed);
			if (bytes > peak[2 * r->fs]) {
				peak[2 * r->fs] = bytes;
				snprintf(m->peak_unit, sizeof(m->peak_unit), "%s", u->unit);
			}
			if (inodes > peak[2 * r->fs + 1])
				peak[2 * r->fs + 1] = inodes;
			if (!r->fits && m->fits) {
				m->fits = false;
				snprintf(m->refused_unit, sizeof(m->refused_unit), "%s", u->unit);
				m->refused_core = u->number;
			}
		}
	}
	for (size_t f = 0; f < p->n_fs; f++) {
		struct pf_status_mount *m = slot[f] ? &sp->mounts[slot[f] - 1] : NULL;

		if (!m)
			continue;
		m->needed = peak[2 * f] > 0 ? (uint64_t)peak[2 * f] : 0;
		m->inodes_needed = m->inodes_unlimited || peak[2 * f + 1] < 0 ? 0 :
				   (uint64_t)peak[2 * f + 1];
	}
	if (p->first_refused < p->n) {
		snprintf(sp->refused_unit, sizeof(sp->refused_unit), "%s",
			 p->updates[p->first_refused].unit);
		sp->refused_core = p->updates[p->first_refused].number;
	}
	free(peak);
	free(slot);
	return 0;
}

/* The verdict on each mount the first refused update does not fit, as
 * the upgrade would give it (docs/space.md, "Verdicts"); the whole chain
 * is in the plan, so no cleanup comes after it. Best effort: without a
 * verdict the mount still says it does not fit. */
static void judge(struct pf_session *s, struct pf_space_check *sc, const struct pf_plan_input *in,
		  size_t n, const struct pf_plan *p, struct pf_status_space *sp)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_index *idx = NULL;
	struct pf_verdict *v = NULL;
	struct pf_system sys;
	size_t k = p->first_refused;
	const struct pf_plan_update *u = &p->updates[k];
	char dbdir[4096];

	/* The index only for its Min-Partition advice. */
	if (pf_db_get_system(s->db, &sys) < 0 || pf_current_index(s, &sys, false, &idx) < 0)
		pf_clear_error(ctx);
	/* pakfire's folders are never listed: keys, cache, the database's. */
	snprintf(dbdir, sizeof(dbdir), "%s", s->config->database);
	if (strrchr(dbdir, '/'))
		*strrchr(dbdir, '/') = '\0';
	struct pf_verdict_env env = {
		.sc = sc, .db = s->db, .idx = idx,
		.own = { s->config->keys, s->config->cache, dbdir }, .in = in, .n_in = n,
	};
	if (pf_verdicts(ctx, &env, p, k, &v) < 0) {
		pf_clear_error(ctx);
		goto out;
	}
	for (size_t j = 0; j < u->n_rows; j++) {
		const struct pf_verdict *vj = &v[j];

		for (size_t i = 0; i < sp->n_mounts; i++) {
			struct pf_status_mount *m = &sp->mounts[i];

			if (strcmp(m->mount, p->fs[u->rows[j].fs].name) || strcmp(m->refused_unit, u->unit))
				continue;
			snprintf(m->verdict, sizeof(m->verdict), "%s", pf_verdict_name(vj->kind));
			m->advised = vj->advised;
			m->in_place = vj->in_place;
			m->freeable = vj->freeable;
			if (vj->kind == PF_VERDICT_AFTER_CLEANUP && vj->cleanup)
				snprintf(m->cleanup, sizeof(m->cleanup), "%s", vj->cleanup->path);
		}
	}
out:
	pf_verdicts_free(v, v ? u->n_rows : 0);
	pf_index_free(idx);
}

/* The plan of the whole chain, as the upgrade makes it before anything is
 * downloaded: the same inputs (a package already in the cache costs
 * nothing), the same planner. */
static int plan(struct pf_session *s, struct pf_transaction *t, struct pf_status_space *sp)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_space_check sc = { 0 };
	struct pf_plan_input *in = calloc(t->n, sizeof(*in));
	char (*labels)[PF_UNIT_ID_MAX] = calloc(t->n, sizeof(*labels));
	struct pf_plan *p = NULL;
	char dir[4096];
	int r = -1;

	if (!in || !labels) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		struct pf_unit *u = &t->units[i];
		int fd = -1;

		if (pf_fetch_unit_cache_dir(ctx, s->config->cache, t, u, dir, sizeof(dir)) < 0) {
			no_plan(ctx, sp);
			r = 0;
			goto out;
		}
		/* No cache folder: every package is to be downloaded. */
		fd = pf_fetch_open_cache(ctx, dir, true);
		in[i] = (struct pf_plan_input){
			.number = u->number, .unit = u->id, .label = pf_unit_label(u, labels[i]),
			.m = u->m, .package_size = pf_fetch_unit_need(fd, u),
			.package_partial = pf_fetch_unit_partial(fd, u),
		};
		pf_pipeline_cached_size(&in[i], u);
		if (fd >= 0)
			close(fd);
	}
	if (pf_space_open(ctx, &sc, s->db, s->config->cache + 1, s->config->reserves,
			  s->config->n_reserves) < 0 ||
	    pf_space_plan(ctx, &sc, in, t->n, &p) < 0) {
		no_plan(ctx, sp);
		r = 0;
		goto out;
	}
	if (figures(ctx, p, sp) < 0)
		goto out;
	if (p->first_refused < p->n)
		judge(s, &sc, in, t->n, p, sp);
	sp->planned = true;
	r = 0;
out:
	pf_plan_free(p);
	pf_space_close(&sc);
	free(in);
	free(labels);
	return r;
}

int pf_status_space(struct pf_session *s, struct pf_transaction *t, struct pf_status *out)
{
	/* Nothing pending: nothing is needed anywhere. */
	out->space.planned = t->n == 0;
	if (t->n == 0)
		return 0;
	if (load_manifests(s, t, out) < 0)
		return -1;
	/* Figures of part of the chain would be wrong ones: none. */
	if (out->space.n_missing || out->space.error[0])
		return 0;
	return plan(s, t, &out->space);
}

void pf_status_space_clear(struct pf_status *st)
{
	free(st->space.mounts);
	st->space.mounts = NULL;
	st->space.n_mounts = 0;
}
