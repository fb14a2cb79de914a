/* The list report (ops/catalog.h's view): a table of add-ons, or the
 * "list" object of the --json document. */
#include <stdio.h>
#include <string.h>

#include "jsonc.h"
#include "ops/catalog.h"
#include "render.h"

typedef struct json_object jobj;

static const char *const FILTER_NAMES[] = {
	[PF_CATALOG_ALL] = "all", [PF_CATALOG_INSTALLED] = "installed",
	[PF_CATALOG_AVAILABLE] = "available", [PF_CATALOG_UPGRADABLE] = "upgradable",
};

static void list_json(struct output *o, const struct pf_catalog *c)
{
	jobj *r = output_report(o), *list = json_object_new_array();

	if (!r || !list || jv_string(r, "series", c->at.series) < 0 ||
	    jv_string(r, "arch", c->at.arch) < 0 || jv_uint(r, "core", c->at.core) < 0 ||
	    report_index_json(r, &c->at.index) < 0 ||
	    jv_string(r, "filter", FILTER_NAMES[c->filter]) < 0 ||
	    jv_uint(r, "installed", c->n_installed) < 0 ||
	    jv_uint(r, "upgradable", c->n_upgradable) < 0)
		goto fail;
	for (size_t i = 0; i < c->n; i++) {
		jobj *e = report_addon_json(&c->addons[i]);

		if (!e || json_object_array_add(list, e) < 0) {
			json_object_put(e);
			goto fail;
		}
	}
	if (jv_add(r, "addons", list) < 0)
		o->failed = true;
	return;
fail:
	json_object_put(list);
	o->failed = true;
}

/* What an empty list says, by what was asked. */
static void say_none(const struct pf_catalog *c)
{
	switch (c->filter) {
	case PF_CATALOG_INSTALLED:
		printf("No add-ons installed ('pakfire list --available' shows what series %s"
		       " offers).\n", c->at.series);
		break;
	case PF_CATALOG_AVAILABLE:
		printf("No add-ons to install: series %s offers none that is not installed.\n",
		       c->at.series);
		break;
	case PF_CATALOG_UPGRADABLE:
		printf("No add-on upgradable: every installed add-on is at the build that"
		       " series %s offers.\n", c->at.series);
		break;
	case PF_CATALOG_ALL:
		printf("Series %s offers no add-ons, and none is installed.\n", c->at.series);
		break;
	}
}

void output_list(struct output *o, const struct pf_catalog *c)
{
	const char *series = c->at.index.have ? c->at.series : NULL;
	int wn = (int)strlen("NAME"), wv = (int)strlen("VERSION"), ws = (int)strlen("STATE");
	char state[256];

	if (o->json) {
		list_json(o, c);
		return;
	}
	if (c->n == 0)
		say_none(c);
	for (size_t i = 0; i < c->n; i++) {
		const struct pf_addon_view *v = &c->addons[i];
		int len;

		report_addon_state(v, series, state, sizeof(state));
		len = (int)strlen(v->name);
		wn = len > wn ? len : wn;
		len = (int)strlen(v->offered ? v->version : v->installed_version);
		wv = len > wv ? len : wv;
		len = (int)strlen(state);
		ws = len > ws ? len : ws;
	}
	if (c->n)
		printf("%-*s  %-*s  %-*s  %s\n", wn, "NAME", wv, "VERSION", ws, "STATE", "SUMMARY");
	for (size_t i = 0; i < c->n; i++) {
		const struct pf_addon_view *v = &c->addons[i];

		report_addon_state(v, series, state, sizeof(state));
		printf("%-*s  %-*s  %-*s  %s\n", wn, v->name, wv,
		       v->offered ? v->version : v->installed_version, ws, state, v->summary);
	}
	if (!c->at.index.have)
		printf("No index yet: 'pakfire update' fetches the one of series %s, which says"
		       " what is offered and upgradable.\n", c->at.series);
	else if (c->n_upgradable && c->filter != PF_CATALOG_AVAILABLE)
		printf("%zu add-on%s upgradable: run 'pakfire upgrade'.\n", c->n_upgradable,
		       c->n_upgradable == 1 ? "" : "s");
}
