/* Transactions, their steps and space checks: see history.h. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/context.h"
#include "state/history.h"
#include "state/stmt.h"

static const struct pf_sql TX_BEGIN = { PF_SQL_TX_BEGIN, "begin transaction record",
	"INSERT INTO transactions (command, started) VALUES (?1, ?2) RETURNING id" };
static const struct pf_sql TX_END = { PF_SQL_TX_END, "record outcome",
	"UPDATE transactions SET ended = ?2, outcome = ?3, exit_code = ?4, error = ?5, cause = ?6"
	" WHERE id = ?1" };
static const struct pf_sql TX_INTERRUPTED = { PF_SQL_TX_INTERRUPTED, "mark interrupted",
	"UPDATE transactions SET outcome = 'interrupted', ended = ?2, cause = 'interrupted',"
	" error = 'interrupted (the process was killed or the power failed)'"
	" WHERE id = ?1 AND ended IS NULL" };
/* Called under the lock: a transaction still open belongs to a process
 * that is gone. */
static const struct pf_sql TX_CLOSE_STALE = { PF_SQL_TX_CLOSE_STALE, "close stale transactions",
	"UPDATE transactions SET outcome = 'interrupted', ended = ?1, cause = 'interrupted',"
	" error = coalesce(error, CASE (SELECT step FROM steps WHERE transaction_id ="
	"   transactions.id ORDER BY id DESC LIMIT 1) WHEN 'restarting' THEN"
	"   'pakfire restarted itself to go on, and the restarted pakfire did not go on"
	" with it (killed, or it could not start: see the transactions after it)'"
	"   ELSE 'did not finish: the process was killed, the power"
	" failed, or the disk was too full to record the outcome' END) WHERE ended IS NULL"
	" AND id IS NOT ?2" };
/* A transaction that a pakfire began before it restarted itself. */
static const struct pf_sql TX_OPEN = { PF_SQL_TX_OPEN, "read transactions",
	"SELECT 1 FROM transactions t WHERE id = ?1 AND (?2 IS NULL OR command = ?2) AND ended IS NULL"
	" AND (SELECT step = 'restarting' AND detail LIKE '%(restart ' || ?3 || ')'"
	"      FROM steps WHERE transaction_id = t.id ORDER BY id DESC LIMIT 1)" };
/* A run still open (running, or killed) is a bigger fact than a dry run
 * recorded after it began. */
static const struct pf_sql TX_LAST = { PF_SQL_TX_LAST, "read transactions",
	"SELECT id, command, started, ended, outcome, exit_code, error, dry_run"
	" FROM transactions ORDER BY (ended IS NULL AND dry_run = 0) DESC, id DESC LIMIT 1" };
/* The newest run that could change something: a dry run never fails a
 * system, nor hides the failure of the run before it. */
static const struct pf_sql TX_LAST_REAL = { PF_SQL_TX_LAST_REAL, "read transactions",
	"SELECT id, command, started, ended, outcome, exit_code, error, dry_run"
	" FROM transactions WHERE dry_run = 0 ORDER BY id DESC LIMIT 1" };
static const struct pf_sql TX_LIST = { PF_SQL_TX_LIST, "read transactions",
	"SELECT id, command, started, ended, outcome, exit_code, error, dry_run"
	" FROM transactions WHERE ?1 = 0 OR id = ?1 ORDER BY id" };
static const struct pf_sql SPACE_LIST = { PF_SQL_SPACE_LIST, "read space checks",
	"SELECT unit, mount, needed, available, reserve, inodes_needed, inodes_available, fits,"
	" verdict, total, usable, minimum, recommended, freeable"
	" FROM space_checks WHERE transaction_id = ?1 ORDER BY id" };
/* A dry run, recorded whole when it has ended: never an open row that
 * the stale sweep of another pakfire would call interrupted. */
static const struct pf_sql TX_DRY_RUN = { PF_SQL_TX_DRY_RUN, "record dry run",
	"INSERT INTO transactions (command, started, ended, outcome, exit_code, error, dry_run, cause)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7) RETURNING id" };
