/* What the files behind output.h share; commands use output.h only. */
#ifndef PF_CLI_RENDER_H
#define PF_CLI_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "base/event.h"
#include "output.h"

/* One event, through the renderer of its type (render-text.c,
 * render-json.c). */
void render_text(struct output *o, const struct pf_event *ev);
void render_json(struct output *o, const struct pf_event *ev);

/* The progress block on a terminal (render-progress.c): the renderers of
 * the download and step events; erase it (before other output, which also
 * replaces the step line), draw it (FORCE: now, else at most 5 times a
 * second); and at the end of a command erase it and forget it all. */
void render_progress_download(struct output *o, const struct pf_event *ev);
void render_progress_done(struct output *o, const struct pf_event *ev);
void render_progress_total(struct output *o, const struct pf_event *ev);
void render_progress_activity(struct output *o, const struct pf_event *ev);
void render_progress_erase(struct output *o);
void render_progress_draw(struct output *o, bool force);
void render_text_end_progress(struct output *o);

/* --json: the progress stream, one JSON object a line on stderr
 * (render-json-progress.c, docs/progress.md); ignores other events. */
void render_json_progress(struct output *o, const struct pf_event *ev);

/* --json: the command's report (an object), made on first use; NULL, with
 * o->failed set, when out of memory. */
struct json_object *output_report(struct output *o);

/* An add-on (ops/catalog.h) as list, info and status write it
 * (report-addon.c): one JSON object (NULL when out of memory); the
 * "index" they read (null when none) added to R; and its state in words
 * ("available", "installed, dependency", "upgradable from 1.0-1"), SERIES
 * being the index's (NULL: no index, so nothing is known as offered). */
struct pf_addon_view;
struct pf_index_view;
struct json_object *report_addon_json(const struct pf_addon_view *v);
int report_index_json(struct json_object *r, const struct pf_index_view *iv);
void report_addon_state(const struct pf_addon_view *v, const char *series, char *buf,
			size_t size);

/* The space part of the status report (report-status-space.c): the
 * "space" object added to R, or the "Space:" lines of the text. */
struct pf_status;
int report_space_json(struct json_object *r, const struct pf_status *st);
void report_space_text(FILE *f, const struct pf_status *st);

/* What each mirror did last (report-status-mirrors.c): the "mirrors" list
 * added to R, or the "Mirrors:" lines of the text (--verbose). */
int report_mirrors_json(struct json_object *r, const struct pf_status *st);
void report_mirrors_text(const struct pf_status *st);

/* A recorded run (ops/history.h) as history and status show it
 * (report-history.c): "dry_run", "running" and "pid" added to E; how it
 * ended in words ("running (pid 4711)", "unknown" when that cannot be
 * told); its command, marked when a dry run ("upgrade --dry-run"). */
struct pf_run;
struct pf_history_run;
/* One run as an element of history's "transactions" (its steps, space
 * checks and hook runs); NULL when out of memory. */
struct json_object *report_history_run_json(const struct pf_history_run *h);
int report_run_json(struct json_object *e, const struct pf_run *t);
void report_run_outcome(const struct pf_run *t, char *buf, size_t size);
void report_run_command(const struct pf_run *t, char *buf, size_t size);
/* The monitoring facts of the status report (report-attention.c): the
 * "index_stale" and "attention" fields added to R, or the "Attention:"
 * lines and the exit code they make (nothing when none holds). */
int report_attention_json(struct json_object *r, const struct pf_status *st);
void report_attention_text(const struct pf_status *st);

/* The "diagnose" report of the --json document (report-diagnose-json.c). */
struct pf_diagnosis;
void report_diagnose_json(struct output *o, const struct pf_diagnosis *d);

/* "2026-11-25T10:00:00Z", or "never" for 0. */
void format_time(time_t t, char buf[32]);

/* A refused row's verdict (render-verdict.c): its advice, kept for
 * output_finish to print after the refusal table; its fields in the
 * "refused" event (V may be NULL: "verdict": null). */
struct pf_verdict;
void render_text_verdict(struct output *o, const struct pf_ev_space_row *s);
int render_json_verdict(struct json_object *e, const struct pf_verdict *v);

/* Hook events (render-hook.c). */
void render_text_hook_begin(struct output *o, const struct pf_event *ev);
void render_text_hook_output(struct output *o, const struct pf_event *ev);
void render_text_hook_done(struct output *o, const struct pf_event *ev);
void render_text_hook_refused(struct output *o, const struct pf_event *ev);
int render_json_hook_begin(struct json_object *e, const struct pf_event *ev);
int render_json_hook_done(struct json_object *e, const struct pf_event *ev);
int render_json_hook_refused(struct json_object *e, const struct pf_event *ev);

/* Hook runs (report-hook.c, ops/hook.h's views): how one ended in words
 * ("failed (exit 1)", "killed (signal 9)", "timed out"); its kept output,
 * each line quoted and indented with INDENT (TAIL: only the last TAIL lines,
 * with a pointer to `pakfire hook show`; 0: all); one as a JSON object
 * (NULL when out of memory), N of them as the array KEY of R; the status
 * line of an open one. */
struct pf_hook_run_view;
void report_hook_outcome(const struct pf_hook_run_view *v, char *buf, size_t size);
void report_hook_output_text(FILE *f, const struct pf_hook_run_view *v, const char *indent,
			     unsigned tail);
struct json_object *report_hook_json(const struct pf_hook_run_view *v);
int report_hooks_json(struct json_object *r, const char *key, const struct pf_hook_run_view *v,
		      size_t n);
void report_hook_held_text(const struct pf_hook_run_view *v);

/* What a mount lacks for a unit: needed + reserve - available, or 0. */
uint64_t space_shortfall(const struct pf_ev_space_row *row);

#endif
