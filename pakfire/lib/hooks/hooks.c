/* The hooks of units: see hooks.h and docs/hooks.md.
 *
 * A hook runs from a copy of its verified bytes written for the run into
 * a private folder beside the database (<dbdir>/hooks.run, 0700, inside
 * the root), named by its run id and deleted after it: the bytes that run
 * are the bytes the signed manifest vouches for, never a file anyone else
 * could have changed in between. Every run is a row of hook_runs, made
 * before it starts (or queued in its unit's commit), marked running with
 * its process group once it does, and ended with its outcome and output. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "base/hash.h"
#include "base/path.h"
#include "hooks/exec.h"
#include "hooks/hooks.h"
#include "state/db.h"
#include "state/hooks.h"
#include "state/system.h"

#define RUN_DIR "hooks.run"
#define TAIL_LINES 10

/* "core 141", an add-on's name, or "local". */
static const char *label_of(const struct pf_unit_ref *u, char *buf, size_t size)
{
	if (u && u->number)
		snprintf(buf, size, "core %u", u->number);
	else
		snprintf(buf, size, "%s", u && u->id ? u->id : "local");
	return buf;
}

/* The folder the copies are run from, made on first use; its fd in *FD. */
static int run_dir(const struct pf_hooks *hk, int *fd)
{
	char rel[PATH_MAX];
	int dfd;

	if ((size_t)snprintf(rel, sizeof(rel), "%s/%s", hk->dbdir + (hk->dbdir[0] == '/'),
			     RUN_DIR) >= sizeof(rel))
		return pf_fail(hk->ctx, PF_E_USAGE, "database folder %s: path too long", hk->dbdir);
	dfd = pf_root_open(hk->ctx, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (dfd < 0 && errno == ENOENT) {
		if (pf_root_mkdirs(hk->ctx, rel) < 0)
			return -1;
		dfd = pf_root_open(hk->ctx, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	}
	if (dfd < 0)
		return pf_fail_errno(hk->ctx, PF_E_OTHER, "%s%s/%s", pf_ctx_root_prefix(hk->ctx),
				     hk->dbdir, RUN_DIR);
	/* Private whatever made it: only root runs what is in there. */
	if (fchmod(dfd, 0700) < 0) {
		pf_fail_errno(hk->ctx, PF_E_OTHER, "%s%s/%s", pf_ctx_root_prefix(hk->ctx),
			      hk->dbdir, RUN_DIR);
		close(dfd);
		return -1;
	}
	*fd = dfd;
	return 0;
}

/* Write BYTES as the executable of run ID; REL gets its path from the root. */
static int materialise(const struct pf_hooks *hk, int dfd, int64_t id, const char *bytes,
		       size_t len, char *rel, size_t size)
{
	char name[32];
	size_t done = 0;
	int fd;

	snprintf(name, sizeof(name), "%lld", (long long)id);
	snprintf(rel, size, "%s/%s/%s", hk->dbdir + (hk->dbdir[0] == '/'), RUN_DIR, name);
	/* One left by a crash is the same run's: replace it. */
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		return pf_fail_errno(hk->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(hk->ctx), rel);
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700);
	if (fd < 0)
		return pf_fail_errno(hk->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(hk->ctx), rel);
	while (done < len) {
		ssize_t w = write(fd, bytes + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			pf_fail_errno(hk->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(hk->ctx), rel);
			close(fd);
			unlinkat(dfd, name, 0);
			return -1;
		}
		done += (size_t)w;
	}
	/* Closed before it runs: a file open for writing cannot be executed. */
	if (fchmod(fd, 0700) < 0 || close(fd) < 0) {
		pf_fail_errno(hk->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(hk->ctx), rel);
		unlinkat(dfd, name, 0);
		return -1;
	}
	return 0;
}

struct started {
	struct pf_db *db;
	int64_t id;
};

static int on_started(void *data, pid_t pgid, uint64_t start_time)
{
	struct started *s = data;

	return pf_db_hook_run_started(s->db, s->id, pgid, start_time);
}

/* The fields of an ended run, as hook_runs keeps them. */
static void row_of(const struct pf_hook_result *res, struct pf_hook_run_row *row)
{
	memset(row, 0, sizeof(*row));
	snprintf(row->state, sizeof(row->state), "%s", pf_hook_outcome_name(res->outcome));
	row->exit_code = res->exit_code;
	row->signal = res->signal;
	row->duration_ms = res->duration_ms;
	row->output = res->output;
	row->output_len = res->output_len;
	row->output_total = res->output_total;
	row->dropped = res->dropped;
}

/* How a run that did not end ok reads: "failed (exit 1)", "timeout". */
static void how_it_ended(const struct pf_hook_result *res, char *buf, size_t size)
{
	switch (res->outcome) {
	case PF_HOOK_FAILED:
		snprintf(buf, size, "failed (exit %d)", res->exit_code);
		break;
	case PF_HOOK_KILLED:
		snprintf(buf, size, "was killed by signal %d", res->signal);
		break;
	case PF_HOOK_TIMEOUT:
		snprintf(buf, size, "ran past its timeout and was killed");
		break;
	case PF_HOOK_INTERRUPTED:
		snprintf(buf, size, "was interrupted by %s", strsignal(res->stop_signal));
		break;
	default:
		snprintf(buf, size, "ended");
	}
}

int pf_hooks_exec(const struct pf_hooks *hk, const struct pf_unit_ref *unit, const char *phase,
		  const char *name, const char *rel, int64_t id, const char *root)
{
	struct pf_ctx *ctx = hk->ctx;
	struct started st = { .db = hk->db, .id = id };
	struct pf_hook_result res = { 0 };
	struct pf_hook_run_row row;
	char label[128], ended[96];
	const char *tail;
	struct pf_hook_job job = {
		.path = rel, .name = name, .timeout = hk->timeout, .live = hk->live,
		.unit = unit ? *unit : (struct pf_unit_ref){ 0 },
		.started = on_started, .data = &st,
		.env = {
			.root = root, .core = hk->core, .series = hk->series, .phase = phase,
			.update = unit ? unit->number : 0,
			.addon = unit && !unit->number ? unit->id : NULL,
			.units = unit ? NULL : hk->units,
		},
	};
	int r = -1;

	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_HOOK_BEGIN,
		.hook = { .unit = job.unit, .phase = phase, .name = name, .run_id = id },
	});
	if (pf_hook_run(ctx, &job, &res) < 0)
		goto out;
	row_of(&res, &row);
	if (pf_db_hook_run_end(hk->db, id, &row) < 0)
		goto out;
	tail = pf_hook_output_tail(&res, TAIL_LINES);
	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_HOOK_DONE,
		.hook = {
			.unit = job.unit, .phase = phase, .name = name, .run_id = id,
			.outcome = pf_hook_outcome_name(res.outcome), .exit_code = res.exit_code,
			.signal = res.signal, .duration_ms = res.duration_ms,
			.tail = res.outcome == PF_HOOK_OK ? NULL : tail,
		},
	});
	if (res.outcome != PF_HOOK_OK) {
		how_it_ended(&res, ended, sizeof(ended));
		if (unit)
			pf_fail(ctx, PF_E_HOOK, "%s: its %s hook %s %s (hook run %lld: 'pakfire"
				" hook show %lld' shows its output)", label_of(unit, label,
				sizeof(label)), phase, name, ended, (long long)id, (long long)id);
		else
			pf_fail(ctx, PF_E_HOOK, "the local hook %s (%s) %s (hook run %lld: 'pakfire"
				" hook show %lld' shows its output)", name, phase, ended,
				(long long)id, (long long)id);
		goto out;
	}
	r = 0;
