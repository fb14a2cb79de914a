/* Event rendering: see output.h. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/context.h"
#include "resolve/transaction.h"
#include "state/history.h"
#include "base/event.h"
#include "output.h"
#include "base/path.h"
#include "ops/status.h"
#include "ops/verify-files.h"

int output_open(struct output *o, bool json, int verbosity)
{
	memset(o, 0, sizeof(*o));
	o->json = json;
	o->verbosity = verbosity;
	o->tty = isatty(STDERR_FILENO) && !json;
	if (json) {
		if (json_open(&o->events) < 0 || json_open(&o->report) < 0)
			return -1;
		json_begin_array(&o->events, NULL);
		json_begin_object(&o->report, NULL);
	}
	return 0;
}

void output_close(struct output *o)
{
	if (o->json) {
		json_close(&o->events);
		json_close(&o->report);
	}
}

static void human_size(uint64_t bytes, char *buf, size_t size)
{
	char tmp[32];

	pf_format_size(bytes, tmp);
	snprintf(buf, size, "%s", tmp);
}

static void iso_time(time_t t, char buf[32])
{
	struct tm tm;

	if (!t || !gmtime_r(&t, &tm))
		snprintf(buf, 32, "never");
	else
		strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void end_progress(struct output *o)
{
	if (o->progress_shown) {
		fputc('\n', stderr);
		o->progress_shown = false;
	}
}

static void progress(struct output *o, const struct pf_event *ev)
{
	char done[32], total[32];
	int width = 30, fill = 0;

	if (!o->tty || o->verbosity < 0)
		return;
	human_size(ev->done, done, sizeof(done));
	human_size(ev->total, total, sizeof(total));
	if (ev->total)
		fill = (int)(ev->done * (uint64_t)width / ev->total);
	fprintf(stderr, "\r  %-24.24s [%-*.*s] %s / %s ", ev->name, width, fill,
		"==============================", done, ev->total ? total : "?");
	o->progress_shown = true;
}

static uint64_t shortfall(const struct pf_event *ev)
{
	uint64_t want = ev->space.needed + ev->space.reserve;

	return want > ev->space.available ? want - ev->space.available : 0;
}

/* A plan row: one update on one mount. */
static void plan_row(struct output *o, const struct pf_event *ev)
{
	char need[32], avail[32], res[32], after[32];

	if (o->plan_core != ev->number) {
		if (!o->plan_core)
			printf("Space needed at the peak of each update, per mount:\n"
			       "  %-10s %-12s %12s %12s %12s %12s\n", "update", "mount", "needed",
			       "available", "reserve", "after");
		o->plan_core = ev->number;
	}
	human_size(ev->space.needed, need, sizeof(need));
	human_size(ev->space.available, avail, sizeof(avail));
	human_size(ev->space.reserve, res, sizeof(res));
	human_size(ev->space.after, after, sizeof(after));
	printf("  core %-5u %-12s %12s %12s %12s %12s  %s\n", ev->number, ev->name, need, avail,
	       res, ev->space.fits ? after : "-",
	       ev->space.fits ? "ok" : ev->space.readonly ? "READ-ONLY" :
	       ev->space.needed + ev->space.reserve <= ev->space.available ? "NO INODES" : "DOES NOT FIT");
}

/* A refusal: the table a person acts on, with what frees space. */
static void refused_row(struct output *o, const struct pf_event *ev)
{
	char need[32], avail[32], res[32], ishort[32];

	if (o->refused_core != ev->number) {
		printf("Core %u does not fit; nothing of it was written:\n"
		       "  %-12s %12s %12s %12s %12s %14s\n", ev->number, "mount", "needed",
		       "available", "reserve", "shortfall", "inodes");
		o->refused_core = ev->number;
	}
	human_size(ev->space.needed, need, sizeof(need));
	human_size(ev->space.available, avail, sizeof(avail));
	human_size(ev->space.reserve, res, sizeof(res));
	human_size(shortfall(ev), ishort, sizeof(ishort));
	printf("  %-12s %12s %12s %12s %12s %6llu/%-7llu%s\n", ev->name, need, avail, res,
	       shortfall(ev) ? ishort : "-", (unsigned long long)ev->space.inodes_needed,
	       (unsigned long long)ev->space.inodes_available,
	       ev->space.readonly ? " read-only" : "");
	o->refused_rows++;
}

