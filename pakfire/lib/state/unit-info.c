/* One unit's row and files: see unit-info.h. */
#include <string.h>

#include "state/stmt.h"
#include "state/unit-info.h"

static const struct pf_sql UNIT_GET = { PF_SQL_UNIT_GET, "read unit",
	"SELECT outcome, series, coalesce(version, ''), applied_at FROM units WHERE id = ?1" };
/* A scan of the files table: `info` asks about one unit, by hand. */
static const struct pf_sql UNIT_USAGE = { PF_SQL_UNIT_USAGE, "read files of unit",
	"SELECT count(*) FILTER (WHERE type = 'file'),"
	" coalesce(sum(size) FILTER (WHERE type = 'file'), 0), count(*)"
	" FROM files WHERE owner = ?1" };

int pf_db_unit_info(struct pf_db *db, const char *id, struct pf_unit_info *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	s = pf_sql_query(db, &UNIT_GET, PF_ARGS(A_TEXT(id)));
	if (!s)
		return -1;
	rc = pf_sql_next(db, s, UNIT_GET.what);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		out->recorded = true;
		pf_sql_text(s, 0, out->outcome, sizeof(out->outcome));
		pf_sql_text(s, 1, out->series, sizeof(out->series));
		pf_sql_text(s, 2, out->version, sizeof(out->version));
		out->applied_at = (time_t)sqlite3_column_int64(s, 3);
		pf_sql_done(s);
	}
	s = pf_sql_query(db, &UNIT_USAGE, PF_ARGS(A_TEXT(id)));
	if (!s)
		return -1;
	rc = pf_sql_next(db, s, UNIT_USAGE.what);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		out->files = (uint64_t)sqlite3_column_int64(s, 0);
		out->bytes = (uint64_t)sqlite3_column_int64(s, 1);
		out->paths = (uint64_t)sqlite3_column_int64(s, 2);
		pf_sql_done(s);
	}
	return 0;
}
