/* Hooks in the database: see hooks.h (the contract) and docs/state.md,
 * "Hooks". The bodies are kept by hash and never deleted: a few KiB each,
 * and any recorded run of a package hook can then be run again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/context.h"
#include "base/hash.h"
#include "state/hooks.h"
#include "state/stmt.h"

/* What a run's row is read as, in this order (run_row). */
#define RUN_COLS "id, transaction_id, unit, origin, phase, name, sha256, state, started, ended," \
	" duration_ms, exit_code, signal, pgid, start_time, output_total, dropped, resolved," \
	" rerun_of, boot_id"
#define COL_OUTPUT 20
/* A run that ended, but not ok. */
#define ENDED_NOT_OK "state NOT IN ('ok', 'pending', 'running')"

static const struct pf_sql BODY_PUT = { PF_SQL_HOOK_BODY_PUT, "keep hook",
	"INSERT INTO hook_bodies (sha256, bytes) VALUES (?1, ?2) ON CONFLICT (sha256) DO NOTHING" };
static const struct pf_sql BODY_GET = { PF_SQL_HOOK_BODY_GET, "read kept hook",
	"SELECT bytes FROM hook_bodies WHERE sha256 = ?1" };
static const struct pf_sql HOOKS_CLEAR = { PF_SQL_UNIT_HOOKS_CLEAR, "forget hooks of unit",
	"DELETE FROM unit_hooks WHERE unit = ?1" };
static const struct pf_sql HOOK_ADD = { PF_SQL_UNIT_HOOK_ADD, "record hook of unit",
	"INSERT INTO unit_hooks (unit, phase, name, sha256, seq) VALUES (?1, ?2, ?3, ?4, ?5)" };
static const struct pf_sql HOOKS_OF = { PF_SQL_UNIT_HOOKS_OF, "read hooks of unit",
	"SELECT h.name, h.phase, h.sha256, b.bytes FROM unit_hooks h"
	" JOIN hook_bodies b ON b.sha256 = h.sha256"
	" WHERE h.unit = ?1 AND (?2 IS NULL OR h.phase = ?2) ORDER BY h.seq, h.name" };
/* A row made running at once (a local hook) has started now. */
static const struct pf_sql RUN_ADD = { PF_SQL_HOOK_RUN_ADD, "record hook run",
	"INSERT INTO hook_runs (transaction_id, unit, origin, phase, name, sha256, state, rerun_of,"
	" started) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, CASE ?7 WHEN 'running' THEN ?9 END)"
	" RETURNING id" };
static const struct pf_sql RUN_STARTED = { PF_SQL_HOOK_RUN_STARTED, "record hook start",
	"UPDATE hook_runs SET state = 'running', started = ?2, pgid = ?3, start_time = ?4,"
	" boot_id = ?5"
	" WHERE id = ?1 AND state IN ('pending', 'running') RETURNING id" };
static const struct pf_sql RUN_END = { PF_SQL_HOOK_RUN_END, "record hook outcome",
	"UPDATE hook_runs SET state = ?2, ended = ?3, started = coalesce(started, ?3),"
	" duration_ms = ?4, exit_code = ?5, signal = ?6, output = ?7, output_total = ?8,"
	" dropped = ?9 WHERE id = ?1 AND state IN ('pending', 'running')"
	" RETURNING unit, phase, name, coalesce(rerun_of, 0)" };
/* An ok run ?1 resolves the run it repeats (?2) and every earlier one of
 * the same hook that ended otherwise. */
static const struct pf_sql RUN_RESOLVE = { PF_SQL_HOOK_RUN_RESOLVE, "resolve failed hook runs",
	"UPDATE hook_runs SET resolved = ?1 WHERE resolved IS NULL AND " ENDED_NOT_OK
	" AND id <> ?1 AND (id = ?2 OR (id < ?1 AND unit IS ?3 AND phase = ?4 AND name = ?5))" };
static const struct pf_sql RUN_ACK = { PF_SQL_HOOK_RUN_ACK, "acknowledge hook run",
	"UPDATE hook_runs SET resolved = -1, acked_at = ?2 WHERE id = ?1 AND resolved IS NULL"
	" RETURNING id" };
