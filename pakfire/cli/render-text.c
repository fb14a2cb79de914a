/* Events as text for people: one renderer per event type, in a table
 * indexed by the type. Results, the space table and a line per file
 * downloaded go to stdout; warnings, kept files, the debug trail
 * (--verbose) and the progress block (on a terminal only:
 * render-progress.c) to stderr. */
#include <stdio.h>
#include <string.h>

#include "base/event.h"
#include "progress.h"
#include "render.h"


/* How a unit reads in text: "core 141", or an add-on's name. */
#define UNIT_NAME 200
static char *unit_name(const struct pf_unit_ref *u, char buf[UNIT_NAME])
{
	if (u->number)
		snprintf(buf, UNIT_NAME, "core %u", u->number);
	else if (u->version)
		snprintf(buf, UNIT_NAME, "%s %s", u->id ? u->id : "?", u->version);
	else
		snprintf(buf, UNIT_NAME, "%s", u->id ? u->id : "?");
	return buf;
}

/* At the start of a sentence: "Core 141"; an add-on's name as it is. */
static const char *capitalised(char *name)
{
	if (!strncmp(name, "core ", 5))
		name[0] = 'C';
	return name;
}

static void text_line(struct output *o, const struct pf_event *ev)
{
	(void)o;
	printf("%s\n", ev->text.message);
}

static void text_warning(struct output *o, const struct pf_event *ev)
{
	(void)o;
	fflush(stdout); /* keep stdout and stderr in order in a pipe */
	fprintf(stderr, "pakfire: warning: %s\n", ev->text.message);
}

/* A mirror failed a file and the next one is tried: a warning, as it
 * always was (the last failure is in the error that names them all). */
static void text_download_failed(struct output *o, const struct pf_event *ev)
{
	if (o->progress)
		progress_forget(o->progress, ev->download_failed.file);
	if (!ev->download_failed.next)
		return;
	fflush(stdout);
	fprintf(stderr, "pakfire: warning: %s; trying the next mirror\n",
		ev->download_failed.message);
}

/* The debug trail of --verbose: on stderr beside the warnings, so that
 * stdout stays the results a script reads (the log has it always). */
static void text_debug(struct output *o, const struct pf_event *ev)
{
	(void)o;
	fflush(stdout);
	fprintf(stderr, "pakfire: debug: %s\n", ev->text.message);
}

static void text_index_verified(struct output *o, const struct pf_event *ev)
{
	const struct pf_ev_index_verified *v = &ev->index;
	char date[32], until[32];

	(void)o;
	format_time(v->date, date);
	format_time(v->valid_until, until);
	printf("Index %s revision %llu of %s verified (valid until %s, signed by %s).\n",
	       v->series, (unsigned long long)v->revision, date, until, v->signer);
	if (v->pending)
		printf("%u core update%s pending: run 'pakfire upgrade'.\n", v->pending,
		       v->pending == 1 ? "" : "s");
	else
		printf("No core updates pending.\n");
}

static void text_uptodate(struct output *o, const struct pf_event *ev)
{
	(void)o;
	printf("Core %u is up to date; nothing to do.\n", ev->uptodate.core);
}

static void text_unit_pending(struct output *o, const struct pf_event *ev)
{
	const struct pf_ev_unit_pending *p = &ev->pending;
	char size[32], download[32], name[UNIT_NAME];

	(void)o;
	pf_format_size(p->bytes, size);
	pf_format_size(p->download, download);
	printf("  %-18s %6llu entries, download %10s, installed %10s, %3llu removals%s  %s\n",
	       unit_name(&p->unit, name), (unsigned long long)p->entries, download, size,
	       (unsigned long long)p->removals, p->reboot ? ", reboot" : "",
	       p->summary ? p->summary : "");
}

static void text_unit_begin(struct output *o, const struct pf_event *ev)
{
	char name[UNIT_NAME];

	(void)o;
	printf("%s %s...\n", ev->begin.unit.removing ? "Removing" :
	       ev->begin.unit.repairing ? "Repairing" : "Applying",
	       unit_name(&ev->begin.unit, name));
}

