/* --json: the progress stream, so that a web UI can follow a download and
 * a long step while the document on stdout waits for the end. One JSON
 * object a line on stderr ({"event": "download-progress", ...}: the
 * fields are docs/schemas/progress.json, the reading docs/progress.md);
 * a download's progress at most twice a second (what the step held back
 * told once it passed), every start and end. The
 * error line of output_finish ("pakfire: error: ...") stays the one line
 * on stderr that is not JSON: a reader skips lines that do not start with
 * '{'. --quiet: no stream. */
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "base/event.h"
#include "base/strings.h"
#include "jsonc.h"
#include "progress.h"
#include "render.h"

typedef struct json_object jobj;

#define STREAM_MS 500          /* at most 2 progress lines a second each */

static int null(jobj *e, const char *key)
{
	return json_object_object_add(e, key, NULL) == 0 ? 0 : -1;
}

/* A count that may not be known: null for 0. */
static int known(jobj *e, const char *key, uint64_t v)
{
	return v ? jv_uint(e, key, v) : null(e, key);
}

static int eta(jobj *e, uint64_t done, uint64_t total, uint64_t rate)
{
	int64_t s = progress_eta(done, total, rate);

	return s >= 0 ? jv_int(e, "eta", s) : null(e, "eta");
}

static int download(jobj *e, const struct pf_ev_download *d, uint64_t rate)
{
	if (jv_string(e, "file", d->file) < 0 || jv_string(e, "unit", d->unit) < 0 ||
	    jv_string(e, "mirror", d->mirror) < 0 || jv_uint(e, "slot", d->slot) < 0 ||
	    jv_uint(e, "done", d->done) < 0 || known(e, "total", d->total) < 0 ||
	    jv_uint(e, "offset", d->offset) < 0 || known(e, "rate", rate) < 0 ||
	    eta(e, d->done, d->total, rate) < 0)
		return -1;
	return 0;
}

/* The batch as the table holds it (the last DOWNLOAD_TOTAL). */
static int total(jobj *e, const struct progress *p)
{
	uint64_t rate = progress_rate_get(&p->total_rate);

	if (jv_uint(e, "files_done", p->files_done) < 0 || jv_uint(e, "files", p->files) < 0 ||
	    jv_uint(e, "done", p->done) < 0 || known(e, "total", p->total) < 0 ||
	    known(e, "rate", rate) < 0 || eta(e, p->done, p->total, rate) < 0)
		return -1;
	return 0;
}

/* A line the step held back, once the step has passed: a transfer's
 * progress or the batch's total, from what the table knows (so that the
 * last bytes of a burst are told, not only those before it). NULL: none
 * is due. *FAILED: out of memory. */
static jobj *held_line(struct progress *p, int64_t now, bool *failed)
{
	struct progress_xfer *x = NULL;
	jobj *e;
	int r;

	for (unsigned i = 0; i < PROGRESS_XFERS && !x; i++)
		if (p->x[i].used && p->x[i].json_pending && now - p->x[i].json_ms >= STREAM_MS)
			x = &p->x[i];
	if (!x && !(p->total_json_pending && now - p->total_json_ms >= STREAM_MS))
		return NULL;
	e = json_object_new_object();
	if (x) {
		struct pf_ev_download d = {
			.file = x->file, .unit = x->unit[0] ? x->unit : NULL,
			.mirror = x->mirror[0] ? x->mirror : NULL, .slot = x->slot,
			.done = x->done, .total = x->total, .offset = x->offset,
		};

		x->json_ms = now;
		x->json_pending = false;
		r = !e || jv_string(e, "event", "download-progress") < 0 ||
		    download(e, &d, progress_rate_get(&x->rate)) < 0;
	} else {
		p->total_json_ms = now;
		p->total_json_pending = false;
		r = !e || jv_string(e, "event", "download-total") < 0 || total(e, p) < 0;
	}
	if (!r)
		return e;
	json_object_put(e);
	*failed = true;
	return NULL;
}

/* The event's object, or NULL: nothing to say now (throttled, or not a
 * progress event). *FAILED: out of memory. */
