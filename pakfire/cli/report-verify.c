/* The verify report (ops/verify-files.h): each finding as it is found, then
 * the summary; as text, or the "verify" object of the --json document. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/path.h"
#include "jsonc.h"
#include "ops/repair.h"
#include "ops/verify-files.h"
#include "render.h"

typedef struct json_object jobj;

/* The report's "findings": a list (jsonc.h), as a whole system can differ. */
static jobj *findings(struct output *o)
{
	jobj *r = output_report(o);

	if (!o->findings && r) {
		jobj *list = jv_list_new();

		if (jv_add(r, "findings", json_object_get(list)) < 0) {
			json_object_put(list);
			o->failed = true;
			return NULL;
		}
		o->findings = list;
		json_object_put(list); /* the report holds it */
	}
	return o->findings;
}

static void finding_json(struct output *o, const struct pf_finding *f)
{
	jobj *list = findings(o), *e;
	char path[PATH_MAX + 2];

	if (!list)
		return;
	snprintf(path, sizeof(path), "/%s", f->path);
	e = json_object_new_object();
	if (!e || jv_path(e, "path", path) < 0 ||
	    jv_string(e, "kind", pf_finding_name(f->kind)) < 0 ||
	    jv_string(e, "unit", f->unit) < 0 ||
	    (f->owner && jv_uint(e, "core", f->owner) < 0) || jv_path(e, "expected", f->expected) < 0 ||
	    jv_path(e, "found", f->found) < 0) {
		json_object_put(e);
		o->failed = true;
		return;
	}
	if (jv_list_add(list, e) < 0)
		o->failed = true;
}

void output_verify_finding(const struct pf_finding *f, void *data)
{
	struct output *o = data;
	char path[512], want[512], got[512];
	const char *quote = f->kind == PF_FINDING_TARGET ? "'" : "";

	if (o->json) {
		finding_json(o, f);
		return;
	}
	/* One line each, whatever bytes a symlink target holds. */
	pf_quote(f->path, strlen(f->path), path, sizeof(path));
	pf_quote(f->expected ? f->expected : "", f->expected ? strlen(f->expected) : 0,
		 want, sizeof(want));
	pf_quote(f->found ? f->found : "", f->found ? strlen(f->found) : 0, got, sizeof(got));
	printf("/%s: ", path);
	switch (f->kind) {
	case PF_FINDING_MISSING:
		printf("missing");
		break;
	case PF_FINDING_UNREADABLE:
		printf("unreadable: %s", got);
		break;
	case PF_FINDING_CONTENT:
		printf("content changed: expected SHA-256 %s, found %s", want, got);
		break;
	case PF_FINDING_SIZE:
		printf("size changed: expected %s bytes, found %s bytes", want, got);
		break;
	default:
		printf("%s changed: expected %s%s%s, found %s%s%s", pf_finding_name(f->kind),
		       quote, want, quote, quote, got, quote);
		break;
	}
	if (f->owner)
		printf(" (installed by core %u)\n", f->owner);
	else
		printf(" (installed by %s)\n", f->unit);
}

static void summary_json(struct output *o, const struct pf_verify_summary *sum)
{
	jobj *r = output_report(o), *s;

	if (!r || !findings(o))
		return; /* o->failed is set */
	s = json_object_new_object();
	if (!s || jv_uint(s, "paths", sum->paths) < 0 || jv_uint(s, "ok", sum->ok) < 0 ||
	    jv_uint(s, "changed", sum->changed) < 0 || jv_uint(s, "findings", sum->findings) < 0 ||
	    jv_uint(s, "bytes", sum->bytes) < 0 ||
	    jv_uint(s, "milliseconds", (uint64_t)(sum->seconds * 1000 + 0.5)) < 0 ||
	    jv_bool(s, "complete", sum->complete) < 0) {
		json_object_put(s);
		o->failed = true;
		return;
	}
	if (jv_add(r, "summary", s) < 0)
		o->failed = true;
}

void output_verify_summary(struct output *o, const struct pf_verify_summary *sum)
{
	char size[32];

	if (o->json) {
		summary_json(o, sum);
		return;
	}
	if (o->verbosity < 0 || (!sum->paths && !sum->complete))
		return;
	pf_format_size(sum->bytes, size);
	printf("verified %llu paths (%s) in %.2f s: %llu ok, %llu changed\n",
	       (unsigned long long)sum->paths, size, sum->seconds, (unsigned long long)sum->ok,
	       (unsigned long long)sum->changed);
}

static const char *const repair_lists[] = {
	[PF_REPAIR_RESTORED] = "restored",
	[PF_REPAIR_KEPT] = "kept",
	[PF_REPAIR_NOT_REPAIRABLE] = "not_repairable",
};

void output_repair_lists(struct output *o)
{
	jobj *r = output_report(o);

	if (!o->json || !r)
		return;
	for (size_t i = 0; i < sizeof(repair_lists) / sizeof(repair_lists[0]); i++) {
		jobj *list = jv_list_new();

		if (!list || jv_add(r, repair_lists[i], list) < 0) {
			o->failed = true;
			return;
		}
	}
}

static void repair_json(struct output *o, const struct pf_repair_item *it)
{
	jobj *r = output_report(o), *list = NULL, *e;
	char path[PATH_MAX + 2];

	if (!r || !json_object_object_get_ex(r, repair_lists[it->kind], &list))
		return; /* o->failed is set, or the lists were not asked for */
	snprintf(path, sizeof(path), "/%s", it->path);
	e = json_object_new_object();
	if (!e || jv_path(e, "path", path) < 0 || jv_string(e, "unit", it->unit) < 0 ||
	    (it->core && jv_uint(e, "core", it->core) < 0) ||
	    (it->why && jv_string(e, "why", it->why) < 0) ||
	    (it->kind == PF_REPAIR_RESTORED && jv_bool(e, "dry_run", it->dry_run) < 0)) {
		json_object_put(e);
		o->failed = true;
		return;
	}
	if (jv_list_add(list, e) < 0)
		o->failed = true;
}

void output_repair_item(const struct pf_repair_item *it, void *data)
{
	struct output *o = data;
	char path[512], by[96];

	if (o->json) {
		repair_json(o, it);
		return;
	}
	pf_quote(it->path, strlen(it->path), path, sizeof(path));
	if (it->core)
		snprintf(by, sizeof(by), "core %u", it->core);
	else
		snprintf(by, sizeof(by), "%s", it->unit);
	switch (it->kind) {
	case PF_REPAIR_RESTORED:
		printf("/%s: %s from %s\n", path, it->dry_run ? "would be restored" : "restored", by);
		break;
	case PF_REPAIR_KEPT:
		printf("/%s: kept: %s (installed by %s)\n", path, it->why, by);
		break;
	case PF_REPAIR_NOT_REPAIRABLE:
		printf("/%s: not repairable: %s (installed by %s)\n", path, it->why, by);
		break;
	}
}

void output_repair_summary(struct output *o, size_t restored, size_t kept, size_t not_repairable,
			   bool dry_run)
{
	if (o->json || o->verbosity < 0 || !(restored + kept + not_repairable))
		return;
	printf("%s: %zu %s, %zu kept, %zu not repairable\n", dry_run ? "verify --fix --dry-run" :
	       "verify --fix", restored, dry_run ? "would be restored" : "restored", kept,
	       not_repairable);
}
