/* The status report (ops/status.h's view): text, or the "status" object of
 * the --json document. */
#include <stdio.h>

#include "jsonc.h"
#include "ops/status.h"
#include "render.h"

typedef struct json_object jobj;

static int json_index(jobj *r, const struct pf_status *st)
{
	jobj *idx;

	if (!st->have_index)
		return jv_string(r, "index", NULL);
	idx = json_object_new_object();
	if (!idx || jv_uint(idx, "revision", st->index_revision) < 0 ||
	    jv_time(idx, "date", st->index_date) < 0 ||
	    jv_time(idx, "valid_until", st->index_valid_until) < 0 ||
	    jv_time(idx, "fetched_at", st->index_fetched_at) < 0 ||
	    jv_bool(idx, "expired", st->index_expired) < 0) {
		json_object_put(idx);
		return -1;
	}
	return jv_add(r, "index", idx);
}

static int json_pending(jobj *r, const struct pf_status *st)
{
	jobj *list = json_object_new_array();

	if (!list)
		return -1;
	for (size_t i = 0; i < st->n_pending; i++) {
		const struct pf_status_update *u = &st->pending[i];
		jobj *e = json_object_new_object();

		if (!e || jv_string(e, "unit", u->unit) < 0 || jv_uint(e, "core", u->number) < 0 ||
		    jv_string(e, "summary", u->summary) < 0 || jv_bool(e, "reboot", u->reboot) < 0 ||
		    jv_uint(e, "package_size", u->package_size) < 0 ||
		    jv_string(e, "series_switch", u->series_switch[0] ? u->series_switch : NULL) < 0 ||
		    json_object_array_add(list, e) < 0) {
			json_object_put(e);
			json_object_put(list);
			return -1;
		}
	}
	return jv_add(r, "pending", list);
}

static int json_last(jobj *r, const struct pf_status *st)
{
	const struct pf_run *t = &st->last;
	jobj *last;

	if (!st->have_last)
		return jv_string(r, "last_transaction", NULL);
	last = json_object_new_object();
	if (!last || jv_int(last, "id", t->id) < 0 || jv_string(last, "command", t->command) < 0 ||
	    jv_time(last, "started", t->started) < 0 || jv_time(last, "ended", t->ended) < 0 ||
	    jv_string(last, "outcome", t->outcome[0] ? t->outcome : NULL) < 0 ||
	    jv_string(last, "error", t->error[0] ? t->error : NULL) < 0) {
		json_object_put(last);
		return -1;
	}
	return jv_add(r, "last_transaction", last);
}

static void status_json(struct output *o, const struct pf_status *st)
{
	jobj *r = output_report(o);

	if (!r || jv_string(r, "series", st->series) < 0 || jv_string(r, "arch", st->arch) < 0 ||
	    jv_uint(r, "core", st->core) < 0 || json_index(r, st) < 0 ||
	    jv_string(r, "successor", st->successor[0] ? st->successor : NULL) < 0 ||
	    json_pending(r, st) < 0 || json_last(r, st) < 0)
		o->failed = true;
}

/* A closed series: whether a pending update carries the system across
 * (then 'pakfire upgrade' does it), or nothing does yet. */
static void print_closed(const struct pf_status *st)
{
	for (size_t i = 0; i < st->n_pending; i++) {
		if (!st->pending[i].series_switch[0])
			continue;
		printf("Closed:      series %s is closed: core %u moves this system to series %s"
		       " ('pakfire upgrade' crosses, add-ons included)\n", st->series,
		       st->pending[i].number, st->pending[i].series_switch);
		return;
	}
	printf("Closed:      series %s is closed; its successor is series %s, and no update"
	       " here moves this system there yet (run 'pakfire update' later)\n",
	       st->series, st->successor);
}

void output_status(struct output *o, const struct pf_status *st)
{
	char a[32], b[32];

	if (o->json) {
		status_json(o, st);
		return;
	}
	printf("Series:      %s (%s)\n", st->series, st->arch);
	printf("Core level:  %u\n", st->core);
	if (st->have_index) {
		format_time(st->index_date, a);
		format_time(st->index_fetched_at, b);
		printf("Index:       revision %llu of %s, fetched %s%s\n",
		       (unsigned long long)st->index_revision, a, b,
		       st->index_expired ? " (EXPIRED: run 'pakfire update')" : "");
	} else {
		printf("Index:       none yet (run 'pakfire update')\n");
	}
	if (st->successor[0])
		print_closed(st);
	if (st->n_pending == 0) {
		printf("Pending:     none\n");
	} else {
		printf("Pending:     %zu core update%s\n", st->n_pending, st->n_pending == 1 ? "" : "s");
		for (size_t i = 0; i < st->n_pending; i++) {
			pf_format_size(st->pending[i].package_size, a);
			printf("  core %-5u %10s%s  %s\n", st->pending[i].number, a,
			       st->pending[i].reboot ? ", reboot" : "", st->pending[i].summary);
		}
	}
	if (st->have_last) {
		format_time(st->last.started, a);
		printf("Last run:    #%lld %s at %s: %s%s%s\n", (long long)st->last.id,
		       st->last.command, a, st->last.outcome[0] ? st->last.outcome : "interrupted",
		       st->last.error[0] ? ": " : "", st->last.error);
	}
}