/* The cause a run ended with (diagnose): a separate read, so that the
 * views of history and status still read a database whose schema is
 * older than migration 11 (diagnose opens it as it is). */
static const struct pf_sql TX_CAUSE = { PF_SQL_TX_CAUSE, "read the cause of a run",
	"SELECT cause FROM transactions WHERE id = ?1" };
static const struct pf_sql TX_COMMAND = { PF_SQL_TX_COMMAND, "read the command of a run",
	"SELECT command FROM transactions WHERE id = ?1" };
static const struct pf_sql STEP_INSERT = { PF_SQL_STEP_INSERT, "record step",
	"INSERT INTO steps (transaction_id, at, unit, step, detail) VALUES (?1, ?2, ?3, ?4, ?5)" };
static const struct pf_sql STEP_LIST = { PF_SQL_STEP_LIST, "read steps",
	"SELECT at, unit, step, detail FROM steps WHERE transaction_id = ?1 ORDER BY id" };
static const struct pf_sql SPACE_INSERT = { PF_SQL_SPACE_INSERT, "record space check",
	"INSERT INTO space_checks (transaction_id, at, unit, mount, needed, available, reserve,"
	" inodes_needed, inodes_available, fits, verdict, total, usable, minimum, recommended,"
	" freeable, freeable_list)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)" };

int pf_db_tx_begin(struct pf_db *db, const char *command, int64_t *id)
{
	sqlite3_stmt *s = pf_sql_query(db, &TX_BEGIN, PF_ARGS(A_TEXT(command), A_INT(time(NULL))));
	int rc;

	if (!s)
		return -1;
	rc = pf_sql_next(db, s, TX_BEGIN.what);
	if (rc <= 0)
		return rc < 0 ? -1 : pf_sql_fail(db, TX_BEGIN.what);
	*id = sqlite3_column_int64(s, 0);
	/* Step to the end: the INSERT completes there. */
	if (pf_sql_next(db, s, TX_BEGIN.what) < 0)
		return -1;
	pf_emit(pf_db_ctx(db), &(struct pf_event){ .type = PF_EV_TX_BEGIN,
		.tx = { .id = *id, .command = command } });
	return 0;
}

int pf_db_tx_step_record(struct pf_db *db, int64_t id, const char *unit, const char *step,
			 const char *detail)
{
	return pf_sql_exec(db, &STEP_INSERT, PF_ARGS(A_INT(id), A_INT(time(NULL)), A_TEXT(unit),
						     A_TEXT(step), A_TEXT(detail)));
}

void pf_db_tx_step_told(struct pf_db *db, int64_t id, const char *unit, const char *step,
			const char *detail)
{
	pf_emit(pf_db_ctx(db), &(struct pf_event){ .type = PF_EV_TX_STEP,
		.tx = { .id = id, .unit = unit, .step = step, .detail = detail } });
}

int pf_db_tx_step(struct pf_db *db, int64_t id, const char *unit, const char *step,
		  const char *detail)
{
	if (pf_db_tx_step_record(db, id, unit, step, detail) < 0)
		return -1;
	pf_db_tx_step_told(db, id, unit, step, detail);
	return 0;
}

void pf_db_tx_end(struct pf_db *db, int64_t id)
{
	struct pf_ctx *ctx;
	enum pf_errclass cls;

	if (!db || id <= 0)
		return;
	ctx = pf_db_ctx(db);
	cls = pf_error_class(ctx);
	/* The message is bound where it lies: nothing writes the context's
	 * error before the statement has run. A failure to record keeps the
	 * original error's class and adds its own words (pf_fail). */
	const char *outcome = pf_db_tx_outcome(ctx);

	pf_sql_exec(db, &TX_END, PF_ARGS(A_INT(id), A_INT(time(NULL)), A_TEXT(outcome),
				 A_INT(pf_ctx_exit_code(ctx)),
				 A_TEXT(cls == PF_E_OK ? NULL : pf_error_message(ctx)),
				 A_TEXT(pf_db_tx_cause(ctx))));
	pf_emit(ctx, &(struct pf_event){ .type = PF_EV_TX_END,
		.tx = { .id = id, .outcome = outcome, .exit_code = pf_ctx_exit_code(ctx),
			.error = pf_error_class(ctx) == PF_E_OK ? NULL : pf_error_message(ctx) } });
}

