/* The journal rows: see journal.h. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/context.h"
#include "base/strings.h"
#include "state/history.h"
#include "state/journal.h"
#include "state/stmt.h"

static const struct pf_sql JOURNAL_BEGIN = { PF_SQL_JOURNAL_BEGIN, "journal",
	"INSERT OR REPLACE INTO journal (unit, tag, transaction_id, state, series, manifest,"
	" folders, started, updated) VALUES (?1, ?2, ?3, 'staging', ?4, ?5, ?7, ?6, ?6)" };
static const struct pf_sql JOURNAL_COMMITTING = { PF_SQL_JOURNAL_COMMITTING, "journal",
	"UPDATE journal SET state = 'committing', fresh = ?2, updated = ?3 WHERE unit = ?1" };
static const struct pf_sql JOURNAL_COMMITTED = { PF_SQL_JOURNAL_COMMITTED, "journal",
	"UPDATE journal SET state = 'committed', removals = ?2, updated = ?3 WHERE unit = ?1" };
static const struct pf_sql JOURNAL_DONE = { PF_SQL_JOURNAL_DONE, "journal",
	"DELETE FROM journal WHERE unit = ?1" };
static const struct pf_sql JOURNAL_FIRST = { PF_SQL_JOURNAL_FIRST, "read journal",
	"SELECT unit, tag, transaction_id, state, series, manifest, removals, fresh, folders"
	" FROM journal ORDER BY started, unit LIMIT 1" };

int pf_db_journal_begin(struct pf_db *db, int64_t tx, const char *unit, const char *tag,
			const char *series, const char *manifest, size_t len, const char *folders)
{
	return pf_sql_exec(db, &JOURNAL_BEGIN,
			   PF_ARGS(A_TEXT(unit), A_TEXT(tag), A_INT(tx), A_TEXT(series),
				   A_BLOB(manifest, len), A_INT(time(NULL)), A_TEXT(folders)));
}

int pf_db_journal_committing(struct pf_db *db, const char *unit, const char *fresh)
{
	return pf_sql_exec(db, &JOURNAL_COMMITTING,
			   PF_ARGS(A_TEXT(unit), A_TEXT(fresh), A_INT(time(NULL))));
}

int pf_db_journal_committed(struct pf_db *db, const char *unit, char *const *removed, size_t n)
{
	char *list = pf_join_lines(removed, n);
	int r;

	if (!list)
		return pf_fail(pf_db_ctx(db), PF_E_OTHER, "out of memory");
	r = pf_sql_exec(db, &JOURNAL_COMMITTED, PF_ARGS(A_TEXT(unit), A_TEXT(list), A_INT(time(NULL))));
	free(list);
	return r;
}

int pf_db_commit_repair(struct pf_db *db, int64_t tx, const char *unit, const char *detail)
{
	if (pf_db_begin(db) < 0)
		return -1;
	if (pf_db_journal_committed(db, unit, NULL, 0) < 0 ||
	    pf_db_tx_step_record(db, tx, unit, "repaired", detail) < 0 || pf_db_commit(db) < 0)
		return pf_db_rollback(db);
	pf_db_tx_step_told(db, tx, unit, "repaired", detail);
	return 0;
}

int pf_db_journal_done(struct pf_db *db, const char *unit)
{
	return pf_sql_exec(db, &JOURNAL_DONE, PF_ARGS(A_TEXT(unit)));
}

void pf_journal_entry_clear(struct pf_journal_entry *j)
{
	free(j->manifest);
	free(j->removals);
	free(j->fresh);
	free(j->folders);
	memset(j, 0, sizeof(*j));
}

int pf_db_journal_first(struct pf_db *db, struct pf_journal_entry *out, bool *found)
{
	sqlite3_stmt *s = pf_sql_query(db, &JOURNAL_FIRST, PF_NO_ARGS);
	int rc, r = -1;

	memset(out, 0, sizeof(*out));
	*found = false;
	if (!s)
		return -1;
	rc = pf_sql_next(db, s, JOURNAL_FIRST.what);
	if (rc <= 0)
		return rc;
	pf_sql_text(s, 0, out->unit, sizeof(out->unit));
	pf_sql_text(s, 1, out->tag, sizeof(out->tag));
	out->tx = sqlite3_column_int64(s, 2);
	pf_sql_text(s, 3, out->state, sizeof(out->state));
	pf_sql_text(s, 4, out->series, sizeof(out->series));
	if (pf_sql_dup(db, s, 5, &out->manifest, &out->manifest_len) < 0 ||
	    pf_sql_dup(db, s, 6, &out->removals, NULL) < 0 ||
	    pf_sql_dup(db, s, 7, &out->fresh, NULL) < 0 ||
	    pf_sql_dup(db, s, 8, &out->folders, NULL) < 0) {
		pf_journal_entry_clear(out);
		goto out;
	}
	*found = true;
	r = 0;
out:
	pf_sql_done(s);
	return r;
}
