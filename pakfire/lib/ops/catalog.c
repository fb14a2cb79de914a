/* The add-ons offered and installed: see catalog.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "format/config.h"
#include "format/index.h"
#include "ops/addons.h"
#include "ops/catalog.h"
#include "ops/session.h"
#include "ops/update.h"
#include "resolve/addons.h"
#include "state/system.h"
#include "state/units.h"

static bool keep(enum pf_catalog_filter f, const struct pf_addon_view *v)
{
	switch (f) {
	case PF_CATALOG_INSTALLED:
		return v->installed;
	case PF_CATALOG_AVAILABLE:
		return v->offered && !v->installed;
	case PF_CATALOG_UPGRADABLE:
		return v->upgradable;
	case PF_CATALOG_ALL:
		break;
	}
	return true;
}

/* The view of add-on E of IDX (or NULL: not offered) and of installed ROW
 * (or NULL). */
static void view_of(struct pf_addon_view *v, const struct pf_index *idx,
		    const struct pf_index_entry *e, const struct pf_addon_row *row)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", e ? e->name : row->name);
	if (e) {
		v->offered = true;
		pf_addon_version(e, v->version, sizeof(v->version));
		v->package_size = e->package_size;
		snprintf(v->summary, sizeof(v->summary), "%s", e->summary ? e->summary : "");
		snprintf(v->depends, sizeof(v->depends), "%s", e->depends ? e->depends : "");
	} else {
		snprintf(v->summary, sizeof(v->summary), "%s", row->summary ? row->summary : "");
		snprintf(v->depends, sizeof(v->depends), "%s", row->depends ? row->depends : "");
	}
	if (!row)
		return;
	v->installed = true;
	snprintf(v->installed_version, sizeof(v->installed_version), "%s", row->version);
	snprintf(v->installed_series, sizeof(v->installed_series), "%s", row->series);
	snprintf(v->reason, sizeof(v->reason), "%s", row->reason);
	v->upgradable = e && (strcmp(v->version, row->version) || strcmp(idx->series, row->series));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct pf_addon_view *)a)->name,
		      ((const struct pf_addon_view *)b)->name);
}

int pf_addon_view_depends(const struct pf_addon_view *v, int (*fn)(const char *name, void *data),
			  void *data)
{
	return pf_depends_each(v->depends, fn, data);
}

static const struct pf_addon_row *installed_row(const struct pf_addons *inst, const char *name)
{
	for (size_t i = 0; i < inst->set.n; i++)
		if (!strcmp(inst->rows[i].name, name))
			return &inst->rows[i];
	return NULL;
}

int pf_addon_views(struct pf_ctx *ctx, const struct pf_index *idx, const struct pf_addons *inst,
		   enum pf_catalog_filter filter, struct pf_addon_view **out, size_t *n,
		   size_t *n_upgradable)
{
	size_t cap = (idx ? idx->n : 0) + inst->set.n, len = 0, up = 0;
	struct pf_addon_view *v = calloc(cap ? cap : 1, sizeof(*v));

	*out = NULL;
	*n = 0;
	if (!v)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	for (size_t i = 0; idx && i < idx->n; i++) {
		const struct pf_index_entry *e = &idx->entries[i];

		/* the first stanza of a name is the one the resolver takes */
		if (e->type != PF_STANZA_ADDON || !e->name || pf_index_find_addon(idx, e->name) != e)
			continue;
		view_of(&v[len], idx, e, installed_row(inst, e->name));
		up += v[len].upgradable;
		if (keep(filter, &v[len]))
			len++;
	}
	for (size_t i = 0; i < inst->set.n; i++) {
		if (idx && pf_index_find_addon(idx, inst->rows[i].name))
			continue; /* seen with its stanza */
		view_of(&v[len], idx, NULL, &inst->rows[i]);
		if (keep(filter, &v[len]))
			len++;
	}
	qsort(v, len, sizeof(*v), by_name);
	*out = v;
	*n = len;
	if (n_upgradable)
		*n_upgradable = up;
	return 0;
}

int pf_reading_open(struct pf_session *s, struct pf_system *sys, struct pf_index **idx,
		    struct pf_reading *at)
{
	struct pf_index_view *view = &at->index;
	struct pf_stored_index stored;
	bool found;
	char when[21];

	*idx = NULL;
	memset(at, 0, sizeof(*at));
	if (pf_db_get_system(s->db, sys) < 0 ||
	    pf_db_load_index(s->db, sys->series, sys->arch, &stored, &found) < 0)
		return -1;
	snprintf(at->series, sizeof(at->series), "%s", sys->series);
	snprintf(at->arch, sizeof(at->arch), "%s", sys->arch);
	at->core = sys->core;
	if (!found)
		return 0;
	view->have = true;
	view->revision = stored.revision;
	view->valid_until = stored.valid_until;
	view->expired = pf_index_expired(s->config->valid_until_grace, stored.valid_until);
	pf_stored_index_clear(&stored);
	if (view->expired) {
		pf_time_format(view->valid_until, when);
		pf_warn(s->ctx, "the index of series %s kept from the last 'pakfire update' expired"
			" (Valid-Until %s): what it lists may be out of date; run 'pakfire update'",
			sys->series, when);
	}
	return pf_current_index(s, sys, false, idx);
}

int pf_catalog(struct pf_session *s, enum pf_catalog_filter filter, struct pf_catalog *out)
{
	struct pf_addons inst = { 0 };
	struct pf_index *idx = NULL;
	struct pf_system sys;
	int r = -1;

	memset(out, 0, sizeof(*out));
	out->filter = filter;
	if (pf_reading_open(s, &sys, &idx, &out->at) < 0 || pf_addons_load(s->db, &inst) < 0)
		goto out;
	/* What is installed is known without an index; what is offered,
	 * and so what is upgradable, is not. */
	if (!idx && filter != PF_CATALOG_INSTALLED && pf_current_index(s, &sys, false, &idx) < 0)
		goto out;
	if (pf_addon_views(s->ctx, idx, &inst, filter, &out->addons, &out->n,
			   &out->n_upgradable) < 0)
		goto out;
	out->n_installed = inst.set.n;
	r = 0;
out:
	pf_index_free(idx);
	pf_addons_clear(&inst);
	return r;
}

void pf_catalog_clear(struct pf_catalog *c)
{
	free(c->addons);
	c->addons = NULL;
	c->n = 0;
}
