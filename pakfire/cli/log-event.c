/* The library's events as lines of pakfire.log and messages to syslog
 * (log.h; docs/log.md lists the names and fields): one function per kind
 * of event, in a table indexed by the type, as the renderers have. The
 * names are those of the --json document (render-json.c) where it has one. */
#include <string.h>
#include <syslog.h>

#include "base/error.h"
#include "base/event.h"
#include "log.h"
#include "plan/verdict.h"
#include "render.h"

typedef struct log_line line;

static void text(line *l, const struct pf_event *ev)
{
	log_line_str(l, "msg", ev->text.message);
}

static void index_verified(line *l, const struct pf_event *ev)
{
	const struct pf_ev_index_verified *v = &ev->index;
	char date[32], until[32];

	format_time(v->date, date);
	format_time(v->valid_until, until);
	log_line_str(l, "series", v->series);
	log_line_uint(l, "revision", v->revision);
	log_line_str(l, "date", date);
	log_line_str(l, "valid_until", until);
	log_line_str(l, "signer", v->signer);
	log_line_uint(l, "pending", v->pending);
}

static void download(line *l, const struct pf_event *ev)
{
	const struct pf_ev_download *d = &ev->download;

	log_line_str(l, "file", d->file);
	log_line_str(l, "unit", d->unit);
	log_line_str(l, "mirror", d->mirror);
	if (ev->type == PF_EV_DOWNLOAD_START)
		log_line_uint(l, "expected", d->total);
	else
		log_line_uint(l, "bytes", d->done);
	if (d->offset)
		log_line_uint(l, "resumed_from", d->offset);
}

/* What `diagnose` and a person reading the log need: which mirror failed
 * which file, how, and whether another was tried. */
static void download_failed(line *l, const struct pf_event *ev)
{
	const struct pf_ev_download_failed *d = &ev->download_failed;

	log_line_str(l, "file", d->file);
	log_line_str(l, "mirror", d->mirror);
	log_line_str(l, "error_class", pf_errclass_name(d->cls));
	log_line_bool(l, "next", d->next);
	log_line_str(l, "msg", d->message);
}

static void uptodate(line *l, const struct pf_event *ev)
{
	log_line_uint(l, "core", ev->uptodate.core);
	log_line_str(l, "series", ev->uptodate.series);
}

static void unit(line *l, const struct pf_unit_ref *u)
{
	log_line_str(l, "unit", u->id);
	log_line_str(l, "version", u->version);
	log_line_str(l, "series", u->series);
	if (!u->number)
		log_line_str(l, "action", u->removing ? "remove" :
			     u->repairing ? "repair" : "install");
}

static void unit_pending(line *l, const struct pf_event *ev)
{
	const struct pf_ev_unit_pending *p = &ev->pending;

	unit(l, &p->unit);
	log_line_uint(l, "entries", p->entries);
	log_line_uint(l, "installed_size", p->bytes);
	log_line_uint(l, "download_size", p->download);
	log_line_uint(l, "removals", p->removals);
	log_line_bool(l, "reboot", p->reboot);
}

static void unit_begin(line *l, const struct pf_event *ev)
{
	unit(l, &ev->begin.unit);
}

static void unit_done(line *l, const struct pf_event *ev)
{
	const struct pf_ev_unit_done *d = &ev->done;

	unit(l, &d->unit);
	log_line_uint(l, "installed", d->installed);
	log_line_uint(l, "removed", d->removed);
	log_line_uint(l, "kept", d->kept);
	log_line_bool(l, "reboot", d->reboot);
}

static void file_kept(line *l, const struct pf_event *ev)
{
	unit(l, &ev->kept.unit);
	log_line_str(l, "path", ev->kept.path);
	log_line_str(l, "msg", ev->kept.reason);
}

static void space_row(line *l, const struct pf_event *ev)
{
	const struct pf_ev_space_row *s = &ev->space;

	unit(l, &s->unit);
	log_line_str(l, "mount", s->mount);
	log_line_uint(l, "needed", s->needed);
	log_line_uint(l, "available", s->available);
	log_line_uint(l, "reserve", s->reserve);
	log_line_uint(l, "inodes_needed", s->inodes_needed);
	log_line_uint(l, "inodes_available", s->inodes_available);
	log_line_bool(l, "fits", s->fits);
	log_line_bool(l, "read_only", s->read_only);
	if (ev->type == PF_EV_SPACE_REFUSED) {
		log_line_uint(l, "shortfall", space_shortfall(s));
		log_line_str(l, "verdict", s->verdict ? pf_verdict_name(s->verdict->kind) : NULL);
	}
}

