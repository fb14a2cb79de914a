/* Hook runs (ops/hook.h's views) in words and in JSON: the reports of
 * `pakfire hook list|show|ack|rerun`, and the pieces that history and
 * status use (render.h). A hook's output may hold any byte: in text each
 * line is quoted (pf_quote), so that no output can forge a line or drive
 * the terminal; in JSON it is made valid UTF-8 (a NUL byte too becomes
 * U+FFFD). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/path.h"
#include "jsonc.h"
#include "ops/hook.h"
#include "render.h"

typedef struct json_object jobj;

void report_hook_outcome(const struct pf_hook_run_view *v, char *buf, size_t size)
{
	if (!strcmp(v->state, "timeout"))
		snprintf(buf, size, "timed out");
	else if (v->signal)
		snprintf(buf, size, "%s (signal %d)", v->state, v->signal);
	else if (v->exit_code >= 0 && strcmp(v->state, "ok"))
		snprintf(buf, size, "%s (exit %d)", v->state, v->exit_code);
	else
		snprintf(buf, size, "%s", v->state);
}

/* "0.042 s", or "-" before it ended. */
static void duration_text(const struct pf_hook_run_view *v, char buf[32])
{
	if (v->ended)
		snprintf(buf, 32, "%.3f s", (double)v->duration_ms / 1000.0);
	else
		snprintf(buf, 32, "-");
}

/* open, acknowledged, resolved by #N, or "". */
static void resolution_text(const struct pf_hook_run_view *v, char *buf, size_t size)
{
	if (v->open)
		snprintf(buf, size, "OPEN");
	else if (v->acknowledged)
		snprintf(buf, size, "acknowledged");
	else if (v->resolved_by)
		snprintf(buf, size, "resolved by #%lld", (long long)v->resolved_by);
	else
		buf[0] = '\0';
}

/* The number of newlines in [P, END). */
static size_t count_lines(const char *p, const char *end)
{
	size_t n = 0;

	for (; p < end; p++)
		n += *p == '\n';
	return n;
}

void report_hook_output_text(FILE *f, const struct pf_hook_run_view *v, const char *indent,
			     unsigned tail)
{
	const char *p = v->output, *end = v->output + v->output_len;

	if (!p || !v->output_len)
		return;
	/* the last TAIL lines (0: all), a trailing newline not counted */
	if (tail) {
		const char *q = end > p && end[-1] == '\n' ? end - 1 : end;
		unsigned lines = 0;

		while (q > p && !(q[-1] == '\n' && ++lines == tail))
			q--;
		if (q > p)
			fprintf(f, "%s[%zu lines before these: 'pakfire hook show %lld' shows them]\n",
			       indent, count_lines(p, q), (long long)v->id);
		p = q;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *q = malloc(4 * len + 8);

		if (q) {
			pf_quote(p, len, q, 4 * len + 8);
			fprintf(f, "%s%s\n", indent, q);
			free(q);
		} else {
			fprintf(f, "%s[out of memory]\n", indent);
		}
		p += len + (nl != NULL);
	}
	if (v->dropped)
		fprintf(f, "%s[%llu of the %llu bytes it wrote were not kept]\n", indent,
		       (unsigned long long)v->dropped, (unsigned long long)v->output_total);
}

/* The output as a JSON string: a NUL byte made invalid UTF-8 (0xff), which
 * jv_string turns into U+FFFD like any other. */
static int json_output(jobj *e, const struct pf_hook_run_view *v)
{
	char *copy = malloc(v->output_len + 1);
	int r;

	if (!copy)
		return -1;
	for (size_t i = 0; i < v->output_len; i++)
		copy[i] = v->output[i] ? v->output[i] : (char)0xff;
	copy[v->output_len] = '\0';
	r = jv_string(e, "output", copy);
	free(copy);
	return r;
}

static int opt_int(jobj *e, const char *key, bool have, int64_t value)
{
	return have ? jv_int(e, key, value) : jv_string(e, key, NULL);
}

