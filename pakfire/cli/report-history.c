/* The history report (ops/history.h's view): a list of runs, or one run
 * with its steps; or the "history" object of the --json document. */
#include <stdio.h>
#include <string.h>

#include "jsonc.h"
#include "ops/history.h"
#include "ops/hook.h"
#include "render.h"

typedef struct json_object jobj;

static jobj *json_step(const struct pf_run_step *s)
{
	jobj *e = json_object_new_object();

	if (!e || jv_time(e, "at", s->at) < 0 ||
	    (s->unit[0] && jv_string(e, "unit", s->unit) < 0) ||
	    (s->core && jv_uint(e, "core", s->core) < 0) ||
	    jv_string(e, "step", s->step) < 0 ||
	    jv_string(e, "detail", s->detail[0] ? s->detail : NULL) < 0) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

/* An integer, or null when not KNOWN. */
static int put_opt(jobj *e, const char *key, bool known, uint64_t v)
{
	return known ? jv_uint(e, key, v) : jv_string(e, key, NULL);
}

static jobj *json_space(const struct pf_run_space *c)
{
	jobj *e = json_object_new_object();
	bool verdict = c->verdict[0] != '\0';

	if (!e || jv_string(e, "unit", c->unit) < 0 || jv_string(e, "mount", c->mount) < 0 ||
	    jv_uint(e, "needed", c->needed) < 0 || jv_uint(e, "available", c->available) < 0 ||
	    jv_uint(e, "reserve", c->reserve) < 0 ||
	    jv_uint(e, "inodes_needed", c->inodes_needed) < 0 ||
	    jv_uint(e, "inodes_available", c->inodes_available) < 0 ||
	    jv_bool(e, "fits", c->fits) < 0 ||
	    jv_string(e, "verdict", verdict ? c->verdict : NULL) < 0 ||
	    put_opt(e, "total", verdict, c->total) < 0 || put_opt(e, "usable", verdict, c->usable) < 0 ||
	    put_opt(e, "minimum", c->judged, c->minimum) < 0 ||
	    put_opt(e, "recommended", c->judged && c->recommended, c->recommended) < 0 ||
	    put_opt(e, "freeable", c->judged, c->freeable) < 0) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

/* "space_checks" of one run (history ID). */
static int json_space_checks(jobj *e, const struct pf_history_run *h)
{
	jobj *list = json_object_new_array();

	if (!list)
		return -1;
	for (size_t k = 0; k < h->n_space; k++) {
		jobj *c = json_space(&h->space[k]);

		if (!c || json_object_array_add(list, c) < 0) {
			json_object_put(c);
			json_object_put(list);
			return -1;
		}
	}
	return jv_add(e, "space_checks", list);
}

/* The fields every view of a run has (history, status's last run): is it
 * a dry run, and is a process at it now (its pid, else null). */
int report_run_json(jobj *e, const struct pf_run *t)
{
	return jv_bool(e, "dry_run", t->dry_run) < 0 || jv_bool(e, "running", t->running) < 0 ||
	       (t->running && t->pid > 0 ? jv_int(e, "pid", t->pid) : jv_string(e, "pid", NULL)) < 0 ?
	       -1 : 0;
}

/* How a run ended, in words: "ok", "running (pid 4711)", "unknown" (it
 * has not ended and nothing could tell whether a process is at it). */
void report_run_outcome(const struct pf_run *t, char *buf, size_t size)
{
	if (t->running && t->pid > 0)
		snprintf(buf, size, "running (pid %ld)", t->pid);
	else if (t->running)
		snprintf(buf, size, "running");
	else
		snprintf(buf, size, "%s", t->outcome[0] ? t->outcome : "unknown");
}

/* The command as a reader should take it: a dry run changed nothing. */
void report_run_command(const struct pf_run *t, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", t->command, t->dry_run ? " --dry-run" : "");
}

jobj *report_history_run_json(const struct pf_history_run *h)
{
	const struct pf_run *t = &h->run;
	jobj *e = json_object_new_object(), *steps = json_object_new_array();

	if (!e || !steps || jv_int(e, "id", t->id) < 0 || jv_string(e, "command", t->command) < 0 ||
	    jv_time(e, "started", t->started) < 0 || jv_time(e, "ended", t->ended) < 0 ||
	    jv_string(e, "outcome", t->outcome[0] ? t->outcome : NULL) < 0 ||
	    (t->has_exit_code ? jv_int(e, "exit_code", t->exit_code) :
				jv_string(e, "exit_code", NULL)) < 0 ||
	    jv_string(e, "error", t->error[0] ? t->error : NULL) < 0 ||
	    report_run_json(e, t) < 0 ||
	    (h->space && json_space_checks(e, h) < 0) ||
	    jv_uint(e, "hooks_failed", h->hooks_failed) < 0 ||
	    jv_bool(e, "hook_open", h->hook_open) < 0 ||
	    (h->hooks && report_hooks_json(e, "hooks", h->hooks, h->n_hooks) < 0))
		goto fail;
	for (size_t k = 0; k < h->n_steps; k++) {
		jobj *s = json_step(&h->steps[k]);

		if (!s || json_object_array_add(steps, s) < 0) {
			json_object_put(s);
			goto fail;
		}
	}
	if (jv_add(e, "steps", steps) < 0) {
		steps = NULL; /* freed */
		goto fail;
	}
	return e;
fail:
	json_object_put(steps);
	json_object_put(e);
	return NULL;
}

static void history_json(struct output *o, const struct pf_history *h)
{
	jobj *r = output_report(o), *list = jv_list_new();

	/* A list: a decade of daily runs stays small (jsonc.h). */
	if (!r || !list || jv_add(r, "transactions", json_object_get(list)) < 0) {
		o->failed = true;
		goto out;
	}
	for (size_t i = 0; i < h->n; i++) {
		if (jv_list_add(list, report_history_run_json(&h->runs[i])) < 0) {
			o->failed = true;
			break;
		}
	}
out:
	json_object_put(list);
}

/* The hook runs of one run: how each ended, and the last lines of its
 * output (the whole: `pakfire hook show ID`). */
static void hooks_text(const struct pf_history_run *hr)
{
	char outcome[64], res[80];

	for (size_t k = 0; k < hr->n_hooks; k++) {
		const struct pf_hook_run_view *v = &hr->hooks[k];

		report_hook_outcome(v, outcome, sizeof(outcome));
		res[0] = '\0';
		if (v->open)
			snprintf(res, sizeof(res), "; open: upgrades are held");
		else if (v->acknowledged)
			snprintf(res, sizeof(res), "; acknowledged");
		else if (v->resolved_by)
			snprintf(res, sizeof(res), "; resolved by hook run %lld",
				 (long long)v->resolved_by);
		printf("       hook run %lld: %s %s hook %s: %s", (long long)v->id, v->label,
		       v->phase, v->name, outcome);
		if (v->ended)
			printf(" after %.3f s", (double)v->duration_ms / 1000.0);
		printf("%s\n", res);
		report_hook_output_text(stdout, v, "         | ", 20);
	}
}

/* The space checks of one run, after its steps: each unit on each mount,
 * and the verdict on one that did not fit (docs/space.md "Verdicts"). */
static void space_text(const struct pf_history_run *hr)
{
	char need[32], avail[32], res[32], verdict[40];

	if (hr->n_space == 0)
		return;
	printf("       Space checks:\n");
	printf("       %-10s %-16s %10s %10s %10s  %s\n", "unit", "mount", "needed", "available",
	       "reserve", "result");
	for (size_t k = 0; k < hr->n_space; k++) {
		const struct pf_run_space *c = &hr->space[k];

		pf_format_size(c->needed, need);
		pf_format_size(c->available, avail);
		pf_format_size(c->reserve, res);
		snprintf(verdict, sizeof(verdict), "%s",
			 c->fits ? "fits" : c->verdict[0] ? c->verdict : "does-not-fit");
		for (char *p = verdict; *p; p++)
			*p = *p == '-' ? ' ' : *p;
		printf("       %-10s %-16s %10s %10s %10s  %s", c->label, c->mount, need, avail, res,
		       verdict);
		if (!c->fits && c->needed + c->reserve <= c->available)
			printf(" (inodes: %llu needed, %llu available)",
			       (unsigned long long)c->inodes_needed,
			       (unsigned long long)c->inodes_available);
		printf("\n");
	}
}

void output_history(struct output *o, const struct pf_history *h, bool detail)
{
	char a[32], b[32], outcome[48], command[48];

	if (o->json) {
		history_json(o, h);
		return;
	}
	/* One column for the commands, as wide as the widest ("upgrade
	 * --dry-run"), so that the times stay aligned. */
	int width = 8;

	for (size_t i = 0; i < h->n; i++) {
		report_run_command(&h->runs[i].run, command, sizeof(command));
		if ((int)strlen(command) > width)
			width = (int)strlen(command);
	}
	for (size_t i = 0; i < h->n; i++) {
		const struct pf_history_run *hr = &h->runs[i];
		const struct pf_run *t = &hr->run;
		const struct pf_run_step *last = hr->n_steps ? &hr->steps[hr->n_steps - 1] : NULL;

		format_time(t->started, a);
		format_time(t->ended, b);
		report_run_outcome(t, outcome, sizeof(outcome));
		report_run_command(t, command, sizeof(command));
		printf("#%-5lld %-*s %s  %-11s", (long long)t->id, width, command, a, outcome);
		if (last && !detail)
			printf("  %s %s", last->label, last->step);
		if (hr->hooks_failed)
			printf("  [hook failed%s]", hr->hook_open ? ", open: see 'pakfire hook list'" : "");
		if (t->error[0])
			printf("  %s", t->error);
		printf("\n");
		if (!detail)
			continue;
		if (t->dry_run)
			printf("       a dry run: it showed the plan and changed nothing\n");
		if (t->has_exit_code)
			printf("       ended %s, exit code %d\n", b, t->exit_code);
		else if (t->running)
			printf("       not ended: pakfire (pid %ld) is at it now\n", t->pid);
		else
			printf("       ended %s, no exit code: the process did not finish\n",
			       t->ended ? b : "never");
		for (size_t k = 0; k < hr->n_steps; k++) {
			const struct pf_run_step *s = &hr->steps[k];

			format_time(s->at, a);
			printf("       %s  %-10s %-14s %s\n", a, s->label, s->step, s->detail);
		}
		space_text(hr);
		hooks_text(hr);
	}
}