const char *pf_db_tx_outcome(const struct pf_ctx *ctx)
{
	enum pf_errclass cls = pf_error_class(ctx);

	/* A SIGINT, SIGTERM or SIGHUP that stopped it: whatever it
	 * interrupted, the exit code is 128 + the signal (pf_ctx_exit_code). */
	if (cls != PF_E_OK && ctx->stop_signal > 0)
		return "interrupted";
	return cls == PF_E_OK ? "ok" : cls == PF_E_SPACE ? "refused" : "failed";
}

const char *pf_db_tx_cause(const struct pf_ctx *ctx)
{
	enum pf_errclass cls = pf_error_class(ctx);

	if (cls == PF_E_OK)
		return NULL;
	if (ctx->stop_signal > 0)
		return "interrupted";
	if (pf_error_cause(ctx)[0])
		return pf_error_cause(ctx);
	/* No site said: the class is all there is. A verification that no
	 * site named is taken as the widest ("hash": what was fetched does
	 * not match what is signed, or is malformed). */
	switch (cls) {
	case PF_E_SPACE:    return "space";
	case PF_E_VERIFY:   return "hash";
	case PF_E_DOWNLOAD: return "download";
	case PF_E_HOOK:     return "hook";
	case PF_E_LOCKED:   return "lock";
	default:            return "failed";
	}
}

/* One text column of run ID (cause, command) into OUT; "" when none. */
static int tx_text(struct pf_db *db, const struct pf_sql *q, int64_t id, char *out,
		   size_t size)
{
	sqlite3_stmt *s = pf_sql_query(db, q, PF_ARGS(A_INT(id)));
	int rc;

	out[0] = '\0';
	if (!s)
		return -1;
	rc = pf_sql_next(db, s, q->what);
	if (rc < 0)
		return -1;
	if (rc > 0)
		pf_sql_text(s, 0, out, size);
	pf_sql_done(s);
	return 0;
}

int pf_db_tx_cause_of(struct pf_db *db, int64_t id, char *out, size_t size)
{
	return tx_text(db, &TX_CAUSE, id, out, size);
}

int pf_db_tx_command_of(struct pf_db *db, int64_t id, char *out, size_t size)
{
	return tx_text(db, &TX_COMMAND, id, out, size);
}

int pf_db_tx_dry_run(struct pf_db *db, const char *command, time_t started, const char *outcome,
		     int exit_code, const char *error, const char *cause, int64_t *id)
{
	struct pf_ctx *ctx = pf_db_ctx(db);
	sqlite3_stmt *s = pf_sql_query(db, &TX_DRY_RUN,
				       PF_ARGS(A_TEXT(command), A_INT(started), A_INT(time(NULL)),
					       A_TEXT(outcome), A_INT(exit_code), A_TEXT(error),
					       A_TEXT(cause)));
	int rc;

	if (!s)
		return -1;
	rc = pf_sql_next(db, s, TX_DRY_RUN.what);
	if (rc <= 0)
		return rc < 0 ? -1 : pf_sql_fail(db, TX_DRY_RUN.what);
	*id = sqlite3_column_int64(s, 0);
	if (pf_sql_next(db, s, TX_DRY_RUN.what) < 0)
		return -1;
	/* The same story as a real run's record, told once it is written. */
	pf_emit(ctx, &(struct pf_event){ .type = PF_EV_TX_BEGIN,
		.tx = { .id = *id, .command = command, .dry_run = true } });
	pf_emit(ctx, &(struct pf_event){ .type = PF_EV_TX_END,
		.tx = { .id = *id, .outcome = outcome, .exit_code = exit_code, .error = error } });
	return 0;
}