jobj *report_hook_json(const struct pf_hook_run_view *v)
{
	jobj *e = json_object_new_object();

	if (!e || jv_int(e, "id", v->id) < 0 || jv_int(e, "transaction", v->tx) < 0 ||
	    jv_string(e, "unit", v->local ? NULL : v->unit) < 0 ||
	    jv_string(e, "origin", v->local ? "local" : "package") < 0 ||
	    jv_string(e, "phase", v->phase) < 0 || jv_string(e, "name", v->name) < 0 ||
	    jv_string(e, "state", v->state) < 0 || jv_time(e, "started", v->started) < 0 ||
	    jv_time(e, "ended", v->ended) < 0 ||
	    opt_int(e, "duration_ms", v->ended != 0, v->duration_ms) < 0 ||
	    opt_int(e, "exit_code", v->exit_code >= 0, v->exit_code) < 0 ||
	    opt_int(e, "signal", v->signal != 0, v->signal) < 0 ||
	    jv_uint(e, "output_total", v->output_total) < 0 ||
	    jv_uint(e, "dropped", v->dropped) < 0 || jv_bool(e, "open", v->open) < 0 ||
	    jv_bool(e, "acknowledged", v->acknowledged) < 0 ||
	    opt_int(e, "resolved_by", v->resolved_by != 0, v->resolved_by) < 0 ||
	    opt_int(e, "rerun_of", v->rerun_of != 0, v->rerun_of) < 0 ||
	    (v->output && json_output(e, v) < 0)) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

static int json_runs(jobj *r, const char *key, const struct pf_hook_run_view *v, size_t n)
{
	jobj *list = json_object_new_array();

	if (!list)
		return -1;
	for (size_t i = 0; i < n; i++) {
		jobj *e = report_hook_json(&v[i]);

		if (!e || json_object_array_add(list, e) < 0) {
			json_object_put(e);
			json_object_put(list);
			return -1;
		}
	}
	return jv_add(r, key, list);
}

int report_hooks_json(jobj *r, const char *key, const struct pf_hook_run_view *v, size_t n)
{
	return json_runs(r, key, v, n);
}

void report_hook_held_text(const struct pf_hook_run_view *v)
{
	char outcome[64];

	report_hook_outcome(v, outcome, sizeof(outcome));
	printf("Hook:        %s's %s hook %s %s in transaction %lld; upgrades are held until it"
	       " is run again (pakfire hook rerun %lld) or acknowledged (pakfire hook ack %lld)\n",
	       v->label, v->phase, v->name, outcome, (long long)v->tx, (long long)v->id,
	       (long long)v->id);
}

static void run_line(const struct pf_hook_run_view *v)
{
	char when[32], outcome[64], dur[32], res[64];

	format_time(v->started, when);
	report_hook_outcome(v, outcome, sizeof(outcome));
	duration_text(v, dur);
	resolution_text(v, res, sizeof(res));
	printf("  #%-5lld %s  %-10s %-16s %-20s %-18s %9s  tx %-5lld %s\n", (long long)v->id, when,
	       v->label, v->phase, v->name, outcome, dur, (long long)v->tx, res);
}

void output_hook_list(struct output *o, const struct pf_hook_list *l)
{
	if (o->json) {
		jobj *r = output_report(o);

		if (!r || json_runs(r, "open", l->open, l->n_open) < 0 ||
		    json_runs(r, "runs", l->recent, l->n_recent) < 0)
			o->failed = true;
		return;
	}
	if (l->n_open) {
		printf("Open: %zu failed post hook%s hold%s upgrades until run again ('pakfire hook"
		       " rerun ID') or acknowledged ('pakfire hook ack ID'):\n", l->n_open,
		       l->n_open == 1 ? "" : "s", l->n_open == 1 ? "s" : "");
		for (size_t i = 0; i < l->n_open; i++)
			run_line(&l->open[i]);
	}
	if (!l->n_recent) {
		printf("No hook has run.\n");
		return;
	}
	printf("%s:\n", l->all ? "Every hook run" : "Recent hook runs ('--all' lists every one)");
	for (size_t i = 0; i < l->n_recent; i++)
		run_line(&l->recent[i]);
}

void output_hook_run(struct output *o, const struct pf_hook_run_view *v, const char *action)
{
	char a[32], outcome[64], dur[32];

	if (o->json) {
		jobj *r = output_report(o);

		if (!r || jv_string(r, "action", action) < 0 ||
		    jv_add(r, "run", report_hook_json(v)) < 0)
			o->failed = true;
		return;
	}
	report_hook_outcome(v, outcome, sizeof(outcome));
	duration_text(v, dur);
	if (v->local)
		printf("Hook run #%lld: local %s hook %s\n", (long long)v->id, v->phase, v->name);
	else
		printf("Hook run #%lld: %s's %s hook %s\n", (long long)v->id, v->label, v->phase,
		       v->name);
	printf("Transaction: %lld ('pakfire history %lld')\n", (long long)v->tx, (long long)v->tx);
	format_time(v->started, a);
	printf("Started:     %s\n", a);
	format_time(v->ended, a);
	printf("Ended:       %s\n", a);
	printf("Outcome:     %s, after %s\n", outcome, dur);
	if (v->rerun_of)
		printf("Rerun of:    #%lld\n", (long long)v->rerun_of);
	if (v->open)
		printf("Open:        upgrades are held until it is run again (pakfire hook rerun"
		       " %lld) or acknowledged (pakfire hook ack %lld)\n", (long long)v->id,
		       (long long)v->id);
	else if (v->acknowledged)
		printf("Resolved:    acknowledged by the admin\n");
	else if (v->resolved_by)
		printf("Resolved:    run #%lld of it ended ok\n", (long long)v->resolved_by);
	printf("Output:      %llu bytes written, %llu of them not kept\n",
	       (unsigned long long)v->output_total, (unsigned long long)v->dropped);
	report_hook_output_text(stdout, v, "    ", 0);
}
