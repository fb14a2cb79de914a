/* Renders the library's events: text for people (a progress bar on a
 * terminal only), or with --json one JSON document on stdout. */
#ifndef PF_CLI_OUTPUT_H
#define PF_CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

struct pf_event;
struct pf_ctx;
struct pf_status;
struct pf_history_entry;

struct output {
	bool json;
	bool tty;              /* stderr is a terminal: progress bars */
	int verbosity;         /* -1 quiet, 0, 1 verbose */
	struct json events;    /* --json: the events, an array */
	struct json report;    /* --json: a command's report (status), an object */
	bool have_report;
	bool progress_shown;   /* a progress line waits for its newline */
	bool reboot_needed;
	unsigned applied;
	unsigned plan_core;      /* the update whose plan rows are being printed */
	unsigned refused_core;
	unsigned refused_rows;
	bool findings_open;      /* --json: the verify report's findings array */
};

int output_open(struct output *o, bool json, int verbosity);
void output_close(struct output *o);

/* The event sink handed to the library. */
void output_event(const struct pf_event *ev, void *data);

/* Status is a report, not a stream of events. */
void output_status(struct output *o, const struct pf_status *st);

/* History: a list, or one transaction in detail (DETAIL). */
void output_history(struct output *o, const struct pf_history_entry *h, size_t n, bool detail);

/* Verify: each finding as it is found (a pf_finding_fn), then the summary
 * (also after a stop, as far as it got). */
struct pf_finding;
struct pf_verify_summary;
void output_verify_finding(const struct pf_finding *f, void *data);
void output_verify_summary(struct output *o, const struct pf_verify_summary *sum);

/* The end of a command: in JSON mode, close and print the document with the
 * outcome; in text mode, a closing line where one is due. The error line on
 * stderr is printed in both modes. Returns the exit code. */
int output_finish(struct output *o, struct pf_ctx *ctx, const char *command);

#endif