/* What the admin acknowledges is the hook: the earlier runs of it that
 * are still open go with run ?1. */
static const struct pf_sql RUN_ACK_EARLIER = { PF_SQL_HOOK_RUN_ACK_EARLIER,
	"acknowledge hook run",
	"UPDATE hook_runs SET resolved = -1, acked_at = ?2 WHERE resolved IS NULL AND "
	ENDED_NOT_OK " AND id < ?1 AND origin = 'package' AND unit IS ?3 AND phase = ?4"
	" AND name = ?5" };
static const struct pf_sql RUN_GET = { PF_SQL_HOOK_RUN_GET, "read hook run",
	"SELECT " RUN_COLS ", output FROM hook_runs WHERE id = ?1" };
static const struct pf_sql RUNS_TX = { PF_SQL_HOOK_RUNS_TX, "read hook runs of transaction",
	"SELECT " RUN_COLS ", output FROM hook_runs WHERE transaction_id = ?1 ORDER BY id" };
/* ?1: only the unresolved runs of package hooks (the phase is judged by
 * pf_hook_phase_is_post, the one list of post phases). */
static const struct pf_sql RUNS_FAILED = { PF_SQL_HOOK_RUNS_FAILED, "read failed hook runs",
	"SELECT " RUN_COLS " FROM hook_runs WHERE " ENDED_NOT_OK
	" AND (?1 = 0 OR (resolved IS NULL AND origin = 'package')) ORDER BY id" };
static const struct pf_sql RUNS_UNFINISHED = { PF_SQL_HOOK_RUNS_UNFINISHED,
	"read unfinished hook runs",
	"SELECT " RUN_COLS " FROM hook_runs WHERE state IN ('pending', 'running') ORDER BY id" };
static const struct pf_sql RUNS_RECENT = { PF_SQL_HOOK_RUNS_RECENT, "read hook runs",
	"SELECT * FROM (SELECT " RUN_COLS " FROM hook_runs ORDER BY id DESC LIMIT ?1) ORDER BY id" };
/* run_end's two updates hold together, inside a caller's transaction or
 * not. */
static const struct pf_sql SAVEPOINT = { PF_SQL_HOOK_SAVEPOINT, "record hook outcome",
	"SAVEPOINT hook_end" };
static const struct pf_sql RELEASE = { PF_SQL_HOOK_RELEASE, "record hook outcome",
	"RELEASE hook_end" };
static const struct pf_sql ROLLBACK_TO = { PF_SQL_HOOK_ROLLBACK_TO, "record hook outcome",
	"ROLLBACK TO hook_end" };

static const char *const post_phases[] = { "post", "post-install", "post-remove",
					    "post-transaction" };
static const char *const end_states[] = { "ok", "failed", "killed", "timeout", "interrupted",
					   "refused", "skipped" };