/* A hook's output is not logged: it is in the database (hook show). */
static void hook(line *l, const struct pf_event *ev)
{
	const struct pf_ev_hook *h = &ev->hook;

	log_line_str(l, "unit", h->unit.id);
	log_line_str(l, "phase", h->phase);
	log_line_str(l, "hook", h->name);
	if (h->run_id > 0)
		log_line_int(l, "run", h->run_id);
	if (ev->type == PF_EV_HOOK_DONE) {
		log_line_str(l, "outcome", h->outcome);
		log_line_int(l, "exit", h->exit_code);
		if (h->signal)
			log_line_int(l, "signal", h->signal);
		log_line_int(l, "duration_ms", h->duration_ms);
	} else if (ev->type == PF_EV_HOOK_REFUSED) {
		log_line_str(l, "msg", h->reason);
	}
}

/* The history record: what `history ID` shows, step by step. */
static void tx(line *l, const struct pf_event *ev)
{
	const struct pf_ev_tx *t = &ev->tx;

	if (ev->type == PF_EV_TX_BEGIN) {
		log_line_str(l, "command", t->command);
		log_line_bool(l, "dry_run", t->dry_run);
	} else if (ev->type == PF_EV_TX_STEP) {
		log_line_str(l, "unit", t->unit);
		log_line_str(l, "step", t->step);
		log_line_str(l, "detail", t->detail);
	} else {
		log_line_str(l, "outcome", t->outcome);
		log_line_int(l, "exit", t->exit_code);
		log_line_str(l, "error", t->error);
	}
}

/* Each type's name and fields (no name: never logged: progress ticks, a
 * batch's total, a step's progress, a hook's output), and whether a command that only reads logs it too
 * (log.h: those keep to their start and end, warnings and records). */
static const struct {
	const char *name;
	void (*fields)(line *l, const struct pf_event *ev);
	bool brief;
} events[PF_EV__COUNT] = {
	[PF_EV_INFO] = { "info", text, false },
	[PF_EV_WARNING] = { "warning", text, true },
	[PF_EV_DEBUG] = { "debug", text, false },
	[PF_EV_INDEX_VERIFIED] = { "index-verified", index_verified, false },
	[PF_EV_DOWNLOAD_START] = { "download-start", download, false },
	[PF_EV_DOWNLOAD_PROGRESS] = { NULL, NULL, false },
	[PF_EV_DOWNLOAD_DONE] = { "downloaded", download, false },
	[PF_EV_UPTODATE] = { "up-to-date", uptodate, false },
	[PF_EV_UNIT_PENDING] = { "update-pending", unit_pending, false },
	[PF_EV_UNIT_BEGIN] = { "update-begin", unit_begin, false },
	[PF_EV_UNIT_DONE] = { "update-applied", unit_done, false },
	[PF_EV_FILE_KEPT] = { "file-kept", file_kept, false },
	[PF_EV_SPACE_PLAN] = { "plan", space_row, false },
	[PF_EV_SPACE_REFUSED] = { "refused", space_row, true },
	[PF_EV_HOOK_BEGIN] = { "hook-begin", hook, false },
	[PF_EV_HOOK_OUTPUT] = { NULL, NULL, false },
	[PF_EV_HOOK_DONE] = { "hook-done", hook, true },
	[PF_EV_HOOK_REFUSED] = { "hook-refused", hook, true },
	[PF_EV_TX_BEGIN] = { "transaction", tx, true },
	[PF_EV_TX_STEP] = { "transaction-step", tx, true },
	[PF_EV_TX_END] = { "transaction-end", tx, true },
	[PF_EV_DOWNLOAD_TOTAL] = { NULL, NULL, false },
	[PF_EV_DOWNLOAD_FAILED] = { "download-failed", download_failed, true },
	[PF_EV_ACTIVITY] = { NULL, NULL, false },
};
/* A new event type needs its line above. */
_Static_assert(PF_EV__COUNT == 24, "an event type without a log line");

const char *log_event_name(const struct pf_event *ev, bool brief)
{
	if ((unsigned)ev->type >= PF_EV__COUNT || (brief && !events[ev->type].brief))
		return NULL;
	return events[ev->type].name;
}

void log_event_fields(struct log_line *l, const struct pf_event *ev)
{
	if ((unsigned)ev->type < PF_EV__COUNT && events[ev->type].fields)
		events[ev->type].fields(l, ev);
}

int log_event_priority(const struct pf_event *ev)
{
	switch (ev->type) {
	case PF_EV_WARNING:
	case PF_EV_SPACE_REFUSED:
	case PF_EV_HOOK_REFUSED:
		return LOG_WARNING;
	case PF_EV_UNIT_BEGIN:
	case PF_EV_UNIT_DONE:
		return LOG_INFO;
	case PF_EV_HOOK_DONE:
		return ev->hook.outcome && strcmp(ev->hook.outcome, "ok") ? LOG_ERR : -1;
	case PF_EV_TX_END:
		return ev->tx.outcome && !strcmp(ev->tx.outcome, "ok") ? LOG_INFO : LOG_ERR;
	default:
		return -1;
	}
}
