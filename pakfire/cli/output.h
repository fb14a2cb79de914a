/* What pakfire writes: the library's events, rendered as text for people (a
 * progress block on a terminal only), or with --json one JSON document on
 * stdout (and progress lines on stderr); and the reports of status, history and verify, built from the
 * ops layer's views (never from database rows).
 *
 * output.c is the sink and the end of a command; render-text.c and
 * render-json.c hold one renderer per event each; report-*.c the reports. */
#ifndef PF_CLI_OUTPUT_H
#define PF_CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;
struct pf_event;
struct pf_ctx;
struct pf_status;
struct pf_catalog;
struct pf_info;
struct pf_history;
struct pf_finding;
struct pf_verify_summary;
struct cli_log;
struct progress;

struct output {
	bool json;
	bool tty;              /* stderr is a terminal: the progress block */
	int verbosity;         /* -1 quiet, 0, 1 verbose */
	bool reboot_needed;
	/* The exit code of a run that succeeded, when not 0: status's
	 * monitoring code (docs/monitoring.md), in the document's exit_code
	 * too. An error's code always wins. */
	int code_if_ok;
	/* The run ends to restart pakfire, which goes on (docs/formats.md,
	 * "Self-update and re-exec"): with --json, each process prints its
	 * document, and all but the last say "restarting": true. */
	bool restarting;
	/* pakfire.log (log.h): every event and the end line go there too,
	 * whatever the verbosity or --json; NULL: no log. */
	struct cli_log *log;
	/* the downloads under way (progress.h): the text block, the JSON
	 * progress lines */
	struct progress *progress;
	/* text */
	char plan_unit[64];    /* the unit whose plan rows are being printed */
	char refused_unit[64]; /* the unit whose refusal rows are being printed */
	unsigned refused_rows;
	unsigned verdicts;     /* refused rows with a verdict (render-verdict.c) */
	char *advice;          /* what the verdicts advise, printed at the end */
	/* --json */
	struct json_object *events;   /* a list (jsonc.h) */
	struct json_object *report;   /* the command's report, NULL if none */
	struct json_object *findings; /* verify's findings, a list in the report */
	bool failed;           /* out of memory while building the document */
};

int output_open(struct output *o, bool json, int verbosity);
void output_close(struct output *o);

/* The event sink handed to the library. */
void output_event(const struct pf_event *ev, void *data);

/* Status is a report, not a stream of events. */
void output_status(struct output *o, const struct pf_status *st);

/* List: the add-ons as a table, or the "list" object. */
void output_list(struct output *o, const struct pf_catalog *c);

/* Info: one add-on or one core update, or the "info" object. */
void output_info(struct output *o, const struct pf_info *i);

/* History: a list, or one run in detail (DETAIL). */
void output_history(struct output *o, const struct pf_history *h, bool detail);

/* `hook list`: the open runs and the recent ones; `hook show|ack|rerun`:
 * one run (ACTION "show", "ack" or "rerun" in the JSON report). */
struct pf_hook_list;
struct pf_hook_run_view;
void output_hook_list(struct output *o, const struct pf_hook_list *l);
void output_hook_run(struct output *o, const struct pf_hook_run_view *v, const char *action);

/* Verify: each finding as it is found (a pf_finding_fn), then the summary
 * (also after a stop, as far as it got). */
void output_verify_finding(const struct pf_finding *f, void *data);
void output_verify_summary(struct output *o, const struct pf_verify_summary *sum);
/* verify --fix: the report's lists "restored", "kept", "not_repairable"
 * (made empty first, so that a machine always finds them), then each
 * path's outcome as it is decided (a pf_repair_fn). */
struct pf_repair_item;
void output_repair_lists(struct output *o);
void output_repair_item(const struct pf_repair_item *it, void *data);
/* Its last line (text only): what the fix came to, as the summary before
 * it tells what verify found. */
void output_repair_summary(struct output *o, size_t restored, size_t kept, size_t not_repairable,
			   bool dry_run);

/* Diagnose (report-diagnose*.c, docs/diagnose.md): the report as text on
 * stdout, or the "diagnose" object of the --json document; the text on F
 * (the bundle's report.txt); and the whole document as `pakfire --json
 * diagnose` prints it, malloc'd (NULL when out of memory). */
struct pf_diagnosis;
void output_diagnose(struct output *o, const struct pf_diagnosis *d);
void report_diagnose_text(FILE *f, const struct pf_diagnosis *d);
char *report_diagnose_document(const struct pf_diagnosis *d);

/* The end of a command: in JSON mode, print the document with the outcome;
 * in text mode, a closing line where one is due. The error line on stderr
 * is printed in both modes. Returns the exit code. COMMAND is NULL for a
 * command line that names no command (a usage error): "command" is null. */
int output_finish(struct output *o, struct pf_ctx *ctx, const char *command);

#endif
