/* The status report (ops/status.h's view): text, or the "status" object of
 * the --json document. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jsonc.h"
#include "ops/history.h"
#include "ops/hook.h"
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

/* "installed_size": the size of the files an update installs, known from
 * its kept manifest only (null without: never a guess). */
static int put_installed(jobj *e, bool known, uint64_t size)
{
	return known ? jv_uint(e, "installed_size", size) : jv_string(e, "installed_size", NULL);
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
		    jv_uint(e, "download_size", u->package_size) < 0 ||
		    put_installed(e, u->have_manifest, u->installed_size) < 0 ||
		    jv_bool(e, "manifest_kept", u->have_manifest) < 0 ||
		    jv_string(e, "series_switch", u->series_switch[0] ? u->series_switch : NULL) < 0 ||
		    json_object_array_add(list, e) < 0) {
			json_object_put(e);
			json_object_put(list);
			return -1;
		}
	}
	if (jv_add(r, "pending", list) < 0)
		return -1;
	list = json_object_new_object();
	if (!list || jv_uint(list, "download_size", st->pending_download) < 0 ||
	    jv_uint(list, "downloaded", st->n_downloaded) < 0 ||
	    put_installed(list, st->space.n_missing == 0, st->pending_installed) < 0) {
		json_object_put(list);
		return -1;
	}
	return jv_add(r, "pending_total", list);
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
	    jv_string(last, "error", t->error[0] ? t->error : NULL) < 0 ||
	    report_run_json(last, t) < 0) {
		json_object_put(last);
		return -1;
	}
	return jv_add(r, "last_transaction", last);
}

/* The pending update that moves the system to another series, or null. */
static int json_switch(jobj *r, const struct pf_status *st)
{
	const struct pf_status_update *u;
	jobj *sw;

	if (st->switch_at == SIZE_MAX)
		return jv_string(r, "switching_update", NULL);
	u = &st->pending[st->switch_at];
	sw = json_object_new_object();
	if (!sw || jv_string(sw, "unit", u->unit) < 0 || jv_uint(sw, "core", u->number) < 0 ||
	    jv_string(sw, "series", u->series_switch) < 0) {
		json_object_put(sw);
		return -1;
	}
	return jv_add(r, "switching_update", sw);
}

static int json_addons(jobj *r, const struct pf_status *st)
{
	jobj *list = json_object_new_array();

	if (!list)
		return -1;
	for (size_t i = 0; i < st->n_addons; i++) {
		jobj *e = report_addon_json(&st->addons[i]);

		if (!e || json_object_array_add(list, e) < 0) {
			json_object_put(e);
			json_object_put(list);
			return -1;
		}
	}
	return jv_add(r, "addons", list) < 0 ||
	       jv_uint(r, "addons_upgradable", st->n_upgradable) < 0 ? -1 : 0;
}

static void status_json(struct output *o, const struct pf_status *st)
{
	jobj *r = output_report(o);

	if (!r || jv_string(r, "series", st->series) < 0 || jv_string(r, "arch", st->arch) < 0 ||
	    jv_uint(r, "core", st->core) < 0 ||
	    jv_string(r, "config_series", st->config_series[0] ? st->config_series : NULL) < 0 ||
	    json_index(r, st) < 0 ||
	    jv_string(r, "successor", st->successor[0] ? st->successor : NULL) < 0 ||
	    json_switch(r, st) < 0 || json_pending(r, st) < 0 || report_space_json(r, st) < 0 ||
	    json_addons(r, st) < 0 ||
	    json_last(r, st) < 0 ||
	    jv_bool(r, "reboot_required", st->reboot_required) < 0 ||
	    jv_string(r, "reboot_unit", st->reboot_required ? st->reboot_unit : NULL) < 0 ||
	    report_hooks_json(r, "hooks_failed", st->hooks_open, st->n_hooks_open) < 0 ||
	    report_mirrors_json(r, st) < 0 ||
	    report_attention_json(r, st) < 0)
		o->failed = true;
}

/* A closed series: either an update of the pending chain carries the
 * system over, or none does yet and the admin should know what to do. */
static void closed_line(const struct pf_status *st)
{
	const struct pf_status_update *u;

	if (!st->successor[0])
		return;
	if (st->switch_at == SIZE_MAX) {
		printf("Closed:      series %s is closed; its successor is series %s, and no update"
		       " of the index moves this system there yet: run 'pakfire update' again"
		       " later, and tell the maintainers if it stays so\n", st->series,
		       st->successor);
		return;
	}
	u = &st->pending[st->switch_at];
	printf("Closed:      series %s is closed; core %u, pending, moves this system to series"
	       " %s: run 'pakfire upgrade'\n", st->series, u->number, u->series_switch);
}