static bool in(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

bool pf_hook_phase_is_post(const char *phase)
{
	return in(phase, post_phases, sizeof(post_phases) / sizeof(post_phases[0]));
}

bool pf_hook_run_is_open(const struct pf_hook_run_row *r)
{
	return !strcmp(r->origin, "package") && pf_hook_phase_is_post(r->phase) &&
	       r->resolved == 0 && in(r->state, end_states + 1,
				      sizeof(end_states) / sizeof(end_states[0]) - 1);
}

static struct pf_ctx *ctx_of(struct pf_db *db)
{
	return pf_db_ctx(db);
}

/* A statement with RETURNING: run it to its end; *HIT whether it gave a
 * row (its first row's columns are not needed). */
static int exec_hit(struct pf_db *db, const struct pf_sql *q, const struct pf_arg *args,
		    bool *hit)
{
	sqlite3_stmt *s = pf_sql_query(db, q, args);
	int rc;

	*hit = false;
	if (!s)
		return -1;
	while ((rc = pf_sql_next(db, s, q->what)) > 0)
		*hit = true;
	return rc;
}

int pf_db_hooks_set(struct pf_db *db, const char *unit, const struct pf_hook_body *h, size_t n)
{
	struct pf_hook_stored limits;

	/* Inside pf_db_commit_unit's transaction: a failure here rolls the
	 * whole commit back, so nothing of its own to undo. */
	if (pf_sql_exec(db, &HOOKS_CLEAR, PF_ARGS(A_TEXT(unit))) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint8_t sha[32];

		if (strlen(h[i].name) >= sizeof(limits.name) ||
		    strlen(h[i].phase) >= sizeof(limits.phase))
			return pf_fail(ctx_of(db), PF_E_VERIFY, "%s: hook %.64s...: name or phase"
				       " too long to record", unit, h[i].name);
		/* Kept by hash: bytes under another hash would be run in
		 * place of the verified ones. */
		pf_sha256_buf(h[i].bytes ? h[i].bytes : "", h[i].len, sha);
		if (memcmp(sha, h[i].sha256, sizeof(sha)))
			return pf_fail(ctx_of(db), PF_E_OTHER, "internal: %s: hook %s: its bytes"
				       " do not have the SHA-256 they are to be kept under",
				       unit, h[i].name);
		if (pf_sql_exec(db, &BODY_PUT, PF_ARGS(A_BLOB(h[i].sha256, 32),
						       A_BLOB(h[i].bytes ? h[i].bytes : "",
							      h[i].len))) < 0 ||
		    pf_sql_exec(db, &HOOK_ADD, PF_ARGS(A_TEXT(unit), A_TEXT(h[i].phase),
						       A_TEXT(h[i].name),
						       A_BLOB(h[i].sha256, 32),
						       A_INT((int64_t)i))) < 0)
			return -1;
	}
	return 0;
}

void pf_hook_stored_free(struct pf_hook_stored *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++)
		free(h[i].bytes);
	free(h);
}

static void copy_sha(sqlite3_stmt *s, int col, uint8_t out[32])
{
	const void *p = sqlite3_column_blob(s, col);

	memset(out, 0, 32);
	if (p && sqlite3_column_bytes(s, col) == 32)
		memcpy(out, p, 32);
}

int pf_db_hooks_of(struct pf_db *db, const char *unit, const char *phase,
		   struct pf_hook_stored **out, size_t *n)
{
	sqlite3_stmt *s = pf_sql_query(db, &HOOKS_OF, PF_ARGS(A_TEXT(unit), A_TEXT(phase)));
	struct pf_hook_stored *v = NULL;
	size_t count = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = pf_sql_next(db, s, HOOKS_OF.what)) > 0) {
		struct pf_hook_stored *more = realloc(v, (count + 1) * sizeof(*v)), *e;

		if (!more) {
			pf_fail(ctx_of(db), PF_E_OTHER, "out of memory");
			rc = -1;
			break;
		}
		v = more;
		e = memset(&v[count++], 0, sizeof(*e));
		pf_sql_text(s, 0, e->name, sizeof(e->name));
		pf_sql_text(s, 1, e->phase, sizeof(e->phase));
		copy_sha(s, 2, e->sha256);
		if (pf_sql_dup(db, s, 3, &e->bytes, &e->len) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc < 0) {
		pf_sql_done(s);
		pf_hook_stored_free(v, count);
		return -1;
	}
	*out = v;
	*n = count;
	return 0;
}

int pf_db_hook_bytes(struct pf_db *db, const uint8_t sha256[32], char **bytes, size_t *len,
		     bool *found)
{
	sqlite3_stmt *s = pf_sql_query(db, &BODY_GET, PF_ARGS(A_BLOB(sha256, 32)));
	int rc, r = 0;

	*bytes = NULL;
	*len = 0;
	*found = false;
	if (!s)
		return -1;
	rc = pf_sql_next(db, s, BODY_GET.what);
	if (rc > 0) {
		r = pf_sql_dup(db, s, 0, bytes, len);
		*found = r == 0;
		pf_sql_done(s);
	}
	return rc < 0 ? -1 : r;
}