out:
	pf_hook_result_clear(&res);
	return r;
}

/* Run the bytes of one hook as run ID (a row already made). */
static int run_one(const struct pf_hooks *hk, int dfd, const struct pf_unit_ref *unit,
		   const char *phase, const char *name, const char *bytes, size_t len, int64_t id,
		   const char *root)
{
	char rel[PATH_MAX], file[32];
	int r;

	if (materialise(hk, dfd, id, bytes, len, rel, sizeof(rel)) < 0)
		return -1;
	r = pf_hooks_exec(hk, unit, phase, name, rel, id, root);
	snprintf(file, sizeof(file), "%lld", (long long)id);
	unlinkat(dfd, file, 0);
	return r;
}

int pf_hooks_root(const struct pf_hooks *hk, char root[PATH_MAX])
{
	if (!realpath(hk->ctx->root ? hk->ctx->root : "/", root))
		return pf_fail_errno(hk->ctx, PF_E_OTHER, "%s", hk->ctx->root ? hk->ctx->root : "/");
	return 0;
}

int pf_hooks_run(const struct pf_hooks *hk, const struct pf_unit_ref *unit, const char *phase,
		 const struct pf_hook_body *h, size_t n, const int64_t *run_ids)
{
	char root[PATH_MAX];
	int dfd = -1, r = -1;

	if (!n)
		return 0;
	if (pf_hooks_root(hk, root) < 0 || run_dir(hk, &dfd) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int64_t id = run_ids ? run_ids[i] : 0;

		if (!id && pf_db_hook_run_add(hk->db, hk->tx, unit ? unit->id : NULL, phase,
					      h[i].name, h[i].sha256, "pending", 0, &id) < 0)
			goto out;
		if (run_one(hk, dfd, unit, phase, h[i].name, h[i].bytes, h[i].len, id, root) < 0)
			goto out;
	}
	r = 0;
out:
	close(dfd);
	return r;
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
static int run_stored(const struct pf_hooks *hk, int dfd, const struct pf_hook_run_row *row,
		      const char *root, bool again)
{
	struct pf_unit_ref u = ref_of_row(row);
	char *bytes = NULL;
	size_t len = 0;
	bool found;
	int64_t id = row->id;
	int r = -1;

	if (pf_db_hook_bytes(hk->db, row->sha256, &bytes, &len, &found) < 0)
		return -1;
	if (!found || !pf_sha256_matches(bytes, len, len, row->sha256)) {
		pf_fail(hk->ctx, PF_E_VERIFY, "hook run %lld: the bytes of %s hook %s are %s in the"
			" database; it cannot be run again", (long long)row->id, row->phase, row->name,
			found ? "damaged" : "not kept");
		goto out;
	}
	/* Recovery has no transaction of its own: the crashed one's. */
	if (again && pf_db_hook_run_add(hk->db, hk->tx ? hk->tx : row->tx, row->unit, row->phase, row->name,
					row->sha256, "pending", row->id, &id) < 0)
		goto out;
	r = run_one(hk, dfd, &u, row->phase, row->name, bytes, len, id, root);
out:
	free(bytes);
	return r;
}

int pf_hooks_rerun(const struct pf_hooks *hk, int64_t id)
{
	struct pf_hook_run_row row = { 0 };
	char root[PATH_MAX];
	bool found;
	int dfd = -1, r = -1;

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
	if (!strcmp(row.state, "pending") || !strcmp(row.state, "running")) {
		pf_fail(hk->ctx, PF_E_USAGE, "hook run %lld has not ended", (long long)id);
		goto out;
	}
	if (pf_hooks_root(hk, root) < 0 || run_dir(hk, &dfd) < 0)
		goto out;
	r = run_stored(hk, dfd, &row, root, true);
out:
	if (dfd >= 0)
		close(dfd);
	pf_hook_run_row_clear(&row);
	return r;
}

int pf_hooks_recover(const struct pf_hooks *given)
{
	struct pf_hook_run_row *rows = NULL;
	struct pf_hooks at = *given, *hk = &at;
	struct pf_system sys;
	char root[PATH_MAX];
	size_t n = 0;
	int dfd = -1, r = -1;

	if (pf_db_hook_runs_unfinished(hk->db, &rows, &n) < 0)
		return -1;
	if (!n) {
		r = 0;
		goto out;
	}
	/* The system as the hooks see it: after their units committed. */
	if (pf_db_get_system(hk->db, &sys) < 0)
		goto out;
	at.series = sys.series;
	at.core = sys.core;
	if (pf_hooks_root(hk, root) < 0 || run_dir(hk, &dfd) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct pf_hook_run_row *row = &rows[i], end = { .exit_code = -1 };
		bool post = pf_hook_phase_is_post(row->phase);
		bool was_running = !strcmp(row->state, "running");

		/* What a crash left of it goes first: it must not run twice at once. */
		if (was_running && row->pgid > 0 && pf_hook_kill_left(row->pgid, row->start_time) < 0)
			pf_warn(hk->ctx, "hook run %lld: could not stop what is left of it: %s",
				(long long)row->id, strerror(errno));
		/* A pre hook's unit was rolled back (pf_recover); a local hook
		 * is the admin's, and runs with its transactions only. */
		if (!post || strcmp(row->origin, "package") || was_running) {
			snprintf(end.state, sizeof(end.state), "interrupted");
			if (pf_db_hook_run_end(hk->db, row->id, &end) < 0)
				goto out;
		}
		if (!post || strcmp(row->origin, "package"))
			continue;
		pf_info(hk->ctx, "the %s hook %s of %s was interrupted before it ended; it runs again",
			row->phase, row->name, row->unit);
		if (run_stored(hk, dfd, row, root, was_running) < 0) {
			/* Recorded and open: upgrades are held, the command goes on. */
			if (pf_error_class(hk->ctx) != PF_E_HOOK)
				goto out;
			pf_warn(hk->ctx, "%s", pf_error_message(hk->ctx));
			pf_clear_error(hk->ctx);
		}
	}
	r = 0;
out:
	if (dfd >= 0)
		close(dfd);
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
	pf_fail(ctx, PF_E_HOOK, "the %s hook %s of %s failed (hook run %lld)%s; nothing more is"
		" changed until it is run again ('pakfire hook rerun %lld') or acknowledged"
		" ('pakfire hook ack %lld')", rows[0].phase, rows[0].name,
		label_of(&u, label, sizeof(label)), (long long)rows[0].id,
		n > 1 ? ", and others ('pakfire hook list' shows them)" : "", (long long)rows[0].id,
		(long long)rows[0].id);
	pf_hook_run_rows_free(rows, n);
	return -1;
}