static jobj *object_of(struct progress *p, const struct pf_event *ev, int64_t now, bool *failed)
{
	const char *name;
	struct progress_xfer *x = NULL;
	uint64_t rate = 0;
	char host[PROGRESS_NAME];
	unsigned slot = 0;
	bool has_slot = false;
	jobj *e;
	int r;

	switch (ev->type) {
	case PF_EV_DOWNLOAD_START:
	case PF_EV_DOWNLOAD_PROGRESS:
	case PF_EV_DOWNLOAD_DONE:
		x = progress_xfer_of(p, &ev->download, true, now);
		if (x && ev->type == PF_EV_DOWNLOAD_START) {
			memset(&x->rate, 0, sizeof(x->rate));
			x->started_ms = now;
			x->json_ms = now;
		}
		if (x)
			progress_xfer_update(x, &ev->download, now);
		if (ev->type == PF_EV_DOWNLOAD_PROGRESS && x && now - x->json_ms < STREAM_MS) {
			x->json_pending = true; /* told by held_line once the step passed */
			return NULL;
		}
		if (x) {
			x->json_ms = now;
			x->json_pending = false;
		}
		rate = !x ? 0 : ev->type == PF_EV_DOWNLOAD_DONE ? progress_xfer_mean_rate(x, now)
								 : progress_rate_get(&x->rate);
		if (ev->type == PF_EV_DOWNLOAD_DONE)
			progress_forget(p, ev->download.file);
		name = ev->type == PF_EV_DOWNLOAD_START ? "download-start" :
		       ev->type == PF_EV_DOWNLOAD_DONE ? "download-done" : "download-progress";
		break;
	case PF_EV_DOWNLOAD_TOTAL: {
		bool more = ev->download_total.files_done != p->files_done || !p->have_total;

		progress_set_total(p, &ev->download_total, now);
		/* A file finished is news at once; bytes twice a second. */
		if (!more && now - p->total_json_ms < STREAM_MS) {
			p->total_json_pending = true;
			return NULL;
		}
		p->total_json_ms = now;
		p->total_json_pending = false;
		name = "download-total";
		break;
	}
	case PF_EV_DOWNLOAD_FAILED:
		/* Named as the transfer's lines name it: the file's last part,
		 * the mirror's host[:port], and its slot when it got that far. */
		pf_url_host(ev->download_failed.mirror ? ev->download_failed.mirror : "", host,
			    sizeof(host));
		x = progress_find(p, ev->download_failed.file, host);
		if (x)
			slot = x->slot;
		has_slot = x != NULL;
		progress_forget(p, ev->download_failed.file);
		name = "download-failed";
		break;
	case PF_EV_ACTIVITY:
		name = "activity";
		break;
	default:
		return NULL;
	}
	e = json_object_new_object();
	if (!e || jv_string(e, "event", name) < 0)
		goto oom;
	switch (ev->type) {
	case PF_EV_DOWNLOAD_TOTAL:
		r = total(e, p) < 0;
		break;
	case PF_EV_DOWNLOAD_FAILED: {
		const struct pf_ev_download_failed *f = &ev->download_failed;

		r = jv_string(e, "file", pf_basename(f->file)) < 0 ||
		    jv_string(e, "path", f->file) < 0 ||
		    jv_string(e, "mirror", f->mirror ? host : NULL) < 0 ||
		    (has_slot && jv_uint(e, "slot", slot) < 0) ||
		    jv_string(e, "error_class", pf_errclass_name(f->cls)) < 0 ||
		    jv_string(e, "message", f->message) < 0 || jv_bool(e, "next", f->next) < 0;
		break;
	}
	case PF_EV_ACTIVITY: {
		const struct pf_ev_activity *a = &ev->activity;

		r = jv_string(e, "unit", a->unit) < 0 || jv_string(e, "what", a->what) < 0 ||
		    jv_uint(e, "done", a->done) < 0 || known(e, "total", a->total) < 0;
		break;
	}
	default:
		r = download(e, &ev->download, rate) < 0;
		break;
	}
	if (r)
		goto oom;
	return e;
oom:
	json_object_put(e);
	*failed = true;
	return NULL;
}

static void put_line(struct output *o, jobj *e)
{
	const char *text = jv_text(e);

	if (text)
		fprintf(stderr, "%s\n", text);
	else
		o->failed = true;
	json_object_put(e);
}

void render_json_progress(struct output *o, const struct pf_event *ev)
{
	int64_t now = progress_now_ms();
	bool failed = false;
	jobj *e;

	if (o->verbosity < 0 || !o->progress)
		return;
	e = object_of(o->progress, ev, now, &failed);
	if (e)
		put_line(o, e);
	/* Any event is a chance to tell what the step held back: the library
	 * sends one for each transfer under way at least once a second. */
	while (!failed && (e = held_line(o->progress, now, &failed)))
		put_line(o, e);
	o->failed |= failed;
}
