/* The hooks of units: see hooks.h and docs/hooks.md. Each run is a row of
 * hook_runs, made before it starts (or queued in its unit's commit),
 * marked running with its process group once it does, and ended with its
 * outcome and output (exec.c). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "base/bootid.h"
#include "base/hash.h"
#include "hooks/exec.h"
#include "hooks/hooks.h"
#include "state/db.h"
#include "state/hooks.h"
#include "state/system.h"

/* Runs queued after a post hook that did not end ok are not run (they
 * might rely on it: the service started after ldconfig): each is ended
 * "skipped", open as any failed post hook, for the admin to run again in
 * order or to acknowledge. */
static void skip_rest(const struct pf_hooks *hk, const int64_t *ids, size_t from, size_t n,
		      const char *why)
{
	struct pf_hook_run_row end = { .exit_code = -1 };

	snprintf(end.state, sizeof(end.state), "skipped");
	end.output = (char *)why;
	end.output_len = strlen(why);
	for (size_t i = from; i < n; i++)
		if (ids[i] && pf_db_hook_run_end(hk->db, ids[i], &end) < 0) {
			/* The first error is the one the admin must read. */
			pf_warn(hk->ctx, "hook run %lld: %s", (long long)ids[i],
				pf_error_message(hk->ctx));
		}
}

int pf_hooks_run(const struct pf_hooks *hk, const struct pf_unit_ref *unit, const char *phase,
		 const struct pf_hook_body *h, size_t n, const int64_t *run_ids)
{
	char root[PATH_MAX];

	if (!n)
		return 0;
	if (pf_hooks_root(hk, root) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct pf_hook_copy c = {
			.unit = unit, .phase = phase, .name = h[i].name, .root = root,
			.bytes = h[i].bytes, .len = h[i].len, .fd = -1,
			.id = run_ids ? run_ids[i] : 0,
		};
		int sig = pf_interrupted(hk->ctx);

		if (sig)
			pf_fail(hk->ctx, PF_E_OTHER, "interrupted by %s before the %s hook %s ran",
				strsignal(sig), phase, h[i].name);
		else if (!c.id && pf_db_hook_run_add(hk->db, hk->tx, unit ? unit->id : NULL, phase,
						     h[i].name, h[i].sha256, "pending", 0,
						     &c.id) < 0)
			return -1;
		if (sig || pf_hooks_exec(hk, &c) < 0) {
			if (run_ids) {
				enum pf_errclass cls = pf_error_class(hk->ctx);
				char msg[sizeof(hk->ctx->err_msg)];

				char why[300];

				snprintf(msg, sizeof(msg), "%s", pf_error_message(hk->ctx));
				if (sig)
					snprintf(why, sizeof(why), "not run: pakfire was asked to stop");
				else
					snprintf(why, sizeof(why), "not run: the %s hook %s before it did"
						 " not end ok", phase, h[i].name);
				skip_rest(hk, run_ids, sig ? i : i + 1, n, why);
				pf_clear_error(hk->ctx);
				pf_fail(hk->ctx, cls, "%s", msg);
			}
			return -1;
		}
	}
	return 0;
}

/* The unit a stored run belongs to, as events and messages name it. */
static struct pf_unit_ref ref_of_row(const struct pf_hook_run_row *row)
{
	struct pf_unit_ref u = { .id = row->unit };
	unsigned long number;
	char *end;

	if (!strncmp(row->unit, "core-", 5)) {
		number = strtoul(row->unit + 5, &end, 10);
		if (!*end && number > 0 && number <= UINT_MAX)
			u.number = (unsigned)number;
	}
	return u;
}

/* Run the package hook of ROW from its kept bytes (checked against its
 * SHA-256 once more: the database is pakfire's, but a damaged one must not
 * run anything): AGAIN, as a new run repeating it; else as ROW itself (a
 * run queued and never started). */
