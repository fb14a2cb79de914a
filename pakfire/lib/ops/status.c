/* Status: see status.h. Reads only; never needs the write lock, and
 * writes nothing. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format/config.h"
#include "base/bootid.h"
#include "base/context.h"
#include "fetch/units.h"
#include "format/index.h"
#include "ops/addons.h"
#include "ops/catalog.h"
#include "ops/status-space.h"
#include "ops/status.h"
#include "ops/session.h"
#include "ops/update.h"
#include "ops/history.h"
#include "ops/hook.h"
#include "resolve/resolve.h"
#include "resolve/transaction.h"
#include "state/system.h"

/* How many units of T have their package whole in the cache. */
static size_t downloaded(struct pf_session *s, const struct pf_transaction *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++) {
		char dir[4096];
		int fd;

		if (pf_fetch_unit_cache_dir(s->ctx, s->config->cache, t, &t->units[i], dir,
					    sizeof(dir)) < 0) {
			pf_clear_error(s->ctx); /* too long a path: not there */
			continue;
		}
		fd = pf_fetch_open_cache(s->ctx, dir, true);
		if (fd < 0)
			continue;
		n += pf_fetch_unit_need(fd, &t->units[i]) == 0;
		close(fd);
	}
	return n;
}

/* The pending core updates of IDX on top of SYS, as the view lists them,
 * and the space they need. */
static int pending(struct pf_session *s, const struct pf_system *sys, const struct pf_index *idx,
		   struct pf_status *out)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_transaction *t = pf_transaction_new(ctx, sys->series, sys->arch, sys->core);
	int r = -1;

	if (!t || pf_resolve_core_chain(ctx, idx, t, 0) < 0)
		goto out;
	out->pending = calloc(t->n ? t->n : 1, sizeof(*out->pending));
	if (!out->pending) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct pf_index_entry *e = t->units[i].entry;
		struct pf_status_update *u = &out->pending[i];

		snprintf(u->unit, sizeof(u->unit), "%s", t->units[i].id);
		u->number = e->number;
		snprintf(u->summary, sizeof(u->summary), "%s", e->summary ? e->summary : "");
		u->reboot = e->reboot;
		u->package_size = e->package_size;
		out->pending_download += e->package_size;
		snprintf(u->series_switch, sizeof(u->series_switch), "%s",
			 e->series_switch ? e->series_switch : "");
		if (e->series_switch && out->switch_at == SIZE_MAX)
			out->switch_at = i;
	}
	out->n_pending = t->n;
	out->n_downloaded = downloaded(s, t);
	if (t->blocked) {
		char text[768];

		pf_resolve_blocked_text(t, sys->core, text, sizeof(text));
		pf_warn(ctx, "%s: 'pakfire upgrade' stops before it", text);
		out->blocked_core = t->blocked->number;
	}
	r = pf_status_space(s, t, out);
out:
	pf_transaction_free(t);
	return r;
}

/* A reboot a unit asked for (Reboot: yes) is still needed while the
 * kernel's boot id is the one it was applied in. The first command under
 * the lock after a reboot forgets it (ops/session.c); status writes
 * nothing and only tells. A boot id that cannot be read keeps it. */
static int reboot_state(struct pf_session *s, struct pf_status *out)
{
	struct pf_reboot rb;
	struct pf_unit u;
	char now[40];

	if (pf_db_get_reboot(s->db, &rb) < 0)
		return -1;
	if (!rb.pending)
		return 0;
	pf_unit_from_id(&u, rb.unit);
	pf_unit_label(&u, out->reboot_label);
	if (pf_boot_id(s->ctx, s->config->boot_id_file, now) < 0 && rb.boot_id[0] != '@')
		pf_warn(s->ctx, "cannot read the id of this boot from %s%s (%s): the reboot that"
			" %s asked for is taken as still needed",
			s->config->boot_id_file ? pf_ctx_root_prefix(s->ctx) : "",
			s->config->boot_id_file ? s->config->boot_id_file :
			"/proc/sys/kernel/random/boot_id", strerror(errno), out->reboot_label);
	if (pf_booted_since(rb.boot_id, now))
		return 0;
	out->reboot_required = true;
	snprintf(out->reboot_unit, sizeof(out->reboot_unit), "%s", rb.unit);
	return 0;
}

/* Whether RUN, a real run (not a dry run), needs a look: it ended other
 * than ok (failed, refused for space, interrupted), or it never ended and
 * no process runs it any more. A running one has not failed (yet). */
static bool run_failed(const struct pf_run *run)
{
	return !run->running && strcmp(run->outcome, "ok") != 0;
}

static void note_failed(struct pf_status *st, const struct pf_run *run)
{
	if (!run_failed(run))
		return;
	st->failed_run = run->id;
	snprintf(st->failed_command, sizeof(st->failed_command), "%s", run->command);
}