int pf_db_hook_run_add(struct pf_db *db, int64_t tx, const char *unit, const char *phase,
		       const char *name, const uint8_t *sha256, const char *state,
		       int64_t rerun_of, int64_t *id)
{
	sqlite3_stmt *s;
	int rc;

	if (strcmp(state, "pending") && strcmp(state, "running"))
		return pf_fail(ctx_of(db), PF_E_OTHER, "internal: a hook run begins pending or"
			       " running, not %s", state);
	if ((unit != NULL) != (sha256 != NULL))
		return pf_fail(ctx_of(db), PF_E_OTHER, "internal: hook %s: a package hook has a"
			       " unit and a SHA-256, a local one neither", name);
	s = pf_sql_query(db, &RUN_ADD,
			 PF_ARGS(A_INT(tx), A_TEXT(unit), A_TEXT(unit ? "package" : "local"),
				 A_TEXT(phase), A_TEXT(name),
				 sha256 ? A_BLOB(sha256, 32) : A_TEXT(NULL), A_TEXT(state),
				 rerun_of > 0 ? A_INT(rerun_of) : A_TEXT(NULL), A_INT(time(NULL))));
	if (!s)
		return -1;
	rc = pf_sql_next(db, s, RUN_ADD.what);
	if (rc <= 0)
		return rc < 0 ? -1 : pf_sql_fail(db, RUN_ADD.what);
	*id = sqlite3_column_int64(s, 0);
	/* Step to the end: the INSERT completes there. */
	return pf_sql_next(db, s, RUN_ADD.what) < 0 ? -1 : 0;
}

static int not_unfinished(struct pf_db *db, int64_t id)
{
	return pf_fail(ctx_of(db), PF_E_OTHER, "internal: hook run %lld is not pending or running",
		       (long long)id);
}

int pf_db_hook_run_started(struct pf_db *db, int64_t id, pid_t pgid, uint64_t start_time,
			   const char *boot_id)
{
	bool hit;

	if (exec_hit(db, &RUN_STARTED, PF_ARGS(A_INT(id), A_INT(time(NULL)), A_INT(pgid),
					       A_INT(start_time), A_TEXT(boot_id)), &hit) < 0)
		return -1;
	return hit ? 0 : not_unfinished(db, id);
}

/* The ended run's row (unit, phase, name, rerun_of), and the runs an ok
 * one resolves. */
static int end_and_resolve(struct pf_db *db, int64_t id, const struct pf_hook_run_row *r)
{
	sqlite3_stmt *s;
	char *unit = NULL, *phase = NULL, *name = NULL;
	int64_t rerun_of = 0;
	int rc, r2 = -1;

	s = pf_sql_query(db, &RUN_END,
			 PF_ARGS(A_INT(id), A_TEXT(r->state), A_INT(time(NULL)),
				 A_INT(r->duration_ms),
				 r->exit_code >= 0 ? A_INT(r->exit_code) : A_TEXT(NULL),
				 r->signal > 0 ? A_INT(r->signal) : A_TEXT(NULL),
				 A_BLOB(r->output, r->output ? r->output_len : 0),
				 A_INT(r->output_total), A_INT(r->dropped)));
	if (!s)
		return -1;
	rc = pf_sql_next(db, s, RUN_END.what);
	if (rc <= 0)
		return rc < 0 ? -1 : not_unfinished(db, id);
	/* NULL unit (a local hook) stays NULL: "unit IS ?3" */
	if ((sqlite3_column_type(s, 0) != SQLITE_NULL && pf_sql_dup(db, s, 0, &unit, NULL) < 0) ||
	    pf_sql_dup(db, s, 1, &phase, NULL) < 0 || pf_sql_dup(db, s, 2, &name, NULL) < 0) {
		pf_sql_done(s);
		goto out;
	}
	rerun_of = sqlite3_column_int64(s, 3);
	if (pf_sql_next(db, s, RUN_END.what) < 0)
		goto out;
	if (!strcmp(r->state, "ok") &&
	    pf_sql_exec(db, &RUN_RESOLVE, PF_ARGS(A_INT(id), A_INT(rerun_of), A_TEXT(unit),
						  A_TEXT(phase), A_TEXT(name))) < 0)
		goto out;
	r2 = 0;
out:
	free(unit);
	free(phase);
	free(name);
	return r2;
}