/* The installed add-ons, in aligned columns. */
static void addons_text(const struct pf_status *st)
{
	const char *series = st->have_index ? st->series : NULL;
	int wn = 0, wv = 0, ws = 0;
	char state[256];

	if (st->n_addons == 0) {
		printf("Add-ons:     none installed\n");
		return;
	}
	printf("Add-ons:     %zu installed, %zu upgradable%s\n", st->n_addons, st->n_upgradable,
	       st->n_upgradable ? " (run 'pakfire upgrade')" : "");
	for (size_t i = 0; i < st->n_addons; i++) {
		int n = (int)strlen(st->addons[i].name), v = (int)strlen(st->addons[i].installed_version);
		int s = (int)strlen(st->addons[i].installed_series);

		wn = n > wn ? n : wn;
		wv = v > wv ? v : wv;
		ws = s > ws ? s : ws;
	}
	for (size_t i = 0; i < st->n_addons; i++) {
		const struct pf_addon_view *a = &st->addons[i];

		report_addon_state(a, series, state, sizeof(state));
		printf("  %-*s  %-*s  %-*s  %s\n", wn, a->name, wv, a->installed_version, ws,
		       a->installed_series, state);
	}
}

/* An installed size, or "unknown" without the kept manifest. */
static void installed_text(bool known, uint64_t size, char buf[32])
{
	if (known)
		pf_format_size(size, buf);
	else
		snprintf(buf, 32, "unknown");
}

void output_status(struct output *o, const struct pf_status *st)
{
	char a[32], b[32];

	if (o->json) {
		status_json(o, st);
		return;
	}
	/* --quiet (a cron job, a monitoring check): only what needs a
	 * person, nothing when all is well */
	if (o->verbosity < 0) {
		report_attention_text(st);
		return;
	}
	printf("Series:      %s (%s)\n", st->series, st->arch);
	printf("Core level:  %u\n", st->core);
	if (st->reboot_required)
		printf("Reboot:      required: %s was applied; reboot to complete it\n",
		       st->reboot_label);
	for (size_t i = 0; i < st->n_hooks_open; i++)
		report_hook_held_text(&st->hooks_open[i]);
	if (st->config_series[0])
		printf("Config:      pakfire.conf says series %s, but the database says this system"
		       " is on series %s; pakfire follows the database (set by 'pakfire init',"
		       " moved only by an update that switches series)\n",
		       st->config_series, st->series);
	if (st->have_index) {
		format_time(st->index_date, a);
		format_time(st->index_fetched_at, b);
		printf("Index:       revision %llu of %s, fetched %s%s\n",
		       (unsigned long long)st->index_revision, a, b,
		       st->index_expired ? " (EXPIRED: run 'pakfire update')" : "");
	} else {
		printf("Index:       none yet (run 'pakfire update')\n");
	}
	closed_line(st);
	if (st->n_pending == 0) {
		printf("Pending:     none\n");
	} else {
		printf("Pending:     %zu core update%s\n", st->n_pending, st->n_pending == 1 ? "" : "s");
		for (size_t i = 0; i < st->n_pending; i++) {
			const struct pf_status_update *u = &st->pending[i];

			pf_format_size(u->package_size, a);
			installed_text(u->have_manifest, u->installed_size, b);
			printf("  core %-5u download %10s, installed %10s%s  %s%s%s\n", u->number, a, b,
			       u->reboot ? ", reboot" : "", u->summary,
			       u->series_switch[0] ? "; moves to series " : "", u->series_switch);
		}
		pf_format_size(st->pending_download, a);
		installed_text(st->space.n_missing == 0, st->pending_installed, b);
		printf("  %-10s download %10s, installed %10s\n", "total", a, b);
		if (st->n_downloaded)
			/* Told by the cache's sizes only: the upgrade verifies
			 * each package (size and SHA-256) before applying it. */
			printf("  %zu update%s downloaded (in the cache; 'pakfire upgrade' verifies"
			       " %s before applying)\n", st->n_downloaded,
			       st->n_downloaded == 1 ? "" : "s", st->n_downloaded == 1 ? "it" : "them");
	}
	report_space_text(stdout, st);
	addons_text(st);
	if (st->have_last) {
		char outcome[48], command[48];

		format_time(st->last.started, a);
		report_run_outcome(&st->last, outcome, sizeof(outcome));
		report_run_command(&st->last, command, sizeof(command));
		printf("Last run:    #%lld %s at %s: %s%s%s\n", (long long)st->last.id, command, a,
		       outcome, st->last.error[0] ? ": " : "", st->last.error);
	}
	if (o->verbosity > 0)
		report_mirrors_text(st);
	report_attention_text(st);
}
