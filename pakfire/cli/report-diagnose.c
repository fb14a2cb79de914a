/* The diagnose report as text (ops/diagnose.h's view, docs/diagnose.md):
 * the sections in the documented order, each under a label in status's
 * column ("Series:      "), rows indented by two, on 80 columns; the
 * verdict last, one block per problem. Written to any FILE, so that the
 * bundle's report.txt is the same text. The JSON form is in
 * report-diagnose-json.c. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ops/diagnose.h"
#include "ops/hook.h"
#include "render.h"

#define WIDTH 79

/* The length of " MiB" (a size's unit, which stays on the line of its
 * number) when P starts with one, else 0. */
static size_t unit_after(const char *p)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };

	if (*p != ' ')
		return 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i]);

		if (!strncmp(p + 1, units[i], n) && strchr(" ,.:;)", p[1 + n]))
			/* and the punctuation after the unit stays with it: "64 MiB)," */
			return 1 + n + strcspn(p + 1 + n, " ");
	}
	return 0;
}

/* TEXT after FIRST, words wrapped at WIDTH, continued lines after REST
 * (as wide as FIRST); a word longer than a line stays whole. */
static void wrap(FILE *f, const char *first, const char *rest, const char *text)
{
	size_t col = strlen(first), indent = strlen(rest);
	const char *p = text;
	bool start = true;

	fputs(first, f);
	while (*p) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (!n)
			break;
		n += unit_after(p + n);
		if (!start && col + 1 + n > WIDTH) {
			fprintf(f, "\n%s", rest);
			col = indent;
			start = true;
		}
		if (!start) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, n, f);
		col += n;
		p += n;
		start = false;
	}
	fputc('\n', f);
}

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static void system_text(FILE *f, const struct pf_diagnosis *d)
{
	const struct pf_status *st = &d->status;
	char state[256];

	if (!d->have_status) {
		wrap(f, "System:      ", "             ",
		     d->status_error[0] ? d->status_error : "not known");
		return;
	}
	fprintf(f, "Series:      %s (%s)\n", st->series, st->arch);
	fprintf(f, "Core level:  %u\n", st->core);
	if (st->n_addons == 0) {
		fprintf(f, "Add-ons:     none installed\n");
		return;
	}
	fprintf(f, "Add-ons:     %zu installed\n", st->n_addons);
	for (size_t i = 0; i < st->n_addons; i++) {
		const struct pf_addon_view *a = &st->addons[i];

		report_addon_state(a, st->have_index ? st->series : NULL, state, sizeof(state));
		fprintf(f, "  %-20s %-14s %-6s %s\n", a->name, a->installed_version,
			a->installed_series, state);
	}
}

static void runs_text(FILE *f, const struct pf_diagnosis *d)
{
	char when[32], outcome[48], command[48], code[16];

	if (d->n_runs == 0) {
		fprintf(f, "Runs:        none recorded\n");
		return;
	}
	fprintf(f, "Runs:        the last %zu, newest last\n", d->n_runs);
	for (size_t i = 0; i < d->n_runs; i++) {
		const struct pf_run *t = &d->runs[i];

		format_time(t->started, when);
		report_run_outcome(t, outcome, sizeof(outcome));
		report_run_command(t, command, sizeof(command));
		if (t->has_exit_code)
			snprintf(code, sizeof(code), "exit %d", t->exit_code);
		else
			snprintf(code, sizeof(code), "no exit");
		fprintf(f, "  #%-5lld %-17s %s  %-18s %s\n", (long long)t->id, command, when,
			outcome, code);
	}
}

/* The space checks the failed run recorded, with their verdicts. */
static void failure_space_text(FILE *f, const struct pf_history_run *h)
{
	char need[32], avail[32], res[32], verdict[32];

	if (h->n_space == 0)
		return;
	fprintf(f, "  space checks then:\n");
	fprintf(f, "    %-10s %-12s %10s %10s %10s  %s\n", "update", "mount", "needed", "free",
		"reserve", "verdict");
	for (size_t k = 0; k < h->n_space; k++) {
		const struct pf_run_space *c = &h->space[k];

		pf_format_size(c->needed, need);
		pf_format_size(c->available, avail);
		pf_format_size(c->reserve, res);
		snprintf(verdict, sizeof(verdict), "%s",
			 c->fits ? "fits" : c->verdict[0] ? c->verdict : "does-not-fit");
		fprintf(f, "    %-10s %-12s %10s %10s %10s  %s\n", c->label, c->mount, need, avail,
			res, verdict);
	}
}

