/* Status: see status.h. Reads only; never needs the write lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/config.h"
#include "base/context.h"
#include "format/index.h"
#include "ops/status.h"
#include "ops/update.h"
#include "state/db.h"

int pf_status(struct pf_ctx *ctx, struct pf_status *out)
{
	const struct pf_index_entry **chain = NULL;
	struct pf_stored_index stored;
	struct pf_system sys;
	struct pf_index *idx = NULL;
	size_t n = 0;
	bool found;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (pf_db_get_system(ctx, &sys) < 0 || pf_last_run(ctx, &out->last, &out->have_last) < 0 ||
	    pf_db_load_index(ctx, sys.series, sys.arch, &stored, &found) < 0)
		return -1;
	snprintf(out->series, sizeof(out->series), "%s", sys.series);
	snprintf(out->arch, sizeof(out->arch), "%s", sys.arch);
	out->core = sys.core;
	if (!found)
		return 0;
	out->have_index = true;
	out->index_revision = stored.revision;
	out->index_date = stored.date;
	out->index_valid_until = stored.valid_until;
	out->index_fetched_at = stored.fetched_at;
	out->index_expired = pf_index_expired(ctx, stored.valid_until);
	pf_stored_index_clear(&stored);
	if (pf_current_index(ctx, &sys, false, &idx) < 0 ||
	    pf_pending(ctx, idx, sys.core, 0, &chain, &n) < 0)
		goto out;
	out->pending = calloc(n ? n : 1, sizeof(*out->pending));
	if (!out->pending) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct pf_status_update *u = &out->pending[i];

		u->number = chain[i]->number;
		snprintf(u->summary, sizeof(u->summary), "%s", chain[i]->summary ? chain[i]->summary : "");
		u->reboot = chain[i]->reboot;
		u->package_size = chain[i]->package_size;
	}
	out->n_pending = n;
	r = 0;
out:
	free(chain);
	pf_index_free(idx);
	return r;
}

void pf_status_clear(struct pf_status *st)
{
	free(st->pending);
	st->pending = NULL;
	st->n_pending = 0;
}