int pf_db_hook_run_end(struct pf_db *db, int64_t id, const struct pf_hook_run_row *r)
{
	if (!in(r->state, end_states, sizeof(end_states) / sizeof(end_states[0])))
		return pf_fail(ctx_of(db), PF_E_OTHER, "internal: hook run %lld cannot end %s",
			       (long long)id, r->state);
	if (pf_sql_exec(db, &SAVEPOINT, PF_NO_ARGS) < 0)
		return -1;
	if (end_and_resolve(db, id, r) < 0) {
		/* keeps the error that made us undo */
		if (pf_sql_exec(db, &ROLLBACK_TO, PF_NO_ARGS) == 0)
			pf_sql_exec(db, &RELEASE, PF_NO_ARGS);
		return -1;
	}
	return pf_sql_exec(db, &RELEASE, PF_NO_ARGS);
}

static void run_row(sqlite3_stmt *s, struct pf_hook_run_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(s, 0);
	r->tx = sqlite3_column_int64(s, 1);
	pf_sql_text(s, 2, r->unit, sizeof(r->unit));
	pf_sql_text(s, 3, r->origin, sizeof(r->origin));
	pf_sql_text(s, 4, r->phase, sizeof(r->phase));
	pf_sql_text(s, 5, r->name, sizeof(r->name));
	copy_sha(s, 6, r->sha256);
	pf_sql_text(s, 7, r->state, sizeof(r->state));
	r->started = sqlite3_column_int64(s, 8);
	r->ended = sqlite3_column_int64(s, 9);
	r->duration_ms = sqlite3_column_int64(s, 10);
	r->exit_code = sqlite3_column_type(s, 11) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 11);
	r->signal = sqlite3_column_int(s, 12);
	r->pgid = (pid_t)sqlite3_column_int64(s, 13);
	r->start_time = (uint64_t)sqlite3_column_int64(s, 14);
	r->output_total = (uint64_t)sqlite3_column_int64(s, 15);
	r->dropped = (uint64_t)sqlite3_column_int64(s, 16);
	r->resolved = sqlite3_column_int64(s, 17);
	r->rerun_of = sqlite3_column_int64(s, 18);
	pf_sql_text(s, 19, r->boot_id, sizeof(r->boot_id));
}

void pf_hook_run_row_clear(struct pf_hook_run_row *r)
{
	if (!r)
		return;
	free(r->output);
	r->output = NULL;
	r->output_len = 0;
}

void pf_hook_run_rows_free(struct pf_hook_run_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		pf_hook_run_row_clear(&rows[i]);
	free(rows);
}

/* Every row of query Q (with its output when OUTPUT), in its order; KEEP,
 * when not NULL, chooses the rows kept. */
static int run_rows(struct pf_db *db, const struct pf_sql *q, const struct pf_arg *args,
		    bool output, bool (*keep)(const struct pf_hook_run_row *),
		    struct pf_hook_run_row **out, size_t *n)
{
	sqlite3_stmt *s = pf_sql_query(db, q, args);
	struct pf_hook_run_row *v = NULL, row;
	size_t count = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = pf_sql_next(db, s, q->what)) > 0) {
		run_row(s, &row);
		if (keep && !keep(&row))
			continue;
		if (count == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			struct pf_hook_run_row *more = realloc(v, ncap * sizeof(*v));

			if (!more) {
				pf_fail(ctx_of(db), PF_E_OTHER, "out of memory");
				rc = -1;
				break;
			}
			v = more;
			cap = ncap;
		}
		if (output && pf_sql_dup(db, s, COL_OUTPUT, &row.output, &row.output_len) < 0) {
			rc = -1;
			break;
		}
		v[count++] = row;
	}
	if (rc < 0) {
		pf_sql_done(s);
		pf_hook_run_rows_free(v, count);
		return -1;
	}
	*out = v;
	*n = count;
	return 0;
}