static void failure_text(FILE *f, const struct pf_diagnosis *d)
{
	const struct pf_history_run *h = &d->failure;
	const struct pf_run *t = &h->run;
	char when[32], outcome[48], command[48], line[512];

	if (!d->have_failure) {
		fprintf(f, "Failure:     none (every command's last run ended ok)\n");
		return;
	}
	format_time(t->started, when);
	report_run_outcome(t, outcome, sizeof(outcome));
	report_run_command(t, command, sizeof(command));
	if (t->has_exit_code)
		snprintf(line, sizeof(line), "run #%lld, %s at %s: %s, exit %d", (long long)t->id,
			 command, when, outcome, t->exit_code);
	else
		snprintf(line, sizeof(line), "run #%lld, %s at %s: %s, the process did not finish",
			 (long long)t->id, command, when, outcome);
	wrap(f, "Failure:     ", "             ", line);
	if (d->failure_label[0] || d->failure_step[0]) {
		snprintf(line, sizeof(line), "%s%s%s%s", d->failure_label[0] ? d->failure_label : "",
			 d->failure_label[0] && d->failure_step[0] ? ", " : "",
			 d->failure_step[0] ? "last step " : "", d->failure_step);
		wrap(f, "  update:    ", "             ", line);
	}
	if (d->failure_cause[0])
		fprintf(f, "  cause:     %s\n", d->failure_cause);
	if (t->error[0])
		wrap(f, "  error:     ", "             ", t->error);
	for (size_t k = 0; k < h->n_hooks; k++) {
		const struct pf_hook_run_view *v = &h->hooks[k];

		if (!strcmp(v->state, "ok"))
			continue;
		report_hook_outcome(v, outcome, sizeof(outcome));
		snprintf(line, sizeof(line), "hook run #%lld, %s %s hook %s: %s%s", (long long)v->id,
			 v->label, v->phase, v->name, outcome, v->open ? "; upgrades are held" : "");
		wrap(f, "  hook:      ", "             ", line);
		report_hook_output_text(f, v, "             | ", 20);
	}
	failure_space_text(f, h);
}

static void space_text(FILE *f, const struct pf_diagnosis *d)
{
	if (!d->have_status) {
		fprintf(f, "Space:       not known (see System)\n");
		return;
	}
	if (d->status.n_pending == 0) {
		fprintf(f, "Space:       no update pending\n");
		return;
	}
	report_space_text(f, &d->status);
}

static void journal_text(FILE *f, const struct pf_diagnosis *d)
{
	const struct pf_diag_journal *j = &d->journal;
	char when[32], line[512];

	if (!j->present) {
		fprintf(f, "Journal:     nothing interrupted\n");
		return;
	}
	format_time(j->started, when);
	snprintf(line, sizeof(line), "%s (run #%lld, begun %s) was interrupted; the journal"
		 " says %s", j->label[0] ? j->label : j->unit, (long long)j->run, when, j->state);
	wrap(f, "Journal:     ", "             ", line);
	snprintf(line, sizeof(line), "the next pakfire that takes the lock will %s %s: %zu path%s",
		 j->action, j->label[0] ? j->label : j->unit, j->n_paths, plural(j->n_paths));
	wrap(f, "  recovery:  ", "             ", line);
	for (size_t i = 0; i < j->n_listed && j->paths; i++)
		fprintf(f, "    %s\n", j->paths[i]);
	if (j->n_paths > j->n_listed)
		fprintf(f, "    ... and %zu more\n", j->n_paths - j->n_listed);
}