static void event_json(struct output *o, const struct pf_event *ev)
{
	static const char *const names[] = {
		[PF_EV_INFO] = "info", [PF_EV_WARNING] = "warning", [PF_EV_DEBUG] = "debug",
		[PF_EV_INDEX_VERIFIED] = "index-verified", [PF_EV_UPTODATE] = "up-to-date",
		[PF_EV_UPDATE_PENDING] = "update-pending", [PF_EV_UPDATE_BEGIN] = "update-begin",
		[PF_EV_UPDATE_DONE] = "update-applied", [PF_EV_FILE_KEPT] = "file-kept",
		[PF_EV_DOWNLOAD_DONE] = "downloaded", [PF_EV_PLAN] = "plan",
		[PF_EV_REFUSED] = "refused",
	};
	struct json *j = &o->events;

	if (ev->type == PF_EV_DOWNLOAD_START || ev->type == PF_EV_DOWNLOAD_PROGRESS ||
	    (ev->type == PF_EV_DEBUG && o->verbosity < 1))
		return;
	json_begin_object(j, NULL);
	json_string(j, "event", names[ev->type]);
	switch (ev->type) {
	case PF_EV_INFO:
	case PF_EV_WARNING:
	case PF_EV_DEBUG:
		json_string(j, "message", ev->text);
		break;
	case PF_EV_INDEX_VERIFIED:
		json_string(j, "series", ev->series);
		json_uint(j, "revision", ev->revision);
		json_time(j, "date", ev->date);
		json_time(j, "valid_until", ev->valid_until);
		json_string(j, "signer", ev->name);
		json_uint(j, "pending", ev->number);
		break;
	case PF_EV_UPTODATE:
		json_uint(j, "core", ev->number);
		break;
	case PF_EV_UPDATE_PENDING:
		json_uint(j, "core", ev->number);
		json_string(j, "summary", ev->text);
		json_uint(j, "entries", ev->files);
		json_uint(j, "bytes", ev->total);
		json_uint(j, "removals", ev->removed);
		json_bool(j, "reboot", ev->reboot);
		break;
	case PF_EV_UPDATE_BEGIN:
		json_uint(j, "core", ev->number);
		break;
	case PF_EV_UPDATE_DONE:
		json_uint(j, "core", ev->number);
		json_uint(j, "installed", ev->files);
		json_uint(j, "removed", ev->removed);
		json_uint(j, "kept", ev->kept);
		json_bool(j, "reboot", ev->reboot);
		break;
	case PF_EV_FILE_KEPT:
		json_uint(j, "core", ev->number);
		json_string(j, "path", ev->path);
		json_string(j, "reason", ev->text);
		break;
	case PF_EV_DOWNLOAD_DONE:
		json_string(j, "file", ev->name);
		json_uint(j, "bytes", ev->done);
		break;
	case PF_EV_PLAN:
	case PF_EV_REFUSED:
		json_uint(j, "core", ev->number);
		json_string(j, "mount", ev->name);
		json_uint(j, "needed", ev->space.needed);
		json_uint(j, "inodes_needed", ev->space.inodes_needed);
		json_uint(j, "available", ev->space.available);
		json_uint(j, "inodes_available", ev->space.inodes_available);
		json_uint(j, "reserve", ev->space.reserve);
		json_uint(j, "after", ev->space.after);
		json_bool(j, "fits", ev->space.fits);
		json_bool(j, "read_only", ev->space.readonly);
		if (ev->type == PF_EV_REFUSED)
			json_uint(j, "shortfall", shortfall(ev));
		break;
	default:
		break;
	}
	json_end_object(j);
}

