/* The history report (ops/history.h's view): a list of runs, or one run
 * with its steps; or the "history" object of the --json document. */
#include <stdio.h>

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

static jobj *json_run(const struct pf_history_run *h)
{
	const struct pf_run *t = &h->run;
	jobj *e = json_object_new_object(), *steps = json_object_new_array();

	if (!e || !steps || jv_int(e, "id", t->id) < 0 || jv_string(e, "command", t->command) < 0 ||
	    jv_time(e, "started", t->started) < 0 || jv_time(e, "ended", t->ended) < 0 ||
	    jv_string(e, "outcome", t->outcome[0] ? t->outcome : NULL) < 0 ||
	    (t->has_exit_code ? jv_int(e, "exit_code", t->exit_code) :
				jv_string(e, "exit_code", NULL)) < 0 ||
	    jv_string(e, "error", t->error[0] ? t->error : NULL) < 0 ||
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
		if (jv_list_add(list, json_run(&h->runs[i])) < 0) {
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
		report_hook_output_text(v, "         | ", 20);
	}
}

void output_history(struct output *o, const struct pf_history *h, bool detail)
{
	char a[32], b[32];

	if (o->json) {
		history_json(o, h);
		return;
	}
	for (size_t i = 0; i < h->n; i++) {
		const struct pf_history_run *hr = &h->runs[i];
		const struct pf_run *t = &hr->run;
		const struct pf_run_step *last = hr->n_steps ? &hr->steps[hr->n_steps - 1] : NULL;

		format_time(t->started, a);
		format_time(t->ended, b);
		printf("#%-5lld %-8s %s  %-11s", (long long)t->id, t->command, a,
		       t->outcome[0] ? t->outcome : "running");
		if (last && !detail)
			printf("  %s %s", last->label, last->step);
		if (hr->hooks_failed)
			printf("  [hook failed%s]", hr->hook_open ? ", open: see 'pakfire hook list'" : "");
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
		for (size_t k = 0; k < hr->n_steps; k++) {
			const struct pf_run_step *s = &hr->steps[k];

			format_time(s->at, a);
			printf("       %s  %-10s %-14s %s\n", a, s->label, s->step, s->detail);
		}
		hooks_text(hr);
	}
}
