/* `pakfire upgrade`: see upgrade.h. The resolver's part: the core chain of
 * the system's series and, when an update in it switches series, the
 * chain of the series it moves to, whose signed index is fetched and
 * verified first; then every installed add-on whose build differs in the
 * index of the series the system ends on. The rest is the pipeline
 * (pipeline.c), as for every transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/strings.h"
#include "format/config.h"
#include "format/index.h"
#include "format/manifest.h"
#include "ops/addons.h"
#include "ops/pipeline.h"
#include "ops/pipeline-hooks.h"
#include "ops/session.h"
#include "ops/update.h"
#include "ops/upgrade.h"
#include "resolve/addons.h"
#include "resolve/resolve.h"
#include "resolve/transaction.h"
#include "state/history.h"
#include "state/system.h"
#include "state/units.h"

/* A crossing follows at most this many switches in one run. */
#define MAX_SERIES 8

/* What one round of the upgrade holds: the indexes it reads (the
 * transaction's units point into them). */
struct round {
	struct pf_index *idx[MAX_SERIES];
	size_t n_idx;
	bool deferred;          /* stops at a switch whose next index is not trusted yet */
	bool again;             /* the series moved: resolve again on the new one */
};

static void round_clear(struct round *r)
{
	for (size_t i = 0; i < r->n_idx; i++)
		pf_index_free(r->idx[i]);
	memset(r, 0, sizeof(*r));
}

/* Whether unit U ships a key file (*.asc) into the keys folder KEYS. */
static bool ships_keys(const struct pf_unit *u, const char *keys)
{
	for (size_t i = 0; u->m && i < u->m->n; i++) {
		const struct pf_entry *e = &u->m->entries[i];
		size_t len = strlen(e->path);

		if (e->type == PF_ENTRY_FILE && pf_path_inside(e->path, keys, true) && len > 4 &&
		    !strcmp(e->path + len - 4, ".asc"))
			return true;
	}
	return false;
}

/* The index of the series the switching update moves to, verified now
 * (kept unless DRY_RUN). When it is signed only by a key this system does
 * not hold yet, and the switching update ships a key into the keys folder,
 * it cannot be trusted before that update commits: *DEFERRED, and the rest
 * of the crossing is planned then. Any other refusal stops everything
 * before a change. */
static int next_index(struct pf_session *s, const struct pf_transaction *t, const char *series,
		      bool dry_run, struct pf_index **out, bool *deferred)
{
	struct pf_unit *sw = &t->units[t->n - 1];
	char label[PF_UNIT_ID_MAX], signer[128] = "";

	*deferred = false;
	if (pf_index_refresh(s, series, t->arch, !dry_run, out, signer) == 0)
		return 0;
	pf_unit_label(sw, label);
	if (pf_error_class(s->ctx) != PF_E_VERIFY)
		return pf_fail_wrap(s->ctx, "%s moves the system to series %s, whose index could"
				    " not be fetched; nothing was changed", label, series);
	if (!signer[0] || !ships_keys(sw, s->config->keys))
		return pf_fail_wrap(s->ctx, "the index of series %s, where %s moves the system,"
				    " was refused; nothing was changed", series, label);
	pf_clear_error(s->ctx);
	pf_info(s->ctx, "the index of series %s is signed by %s, a key that %s brings: the"
		" updates up to %s are planned now, the rest of the crossing after it commits",
		series, signer, label, label);
	*deferred = true;
	return 0;
}

/* The index of the system's series: the one `update` kept; fetched now
 * when there is none yet and the run may write (the system has just
 * crossed into a series whose index it could not trust before, or a run
 * was killed right after the switch). */
static int system_index(struct pf_session *s, const struct pf_system *sys, bool may_fetch,
			struct pf_index **out)
{
	struct pf_stored_index stored;
	bool found = true;

	if (may_fetch) {
		if (pf_db_load_index(s->db, sys->series, sys->arch, &stored, &found) < 0)
			return -1;
		pf_stored_index_clear(&stored);
	}
	/* From a folder (a USB stick): its index first, checked as `update`
	 * checks one (kept only when the run may write). */
	if (s->from_dir)
		return pf_index_refresh(s, sys->series, sys->arch, may_fetch, out, NULL);
	if (!found)
		return pf_index_refresh(s, sys->series, sys->arch, true, out, NULL);
	return pf_current_index(s, sys, true, out);
}

/* A system at a switching update whose series did not move (applied by a
 * pakfire that could not cross series): it moves now, as the update says.
 * *MOVED: the round must start again on the new series. */
static int finish_switch(struct pf_session *s, const struct pf_system *sys,
			 const struct pf_index *idx, bool dry_run, bool *moved)
{
	const struct pf_index_entry *e = pf_index_find_core(idx, sys->core);

	*moved = false;
	if (!e || !e->series_switch)
		return 0;
	if (dry_run) {
		pf_warn(s->ctx, "core %u, applied already, moves this system to series %s, but the"
			" pakfire that applied it did not move it; 'pakfire upgrade' does",
			sys->core, e->series_switch);
		return 0;
	}
	pf_warn(s->ctx, "core %u, applied by a pakfire that could not cross series, moves this"
		" system to series %s: moving it now", sys->core, e->series_switch);
	*moved = true;
	return pf_db_set_series(s->db, e->series_switch);
}

/* The transaction of one round: core chains across series switches, then
 * the add-ons of the series the system ends on. */