/* ST->failed_run: whether the newest real run failed. A dry run changes
 * nothing, so it neither fails the system nor hides the failure of the
 * real run before it; only after a dry run is the history read further
 * back. */
static int last_failed(struct pf_session *s, struct pf_status *st)
{
	struct pf_run real;
	bool found;

	if (!st->have_last)
		return 0;
	if (!st->last.dry_run) {
		note_failed(st, &st->last);
		return 0;
	}
	if (pf_last_run(s->db, true, &real, &found) < 0)
		return -1;
	if (found)
		note_failed(st, &real);
	return 0;
}

/* The facts a monitoring script acts on (status.h, docs/monitoring.md),
 * from the rest of ST: called last (st->reboot_required set before).
 * A core update that this pakfire cannot honour counts as available: the
 * owner has to act on it all the same (the warning says how). */
static int attention(struct pf_session *s, struct pf_status *st)
{
	if (last_failed(s, st) < 0)
		return -1;
	if (st->have_index && time(NULL) - st->index_fetched_at > s->config->index_stale)
		st->index_stale = true;
	st->attention = 0;
	if (st->n_pending > 0 || st->blocked_core)
		st->attention |= PF_STATUS_CORE_UPDATE;
	if (st->n_upgradable > 0)
		st->attention |= PF_STATUS_ADDON_UPDATES;
	if (st->reboot_required)
		st->attention |= PF_STATUS_REBOOT;
	if (st->failed_run || st->n_hooks_open > 0)
		st->attention |= PF_STATUS_LAST_FAILED;
	if (!st->have_index || st->index_expired || st->index_stale)
		st->attention |= PF_STATUS_INDEX_STALE;
	return 0;
}

int pf_status(struct pf_session *s, struct pf_status *out)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_addons inst = { 0 };
	struct pf_stored_index stored;
	struct pf_system sys;
	struct pf_index *idx = NULL;
	bool found;
	int r = -1;

	memset(out, 0, sizeof(*out));
	out->switch_at = SIZE_MAX;
	if (pf_db_get_system(s->db, &sys) < 0 || pf_last_run(s->db, false, &out->last, &out->have_last) < 0 ||
	    pf_hook_open_runs(s, &out->hooks_open, &out->n_hooks_open) < 0 ||
	    pf_db_load_index(s->db, sys.series, sys.arch, &stored, &found) < 0 ||
	    reboot_state(s, out) < 0 ||
	    pf_db_mirror_load(s->db, &out->mirrors, &out->n_mirrors) < 0)
		return -1;
	snprintf(out->series, sizeof(out->series), "%s", sys.series);
	snprintf(out->arch, sizeof(out->arch), "%s", sys.arch);
	out->core = sys.core;
	if (s->config->series && strcmp(s->config->series, sys.series))
		snprintf(out->config_series, sizeof(out->config_series), "%s", s->config->series);
	if (found) {
		out->have_index = true;
		out->index_revision = stored.revision;
		out->index_date = stored.date;
		out->index_valid_until = stored.valid_until;
		out->index_fetched_at = stored.fetched_at;
		out->index_expired = pf_index_expired(s->config->valid_until_grace,
						      stored.valid_until);
		pf_stored_index_clear(&stored);
		if (pf_current_index(s, &sys, false, &idx) < 0 || pending(s, &sys, idx, out) < 0)
			goto out;
		snprintf(out->successor, sizeof(out->successor), "%s",
			 idx->successor ? idx->successor : "");
	}
	/* Installed add-ons are known without an index; whether one is
	 * upgradable needs it. */
	if (pf_addons_load(s->db, &inst) < 0 ||
	    pf_addon_views(ctx, idx, &inst, PF_CATALOG_INSTALLED, &out->addons, &out->n_addons,
			   &out->n_upgradable) < 0 ||
	    attention(s, out) < 0)
		goto out;
	r = 0;
out:
	pf_addons_clear(&inst);
	pf_index_free(idx);
	return r;
}

void pf_status_clear(struct pf_status *st)
{
	pf_status_space_clear(st);
	free(st->pending);
	free(st->addons);
	free(st->mirrors);
	st->mirrors = NULL;
	st->n_mirrors = 0;
	pf_hook_run_views_free(st->hooks_open, st->n_hooks_open);
	st->hooks_open = NULL;
	st->n_hooks_open = 0;
	st->pending = NULL;
	st->addons = NULL;
	st->n_pending = 0;
	st->n_addons = 0;
}

int pf_status_exit_code(const struct pf_status *st)
{
	return st->attention ? PF_STATUS_ATTENTION + (int)st->attention : 0;
}