static void keys_text(FILE *f, const struct pf_diagnosis *d)
{
	char created[32], expires[32], line[768];

	if (d->n_keys == 0) {
		fprintf(f, "Keys:        none trusted (the keys folder holds no *.asc)\n");
		return;
	}
	fprintf(f, "Keys:        %zu trusted\n", d->n_keys);
	for (size_t i = 0; i < d->n_keys; i++) {
		const struct pf_diag_key *k = &d->keys[i];

		format_time(k->created, created);
		format_time(k->expires, expires);
		fprintf(f, "  %s\n", k->fingerprint);
		wrap(f, "    file ", "    ", k->file);
		snprintf(line, sizeof(line), "%s, created %s, expires %s%s%s%s", k->uid, created,
			 expires, k->expired ? ", EXPIRED" : "", k->revoked ? ", REVOKED" : "",
			 k->signed_index ? "; signed the current index" : "");
		wrap(f, "    ", "    ", line);
		if (!k->expired && !k->revoked && k->expires && k->expires > d->now &&
		    k->expires - d->now < PF_DIAG_KEY_SOON) {
			long days = (long)((k->expires - d->now + 86399) / 86400);

			snprintf(line, sizeof(line), "warning: expires in %ld day%s: install the"
				 " distribution's next key before then", days, days == 1 ? "" : "s");
			wrap(f, "    ", "    ", line);
		}
	}
}

static const char *index_state(const struct pf_diag_index *x)
{
	return x->expired ? "expired" : x->stale ? "stale" : "fresh";
}

static void indexes_text(FILE *f, const struct pf_diagnosis *d)
{
	char date[32], valid[32], fetched[32];

	if (d->n_indexes == 0) {
		fprintf(f, "Indexes:     none verified yet (run 'pakfire update')\n");
		return;
	}
	fprintf(f, "Indexes:     %zu verified\n", d->n_indexes);
	for (size_t i = 0; i < d->n_indexes; i++) {
		const struct pf_diag_index *x = &d->indexes[i];

		format_time(x->date, date);
		format_time(x->valid_until, valid);
		format_time(x->fetched_at, fetched);
		fprintf(f, "  %s/%s: revision %" PRIu64 ", %s%s\n", x->series, x->arch, x->revision,
			index_state(x), x->current ? " (this system's series)" : "");
		fprintf(f, "    dated %s, valid until %s\n", date, valid);
		fprintf(f, "    fetched %s\n", fetched);
		if (x->signer[0])
			fprintf(f, "    signed by %s\n", x->signer);
	}
}

/* What each mirror did last (status --verbose's facts), a URL a line and
 * its result wrapped below it: URLs are long. */
static void mirror_lines(FILE *f, const struct pf_status *st)
{
	char when[32], ok[32], line[1400];

	if (st->n_mirrors == 0) {
		fprintf(f, "Mirrors:     none used yet\n");
		return;
	}
	fprintf(f, "Mirrors:     %zu used\n", st->n_mirrors);
	for (size_t i = 0; i < st->n_mirrors; i++) {
		const struct pf_mirror_result *m = &st->mirrors[i];

		format_time(m->attempted, when);
		format_time(m->last_ok, ok);
		fprintf(f, "  %s (%s)\n", m->url, m->origin);
		snprintf(line, sizeof(line), "%s at %s, last ok %s%s%s", m->outcome, when, ok,
			 m->detail[0] ? ": " : "", m->detail);
		wrap(f, "    ", "    ", line);
	}
}

static void mirrors_text(FILE *f, const struct pf_diagnosis *d)
{
	if (!d->have_status) {
		fprintf(f, "Mirrors:     not known (see System)\n");
		return;
	}
	mirror_lines(f, &d->status);
}

static void cache_text(FILE *f, const struct pf_diagnosis *d)
{
	const struct pf_diag_cache *c = &d->cache;
	char a[32];

	pf_format_size(c->bytes, a);
	wrap(f, "Cache:       ", "             ", c->path[0] ? c->path : "not known");
	fprintf(f, "  holds:     %" PRIu64 " file%s, %s\n", c->files, plural(c->files), a);
	pf_format_size(c->stale_bytes, a);
	fprintf(f, "  stale:     %" PRIu64 " file%s, %s%s\n", c->stale_files, plural(c->stale_files),
		a, c->stale_files ? " ('pakfire clean' removes them)" : "");
	pf_format_size(c->partial_bytes, a);
	fprintf(f, "  partial:   %" PRIu64 " download%s, %s\n", c->partial_files,
		plural(c->partial_files), a);
}