int pf_db_close_stale_transactions(struct pf_db *db, int64_t keep)
{
	return pf_sql_exec(db, &TX_CLOSE_STALE, PF_ARGS(A_INT(time(NULL)), A_INT(keep)));
}

int pf_db_tx_is_open(struct pf_db *db, int64_t id, const char *command, const char *token,
		     bool *open)
{
	sqlite3_stmt *s = pf_sql_query(db, &TX_OPEN, PF_ARGS(A_INT(id), A_TEXT(command),
							       A_TEXT(token)));
	int rc;

	*open = false;
	if (!s)
		return -1;
	rc = pf_sql_next(db, s, TX_OPEN.what);
	if (rc > 0) {
		*open = true;
		pf_sql_done(s);
	}
	return rc < 0 ? -1 : 0;
}

int pf_db_tx_interrupted(struct pf_db *db, int64_t id)
{
	return pf_sql_exec(db, &TX_INTERRUPTED, PF_ARGS(A_INT(id), A_INT(time(NULL))));
}

static void tx_row(sqlite3_stmt *s, struct pf_tx_info *out)
{
	memset(out, 0, sizeof(*out));
	out->found = true;
	out->id = sqlite3_column_int64(s, 0);
	pf_sql_text(s, 1, out->command, sizeof(out->command));
	out->started = sqlite3_column_int64(s, 2);
	out->ended = sqlite3_column_int64(s, 3);
	pf_sql_text(s, 4, out->outcome, sizeof(out->outcome));
	out->exit_code = sqlite3_column_int(s, 5);
	out->has_exit_code = sqlite3_column_type(s, 5) != SQLITE_NULL;
	pf_sql_text(s, 6, out->error, sizeof(out->error));
	out->dry_run = sqlite3_column_int(s, 7) != 0;
}

int pf_db_last_tx(struct pf_db *db, bool real_only, struct pf_tx_info *out)
{
	const struct pf_sql *q = real_only ? &TX_LAST_REAL : &TX_LAST;
	sqlite3_stmt *s = pf_sql_query(db, q, PF_NO_ARGS);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -1;
	rc = pf_sql_next(db, s, q->what);
	if (rc > 0) {
		tx_row(s, out);
		pf_sql_done(s);
	}
	return rc < 0 ? -1 : 0;
}

void pf_history_free(struct pf_history_entry *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++)
		free(h[i].steps);
	free(h);
}

/* Grow *ARRAY of *CAP elements of SIZE bytes to hold one more than N. */
static int grow(struct pf_db *db, void **array, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? 2 * *cap : 16;
	p = realloc(*array, ncap * size);
	if (!p)
		return pf_fail(pf_db_ctx(db), PF_E_OTHER, "out of memory");
	*array = p;
	*cap = ncap;
	return 0;
}

static int history_steps(struct pf_db *db, struct pf_history_entry *h)
{
	sqlite3_stmt *s = pf_sql_query(db, &STEP_LIST, PF_ARGS(A_INT(h->tx.id)));
	size_t cap = 0;
	int rc;

	if (!s)
		return -1;
	while ((rc = pf_sql_next(db, s, STEP_LIST.what)) > 0) {
		struct pf_step_info *st;

		if (grow(db, (void **)&h->steps, &cap, h->n_steps, sizeof(*h->steps)) < 0) {
			pf_sql_done(s);
			return -1;
		}
		st = &h->steps[h->n_steps++];
		st->at = sqlite3_column_int64(s, 0);
		pf_sql_text(s, 1, st->unit, sizeof(st->unit));
		pf_sql_text(s, 2, st->step, sizeof(st->step));
		pf_sql_text(s, 3, st->detail, sizeof(st->detail));
	}
	return rc;
}

