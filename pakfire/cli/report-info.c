/* The info report (ops/info.h's view): one add-on or one core update, as
 * "Key: value" lines, or the "info" object of the --json document. */
#include <stdio.h>
#include <string.h>

#include "jsonc.h"
#include "ops/info.h"
#include "render.h"

typedef struct json_object jobj;

static jobj *json_core(const struct pf_core_view *c)
{
	jobj *e = json_object_new_object();

	if (!e || jv_string(e, "unit", c->unit) < 0 || jv_uint(e, "core", c->number) < 0 ||
	    jv_bool(e, "offered", c->offered) < 0 ||
	    (c->offered ? jv_uint(e, "requires", c->requires) :
			  jv_string(e, "requires", NULL)) < 0 ||
	    jv_string(e, "series_switch", c->series_switch[0] ? c->series_switch : NULL) < 0 ||
	    jv_string(e, "summary", c->offered ? c->summary : NULL) < 0 ||
	    jv_bool(e, "reboot", c->reboot) < 0 ||
	    (c->offered ? jv_uint(e, "manifest_size", c->manifest_size) :
			  jv_string(e, "manifest_size", NULL)) < 0 ||
	    (c->offered ? jv_uint(e, "package_size", c->package_size) :
			  jv_string(e, "package_size", NULL)) < 0 ||
	    jv_bool(e, "applied", c->applied) < 0 || jv_bool(e, "pending", c->pending) < 0) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

static void info_json(struct output *o, const struct pf_info *i)
{
	jobj *r = output_report(o);
	bool core = i->kind == PF_INFO_CORE;
	jobj *what = core ? json_core(&i->update) : report_addon_json(&i->addon);

	if (!r || jv_string(r, "kind", core ? "core" : "addon") < 0 ||
	    jv_string(r, "series", i->at.series) < 0 || jv_uint(r, "core", i->at.core) < 0 ||
	    report_index_json(r, &i->at.index) < 0) {
		json_object_put(what);
		o->failed = true;
		return;
	}
	/* jv_add takes WHAT, also when it fails */
	if (jv_add(r, core ? "update" : "addon", what) < 0 ||
	    jv_time(r, "applied_at", i->recorded ? i->applied_at : 0) < 0 ||
	    jv_string(r, "applied_series", i->recorded ? i->applied_series : NULL) < 0 ||
	    jv_uint(r, "files", i->files) < 0 || jv_uint(r, "files_size", i->bytes) < 0 ||
	    jv_uint(r, "paths", i->paths) < 0)
		o->failed = true;
}

/* "Files:       12 files (3.4 MiB), 15 paths owned in all": what the
 * files table holds of it. */
static void files_line(const struct pf_info *i)
{
	char size[32];

	pf_format_size(i->bytes, size);
	printf("Files:       %llu file%s (%s), %llu path%s owned in all\n",
	       (unsigned long long)i->files, i->files == 1 ? "" : "s", size,
	       (unsigned long long)i->paths, i->paths == 1 ? "" : "s");
}

static void addon_text(const struct pf_info *i)
{
	const struct pf_addon_view *v = &i->addon;
	char a[32], state[256];

	printf("Name:        %s\n", v->name);
	if (v->offered) {
		pf_format_size(v->package_size, a);
		printf("Version:     %s, offered by series %s (package %s)\n", v->version,
		       i->at.series, a);
	} else {
		printf("Version:     none offered by series %s\n", i->at.series);
	}
	printf("Summary:     %s\n", v->summary);
	printf("Depends:     %s\n", v->depends[0] ? v->depends : "nothing");
	if (!v->installed) {
		printf("Installed:   no ('pakfire install %s' installs it)\n", v->name);
		return;
	}
	report_addon_state(v, i->at.index.have ? i->at.series : NULL, state, sizeof(state));
	format_time(i->applied_at, a);
	printf("Installed:   %s from series %s, %s, on %s\n", v->installed_version,
	       v->installed_series, !strcmp(v->reason, "dependency") ?
	       "pulled in as a dependency" : "asked for", a);
	printf("State:       %s%s\n", state, v->upgradable ? " ('pakfire upgrade' upgrades it)" : "");
	files_line(i);
}

static void core_text(const struct pf_info *i)
{
	const struct pf_core_view *c = &i->update;
	char a[32], b[32];

	printf("Update:      core %u (%s)\n", c->number, c->unit);
	if (c->offered) {
		printf("Summary:     %s\n", c->summary);
		printf("Requires:    core %u\n", c->requires);
		if (c->series_switch[0])
			printf("Series:      moves the system from series %s to series %s\n",
			       i->at.series, c->series_switch);
		printf("Reboot:      %s\n", c->reboot ? "yes" : "no");
		pf_format_size(c->manifest_size, a);
		pf_format_size(c->package_size, b);
		printf("Sizes:       manifest %s, package %s\n", a, b);
	} else {
		printf("Index:       the index of series %s does not list it (any more)\n",
		       i->at.series);
	}
	if (c->applied && i->recorded) {
		format_time(i->applied_at, a);
		printf("Applied:     yes, on %s, from series %s\n", a, i->applied_series);
	} else if (c->applied) {
		printf("Applied:     yes (the system was installed at core %u or later)\n", c->number);
	} else if (c->pending) {
		printf("Applied:     no: pending, 'pakfire upgrade' applies it\n");
	} else {
		printf("Applied:     no, and not in the chain from core %u\n", i->at.core);
	}
	/* what the installer put there is owned by no update */
	if (i->recorded)
		files_line(i);
}

void output_info(struct output *o, const struct pf_info *i)
{
	if (o->json)
		info_json(o, i);
	else if (i->kind == PF_INFO_CORE)
		core_text(i);
	else
		addon_text(i);
}