void output_event(const struct pf_event *ev, void *data)
{
	struct output *o = data;
	char a[32], b[32];

	if (ev->type == PF_EV_UPDATE_DONE) {
		o->applied++;
		o->reboot_needed |= ev->reboot != 0;
	}
	if (o->json) {
		event_json(o, ev);
		return;
	}
	if (ev->type != PF_EV_DOWNLOAD_PROGRESS)
		end_progress(o);
	switch (ev->type) {
	case PF_EV_WARNING:
		fflush(stdout); /* keep stdout and stderr in order in a pipe */
		fprintf(stderr, "pakfire: warning: %s\n", ev->text);
		return;
	case PF_EV_FILE_KEPT:
		fflush(stdout);
		fprintf(stderr, "pakfire: core %u: kept /%s: %s\n", ev->number, ev->path, ev->text);
		return;
	case PF_EV_DOWNLOAD_PROGRESS:
		progress(o, ev);
		return;
	case PF_EV_REFUSED:
		refused_row(o, ev); /* even with --quiet: it is the why of the error */
		return;
	case PF_EV_DEBUG:
		if (o->verbosity > 0)
			printf("%s\n", ev->text);
		return;
	case PF_EV_DOWNLOAD_DONE:
		if (o->verbosity > 0) {
			human_size(ev->done, a, sizeof(a));
			printf("Downloaded %s (%s)\n", ev->name, a);
		}
		return;
	default:
		break;
	}
	if (o->verbosity < 0)
		return;
	switch (ev->type) {
	case PF_EV_INFO:
		printf("%s\n", ev->text);
		break;
	case PF_EV_INDEX_VERIFIED:
		iso_time(ev->date, a);
		iso_time(ev->valid_until, b);
		printf("Index %s revision %llu of %s verified (valid until %s, signed by %s).\n",
		       ev->series, (unsigned long long)ev->revision, a, b, ev->name);
		if (ev->number)
			printf("%u core update%s pending: run 'pakfire upgrade'.\n", ev->number,
			       ev->number == 1 ? "" : "s");
		else
			printf("No core updates pending.\n");
		break;
	case PF_EV_UPTODATE:
		printf("Core %u is up to date; nothing to do.\n", ev->number);
		break;
	case PF_EV_UPDATE_PENDING:
		human_size(ev->total, a, sizeof(a));
		printf("  core %-5u %6llu entries, %10s, %3llu removals%s  %s\n", ev->number,
		       (unsigned long long)ev->files, a, (unsigned long long)ev->removed,
		       ev->reboot ? ", reboot" : "", ev->text ? ev->text : "");
		break;
	case PF_EV_UPDATE_BEGIN:
		printf("Applying core %u...\n", ev->number);
		break;
	case PF_EV_PLAN:
		plan_row(o, ev);
		break;
	case PF_EV_UPDATE_DONE:
		printf("Core %u applied: %llu installed, %llu removed, %llu kept.\n", ev->number,
		       (unsigned long long)ev->files, (unsigned long long)ev->removed,
		       (unsigned long long)ev->kept);
		break;
	default:
		break;
	}
	fflush(stdout);
}

