/* The space part of the status report (ops/status.h, struct
 * pf_status_space): per mount the pending chain touches, what is free now,
 * what the chain needs there at its peak, and the verdict; or why there
 * are no figures. Text, or the "space" object of the --json report. */
#include <stdio.h>
#include <string.h>

#include "jsonc.h"
#include "ops/status.h"
#include "render.h"

typedef struct json_object jobj;

/* What to run when manifests are missing (docs/space.md). */
#define SPACE_HINT "run 'pakfire update' or 'pakfire upgrade --dry-run' to see the plan"

/* The verdict (plan/verdict.h: "fits", "fits-after-freeing",
 * "fits-after-cleanup", "never-fits"); "does-not-fit" when a refused mount
 * could not be judged. Text and JSON both read it from here only. */
static const char *verdict_name(const struct pf_status_mount *m)
{
	return m->fits ? "fits" : m->verdict[0] ? m->verdict : "does-not-fit";
}

/* The verdict in words, with what it rests on: "does not fit (core 139)". */
static void verdict_text(const struct pf_status_mount *m, char *buf, size_t size)
{
	char words[64];
	size_t n = strlen(verdict_name(m));

	snprintf(words, sizeof(words), "%s", verdict_name(m));
	for (size_t i = 0; i < n && i < sizeof(words); i++)
		words[i] = words[i] == '-' ? ' ' : words[i];
	if (m->fits)
		snprintf(buf, size, "%s", words);
	else if (!strcmp(m->verdict, "never-fits")) {
		char advised[32];

		pf_format_size_whole(m->advised, advised);
		if (m->in_place)
			snprintf(buf, size, "%s (core %u: not beside what stays there; "
				 "'pakfire upgrade --dry-run' says why)", words, m->refused_core);
		else
			snprintf(buf, size, "%s (core %u: reinstall with %s at least %s)", words,
				 m->refused_core, m->mount, advised);
	} else if (!strcmp(m->verdict, "fits-after-freeing")) {
		char freeable[32];

		pf_format_size(m->freeable, freeable);
		snprintf(buf, size, "%s (core %u: %s can be freed; 'pakfire upgrade --dry-run' lists it)",
			 words, m->refused_core, freeable);
	} else if (!strcmp(m->verdict, "fits-after-cleanup"))
		snprintf(buf, size, "%s (core %u: after %s)", words, m->refused_core, m->cleanup);
	else if (m->read_only)
		snprintf(buf, size, "%s (read-only)", words);
	else if (m->needed + m->reserve <= m->available)
		snprintf(buf, size, "%s (core %u: inodes)", words, m->refused_core);
	else
		snprintf(buf, size, "%s (core %u)", words, m->refused_core);
}

/* The units of the pending list whose manifest is not kept, as JSON. */
static jobj *missing_json(const struct pf_status *st)
{
	jobj *list = json_object_new_array();

	for (size_t i = 0; list && i < st->n_pending; i++) {
		jobj *id;

		if (st->pending[i].have_manifest)
			continue;
		id = json_object_new_string(st->pending[i].unit);
		if (!id || json_object_array_add(list, id) < 0) {
			json_object_put(id);
			json_object_put(list);
			return NULL;
		}
	}
	return list;
}

