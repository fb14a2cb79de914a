/* `pakfire upgrade`: see upgrade.h. The resolver's part: the core chain of
 * the system's series and, when an update in it switches series, the
 * chain of the series it moves to, whose signed index is fetched and
 * verified first; then every installed add-on whose build differs in the
 * index of the series the system ends on. The rest is the pipeline
 * (pipeline.c), as for every transaction. */
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "format/config.h"
#include "format/index.h"
#include "format/manifest.h"
#include "ops/addons.h"
#include "ops/pipeline.h"
#include "ops/session.h"
#include "ops/update.h"
#include "ops/upgrade.h"
#include "resolve/addons.h"
#include "resolve/resolve.h"
#include "resolve/transaction.h"
#include "state/history.h"
#include "state/system.h"

/* A crossing follows at most this many switches in one run. */
#define MAX_SERIES 8

/* What one round of the upgrade holds: the indexes it reads (the
 * transaction's units point into them). */
struct round {
	struct pf_index *idx[MAX_SERIES];
	size_t n_idx;
	bool deferred;          /* stops at a switch whose next index is not trusted yet */
};

static void round_clear(struct round *r)
{
	for (size_t i = 0; i < r->n_idx; i++)
		pf_index_free(r->idx[i]);
	memset(r, 0, sizeof(*r));
}

/* The switch the last unit of T makes, or NULL. */
static const char *pending_switch(const struct pf_transaction *t)
{
	return t->n && t->units[t->n - 1].entry ? t->units[t->n - 1].entry->series_switch : NULL;
}

/* Whether unit U ships a file into the keys folder KEYS (absolute). */
static bool ships_keys(const struct pf_unit *u, const char *keys)
{
	size_t len = strlen(keys + 1);

	for (size_t i = 0; u->m && i < u->m->n; i++)
		if (!strncmp(u->m->entries[i].path, keys + 1, len) &&
		    u->m->entries[i].path[len] == '/')
			return true;
	return false;
}

/* The index of the series the switching update moves to, verified now.
 * When it is signed by a key the switching update itself brings, it cannot
 * be trusted before that update commits: *DEFERRED, and the rest of the
 * crossing is planned then. */
static int next_index(struct pf_session *s, const struct pf_transaction *t, const char *series,
		      struct pf_index **out, bool *deferred)
{
	struct pf_unit *sw = &t->units[t->n - 1];
	char label[PF_UNIT_ID_MAX];

	*deferred = false;
	if (pf_index_refresh(s, series, t->arch, out, NULL) == 0)
		return 0;
	if (pf_error_class(s->ctx) != PF_E_VERIFY)
		return pf_fail_wrap(s->ctx, "%s moves the system to series %s, whose index could"
				    " not be fetched; nothing was changed", pf_unit_label(sw, label),
				    series);
	/* Its manifest tells whether it brings keys: fetched (and verified)
	 * early, as the pipeline would. */
	if (!sw->m || !ships_keys(sw, s->config->keys))
		return pf_fail_wrap(s->ctx, "the index of series %s, where %s moves the system,"
				    " was refused; nothing was changed", series,
				    pf_unit_label(sw, label));
	pf_clear_error(s->ctx);
	pf_info(s->ctx, "the index of series %s is signed by a key that %s brings: the updates"
		" up to %s are planned now, the rest of the crossing after it commits",
		series, pf_unit_label(sw, label), label);
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
	if (!found)
		return pf_index_refresh(s, sys->series, sys->arch, out, NULL);
	return pf_current_index(s, sys, true, out);
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
	if (pf_resolve_upgrade(ctx, idx, t, opts->to) < 0)
		return -1;
	while ((next = pending_switch(t)) && !(opts->to && t->units[t->n - 1].number >= opts->to)) {
		struct pf_index *nidx;

		if (r->n_idx == MAX_SERIES)
			return pf_fail(ctx, PF_E_VERIFY, "more than %d series switches in a row",
				       MAX_SERIES);
		if (pf_pipeline_fetch_manifest(s, t, t->n - 1) < 0 ||
		    next_index(s, t, next, &nidx, &r->deferred) < 0)
			return -1;
		if (r->deferred)
			return 0;
		r->idx[r->n_idx++] = nidx;
		idx = nidx;
		if (pf_resolve_continue(ctx, idx, t, opts->to) < 0)
			return -1;
	}
	pf_warn_successor(ctx, idx, pending_switch(t) != NULL);
	return pf_resolve_addon_upgrades(ctx, idx, &inst->set, t);
}

int pf_upgrade(struct pf_session *s, const struct pf_upgrade_opts *opts)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_pipeline_opts po = {
		.dry_run = opts->dry_run, .confirm = opts->confirm, .confirm_data = opts->confirm_data,
	};
	int64_t tx = 0;
	int r = -1;

	if (!opts->dry_run && pf_db_tx_begin(s->db, "upgrade", &tx) < 0)
		return -1;
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
			if (t->n == 0) {
				pf_emit(ctx, &(struct pf_event){
					.type = PF_EV_UPTODATE,
					.uptodate = { .core = sys.core, .series = sys.series },
				});
				rr = 0;
			} else {
				rr = pf_pipeline_run(s, t, tx, &po, &applied);
			}
		}
		pf_transaction_free(t);
		pf_addons_clear(&inst);
		if (rr < 0 || !rd.deferred || opts->dry_run || applied == 0) {
			round_clear(&rd);
			r = rr;
			break;
		}
		round_clear(&rd);
		/* Once asked is enough: the admin said yes to the crossing. */
		po.confirm = NULL;
	}
	pf_db_tx_end(s->db, tx);
	return r;
}
