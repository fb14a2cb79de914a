/* The database's own checks and the kept indexes: see check.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "state/check.h"
#include "state/db.h"
#include "state/stmt.h"

static const struct pf_sql INTEGRITY = { PF_SQL_CHECK_INTEGRITY, "integrity_check",
	"PRAGMA integrity_check(8)" };
static const struct pf_sql QUICK = { PF_SQL_CHECK_QUICK, "quick_check",
	"PRAGMA quick_check(8)" };
static const struct pf_sql INDEX_LIST = { PF_SQL_INDEX_LIST, "read indexes",
	"SELECT series, arch, revision, date, valid_until, fetched_at, signer FROM indexes"
	" ORDER BY series, arch" };

static int check_once(struct pf_db *db, bool quick, char *out, size_t size)
{
	const struct pf_sql *q = quick ? &QUICK : &INTEGRITY;
	sqlite3_stmt *s = pf_sql_query(db, q, PF_NO_ARGS);
	size_t used = 0;
	int rc;

	out[0] = '\0';
	if (!s)
		return -1;
	while ((rc = pf_sql_next(db, s, q->what)) > 0) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		int n;

		if (used >= size)
			continue; /* read them all: the statement ends itself */
		n = snprintf(out + used, size - used, "%s%s", used ? "; " : "",
			     t ? (const char *)t : "");
		used += n > 0 ? (size_t)n : 0;
	}
	return rc;
}

/* An immutable read takes no lock: a pakfire that began writing during
 * it may show as damage. Damage found, or a writer seen since, the check
 * runs again on a fresh connection (db.h, pf_db_reopen) before the
 * database is called damaged. */
int pf_db_check(struct pf_db *db, bool quick, char *out, size_t size)
{
	int rc = check_once(db, quick, out, size);

	if (!pf_db_immutable(db) ||
	    (rc >= 0 && !strcmp(out, "ok") && !pf_db_read_may_be_torn(db)))
		return rc;
	if (rc < 0)
		pf_clear_error(pf_db_ctx(db));
	if (pf_db_reopen(db) < 0)
		return -1;
	return check_once(db, quick, out, size);
}

int pf_db_index_list(struct pf_db *db, struct pf_index_row **out, size_t *n)
{
	sqlite3_stmt *s = pf_sql_query(db, &INDEX_LIST, PF_NO_ARGS);
	struct pf_index_row *rows = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = pf_sql_next(db, s, INDEX_LIST.what)) > 0) {
		struct pf_index_row *r;

		if (*n == cap) {
			struct pf_index_row *m = realloc(rows, (cap = cap ? cap * 2 : 4) * sizeof(*m));

			if (!m) {
				pf_sql_done(s);
				free(rows);
				return pf_fail(pf_db_ctx(db), PF_E_OTHER, "out of memory");
			}
			rows = m;
		}
		r = &rows[(*n)++];
		memset(r, 0, sizeof(*r));
		pf_sql_text(s, 0, r->series, sizeof(r->series));
		pf_sql_text(s, 1, r->arch, sizeof(r->arch));
		r->revision = (uint64_t)sqlite3_column_int64(s, 2);
		r->date = (time_t)sqlite3_column_int64(s, 3);
		r->valid_until = (time_t)sqlite3_column_int64(s, 4);
		r->fetched_at = (time_t)sqlite3_column_int64(s, 5);
		pf_sql_text(s, 6, r->signer, sizeof(r->signer));
	}
	if (rc < 0) {
		free(rows);
		*n = 0;
		return -1;
	}
	*out = rows;
	return 0;
}
