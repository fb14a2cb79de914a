/* Events as members of the --json document's "events" array: one renderer
 * per event type, in a table indexed by the type. Each event is an object
 * with "event" (its name, below) and the fields its renderer adds; the
 * names and fields are a contract (docs/pakfire.8, JSON OUTPUT): the web UI
 * and the tests read them. Add fields freely; never rename one. */
#include "base/event.h"
#include "base/strings.h"
#include "jsonc.h"
#include "render.h"

typedef struct json_object jobj;

static int json_text(jobj *e, const struct pf_event *ev)
{
	return jv_string(e, "message", ev->text.message);
}

static int json_index_verified(jobj *e, const struct pf_event *ev)
{
	const struct pf_ev_index_verified *v = &ev->index;

	if (jv_string(e, "series", v->series) < 0 || jv_uint(e, "revision", v->revision) < 0 ||
	    jv_time(e, "date", v->date) < 0 || jv_time(e, "valid_until", v->valid_until) < 0 ||
	    jv_string(e, "signer", v->signer) < 0 || jv_uint(e, "pending", v->pending) < 0)
		return -1;
	return 0;
}

/* The unit, the mirror and where a resumed download started only when
 * there is one (the progress lines on stderr have the rest: render-json-
 * progress.c). */
static int json_download_done(jobj *e, const struct pf_event *ev)
{
	const struct pf_ev_download *d = &ev->download;

	if (jv_string(e, "file", d->file) < 0 || jv_uint(e, "bytes", d->done) < 0 ||
	    (d->unit && jv_string(e, "unit", d->unit) < 0) ||
	    (d->mirror && jv_string(e, "mirror", d->mirror) < 0) ||
	    (d->offset && jv_uint(e, "resumed_from", d->offset) < 0))
		return -1;
	return 0;
}

/* Named as downloaded names a file and its mirror; "path" is where the
 * repository keeps it (core/core-141.pak). */
static int json_download_failed(jobj *e, const struct pf_event *ev)
{
	const struct pf_ev_download_failed *d = &ev->download_failed;
	char host[128];

	if (d->mirror)
		pf_url_host(d->mirror, host, sizeof(host));
	if (jv_string(e, "file", pf_basename(d->file)) < 0 || jv_string(e, "path", d->file) < 0 ||
	    jv_string(e, "mirror", d->mirror ? host : NULL) < 0 ||
	    jv_string(e, "message", d->message) < 0 || jv_bool(e, "next", d->next) < 0)
		return -1;
	return 0;
}

static int json_uptodate(jobj *e, const struct pf_event *ev)
{
	return jv_uint(e, "core", ev->uptodate.core);
}

/* "core": the number (a core update only), then "unit": its id. */
static int put_unit(jobj *e, const struct pf_unit_ref *u)
{
	if ((u->number && jv_uint(e, "core", u->number) < 0) || jv_string(e, "unit", u->id) < 0 ||
	    (u->version && jv_string(e, "version", u->version) < 0) ||
	    (u->series && jv_string(e, "series", u->series) < 0) ||
	    (!u->number && jv_string(e, "action", u->removing ? "remove" :
					   u->repairing ? "repair" : "install") < 0))
		return -1;
	return 0;
}

static int json_unit_pending(jobj *e, const struct pf_event *ev)
{
	const struct pf_ev_unit_pending *p = &ev->pending;

	if (put_unit(e, &p->unit) < 0 || jv_string(e, "summary", p->summary) < 0 ||
	    jv_uint(e, "entries", p->entries) < 0 || jv_uint(e, "bytes", p->bytes) < 0 ||
	    jv_uint(e, "installed_size", p->bytes) < 0 ||
	    jv_uint(e, "download_size", p->download) < 0 ||
	    jv_uint(e, "removals", p->removals) < 0 || jv_bool(e, "reboot", p->reboot) < 0)
		return -1;
	return 0;
}

static int json_unit_begin(jobj *e, const struct pf_event *ev)
{
	return put_unit(e, &ev->begin.unit);
}

static int json_unit_done(jobj *e, const struct pf_event *ev)
{
	const struct pf_ev_unit_done *d = &ev->done;

	if (put_unit(e, &d->unit) < 0 || jv_uint(e, "installed", d->installed) < 0 ||
	    jv_uint(e, "removed", d->removed) < 0 || jv_uint(e, "kept", d->kept) < 0 ||
	    jv_bool(e, "reboot", d->reboot) < 0)
		return -1;
	return 0;
}

static int json_file_kept(jobj *e, const struct pf_event *ev)
{
	const struct pf_ev_file_kept *k = &ev->kept;

	if (put_unit(e, &k->unit) < 0 || jv_path(e, "path", k->path) < 0 ||
	    jv_string(e, "reason", k->reason) < 0)
		return -1;
	return 0;
}

