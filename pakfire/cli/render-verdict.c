/* The verdict on a refused mount (plan/verdict.h, docs/space.md
 * "Verdicts"), as a person reads it (the advice printed after the refusal
 * table, where output_finish once printed the same few hints for every
 * case) and as the "refused" event of the JSON document carries it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/event.h"
#include "base/path.h"
#include "jsonc.h"
#include "plan/verdict.h"
#include "render.h"

/* Append to the advice output_finish prints. */
static void say(struct output *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct output *o, const char *fmt, ...)
{
	char *line = NULL, *grown;
	size_t n, have = o->advice ? strlen(o->advice) : 0;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (len < 0) {
		o->failed = true;
		return;
	}
	n = (size_t)len;
	grown = realloc(o->advice, have + n + 1);
	if (!grown) {
		o->failed = true;
		free(line);
		return;
	}
	memcpy(grown + have, line, n + 1);
	o->advice = grown;
	free(line);
}

/* How an item is named: an unowned path as seen inside the root. */
/* A name found on the disk may hold any byte: quoted (pf_quote), so that
 * no name can forge a line of advice or drive the terminal. */
static void item_name(const struct pf_freeable *it, char *buf, size_t size)
{
	char q[4096];

	pf_quote(it->path, strlen(it->path), q, sizeof(q));
	snprintf(buf, size, "%s%s%s", it->kind == PF_FREEABLE_UNOWNED ? "/" : "", q,
		 it->folder ? "/" : "");
}

/* V's items, as advice; FILES false: the cleanups only (what the owner
 * could delete does not help a partition that is too small). */
static void list_items(struct output *o, const char *unit, const struct pf_verdict *v, bool files)
{
	uint64_t unowned = 0, listed = 0;
	size_t n_unowned = 0;
	char size[32], name[4200];

	for (size_t k = 0; k < v->n_items; k++) {
		const struct pf_freeable *it = &v->items[k];

		pf_format_size(it->bytes, size);
		item_name(it, name, sizeof(name));
		if (!files && it->kind != PF_FREEABLE_CLEANUP)
			continue;
		if (it->kind == PF_FREEABLE_CACHE) {
			say(o, "  'pakfire clean' empties the download cache %s: %s\n", name, size);
		} else if (it->kind == PF_FREEABLE_UNOWNED) {
			if (!n_unowned++)
				say(o, "  Files that no update or add-on owns (pakfire did not install them:"
				    " make sure nothing needs one before you delete it):\n");
			say(o, "    %-48s %10s\n", name, size);
			listed += it->bytes;
		} else if (it->first && v->cleanup != it) {
			say(o, "  %s, a cleanup update, frees %s there: 'pakfire upgrade --to %u'"
			    " applies it\n", name, size, it->core);
		} else if (!it->first) {
			say(o, "  %s, a cleanup update after %s, frees %s there once it is applied"
			    " (updates are applied in order: it cannot go first)\n", name, unit, size);
		}
	}
	for (size_t k = 0; k < v->n_items; k++)
		if (v->items[k].kind == PF_FREEABLE_CACHE)
			unowned = v->items[k].bytes;
	unowned = v->freeable > unowned ? v->freeable - unowned : 0;
	if (files && v->found > n_unowned && unowned > listed) {
		pf_format_size(unowned - listed, size);
		say(o, "    ... and %zu more, %s in all\n", v->found - n_unowned, size);
	}
	if (files && v->bounded)
		say(o, "  (pakfire stopped looking after %d entries or %d folders deep: there may be"
		    " more)\n", PF_VERDICT_WALK_ENTRIES, PF_VERDICT_WALK_DEPTH);
}

