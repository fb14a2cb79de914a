/* The mirrors part of the status report: what each mirror did the last
 * time a run used it (state/mirrors.h), for support staff and a web UI. */
#include <stdio.h>
#include <string.h>

#include "jsonc.h"
#include "ops/status.h"
#include "render.h"

typedef struct json_object jobj;

int report_mirrors_json(jobj *r, const struct pf_status *st)
{
	jobj *list = json_object_new_array();

	if (!list)
		return -1;
	for (size_t i = 0; i < st->n_mirrors; i++) {
		const struct pf_mirror_result *m = &st->mirrors[i];
		jobj *e = json_object_new_object();

		if (!e || jv_string(e, "url", m->url) < 0 || jv_string(e, "origin", m->origin) < 0 ||
		    jv_string(e, "outcome", m->outcome) < 0 ||
		    jv_string(e, "detail", m->detail[0] ? m->detail : NULL) < 0 ||
		    (m->revision ? jv_uint(e, "revision", m->revision)
				 : jv_string(e, "revision", NULL)) < 0 ||
		    jv_time(e, "attempted", m->attempted) < 0 ||
		    jv_time(e, "last_ok", m->last_ok) < 0 ||
		    jv_uint(e, "errors", m->errors) < 0 || json_object_array_add(list, e) < 0) {
			json_object_put(e);
			json_object_put(list);
			return -1;
		}
	}
	return jv_add(r, "mirrors", list);
}

void report_mirrors_text(const struct pf_status *st)
{
	char when[32], ok[32];

	if (st->n_mirrors == 0) {
		printf("Mirrors:     none used yet\n");
		return;
	}
	printf("Mirrors:     %zu used\n", st->n_mirrors);
	for (size_t i = 0; i < st->n_mirrors; i++) {
		const struct pf_mirror_result *m = &st->mirrors[i];

		format_time(m->attempted, when);
		if (m->last_ok)
			format_time(m->last_ok, ok);
		else
			snprintf(ok, sizeof(ok), "never");
		printf("  %s (%s): %s at %s, last ok %s%s%s\n", m->url, m->origin, m->outcome, when,
		       ok, m->detail[0] ? ": " : "", m->detail);
	}
}
