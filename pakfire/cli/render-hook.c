/* Hook events in words and in JSON (the tables of render-text.c and
 * render-json.c point here). Text: a line when a hook ends (its last lines
 * when it failed), its output as it comes with --verbose, a refused local
 * hook as a warning. JSON: "hook-begin", "hook-done", "hook-refused"; the
 * live output is for a terminal only. */
#include <stdio.h>
#include <string.h>

#include "base/event.h"
#include "base/path.h"
#include "jsonc.h"
#include "render.h"

/* "hook ldconfig (post) of core 141", or "local hook notify (pre-transaction)". */
static void hook_title(const struct pf_ev_hook *h, char *buf, size_t size)
{
	if (!h->unit.id)
		snprintf(buf, size, "local hook %s (%s)", h->name, h->phase);
	else if (h->unit.number)
		snprintf(buf, size, "hook %s (%s) of core %u", h->name, h->phase, h->unit.number);
	else
		snprintf(buf, size, "hook %s (%s) of %s", h->name, h->phase, h->unit.id);
}

void render_text_hook_begin(struct output *o, const struct pf_event *ev)
{
	char title[512];

	(void)o;
	hook_title(&ev->hook, title, sizeof(title));
	printf("Running %s.\n", title);
}

/* As it comes, on stdout with the rest of the command's story (stderr
 * stays for the error and warnings); a control byte but newline and tab
 * shown as '?', so that a hook cannot drive the terminal. */
void render_text_hook_output(struct output *o, const struct pf_event *ev)
{
	const unsigned char *p = (const unsigned char *)ev->hook_output.data;

	(void)o;
	for (size_t i = 0; i < ev->hook_output.len; i++)
		putchar((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') || p[i] == 0x7f ? '?' : p[i]);
	fflush(stdout);
}

void render_text_hook_done(struct output *o, const struct pf_event *ev)
{
	const struct pf_ev_hook *h = &ev->hook;
	char title[512];

	(void)o;
	hook_title(h, title, sizeof(title));
	if (!strcmp(h->outcome, "ok")) {
		if (o->verbosity >= 1)
			printf("The %s ran (%.1f s).\n", title, (double)h->duration_ms / 1000.0);
		return;
	}
	/* The story on stdout (the error line follows on stderr). */
	if (h->signal)
		printf("The %s: %s (signal %d) after %.1f s", title, h->outcome, h->signal,
		       (double)h->duration_ms / 1000.0);
	else
		printf("The %s: %s (exit %d) after %.1f s", title, h->outcome, h->exit_code,
		       (double)h->duration_ms / 1000.0);
	if (h->run_id)
		printf("; recorded as hook run %lld", (long long)h->run_id);
	printf("%s\n", h->tail && h->tail[0] ? ". Its last lines:" : ".");
	if (h->tail && h->tail[0]) {
		const char *p = h->tail;

		/* Quoted: a hook cannot forge a line or drive the terminal. */
		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			char q[1024];

			printf("  | %s\n", pf_quote(p, len, q, sizeof(q)));
			p += len + (nl != NULL);
		}
	}
}

void render_text_hook_refused(struct output *o, const struct pf_event *ev)
{
	char title[512];

	(void)o;
	hook_title(&ev->hook, title, sizeof(title));
	fflush(stdout);
	fprintf(stderr, "pakfire: warning: the %s was not run: %s\n", title, ev->hook.reason);
}

static int hook_fields(struct json_object *e, const struct pf_ev_hook *h)
{
	if ((h->unit.id && jv_string(e, "unit", h->unit.id) < 0) ||
	    (h->unit.number && jv_uint(e, "core", h->unit.number) < 0) ||
	    jv_string(e, "origin", h->unit.id ? "package" : "local") < 0 ||
	    jv_string(e, "phase", h->phase) < 0 || jv_string(e, "name", h->name) < 0 ||
	    (h->run_id && jv_int(e, "run", h->run_id) < 0))
		return -1;
	return 0;
}

int render_json_hook_begin(struct json_object *e, const struct pf_event *ev)
{
	return hook_fields(e, &ev->hook);
}

int render_json_hook_done(struct json_object *e, const struct pf_event *ev)
{
	const struct pf_ev_hook *h = &ev->hook;

	if (hook_fields(e, h) < 0 || jv_string(e, "outcome", h->outcome) < 0 ||
	    jv_int(e, "exit_code", h->exit_code) < 0 || jv_int(e, "signal", h->signal) < 0 ||
	    jv_int(e, "duration_ms", h->duration_ms) < 0 ||
	    jv_string(e, "tail", h->tail ? h->tail : "") < 0)
		return -1;
	return 0;
}

int render_json_hook_refused(struct json_object *e, const struct pf_event *ev)
{
	if (hook_fields(e, &ev->hook) < 0 || jv_string(e, "reason", ev->hook.reason) < 0)
		return -1;
	return 0;
}