void render_text_verdict(struct output *o, const struct pf_ev_space_row *s)
{
	const struct pf_verdict *v = s->verdict;
	char unit[200], a[32], b[32], c[32], d[32];

	if (!v || v->kind == PF_VERDICT_FITS)
		return;
	o->verdicts++;
	if (s->unit.number)
		snprintf(unit, sizeof(unit), "core %u", s->unit.number);
	else
		snprintf(unit, sizeof(unit), "%s", s->unit.id ? s->unit.id : "the update");
	pf_format_size_whole(v->total, a);
	pf_format_size(v->minimum, b);
	pf_format_size_whole(v->advised, c);
	pf_format_size(v->shortfall, d);
	switch (v->kind) {
	case PF_VERDICT_NEVER:
		if (v->in_place && !v->shortfall) {
			/* Room enough, but not files enough (inodes). */
			say(o, "%s has %llu inodes too few for %s, and deleting every file pakfire can"
			    " name there frees %llu. Free files that pakfire cannot judge, or back up the"
			    " configuration and reinstall with more inodes on %s.\n", s->mount,
			    (unsigned long long)v->inodes_short, unit,
			    (unsigned long long)v->freeable_inodes, s->mount);
			list_items(o, unit, v, true);
			break;
		}
		if (v->in_place) {
			char f[32];

			pf_format_size(v->freeable, f);
			say(o, "%s is %s in total and could hold %s (%s there on an empty %s), but not"
			    " beside what stays there: it is short by %s, and freeing everything"
			    " pakfire can name there (%s) is not enough. Free space that pakfire cannot"
			    " judge, or back up the configuration and reinstall with the current"
			    " partition layout (%s at least %s).\n", s->mount, a, unit, b, s->mount, d,
			    f, s->mount, c);
			list_items(o, unit, v, true);
			break;
		}
		say(o, "%s is %s in total", s->mount, a);
		if (v->capacity < v->total) {
			char e[32], r[32], q[32];

			pf_format_size(v->capacity, e);
			pf_format_size(v->root_reserved, r);
			pf_format_size(s->reserve, q);
			say(o, " (%s of it usable: %s%s%s%s%s)", e, v->root_reserved ? r : "",
			    v->root_reserved ? " kept for root" : "",
			    v->root_reserved && s->reserve ? ", " : "", s->reserve ? q : "",
			    s->reserve ? " reserve in pakfire.conf" : "");
		}
		say(o, "; %s needs %s there even on an empty %s. This partition can never hold it:"
		    " back up the configuration and reinstall with the current partition layout"
		    " (%s at least %s).\n", unit, b, s->mount, s->mount, c);
		/* Too small only for the reserve the admin asked for. */
		if (s->reserve && v->minimum <= v->total - v->root_reserved)
			say(o, "(Without the reserve of %s in pakfire.conf it would fit on an empty %s.)\n",
			    s->mount, s->mount);
		list_items(o, unit, v, false);
		break;
	case PF_VERDICT_AFTER_CLEANUP:
		pf_format_size(v->cleanup->bytes, a);
		say(o, "%s is short by %s; %s, a cleanup update, frees %s there: run 'pakfire"
		    " upgrade --to %u' first, then this again.\n", s->mount, d, v->cleanup->path, a,
		    v->cleanup->core);
		break;
	case PF_VERDICT_AFTER_FREEING:
		pf_format_size(v->freeable, a);
		if (v->shortfall)
			say(o, "%s is short by %s; %s can be freed there:\n", s->mount, d, a);
		else
			say(o, "%s is short by %llu inodes; %llu files (%s) can be freed there:\n",
			    s->mount, (unsigned long long)v->inodes_short,
			    (unsigned long long)v->freeable_inodes, a);
		list_items(o, unit, v, true);
		break;
	case PF_VERDICT_FITS:
		break;
	}
}

static struct json_object *json_item(const struct pf_freeable *it)
{
	struct json_object *j = json_object_new_object();
	char name[4200];

	item_name(it, name, sizeof(name));
	if (!j || jv_path(j, "path", name) < 0 || jv_uint(j, "bytes", it->bytes) < 0 ||
	    jv_string(j, "kind", pf_freeable_kind_name(it->kind)) < 0 ||
	    jv_uint(j, "files", it->files) < 0 ||
	    (it->kind == PF_FREEABLE_UNOWNED && jv_bool(j, "folder", it->folder) < 0) ||
	    (it->kind == PF_FREEABLE_CLEANUP &&
	     (jv_uint(j, "core", it->core) < 0 || jv_bool(j, "first", it->first) < 0))) {
		json_object_put(j);
		return NULL;
	}
	return j;
}

static struct json_object *json_cleanup(const struct pf_freeable *it)
{
	struct json_object *j = json_object_new_object();
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "pakfire upgrade --to %u", it->core);
	if (!j || jv_uint(j, "core", it->core) < 0 || jv_uint(j, "bytes", it->bytes) < 0 ||
	    jv_string(j, "command", cmd) < 0) {
		json_object_put(j);
		return NULL;
	}
	return j;
}

int render_json_verdict(struct json_object *e, const struct pf_verdict *v)
{
	struct json_object *list;

	if (!v)
		return jv_string(e, "verdict", NULL);
	if (jv_string(e, "verdict", pf_verdict_name(v->kind)) < 0 ||
	    jv_bool(e, "in_place", v->in_place) < 0 || jv_uint(e, "total", v->total) < 0 ||
	    jv_uint(e, "root_reserved", v->root_reserved) < 0 ||
	    jv_uint(e, "usable", v->capacity) < 0)
		return -1;
	if (v->kind == PF_VERDICT_FITS)
		return 0;
	if (jv_uint(e, "min_partition", v->minimum) < 0 || jv_uint(e, "written", v->written) < 0 ||
	    jv_uint(e, "kept", v->kept) < 0 ||
	    (v->recommended ? jv_uint(e, "recommended", v->recommended) :
			      jv_string(e, "recommended", NULL)) < 0 ||
	    jv_uint(e, "advised", v->advised) < 0 || jv_uint(e, "freeable_total", v->freeable) < 0 ||
	    jv_uint(e, "freeable_inodes", v->freeable_inodes) < 0 ||
	    jv_uint(e, "freeable_found", v->found) < 0 || jv_bool(e, "freeable_bounded", v->bounded) < 0)
		return -1;
	list = json_object_new_array();
	if (!list)
		return -1;
	for (size_t k = 0; k < v->n_items; k++) {
		struct json_object *it = json_item(&v->items[k]);

		if (!it || json_object_array_add(list, it) < 0) {
			json_object_put(it);
			json_object_put(list);
			return -1;
		}
	}
	if (jv_add(e, "freeable", list) < 0)
		return -1;
	if (!v->cleanup)
		return jv_string(e, "cleanup", NULL);
	return jv_add(e, "cleanup", json_cleanup(v->cleanup));
}