void output_status(struct output *o, const struct pf_status *st)
{
	char a[32], b[32];

	if (o->json) {
		struct json *j = &o->report;

		o->have_report = true;
		json_string(j, "series", st->system.series);
		json_string(j, "arch", st->system.arch);
		json_uint(j, "core", st->system.core);
		if (st->have_index) {
			json_begin_object(j, "index");
			json_uint(j, "revision", st->index_revision);
			json_time(j, "date", st->index_date);
			json_time(j, "valid_until", st->index_valid_until);
			json_time(j, "fetched_at", st->index_fetched_at);
			json_bool(j, "expired", st->index_expired);
			json_end_object(j);
		} else {
			json_string(j, "index", NULL);
		}
		json_begin_array(j, "pending");
		for (size_t i = 0; i < st->n_pending; i++) {
			json_begin_object(j, NULL);
			json_uint(j, "core", st->pending[i].number);
			json_string(j, "summary", st->pending[i].summary);
			json_bool(j, "reboot", st->pending[i].reboot);
			json_uint(j, "package_size", st->pending[i].package_size);
			json_end_object(j);
		}
		json_end_array(j);
		if (st->last.found) {
			json_begin_object(j, "last_transaction");
			json_int(j, "id", st->last.id);
			json_string(j, "command", st->last.command);
			json_time(j, "started", st->last.started);
			json_time(j, "ended", st->last.ended);
			json_string(j, "outcome", st->last.outcome[0] ? st->last.outcome : NULL);
			json_string(j, "error", st->last.error[0] ? st->last.error : NULL);
			json_end_object(j);
		} else {
			json_string(j, "last_transaction", NULL);
		}
		return;
	}
	printf("Series:      %s (%s)\n", st->system.series, st->system.arch);
	printf("Core level:  %u\n", st->system.core);
	if (st->have_index) {
		iso_time(st->index_date, a);
		iso_time(st->index_fetched_at, b);
		printf("Index:       revision %llu of %s, fetched %s%s\n",
		       (unsigned long long)st->index_revision, a, b,
		       st->index_expired ? " (EXPIRED: run 'pakfire update')" : "");
	} else {
		printf("Index:       none yet (run 'pakfire update')\n");
	}
	if (st->n_pending == 0) {
		printf("Pending:     none\n");
	} else {
		printf("Pending:     %zu core update%s\n", st->n_pending, st->n_pending == 1 ? "" : "s");
		for (size_t i = 0; i < st->n_pending; i++) {
			human_size(st->pending[i].package_size, a, sizeof(a));
			printf("  core %-5u %10s%s  %s\n", st->pending[i].number, a,
			       st->pending[i].reboot ? ", reboot" : "", st->pending[i].summary);
		}
	}
	if (st->last.found) {
		iso_time(st->last.started, a);
		printf("Last run:    #%lld %s at %s: %s%s%s\n", (long long)st->last.id,
		       st->last.command, a,
		       st->last.outcome[0] ? st->last.outcome : "interrupted",
		       st->last.error[0] ? ": " : "", st->last.error);
	}
}

/* "core 141" for a step about a unit, "" for one about none. */
static const char *step_unit(const struct pf_step_info *s, char label[PF_UNIT_ID_MAX])
{
	struct pf_unit u;

	pf_unit_from_id(&u, s->unit);
	return s->unit[0] ? pf_unit_label(&u, label) : "";
}

void output_history(struct output *o, const struct pf_history_entry *h, size_t n, bool detail)
{
	char label[PF_UNIT_ID_MAX];
	char a[32], b[32];

	if (o->json) {
		struct json *j = &o->report;

		o->have_report = true;
		json_begin_array(j, "transactions");
		for (size_t i = 0; i < n; i++) {
			const struct pf_tx_info *t = &h[i].tx;

			json_begin_object(j, NULL);
			json_int(j, "id", t->id);
			json_string(j, "command", t->command);
			json_time(j, "started", t->started);
			json_time(j, "ended", t->ended);
			json_string(j, "outcome", t->outcome[0] ? t->outcome : NULL);
			if (t->has_exit_code)
				json_int(j, "exit_code", t->exit_code);
			else
				json_string(j, "exit_code", NULL);
			json_string(j, "error", t->error[0] ? t->error : NULL);
			json_begin_array(j, "steps");
			for (size_t k = 0; k < h[i].n_steps; k++) {
				const struct pf_step_info *s = &h[i].steps[k];

				json_begin_object(j, NULL);
				json_time(j, "at", s->at);
				if (s->unit[0]) {
					struct pf_unit u;

					pf_unit_from_id(&u, s->unit);
					json_string(j, "unit", s->unit);
					if (u.number)
						json_uint(j, "core", u.number);
				}
				json_string(j, "step", s->step);
				json_string(j, "detail", s->detail[0] ? s->detail : NULL);
				json_end_object(j);
			}
			json_end_array(j);
			json_end_object(j);
		}
		json_end_array(j);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct pf_tx_info *t = &h[i].tx;
		const struct pf_step_info *last = h[i].n_steps ? &h[i].steps[h[i].n_steps - 1] : NULL;

		iso_time(t->started, a);
		iso_time(t->ended, b);
		printf("#%-5lld %-8s %s  %-11s", (long long)t->id, t->command, a,
		       t->outcome[0] ? t->outcome : "running");
		if (last && !detail)
			printf("  %s %s", step_unit(last, label), last->step);
		if (t->error[0])
			printf("  %s", t->error);
		printf("\n");
		if (!detail)
			continue;
		if (t->has_exit_code)
			printf("       ended %s, exit code %d\n", b, t->exit_code);
		else
			printf("       ended %s, no exit code: the process did not finish\n",
			       t->ended ? b : "never");
		for (size_t k = 0; k < h[i].n_steps; k++) {
			const struct pf_step_info *s = &h[i].steps[k];

			iso_time(s->at, a);
			printf("       %s  %-10s %-14s %s\n", a, step_unit(s, label), s->step, s->detail);
		}
	}
}

