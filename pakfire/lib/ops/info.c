/* One add-on or one core update: see info.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/numbers.h"
#include "format/index.h"
#include "ops/addons.h"
#include "ops/info.h"
#include "ops/session.h"
#include "resolve/resolve.h"
#include "resolve/transaction.h"
#include "state/system.h"
#include "state/unit-info.h"

/* Whether core update NUMBER is in the chain `upgrade` would apply from
 * the system's level. */
static int in_chain(struct pf_ctx *ctx, const struct pf_index *idx, const struct pf_system *sys,
		    unsigned number, bool *pending)
{
	struct pf_transaction *t = pf_transaction_new(ctx, sys->series, sys->arch, sys->core);
	int r = -1;

	*pending = false;
	if (!t || pf_resolve_core_chain(ctx, idx, t, number) < 0)
		goto out;
	*pending = t->n && t->units[t->n - 1].number == number;
	r = 0;
out:
	pf_transaction_free(t);
	return r;
}

static int core_info(struct pf_session *s, const struct pf_system *sys, const struct pf_index *idx,
		     const char *what, struct pf_info *out)
{
	struct pf_core_view *c = &out->update;
	const struct pf_index_entry *e;
	uint64_t n;

	if (pf_parse_uint(what + 5, UINT32_MAX, &n) < 0 || n == 0)
		return pf_fail(s->ctx, PF_E_USAGE, "'%s' is not a core update: core-N names one"
			       " by its number (core-141)", what);
	out->kind = PF_INFO_CORE;
	c->number = (unsigned)n;
	pf_unit_core_id(c->unit, c->number);
	c->applied = c->number <= sys->core;
	e = idx ? pf_index_find_core(idx, c->number) : NULL;
	if (!e && !c->applied)
		return pf_fail(s->ctx, PF_E_USAGE, "%s: the index of series %s lists no core update"
			       " %u, and this system (at core %u) has not applied it ('pakfire"
			       " status' shows the pending updates%s)", what, sys->series,
			       c->number, sys->core, idx ? "" : "; run 'pakfire update' first");
	if (!e)
		return 0;
	c->offered = true;
	c->requires = e->requires;
	snprintf(c->series_switch, sizeof(c->series_switch), "%s",
		 e->series_switch ? e->series_switch : "");
	snprintf(c->summary, sizeof(c->summary), "%s", e->summary ? e->summary : "");
	c->reboot = e->reboot;
	c->manifest_size = e->manifest_size;
	c->package_size = e->package_size;
	return c->applied ? 0 : in_chain(s->ctx, idx, sys, c->number, &c->pending);
}

static int addon_info(struct pf_session *s, const struct pf_system *sys,
		      const struct pf_index *idx, const char *what, struct pf_info *out)
{
	struct pf_addons inst = { 0 };
	struct pf_addon_view *v = NULL;
	size_t n = 0;
	int r = -1;

	out->kind = PF_INFO_ADDON;
	if (pf_addons_load(s->db, &inst) < 0 ||
	    pf_addon_views(s->ctx, idx, &inst, PF_CATALOG_ALL, &v, &n, NULL) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, what)) {
			out->addon = v[i];
			r = 0;
			goto out;
		}
	pf_fail(s->ctx, PF_E_USAGE, "no add-on '%s': the index of series %s does not offer it"
		" and none of that name is installed ('pakfire list' shows every add-on%s)",
		what, sys->series, idx ? "" : "; run 'pakfire update' first");
out:
	free(v);
	pf_addons_clear(&inst);
	return r;
}

int pf_info_of(struct pf_session *s, const char *what, struct pf_info *out)
{
	struct pf_index *idx = NULL;
	struct pf_unit_info db;
	struct pf_system sys;
	const char *id;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (pf_reading_open(s, &sys, &idx, &out->at) < 0)
		goto out;
	if (!strncmp(what, "core-", 5) ? core_info(s, &sys, idx, what, out) < 0 :
					 addon_info(s, &sys, idx, what, out) < 0)
		goto out;
	id = out->kind == PF_INFO_CORE ? out->update.unit : out->addon.name;
	if (pf_db_unit_info(s->db, id, &db) < 0)
		goto out;
	/* A removed add-on's row stays, but the system no longer has it. */
	out->recorded = db.recorded && !strcmp(db.outcome, "applied");
	if (out->recorded) {
		out->applied_at = db.applied_at;
		snprintf(out->applied_series, sizeof(out->applied_series), "%s", db.series);
	}
	out->files = db.files;
	out->bytes = db.bytes;
	out->paths = db.paths;
	r = 0;
out:
	pf_index_free(idx);
	return r;
}