static int run_stored(const struct pf_hooks *hk, const struct pf_hook_run_row *row,
		      const char *root, bool again)
{
	struct pf_unit_ref u = ref_of_row(row);
	struct pf_hook_copy c = {
		.unit = &u, .phase = row->phase, .name = row->name, .root = root, .fd = -1,
		.id = row->id,
	};
	char *bytes = NULL;
	bool found;
	int r = -1;

	if (pf_db_hook_bytes(hk->db, row->sha256, &bytes, &c.len, &found) < 0)
		return -1;
	if (!found || !pf_sha256_matches(bytes, c.len, c.len, row->sha256)) {
		pf_fail(hk->ctx, PF_E_VERIFY, "hook run %lld: the bytes of %s hook %s are %s in the"
			" database; it cannot be run again", (long long)row->id, row->phase, row->name,
			found ? "damaged" : "not kept");
		goto out;
	}
	c.bytes = bytes;
	/* Recovery has no transaction of its own: the crashed one's. */
	if (again && pf_db_hook_run_add(hk->db, hk->tx ? hk->tx : row->tx, row->unit, row->phase,
					row->name, row->sha256, "pending", row->id, &c.id) < 0)
		goto out;
	r = pf_hooks_exec(hk, &c);
out:
	free(bytes);
	return r;
}

/* After FAILED ran again ok: the post hooks of its unit that were
 * skipped after it run now, in their order, as they would have. */