static int space_row(jobj *e, const struct pf_ev_space_row *s)
{
	if (put_unit(e, &s->unit) < 0 || jv_string(e, "mount", s->mount) < 0 ||
	    jv_uint(e, "needed", s->needed) < 0 ||
	    jv_uint(e, "inodes_needed", s->inodes_needed) < 0 ||
	    jv_uint(e, "available", s->available) < 0 ||
	    jv_uint(e, "inodes_available", s->inodes_available) < 0 ||
	    jv_uint(e, "reserve", s->reserve) < 0 || jv_uint(e, "after", s->after) < 0 ||
	    jv_bool(e, "fits", s->fits) < 0 || jv_bool(e, "read_only", s->read_only) < 0)
		return -1;
	return 0;
}

static int json_space_plan(jobj *e, const struct pf_event *ev)
{
	return space_row(e, &ev->space);
}

static int json_space_refused(jobj *e, const struct pf_event *ev)
{
	if (space_row(e, &ev->space) < 0 ||
	    jv_uint(e, "shortfall", space_shortfall(&ev->space)) < 0 ||
	    render_json_verdict(e, ev->space.verdict) < 0)
		return -1;
	return 0;
}

/* The history record this run writes: a web UI links to `history ID`. */
static int json_tx_begin(jobj *e, const struct pf_event *ev)
{
	if (jv_int(e, "id", ev->tx.id) < 0 || jv_string(e, "command", ev->tx.command) < 0 ||
	    jv_bool(e, "dry_run", ev->tx.dry_run) < 0)
		return -1;
	return 0;
}

/* Each type's name in the document and its renderer. No name: not part of
 * the document (a download's start and progress, a step's progress: the
 * progress lines on stderr have them, render-json-progress.c). */
static const struct {
	const char *name;
	int (*render)(jobj *e, const struct pf_event *ev);
	bool verbose_only;
} renderers[PF_EV__COUNT] = {
	[PF_EV_INFO] = { "info", json_text, false },
	[PF_EV_WARNING] = { "warning", json_text, false },
	[PF_EV_DEBUG] = { "debug", json_text, true },
	[PF_EV_INDEX_VERIFIED] = { "index-verified", json_index_verified, false },
	[PF_EV_DOWNLOAD_START] = { NULL, NULL, false },
	[PF_EV_DOWNLOAD_PROGRESS] = { NULL, NULL, false },
	[PF_EV_DOWNLOAD_DONE] = { "downloaded", json_download_done, false },
	[PF_EV_UPTODATE] = { "up-to-date", json_uptodate, false },
	[PF_EV_UNIT_PENDING] = { "update-pending", json_unit_pending, false },
	[PF_EV_UNIT_BEGIN] = { "update-begin", json_unit_begin, false },
	[PF_EV_UNIT_DONE] = { "update-applied", json_unit_done, false },
	[PF_EV_FILE_KEPT] = { "file-kept", json_file_kept, false },
	[PF_EV_SPACE_PLAN] = { "plan", json_space_plan, false },
	[PF_EV_SPACE_REFUSED] = { "refused", json_space_refused, false },
	[PF_EV_HOOK_BEGIN] = { "hook-begin", render_json_hook_begin, false },
	[PF_EV_HOOK_OUTPUT] = { NULL, NULL, false },
	[PF_EV_HOOK_DONE] = { "hook-done", render_json_hook_done, false },
	[PF_EV_HOOK_REFUSED] = { "hook-refused", render_json_hook_refused, false },
	/* The steps and the end are in the log and `history ID`; the
	 * document has the outcome already. */
	[PF_EV_TX_BEGIN] = { "transaction", json_tx_begin, false },
	[PF_EV_TX_STEP] = { NULL, NULL, false },
	[PF_EV_TX_END] = { NULL, NULL, false },
	[PF_EV_DOWNLOAD_TOTAL] = { NULL, NULL, false },
	[PF_EV_DOWNLOAD_FAILED] = { "download-failed", json_download_failed, false },
	[PF_EV_ACTIVITY] = { NULL, NULL, false },
};
/* A new event type needs its line above (and in render-text.c). */
_Static_assert(PF_EV__COUNT == 24, "an event type without a JSON renderer");

void render_json(struct output *o, const struct pf_event *ev)
{
	jobj *e;

	if ((unsigned)ev->type >= PF_EV__COUNT || !renderers[ev->type].name ||
	    (renderers[ev->type].verbose_only && o->verbosity < 1))
		return;
	e = json_object_new_object();
	if (!e || jv_string(e, "event", renderers[ev->type].name) < 0 ||
	    renderers[ev->type].render(e, ev) < 0) {
		json_object_put(e);
		o->failed = true;
		return;
	}
	if (jv_list_add(o->events, e) < 0)
		o->failed = true;
}