static void finding_json(struct output *o, const struct pf_finding *f)
{
	struct json *j = &o->report;
	char path[PATH_MAX + 2];

	if (!o->findings_open) {
		o->have_report = true;
		json_begin_array(j, "findings");
		o->findings_open = true;
	}
	snprintf(path, sizeof(path), "/%s", f->path);
	json_begin_object(j, NULL);
	json_string(j, "path", path);
	json_string(j, "kind", pf_finding_name(f->kind));
	json_uint(j, "core", f->owner);
	json_string(j, "expected", f->expected);
	json_string(j, "found", f->found);
	json_end_object(j);
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
	printf(" (installed by core %u)\n", f->owner);
}

void output_verify_summary(struct output *o, const struct pf_verify_summary *sum)
{
	char size[32];

	if (o->json) {
		struct json *j = &o->report;

		o->have_report = true;
		if (!o->findings_open)
			json_begin_array(j, "findings");
		json_end_array(j);
		o->findings_open = false;
		json_begin_object(j, "summary");
		json_uint(j, "paths", sum->paths);
		json_uint(j, "ok", sum->ok);
		json_uint(j, "changed", sum->changed);
		json_uint(j, "findings", sum->findings);
		json_uint(j, "bytes", sum->bytes);
		json_uint(j, "milliseconds", (uint64_t)(sum->seconds * 1000 + 0.5));
		json_bool(j, "complete", sum->complete);
		json_end_object(j);
		return;
	}
	if (o->verbosity < 0 || (!sum->paths && !sum->complete))
		return;
	pf_format_size(sum->bytes, size);
	printf("verified %llu paths (%s) in %.2f s: %llu ok, %llu changed\n",
	       (unsigned long long)sum->paths, size, sum->seconds, (unsigned long long)sum->ok,
	       (unsigned long long)sum->changed);
}

int output_finish(struct output *o, struct pf_ctx *ctx, const char *command)
{
	enum pf_errclass cls = pf_error_class(ctx);
	int code = pf_exit_code(cls);

	end_progress(o);
	if (o->refused_rows && !o->json)
		printf("To make room: 'pakfire clean' empties the download cache; remove kernels\n"
		       "that are no longer booted from /boot; a cleanup update in the chain frees\n"
		       "space once applied ('pakfire upgrade --to N' applies the updates before it).\n");
	if (cls != PF_E_OK) {
		fflush(stdout); /* the table before the error line, in a pipe too */
		fprintf(stderr, "pakfire: error: %s\n", pf_error_message(ctx));
	}
	if (o->json) {
		/* The outcome first, then what happened, then the report. */
		struct json head;

		json_end_array(&o->events);
		json_end_object(&o->report);
		if (json_open(&head) < 0 || fflush(o->events.f) || fflush(o->report.f)) {
			json_close(&head);
			return code ? code : 1;
		}
		json_string(&head, "command", command);
		json_bool(&head, "ok", cls == PF_E_OK);
		json_int(&head, "exit_code", code);
		json_string(&head, "error_class", cls == PF_E_OK ? NULL : pf_errclass_name(cls));
		json_string(&head, "error", cls == PF_E_OK ? NULL : pf_error_message(ctx));
		json_bool(&head, "reboot_needed", o->reboot_needed);
		fflush(head.f);
		printf("{%.*s,\"events\":%.*s", (int)head.len, head.buf, (int)o->events.len,
		       o->events.buf);
		if (o->have_report)
			printf(",\"%s\":%.*s", command, (int)o->report.len, o->report.buf);
		printf("}\n");
		json_close(&head);
	} else if (cls == PF_E_OK && o->reboot_needed && o->verbosity >= 0) {
		printf("A reboot is needed to complete the upgrade.\n");
	}
	if (fflush(stdout) != 0 && code == 0)
		code = 1; /* a full disk under stdout must not look like success */
	return code;
}