static void database_text(FILE *f, const struct pf_diagnosis *d)
{
	const struct pf_diag_database *db = &d->database;
	char size[32], line[5200];

	pf_format_size(db->bytes, size);
	if (!db->opened) {
		snprintf(line, sizeof(line), "%s cannot be read: %s", db->path,
			 db->error[0] ? db->error : "unknown error");
		wrap(f, "Database:    ", "             ", line);
		return;
	}
	wrap(f, "Database:    ", "             ", db->path);
	fprintf(f, "  schema:    %d, %s\n", db->schema, size);
	wrap(f, "  integrity: ", "             ", db->integrity[0] ? db->integrity : "not run");
	wrap(f, "  quick:     ", "             ", db->quick[0] ? db->quick : "not run");
	if (db->error[0])
		wrap(f, "  error:     ", "             ", db->error);
}

static void lock_text(FILE *f, const struct pf_diagnosis *d)
{
	const struct pf_diag_lock *l = &d->lock;
	char since[32], line[512], pid[32];

	if (!l->held) {
		fprintf(f, "Lock:        free\n");
		return;
	}
	if (l->pid > 0)
		snprintf(pid, sizeof(pid), "pid %ld", l->pid);
	else
		snprintf(pid, sizeof(pid), "a process");
	snprintf(line, sizeof(line), "held by %s%s%s%s", pid, l->command[0] ? " (" : "",
		 l->command, l->command[0] ? ")" : "");
	if (l->run) {
		size_t n = strlen(line);

		format_time(l->since, since);
		snprintf(line + n, sizeof(line) - n, ", run #%lld since %s", (long long)l->run, since);
	}
	wrap(f, "Lock:        ", "             ", line);
}

static void mounts_text(FILE *f, const struct pf_diagnosis *d)
{
	char size[32], used[32], avail[32];

	if (d->n_mounts == 0) {
		fprintf(f, "Mounts:      none known\n");
		return;
	}
	fprintf(f, "Mounts:      what pakfire plans for, now\n");
	fprintf(f, "  %-12s %-6s %10s %10s %10s %11s  %s\n", "mount", "type", "size", "used", "free",
		"free inodes", "device");
	for (size_t i = 0; i < d->n_mounts; i++) {
		const struct pf_diag_mount *m = &d->mounts[i];

		pf_format_size(m->total, size);
		pf_format_size(m->used, used);
		pf_format_size(m->available, avail);
		fprintf(f, "  %-12s %-6s %10s %10s %10s %11" PRIu64 "  %s%s\n", m->mount, m->fstype,
			size, used, avail, m->inodes_available, m->device,
			m->read_only ? " (read-only)" : "");
	}
}

static void verdict_text(FILE *f, const struct pf_diagnosis *d)
{
	char first[256];

	if (d->n_problems == 0) {
		fprintf(f, "Verdict: healthy\n");
		return;
	}
	fprintf(f, "Verdict: %zu problem%s, the most urgent first (exit code %d)\n", d->n_problems,
		plural(d->n_problems), pf_diagnose_exit_code(d));
	for (size_t i = 0; i < d->n_problems; i++) {
		const struct pf_diag_problem *p = &d->problems[i];

		snprintf(first, sizeof(first), "* %s%s%s: ", pf_diag_cause_name(p->cause),
			 p->label[0] ? ", " : "", p->label);
		wrap(f, first, "  ", p->what);
		wrap(f, "  next: ", "        ", p->action);
	}
}

void report_diagnose_text(FILE *f, const struct pf_diagnosis *d)
{
	char now[32];

	format_time(d->now, now);
	fprintf(f, "pakfire diagnose at %s\n", now);
	system_text(f, d);
	runs_text(f, d);
	failure_text(f, d);
	space_text(f, d);
	journal_text(f, d);
	keys_text(f, d);
	indexes_text(f, d);
	mirrors_text(f, d);
	cache_text(f, d);
	database_text(f, d);
	lock_text(f, d);
	mounts_text(f, d);
	verdict_text(f, d);
}

void output_diagnose(struct output *o, const struct pf_diagnosis *d)
{
	if (o->json)
		report_diagnose_json(o, d);
	else
		report_diagnose_text(stdout, d);
}
