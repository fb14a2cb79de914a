/* The verdicts of a refused update: see verdicts.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/event.h"
#include "format/index.h"
#include "ops/pipeline.h"
#include "ops/session.h"
#include "ops/update.h"
#include "ops/verdicts.h"
#include "plan/space.h"
#include "plan/verdict.h"
#include "resolve/resolve.h"
#include "resolve/transaction.h"
#include "state/system.h"

/* The pending core updates after T, as far as the index of the system's
 * series goes: *SIDE (NULL when there are none, or when T crosses into
 * another series) with every manifest fetched. */
static int pending_after(struct pf_session *s, const struct pf_transaction *t,
			 struct pf_index **idx, struct pf_transaction **side)
{
	unsigned level = pf_transaction_level_before(t, t->n);
	struct pf_system sys;

	*idx = NULL;
	*side = NULL;
	if (pf_transaction_switch(t) || pf_db_get_system(s->db, &sys) < 0 ||
	    strcmp(sys.series, t->series) || pf_current_index(s, &sys, false, idx) < 0)
		return pf_error_class(s->ctx) ? -1 : 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->units[i].series && strcmp(t->units[i].series, sys.series))
			return 0; /* a crossing: what follows is another index's */
	*side = pf_transaction_new(s->ctx, t->series, t->arch, level);
	if (!*side || pf_resolve_core_chain(s->ctx, *idx, *side, 0) < 0)
		return -1;
	for (size_t i = 0; i < (*side)->n; i++)
		if (pf_pipeline_fetch_manifest(s, *side, i) < 0)
			return -1;
	return 0;
}

void pf_pipeline_judge(struct pf_session *s, const struct pf_transaction *t,
		       struct pf_space_check *sc, const struct pf_plan_input *in, size_t n_in,
		       const struct pf_plan_input *rest, size_t n_rest, struct pf_plan *p, size_t k)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_transaction *side = NULL;
	struct pf_index *idx = NULL;
	struct pf_plan_input *later = NULL;
	char (*labels)[PF_UNIT_ID_MAX] = NULL;
	size_t n_later = 0;
	struct pf_verdict_env env = {
		.sc = sc, .db = s->db, .own = { t->own[0], t->own[1], t->own[2] },
		.in = in, .n_in = n_in,
	};

	/* Without them, the verdict is still worth having. */
	if (pending_after(s, t, &idx, &side) < 0) {
		pf_warn(ctx, "the pending core updates after this run could not be looked at for"
			" cleanups: %s", pf_error_message(ctx));
		pf_clear_error(ctx);
		pf_transaction_free(side);
		side = NULL;
	}
	n_later = n_rest + (side ? side->n : 0);
	later = calloc(n_later ? n_later : 1, sizeof(*later));
	labels = calloc(side && side->n ? side->n : 1, sizeof(*labels));
	if (!later || !labels) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (n_rest)
		memcpy(later, rest, n_rest * sizeof(*later));
	for (size_t i = 0; side && i < side->n; i++) {
		const struct pf_unit *u = &side->units[i];

		later[n_rest + i] = (struct pf_plan_input){
			.number = u->number, .m = u->m, .unit = u->id,
			.label = pf_unit_label(u, labels[i]),
		};
	}
	env.idx = idx;
	env.later = later;
	env.n_later = n_later;
	if (pf_plan_judge(ctx, &env, p, k) < 0)
		goto out;
	/* The verdicts hold copies of what they name: the rest can go. */
out:
	if (pf_error_class(ctx)) {
		pf_warn(ctx, "what would make room for %s could not be judged: %s",
			p->updates[k].label, pf_error_message(ctx));
		pf_clear_error(ctx);
	}
	free(labels);
	free(later);
	pf_transaction_free(side);
	pf_index_free(idx);
}