static void text_unit_done(struct output *o, const struct pf_event *ev)
{
	const struct pf_ev_unit_done *d = &ev->done;
	char name[UNIT_NAME];

	(void)o;
	if (d->unit.repairing) {
		printf("%s repaired: %llu restored.\n", capitalised(unit_name(&d->unit, name)),
		       (unsigned long long)d->installed);
		return;
	}
	printf("%s %s: %llu installed, %llu removed, %llu kept.\n",
	       capitalised(unit_name(&d->unit, name)), d->unit.removing ? "removed" : "applied",
	       (unsigned long long)d->installed, (unsigned long long)d->removed,
	       (unsigned long long)d->kept);
}

static void text_file_kept(struct output *o, const struct pf_event *ev)
{
	const struct pf_ev_file_kept *k = &ev->kept;
	char name[UNIT_NAME];

	(void)o;
	fflush(stdout);
	fprintf(stderr, "pakfire: %s: kept /%s: %s\n", unit_name(&k->unit, name), k->path,
		k->reason);
}

/* A plan row: one unit on one mount, under one header. */
static void text_space_plan(struct output *o, const struct pf_event *ev)
{
	const struct pf_ev_space_row *s = &ev->space;
	char need[32], avail[32], res[32], after[32], name[UNIT_NAME];

	if (!o->plan_unit[0])
		printf("Space needed at the peak of each update, per mount:\n"
		       "  %-10s %-12s %12s %12s %12s %12s\n", "update", "mount", "needed",
		       "available", "reserve", "after");
	snprintf(o->plan_unit, sizeof(o->plan_unit), "%s", s->unit.id ? s->unit.id : "?");
	pf_format_size(s->needed, need);
	pf_format_size(s->available, avail);
	pf_format_size(s->reserve, res);
	pf_format_size(s->after, after);
	printf("  %-10s %-12s %12s %12s %12s %12s  %s\n", unit_name(&s->unit, name), s->mount,
	       need, avail,
	       res, s->fits ? after : "-",
	       s->fits ? "ok" : s->read_only ? "READ-ONLY" :
	       s->needed + s->reserve <= s->available ? "NO INODES" : "DOES NOT FIT");
}

/* A refusal: the table a person acts on (output_finish adds what frees
 * space), with a header for each unit. */
static void text_space_refused(struct output *o, const struct pf_event *ev)
{
	const struct pf_ev_space_row *s = &ev->space;
	const char *id = s->unit.id ? s->unit.id : "?";
	char need[32], avail[32], res[32], lack[32], name[UNIT_NAME];
	uint64_t shortfall = space_shortfall(s);

	if (strcmp(o->refused_unit, id)) {
		printf("%s does not fit; nothing of it was written:\n"
		       "  %-12s %12s %12s %12s %12s %14s\n",
		       capitalised(unit_name(&s->unit, name)), "mount", "needed",
		       "available", "reserve", "shortfall", "inodes");
		snprintf(o->refused_unit, sizeof(o->refused_unit), "%s", id);
	}
	pf_format_size(s->needed, need);
	pf_format_size(s->available, avail);
	pf_format_size(s->reserve, res);
	pf_format_size(shortfall, lack);
	printf("  %-12s %12s %12s %12s %12s %6llu/%-7llu%s\n", s->mount, need, avail, res,
	       shortfall ? lack : "-", (unsigned long long)s->inodes_needed,
	       (unsigned long long)s->inodes_available, s->read_only ? " read-only" : "");
	o->refused_rows++;
	render_text_verdict(o, s);
}

/* The history record as it is written: the debug trail of --verbose, on
 * stderr (the log has it always: cli/log.c). */
