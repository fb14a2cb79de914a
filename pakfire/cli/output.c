/* The event sink and the end of a command: see output.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/context.h"
#include "base/event.h"
#include "jsonc.h"
#include "log.h"
#include "progress.h"
#include "render.h"

int output_open(struct output *o, bool json, int verbosity)
{
	memset(o, 0, sizeof(*o));
	o->json = json;
	o->verbosity = verbosity;
	o->tty = isatty(STDERR_FILENO) && !json;
	o->progress = calloc(1, sizeof(*o->progress));
	if (!o->progress)
		return -1;
	if (json) {
		o->events = jv_list_new();
		if (!o->events) {
			output_close(o);
			return -1;
		}
	}
	return 0;
}

void output_close(struct output *o)
{
	json_object_put(o->events);
	json_object_put(o->report);
	free(o->advice);
	free(o->progress);
	o->advice = NULL;
	o->progress = NULL;
	o->events = NULL;
	o->report = NULL;
	o->findings = NULL; /* the report held it */
}

void output_event(const struct pf_event *ev, void *data)
{
	struct output *o = data;

	if (ev->type == PF_EV_UNIT_DONE)
		o->reboot_needed |= ev->done.reboot;
	if (o->log)
		log_event(o->log, ev);
	if (o->json) {
		render_json_progress(o, ev);
		render_json(o, ev);
	}
	else
		render_text(o, ev);
}

struct json_object *output_report(struct output *o)
{
	if (!o->report) {
		o->report = json_object_new_object();
		if (!o->report)
			o->failed = true;
	}
	return o->report;
}

/* The document: the outcome first, then what happened, then the report
 * (under the command's name). Returns 0, or -1 when out of memory. */
static int print_document(struct output *o, struct pf_ctx *ctx, const char *command, int code)
{
	enum pf_errclass cls = pf_error_class(ctx);
	bool ok = cls == PF_E_OK;
	/* A failure a signal caused exits 128 + it (pf_ctx_exit_code), a code
	 * of no class of the table: it is named for what it was, whatever it
	 * interrupted. */
	const char *class_name = ctx->stop_signal ? "interrupted" : pf_errclass_name(cls);
	struct json_object *doc = json_object_new_object();
	const char *text;
	int r = -1;

	if (!doc || o->failed ||
	    jv_string(doc, "command", command) < 0 || jv_bool(doc, "ok", ok) < 0 ||
	    jv_int(doc, "exit_code", code) < 0 ||
	    jv_string(doc, "error_class", ok ? NULL : class_name) < 0 ||
	    jv_string(doc, "error", ok ? NULL : pf_error_message(ctx)) < 0 ||
	    jv_bool(doc, "reboot_needed", o->reboot_needed) < 0 ||
	    (o->restarting && jv_bool(doc, "restarting", true) < 0) ||
	    jv_add(doc, "events", json_object_get(o->events)) < 0 ||
	    (o->report && jv_add(doc, command, json_object_get(o->report)) < 0))
		goto out;
	text = jv_text(doc);
	if (!text)
		goto out;
	printf("%s\n", text);
	r = 0;
out:
	json_object_put(doc);
	return r;
}

int output_finish(struct output *o, struct pf_ctx *ctx, const char *command)
{
	enum pf_errclass cls = pf_error_class(ctx);
	int code = pf_ctx_exit_code(ctx);
	/* Ended as it should (status's monitoring code included): a failure
	 * to write what it said then makes it an error. */
	bool succeeded = code == 0;

	if (code == 0)
		code = o->code_if_ok;
	render_text_end_progress(o);
	/* What each refused mount's verdict advises; the general hints only
	 * when no verdict could be made. */
	if (o->advice && !o->json)
		fputs(o->advice, stdout);
	else if (o->refused_rows && !o->verdicts && !o->json)
		printf("To make room: 'pakfire clean' empties the download cache; remove kernels\n"
		       "that are no longer booted from /boot; a cleanup update in the chain frees\n"
		       "space once applied ('pakfire upgrade --to N' applies the updates before it).\n");
	if (cls != PF_E_OK) {
		fflush(stdout); /* the table before the error line, in a pipe too */
		fprintf(stderr, "pakfire: error: %s\n", pf_error_message(ctx));
	}
	if (o->json) {
		if (print_document(o, ctx, command, code) < 0) {
			fprintf(stderr, "pakfire: error: out of memory while writing the JSON document\n");
			if (succeeded)
				code = 1;
		}
	} else if (o->reboot_needed && !o->restarting) {
		/* A fact the owner must act on: --quiet never hides it, nor
		 * does a later failure (what was applied before it stays). */
		printf("A reboot is needed to complete the upgrade.\n");
	}
	/* A full disk under stdout must not look like success: ferror too,
	 * as the renderers flush after every event. */
	if ((fflush(stdout) != 0 || ferror(stdout)) && succeeded) {
		fprintf(stderr, "pakfire: error: cannot write to standard output\n");
		code = 1;
	}
	if (o->log)
		log_end(o->log, ctx, code, o->restarting);
	return code;
}
