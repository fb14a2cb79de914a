/* The monitoring part of the status report (ops/status.h's attention bits,
 * docs/monitoring.md): the "index_stale" and "attention" fields of the JSON
 * report, or one "Attention:" line per fact in the text, each saying what
 * to do, and the exit code they make. */
#include <stdio.h>
#include <time.h>

#include "jsonc.h"
#include "ops/status.h"
#include "render.h"

typedef struct json_object jobj;

int report_attention_json(jobj *r, const struct pf_status *st)
{
	static const struct {
		const char *name;
		unsigned bit;
	} facts[] = {
		{ "core_update", PF_STATUS_CORE_UPDATE },
		{ "addon_updates", PF_STATUS_ADDON_UPDATES },
		{ "reboot", PF_STATUS_REBOOT },
		{ "last_failed", PF_STATUS_LAST_FAILED },
		{ "index_stale", PF_STATUS_INDEX_STALE },
	};
	jobj *a;

	if (jv_bool(r, "index_stale", st->index_stale) < 0)
		return -1;
	a = json_object_new_object();
	if (!a)
		return -1;
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		if (jv_bool(a, facts[i].name, (st->attention & facts[i].bit) != 0) < 0) {
			json_object_put(a);
			return -1;
		}
	}
	return jv_add(r, "attention", a);
}

static void core_line(const struct pf_status *st)
{
	const struct pf_status_update *first = &st->pending[0], *last;

	if (st->n_pending == 0) {
		printf("Attention:   core update %u is published, but this pakfire cannot apply it"
		       " (see the warning above)\n", st->blocked_core);
		return;
	}
	last = &st->pending[st->n_pending - 1];
	if (st->n_pending == 1)
		printf("Attention:   core update %u is available: run 'pakfire upgrade'\n",
		       first->number);
	else
		printf("Attention:   core updates %u to %u are available: run 'pakfire upgrade'\n",
		       first->number, last->number);
}

static void failed_line(const struct pf_status *st)
{
	if (st->failed_run)
		printf("Attention:   the last run, #%lld (%s), did not end ok: see 'pakfire history"
		       " %lld'\n", (long long)st->failed_run, st->failed_command,
		       (long long)st->failed_run);
	if (st->n_hooks_open)
		printf("Attention:   %zu failed hook%s hold%s upgrades: see 'Hook:' above\n",
		       st->n_hooks_open, st->n_hooks_open == 1 ? "" : "s",
		       st->n_hooks_open == 1 ? "s" : "");
}

static void index_line(const struct pf_status *st)
{
	char when[32];
	long long age;

	if (!st->have_index) {
		printf("Attention:   no index fetched yet: run 'pakfire update'\n");
		return;
	}
	if (st->index_expired) {
		format_time(st->index_valid_until, when);
		printf("Attention:   the index expired (valid until %s): run 'pakfire update'\n", when);
		return;
	}
	age = (long long)(time(NULL) - st->index_fetched_at);
	if (age >= 2 * 86400)
		printf("Attention:   the index was fetched %lld days ago: run 'pakfire update'"
		       " (daily: docs/monitoring.md)\n", age / 86400);
	else
		printf("Attention:   the index was fetched %lld hours ago: run 'pakfire update'"
		       " (daily: docs/monitoring.md)\n", age / 3600);
}

void report_attention_text(const struct pf_status *st)
{
	unsigned a = st->attention;
	int code = pf_status_exit_code(st);

	if (a & PF_STATUS_CORE_UPDATE)
		core_line(st);
	if (a & PF_STATUS_ADDON_UPDATES)
		printf("Attention:   %zu add-on update%s available: run 'pakfire upgrade'\n",
		       st->n_upgradable, st->n_upgradable == 1 ? " is" : "s are");
	if (a & PF_STATUS_REBOOT)
		printf("Attention:   a reboot is needed to complete %s: reboot this system\n",
		       st->reboot_label[0] ? st->reboot_label : "the upgrade");
	if (a & PF_STATUS_LAST_FAILED)
		failed_line(st);
	if (a & PF_STATUS_INDEX_STALE)
		index_line(st);
	if (!code)
		return;
	/* the sum spelled out, so that a reader finds each bit in the table */
	printf("Exit code:   %d = %d", code, PF_STATUS_ATTENTION);
	for (unsigned bit = 1; bit <= a; bit <<= 1)
		if (a & bit)
			printf(" + %u", bit);
	printf(" (pakfire(8), EXIT STATUS)\n");
}