static void text_tx(struct output *o, const struct pf_event *ev)
{
	const struct pf_ev_tx *t = &ev->tx;

	(void)o;
	fflush(stdout);
	if (ev->type == PF_EV_TX_BEGIN)
		fprintf(stderr, "pakfire: debug: transaction %lld begins: %s%s\n", (long long)t->id,
			t->command, t->dry_run ? " (dry run)" : "");
	else if (ev->type == PF_EV_TX_STEP)
		fprintf(stderr, "pakfire: debug: transaction %lld: %s%s%s%s%s\n", (long long)t->id,
			t->unit ? t->unit : "", t->unit ? " " : "", t->step,
			t->detail && t->detail[0] ? ": " : "", t->detail ? t->detail : "");
	else
		fprintf(stderr, "pakfire: debug: transaction %lld ends: %s, exit code %d\n",
			(long long)t->id, t->outcome, t->exit_code);
}

/* Each type's renderer, and the verbosity from which it shows: -1 even
 * with --quiet (warnings, and a refusal: it is the why of the error), 0
 * normally, 1 only with --verbose. */
static const struct {
	void (*render)(struct output *o, const struct pf_event *ev);
	int from;
} renderers[PF_EV__COUNT] = {
	[PF_EV_INFO] = { text_line, 0 },
	[PF_EV_WARNING] = { text_warning, -1 },
	[PF_EV_DEBUG] = { text_debug, 1 },
	[PF_EV_INDEX_VERIFIED] = { text_index_verified, 0 },
	[PF_EV_DOWNLOAD_START] = { render_progress_download, 0 },
	[PF_EV_DOWNLOAD_PROGRESS] = { render_progress_download, 0 },
	[PF_EV_DOWNLOAD_DONE] = { render_progress_done, 0 },
	[PF_EV_UPTODATE] = { text_uptodate, 0 },
	[PF_EV_UNIT_PENDING] = { text_unit_pending, 0 },
	[PF_EV_UNIT_BEGIN] = { text_unit_begin, 0 },
	[PF_EV_UNIT_DONE] = { text_unit_done, 0 },
	[PF_EV_FILE_KEPT] = { text_file_kept, -1 },
	[PF_EV_SPACE_PLAN] = { text_space_plan, 0 },
	[PF_EV_SPACE_REFUSED] = { text_space_refused, -1 },
	[PF_EV_HOOK_BEGIN] = { render_text_hook_begin, 1 },
	[PF_EV_HOOK_OUTPUT] = { render_text_hook_output, 1 },
	[PF_EV_HOOK_DONE] = { render_text_hook_done, -1 },
	[PF_EV_HOOK_REFUSED] = { render_text_hook_refused, -1 },
	[PF_EV_TX_BEGIN] = { text_tx, 1 },
	[PF_EV_TX_STEP] = { text_tx, 1 },
	[PF_EV_TX_END] = { text_tx, 1 },
	[PF_EV_DOWNLOAD_TOTAL] = { render_progress_total, 0 },
	[PF_EV_DOWNLOAD_FAILED] = { text_download_failed, -1 },
	[PF_EV_ACTIVITY] = { render_progress_activity, 0 },
};
/* A new event type needs its line above (and in render-json.c). */
_Static_assert(PF_EV__COUNT == 24, "an event type without a text renderer");

/* The news of a download or a step only updates the progress block (on a
 * terminal; nothing in a pipe). */
static bool block_only(enum pf_event_type type)
{
	return type == PF_EV_DOWNLOAD_START || type == PF_EV_DOWNLOAD_PROGRESS ||
	       type == PF_EV_DOWNLOAD_TOTAL || type == PF_EV_ACTIVITY;
}

void render_text(struct output *o, const struct pf_event *ev)
{
	if ((unsigned)ev->type >= PF_EV__COUNT || o->verbosity < renderers[ev->type].from)
		return;
	if (block_only(ev->type)) {
		renderers[ev->type].render(o, ev);
		return;
	}
	/* Any other line goes where the block was; the block follows it. */
	render_progress_erase(o);
	renderers[ev->type].render(o, ev);
	fflush(stdout);
	render_progress_draw(o, true);
}

uint64_t space_shortfall(const struct pf_ev_space_row *row)
{
	uint64_t want = row->needed + row->reserve;

	return want > row->available ? want - row->available : 0;
}

void format_time(time_t t, char buf[32])
{
	struct tm tm;

	if (!t || !gmtime_r(&t, &tm))
		snprintf(buf, 32, "never");
	else
		strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