static int run_skipped(const struct pf_hooks *hk, const struct pf_hook_run_row *failed,
		       const char *root)
{
	struct pf_hook_run_row *rows = NULL;
	size_t n = 0;
	int r = 0;

	if (pf_db_hook_runs_of_tx(hk->db, failed->tx, &rows, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && r == 0; i++)
		if (rows[i].id > failed->id && !strcmp(rows[i].unit, failed->unit) &&
		    !strcmp(rows[i].state, "skipped") && !rows[i].resolved)
			r = run_stored(hk, &rows[i], root, true);
	pf_hook_run_rows_free(rows, n);
	return r;
}

int pf_hooks_rerun(const struct pf_hooks *hk, int64_t id)
{
	struct pf_hook_run_row row = { 0 };
	char root[PATH_MAX];
	bool found;
	int r = -1;

	if (pf_db_hook_run_get(hk->db, id, &row, &found) < 0)
		return -1;
	if (!found) {
		pf_fail(hk->ctx, PF_E_USAGE, "there is no hook run %lld ('pakfire hook list' shows"
			" them)", (long long)id);
		goto out;
	}
	if (strcmp(row.origin, "package")) {
		pf_fail(hk->ctx, PF_E_USAGE, "hook run %lld was of the local hook %s: local hooks"
			" run with their transactions only", (long long)id, row.name);
		goto out;
	}
	/* A failed pre hook's update was undone: upgrading runs it again. */
	if (!pf_hook_phase_is_post(row.phase)) {
		pf_fail(hk->ctx, PF_E_USAGE, "hook run %lld was of the %s hook %s of %s, whose"
			" update was not applied: 'pakfire upgrade' (or install) runs it again",
			(long long)id, row.phase, row.name, row.unit);
		goto out;
	}
	if (!strcmp(row.state, "pending") || !strcmp(row.state, "running")) {
		pf_fail(hk->ctx, PF_E_USAGE, "hook run %lld has not ended", (long long)id);
		goto out;
	}
	if (pf_hooks_root(hk, root) < 0)
		goto out;
	r = run_stored(hk, &row, root, true);
	if (r == 0)
		r = run_skipped(hk, &row, root);
out:
	pf_hook_run_row_clear(&row);
	return r;
}

/* Recovery could not run ROW again because of pakfire itself (a full
 * disk, damaged kept bytes): recorded as failed with the reason, so that
 * it is open and can be acknowledged, and said; the command goes on. */
static int recovery_failed(const struct pf_hooks *hk, const struct pf_hook_run_row *row)
{
	struct pf_hook_run_row end = { .exit_code = -1 };
	char why[sizeof(hk->ctx->err_msg) + 128];

	snprintf(why, sizeof(why), "recovery could not run the %s hook %s of %s again: %s",
		 row->phase, row->name, row->unit, pf_error_message(hk->ctx));
	pf_clear_error(hk->ctx);
	pf_warn(hk->ctx, "%s (hook run %lld)", why, (long long)row->id);
	snprintf(end.state, sizeof(end.state), "failed");
	end.output = why;
	end.output_len = strlen(why);
	/* A row that ended meanwhile (it was running: it is interrupted
	 * already, and open) needs nothing more. */
	if (strcmp(row->state, "pending"))
		return 0;
	return pf_db_hook_run_end(hk->db, row->id, &end);
}

int pf_hooks_recover(const struct pf_hooks *given)
{
	struct pf_hook_run_row *rows = NULL;
	struct pf_hooks at = *given, *hk = &at;
	struct pf_system sys;
	char root[PATH_MAX], boot[40];
	size_t n = 0;
	int r = -1;

	if (pf_db_hook_runs_unfinished(hk->db, &rows, &n) < 0)
		return -1;
	if (!n) {
		r = 0;
		goto out;
	}
	/* The system as the hooks see it: after their units committed. */
	if (pf_db_get_system(hk->db, &sys) < 0 || pf_hooks_root(hk, root) < 0)
		goto out;
	at.series = sys.series;
	/* Unknown: nothing is killed (the ids may be anyone's). */
	if (pf_boot_id(hk->ctx, hk->boot_id_file, boot) < 0)
		boot[0] = '\0';
	at.core = sys.core;
	for (size_t i = 0; i < n; i++) {
		struct pf_hook_run_row *row = &rows[i], end = { .exit_code = -1 };
		bool post = pf_hook_phase_is_post(row->phase);
		bool was_running = !strcmp(row->state, "running");
		bool package = !strcmp(row->origin, "package");

		/* What a crash left of it goes first: it must not run twice at
		 * once (and after a reboot nothing of it is left). */
		if (was_running && row->pgid > 0 &&
		    pf_hook_kill_left(row->pgid, row->start_time, row->boot_id, boot) < 0)
			pf_warn(hk->ctx, "hook run %lld: could not stop what is left of it: %s",
				(long long)row->id, strerror(errno));
		/* A pre hook's unit was rolled back (pf_recover); a local hook
		 * is the admin's, and runs with its transactions only. */
		if (!post || !package || was_running) {
			snprintf(end.state, sizeof(end.state), "interrupted");
			if (pf_db_hook_run_end(hk->db, row->id, &end) < 0)
				goto out;
		}
		if (!post || !package)
			continue;
		pf_info(hk->ctx, "the %s hook %s of %s did not run to its end (pakfire stopped);"
			" it runs again now", row->phase, row->name, row->unit);
		if (run_stored(hk, row, root, was_running) == 0)
			continue;
		/* Asked to stop: stop, as for any interrupt. */
		if (pf_interrupted(hk->ctx))
			goto out;
		/* Failed again: recorded and open; upgrades are held, and the
		 * command goes on (`pakfire hook ack` must work). */
		if (pf_error_class(hk->ctx) == PF_E_HOOK) {
			pf_warn(hk->ctx, "%s", pf_error_message(hk->ctx));
			pf_clear_error(hk->ctx);
		} else if (recovery_failed(hk, row) < 0) {
			goto out;
		}
	}
	r = 0;
out:
	pf_hook_run_rows_free(rows, n);
	return r;
}

int pf_hooks_refuse_open(struct pf_ctx *ctx, struct pf_db *db)
{
	struct pf_hook_run_row *rows = NULL;
	struct pf_unit_ref u;
	char label[128];
	size_t n = 0;

	if (pf_db_hook_runs_open(db, &rows, &n) < 0)
		return -1;
	if (!n)
		return 0;
	u = ref_of_row(&rows[0]);
	pf_fail(ctx, PF_E_HOOK, "the %s hook %s of %s %s (hook run %lld)%s; nothing more is"
		" changed until it is run again ('pakfire hook rerun %lld') or acknowledged"
		" ('pakfire hook ack %lld')", rows[0].phase, rows[0].name,
		pf_hooks_label(&u, label, sizeof(label)),
		!strcmp(rows[0].state, "skipped") ? "was not run" : "failed",
		(long long)rows[0].id,
		n > 1 ? ", and others ('pakfire hook list' shows them)" : "", (long long)rows[0].id,
		(long long)rows[0].id);
	pf_hook_run_rows_free(rows, n);
	return -1;
}