int pf_db_hook_run_get(struct pf_db *db, int64_t id, struct pf_hook_run_row *out, bool *found)
{
	struct pf_hook_run_row *rows;
	size_t n;

	memset(out, 0, sizeof(*out));
	*found = false;
	if (run_rows(db, &RUN_GET, PF_ARGS(A_INT(id)), true, NULL, &rows, &n) < 0)
		return -1;
	if (n == 1) {
		*out = rows[0]; /* takes its output */
		*found = true;
		free(rows);
		return 0;
	}
	pf_hook_run_rows_free(rows, n);
	return 0;
}

int pf_db_hook_run_ack(struct pf_db *db, int64_t id)
{
	struct pf_hook_run_row r;
	bool found, hit;
	const char *why = NULL;
	char what[256];
	int ret = -1;

	if (pf_db_hook_run_get(db, id, &r, &found) < 0)
		return -1;
	if (!found)
		return pf_fail(ctx_of(db), PF_E_USAGE, "there is no hook run %lld"
			       " ('pakfire hook list' shows them)", (long long)id);
	snprintf(what, sizeof(what), "hook run %lld (%s%s%s hook %s)", (long long)id, r.unit,
		 r.unit[0] ? " " : "local ", r.phase, r.name);
	if (!strcmp(r.state, "ok"))
		why = "it ended ok";
	else if (!strcmp(r.state, "pending") || !strcmp(r.state, "running"))
		why = "it has not ended (the recovery of the next run of pakfire runs it)";
	else if (r.resolved == -1)
		why = "it was acknowledged already";
	else if (r.resolved > 0)
		why = "a later run of the hook ended ok";
	else if (!pf_hook_run_is_open(&r))
		why = "only a failed post hook of an update or add-on holds upgrades";
	if (why) {
		pf_fail(ctx_of(db), PF_E_USAGE, "%s is not open: %s; there is nothing to"
			" acknowledge", what, why);
		goto out;
	}
	if (exec_hit(db, &RUN_ACK, PF_ARGS(A_INT(id), A_INT(time(NULL))), &hit) < 0)
		goto out;
	if (!hit) {
		pf_fail(ctx_of(db), PF_E_USAGE, "%s is not open: it was resolved meanwhile", what);
		goto out;
	}
	if (pf_sql_exec(db, &RUN_ACK_EARLIER, PF_ARGS(A_INT(id), A_INT(time(NULL)),
						      A_TEXT(r.unit[0] ? r.unit : NULL),
						      A_TEXT(r.phase), A_TEXT(r.name))) < 0)
		goto out;
	ret = 0;
out:
	pf_hook_run_row_clear(&r);
	return ret;
}

int pf_db_hook_runs_of_tx(struct pf_db *db, int64_t tx, struct pf_hook_run_row **out, size_t *n)
{
	return run_rows(db, &RUNS_TX, PF_ARGS(A_INT(tx)), true, NULL, out, n);
}

int pf_db_hook_runs_open(struct pf_db *db, struct pf_hook_run_row **out, size_t *n)
{
	return run_rows(db, &RUNS_FAILED, PF_ARGS(A_INT(1)), false, pf_hook_run_is_open, out, n);
}

int pf_db_hook_runs_failed(struct pf_db *db, struct pf_hook_run_row **out, size_t *n)
{
	return run_rows(db, &RUNS_FAILED, PF_ARGS(A_INT(0)), false, NULL, out, n);
}

int pf_db_hook_runs_unfinished(struct pf_db *db, struct pf_hook_run_row **out, size_t *n)
{
	return run_rows(db, &RUNS_UNFINISHED, PF_NO_ARGS, false, NULL, out, n);
}

int pf_db_hook_runs_recent(struct pf_db *db, size_t limit, struct pf_hook_run_row **out,
			   size_t *n)
{
	/* LIMIT -1: no limit */
	return run_rows(db, &RUNS_RECENT, PF_ARGS(A_INT(limit ? (int64_t)limit : -1)), false, NULL,
			out, n);
}