int pf_db_history(struct pf_db *db, int64_t id, struct pf_history_entry **out, size_t *n)
{
	struct pf_history_entry *h = NULL;
	sqlite3_stmt *s = pf_sql_query(db, &TX_LIST, PF_ARGS(A_INT(id)));
	size_t count = 0, cap = 0;
	int r = -1, rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = pf_sql_next(db, s, TX_LIST.what)) > 0) {
		if (grow(db, (void **)&h, &cap, count, sizeof(*h)) < 0)
			goto out;
		memset(&h[count], 0, sizeof(h[count]));
		tx_row(s, &h[count].tx);
		count++;
		if (history_steps(db, &h[count - 1]) < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	if (id > 0 && count == 0) {
		pf_fail(pf_db_ctx(db), PF_E_USAGE, "no transaction %lld in the history", (long long)id);
		goto out;
	}
	*out = h;
	*n = count;
	h = NULL;
	r = 0;
out:
	pf_sql_done(s);
	pf_history_free(h, count);
	return r;
}

int pf_db_record_space(struct pf_db *db, int64_t tx, const struct pf_space_record *rec)
{
	return pf_sql_exec(db, &SPACE_INSERT,
			   PF_ARGS(A_INT(tx), A_INT(time(NULL)), A_TEXT(rec->unit), A_TEXT(rec->mount),
				   A_INT(rec->needed), A_INT(rec->available), A_INT(rec->reserve),
				   A_INT(rec->inodes_needed), A_INT(rec->inodes_available),
				   A_INT(rec->fits), A_TEXT(rec->verdict),
				   rec->verdict ? A_INT(rec->total) : A_TEXT(NULL),
				   rec->verdict ? A_INT(rec->usable) : A_TEXT(NULL),
				   rec->judged ? A_INT(rec->minimum) : A_TEXT(NULL),
				   rec->judged && rec->recommended ? A_INT(rec->recommended) : A_TEXT(NULL),
				   rec->judged ? A_INT(rec->freeable) : A_TEXT(NULL),
				   A_TEXT(rec->freeable_list)));
}

int pf_db_space_checks(struct pf_db *db, int64_t tx, struct pf_space_info **out, size_t *n)
{
	sqlite3_stmt *s = pf_sql_query(db, &SPACE_LIST, PF_ARGS(A_INT(tx)));
	struct pf_space_info *v = NULL;
	size_t count = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = pf_sql_next(db, s, SPACE_LIST.what)) > 0) {
		struct pf_space_info *e;

		if (grow(db, (void **)&v, &cap, count, sizeof(*v)) < 0) {
			pf_sql_done(s);
			free(v);
			return -1;
		}
		e = &v[count++];
		memset(e, 0, sizeof(*e));
		pf_sql_text(s, 0, e->unit, sizeof(e->unit));
		pf_sql_text(s, 1, e->mount, sizeof(e->mount));
		e->needed = (uint64_t)sqlite3_column_int64(s, 2);
		e->available = (uint64_t)sqlite3_column_int64(s, 3);
		e->reserve = (uint64_t)sqlite3_column_int64(s, 4);
		e->inodes_needed = (uint64_t)sqlite3_column_int64(s, 5);
		e->inodes_available = (uint64_t)sqlite3_column_int64(s, 6);
		e->fits = sqlite3_column_int(s, 7) != 0;
		pf_sql_text(s, 8, e->verdict, sizeof(e->verdict));
		e->total = (uint64_t)sqlite3_column_int64(s, 9);
		e->usable = (uint64_t)sqlite3_column_int64(s, 10);
		/* minimum, recommended, freeable: NULL when not judged */
		e->judged = sqlite3_column_type(s, 11) != SQLITE_NULL;
		e->minimum = (uint64_t)sqlite3_column_int64(s, 11);
		e->recommended = (uint64_t)sqlite3_column_int64(s, 12);
		e->freeable = (uint64_t)sqlite3_column_int64(s, 13);
	}
	if (rc < 0) {
		free(v);
		return -1;
	}
	*out = v;
	*n = count;
	return 0;
}
