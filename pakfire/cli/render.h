/* What the files behind output.h share; commands use output.h only. */
#ifndef PF_CLI_RENDER_H
#define PF_CLI_RENDER_H

#include <stdint.h>
#include <time.h>

#include "base/event.h"
#include "output.h"

/* One event, through the renderer of its type (render-text.c,
 * render-json.c). */
void render_text(struct output *o, const struct pf_event *ev);
void render_json(struct output *o, const struct pf_event *ev);

/* Ends a progress line with its newline, if one is shown. */
void render_text_end_progress(struct output *o);

/* --json: the command's report (an object), made on first use; NULL, with
 * o->failed set, when out of memory. */
struct json_object *output_report(struct output *o);

/* "2026-11-25T10:00:00Z", or "never" for 0. */
void format_time(time_t t, char buf[32]);

/* What a mount lacks for a unit: needed + reserve - available, or 0. */
uint64_t space_shortfall(const struct pf_ev_space_row *row);

#endif