static jobj *mount_json(const struct pf_status_mount *m)
{
	jobj *e = json_object_new_object();

	if (!e || jv_string(e, "mount", m->mount) < 0 || jv_uint(e, "available", m->available) < 0 ||
	    jv_uint(e, "needed", m->needed) < 0 || jv_uint(e, "reserve", m->reserve) < 0 ||
	    (m->inodes_unlimited ? jv_string(e, "inodes_available", NULL) :
	     jv_uint(e, "inodes_available", m->inodes_available)) < 0 ||
	    jv_uint(e, "inodes_needed", m->inodes_needed) < 0 ||
	    jv_bool(e, "read_only", m->read_only) < 0 || jv_bool(e, "fits", m->fits) < 0 ||
	    jv_string(e, "verdict", verdict_name(m)) < 0 ||
	    (!strcmp(m->verdict, "never-fits") ? jv_uint(e, "advised", m->advised) :
						 jv_string(e, "advised", NULL)) < 0 ||
	    jv_bool(e, "in_place", m->in_place) < 0 ||
	    (m->verdict[0] && !m->fits ? jv_uint(e, "freeable", m->freeable) :
					 jv_string(e, "freeable", NULL)) < 0 ||
	    jv_string(e, "cleanup", m->cleanup[0] ? m->cleanup : NULL) < 0 ||
	    jv_string(e, "peak_unit", m->peak_unit[0] ? m->peak_unit : NULL) < 0 ||
	    jv_string(e, "refused_unit", m->refused_unit[0] ? m->refused_unit : NULL) < 0) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

int report_space_json(jobj *r, const struct pf_status *st)
{
	const struct pf_status_space *sp = &st->space;
	jobj *o = json_object_new_object(), *mounts = json_object_new_array();

	if (!o || !mounts || jv_bool(o, "planned", sp->planned) < 0 ||
	    jv_add(o, "missing_manifests", missing_json(st)) < 0 ||
	    jv_string(o, "hint", sp->n_missing ? SPACE_HINT : NULL) < 0 ||
	    jv_string(o, "error", sp->error[0] ? sp->error : NULL) < 0 ||
	    jv_string(o, "refused_unit", sp->refused_unit[0] ? sp->refused_unit : NULL) < 0)
		goto fail;
	for (size_t i = 0; i < sp->n_mounts; i++) {
		jobj *m = mount_json(&sp->mounts[i]);

		if (!m || json_object_array_add(mounts, m) < 0) {
			json_object_put(m);
			goto fail;
		}
	}
	if (jv_add(o, "mounts", mounts) < 0) {
		json_object_put(o); /* jv_add let go of MOUNTS */
		return -1;
	}
	return jv_add(r, "space", o);
fail:
	json_object_put(mounts);
	json_object_put(o);
	return -1;
}

void report_space_text(FILE *f, const struct pf_status *st)
{
	const struct pf_status_space *sp = &st->space;
	char avail[32], need[32], res[32], verdict[512];
	int w = 5;

	if (st->n_pending == 0)
		return;
	if (sp->n_missing) {
		fprintf(f, "Space:       not known: %zu of the %zu pending updates %s no kept manifest;"
		       " " SPACE_HINT "\n", sp->n_missing, st->n_pending,
		       sp->n_missing == 1 ? "has" : "have");
		return;
	}
	if (!sp->planned) {
		fprintf(f, "Space:       not planned: %s\n", sp->error[0] ? sp->error : "unknown error");
		return;
	}
	for (size_t i = 0; i < sp->n_mounts; i++)
		w = (int)strlen(sp->mounts[i].mount) > w ? (int)strlen(sp->mounts[i].mount) : w;
	fprintf(f, "Space:       what the pending updates need at their peak, per mount\n");
	fprintf(f, "  %-*s %12s %12s %12s  %s\n", w, "mount", "free now", "needed", "reserve", "verdict");
	for (size_t i = 0; i < sp->n_mounts; i++) {
		const struct pf_status_mount *m = &sp->mounts[i];

		pf_format_size(m->available, avail);
		pf_format_size(m->needed, need);
		pf_format_size(m->reserve, res);
		verdict_text(m, verdict, sizeof(verdict));
		fprintf(f, "  %-*s %12s %12s %12s  %s\n", w, m->mount, avail, need, res, verdict);
	}
	if (sp->refused_unit[0] && st->n_pending > 0 &&
	    strcmp(st->pending[st->n_pending - 1].unit, sp->refused_unit))
		fprintf(f, "  The plan stops at core %u, which does not fit: the updates after it are"
		       " not counted.\n", sp->refused_core);
}