static int resolve_round(struct pf_session *s, const struct pf_upgrade_opts *opts,
			 const struct pf_system *sys, struct pf_transaction *t, struct round *r,
			 struct pf_addons *inst)
{
	struct pf_ctx *ctx = s->ctx;
	const char *next;
	struct pf_index *idx;

	if (system_index(s, sys, !opts->dry_run, &idx) < 0)
		return -1;
	r->idx[r->n_idx++] = idx;
	if (finish_switch(s, sys, idx, opts->dry_run || opts->download_only, &r->again) < 0 ||
	    r->again)
		return r->again ? 0 : -1;
	if (pf_resolve_upgrade(ctx, idx, t, opts->to) < 0)
		return -1;
	while ((next = pf_transaction_switch(t)) && !(opts->to && t->units[t->n - 1].number >= opts->to)) {
		struct pf_index *nidx;

		if (r->n_idx == MAX_SERIES)
			return pf_fail(ctx, PF_E_VERIFY, "more than %d series switches in a row",
				       MAX_SERIES);
		if (pf_pipeline_fetch_manifest(s, t, t->n - 1) < 0 ||
		    next_index(s, t, next, opts->dry_run, &nidx, &r->deferred) < 0)
			return -1;
		if (r->deferred)
			return 0;
		r->idx[r->n_idx++] = nidx;
		idx = nidx;
		if (pf_resolve_continue(ctx, idx, t, opts->to) < 0)
			return -1;
	}
	/* Stopped on a switch (--to): the add-ons wait for the index of the
	 * series the system moves to; never a build of the old one on it. */
	if (pf_transaction_switch(t))
		return 0;
	if (t->blocked && t->n > 0) {
		char label[32], why[320];

		snprintf(label, sizeof(label), "core %u", t->blocked->number);
		pf_resolve_why_not(t->blocked, label, why, sizeof(why));
		pf_warn(ctx, "%s: the updates before it are applied, and pakfire stops there", why);
	}
	pf_warn_successor(ctx, idx,
			  pf_resolve_switch_above(idx, pf_transaction_level_before(t, t->n)) != NULL);
	return pf_resolve_addon_upgrades(ctx, idx, &inst->set, t);
}

int pf_upgrade(struct pf_session *s, const struct pf_upgrade_opts *opts)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_pipeline_opts po = {
		.dry_run = opts->dry_run, .confirm = opts->confirm, .confirm_data = opts->confirm_data,
		.download_only = opts->download_only,
	};
	int64_t tx = 0;
	int r = -1;

	if (opts->dry_run)
		pf_session_dry_run(s, "upgrade");
	else if (pf_session_tx_begin(s, opts->download_only ? "upgrade --download-only" : "upgrade",
				     &tx) < 0)
		return -1;
	/* Held by a failed post hook, even with nothing left to apply: the
	 * admin must see to it first. */
	if (pf_pipeline_hold(s, opts->dry_run) < 0) {
		pf_session_tx_end(s, tx);
		return -1;
	}
	/* Restarted to go on: the admin said yes to this upgrade already. */
	if (s->resumed)
		po.confirm = NULL;
	/* One round, or two when the index of the next series can only be
	 * trusted once the switching update brought its key. */
	for (int round_no = 0; round_no < MAX_SERIES; round_no++) {
		struct round rd = { 0 };
		struct pf_addons inst = { 0 };
		struct pf_transaction *t = NULL;
		struct pf_system sys;
		size_t applied = 0;
		int rr = -1;

		if (pf_db_get_system(s->db, &sys) < 0)
			break;
		if (round_no == 0)
			pf_warn_series_config(s, &sys);
		t = pf_transaction_new(ctx, sys.series, sys.arch, sys.core);
		if (t && pf_addons_load(s->db, &inst) == 0 &&
		    resolve_round(s, opts, &sys, t, &rd, &inst) == 0) {
			if (rd.again) {
				rr = 0; /* the series moved: resolve again */
			} else if (t->n == 0 && t->blocked) {
				rr = pf_resolve_blocked(ctx, t, sys.core, s->resumed || round_no > 0);
			} else if (t->n == 0) {
				pf_emit(ctx, &(struct pf_event){
					.type = PF_EV_UPTODATE,
					.uptodate = { .core = sys.core, .series = sys.series },
				});
				rr = 0;
			} else {
				/* A second round follows: an update of pakfire at
				 * the end of this one restarts it first. */
				po.more_follows = rd.deferred;
				rr = pf_pipeline_run(s, t, tx, &po, &applied);
				if (rr == 0 && !s->restart && t->blocked && applied == t->n &&
				    pf_db_get_system(s->db, &sys) == 0)
					rr = pf_resolve_blocked(ctx, t, sys.core, true);
			}
		}
		pf_transaction_free(t);
		pf_addons_clear(&inst);
		if (rr == 0 && rd.again) {
			round_clear(&rd);
			continue;
		}
		if (rr < 0 || s->restart || !rd.deferred || opts->dry_run || applied == 0) {
			round_clear(&rd);
			r = rr;
			break;
		}
		round_clear(&rd);
		/* Once asked is enough: the admin said yes to the crossing. */
		po.confirm = NULL;
	}
	if (r < 0 && !pf_error_class(ctx))
		pf_fail(ctx, PF_E_VERIFY, "more than %d rounds of series switches in one run",
			MAX_SERIES);
	pf_session_tx_end(s, tx);
	return r;
}
