/* What each mirror did last, the stored mirror list, this machine's seed:
 * see state/mirrors.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/context.h"
#include "fetch/fetch.h"
#include "state/mirrors.h"
#include "state/stmt.h"

/* A row per mirror, its last run over the one before: last_ok and the
 * revision stay when this run has none to say. */
static const struct pf_sql MIRROR_UPSERT = { PF_SQL_MIRROR_UPSERT, "record mirror results",
	"INSERT INTO mirror_results (url, origin, outcome, detail, revision, attempted, last_ok,"
	" errors, transaction_id) VALUES (?1, ?2, ?3, ?4, nullif(?5, 0), ?6, nullif(?7, 0), ?8,"
	" nullif(?9, 0))"
	" ON CONFLICT (url) DO UPDATE SET origin = excluded.origin, outcome = excluded.outcome,"
	" detail = excluded.detail, revision = coalesce(excluded.revision, revision),"
	" attempted = excluded.attempted, last_ok = coalesce(excluded.last_ok, last_ok),"
	" errors = excluded.errors, transaction_id = excluded.transaction_id" };
static const struct pf_sql MIRROR_LOAD = { PF_SQL_MIRROR_LOAD, "read mirror results",
	"SELECT url, origin, outcome, detail, coalesce(revision, 0), attempted,"
	" coalesce(last_ok, 0), errors FROM mirror_results ORDER BY url" };
static const struct pf_sql MIRROR_SEED_GET = { PF_SQL_MIRROR_SEED_GET, "read the mirror seed",
	"SELECT mirror_seed FROM system WHERE id = 1 AND mirror_seed IS NOT NULL" };
static const struct pf_sql MIRROR_SEED_SET = { PF_SQL_MIRROR_SEED_SET, "store the mirror seed",
	"UPDATE system SET mirror_seed = ?1 WHERE id = 1 AND mirror_seed IS NULL" };
static const struct pf_sql MIRROR_LIST_STORE = { PF_SQL_MIRROR_LIST_STORE, "store the mirror list",
	"UPDATE indexes SET mirror_list = ?3 WHERE series = ?1 AND arch = ?2" };
static const struct pf_sql MIRROR_LIST_LOAD = { PF_SQL_MIRROR_LIST_LOAD, "read the mirror list",
	"SELECT mirror_list FROM indexes WHERE series = ?1 AND arch = ?2"
	" AND mirror_list IS NOT NULL" };

static const char *origin_name(enum pf_mirror_origin o)
{
	return o == PF_MIRROR_LIST ? "list" : o == PF_MIRROR_DIR ? "dir" : "config";
}

int pf_db_mirror_record(struct pf_db *db, const struct pf_mirror *m, size_t n, int64_t tx)
{
	int64_t now = (int64_t)time(NULL);

	if (pf_db_begin(db) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!m[i].touched)
			continue;
		if (pf_sql_exec(db, &MIRROR_UPSERT,
				PF_ARGS(A_TEXT(m[i].shown), A_TEXT(origin_name(m[i].origin)),
					A_TEXT(pf_mirror_outcome_name(m[i].last)),
					A_TEXT(m[i].detail[0] ? m[i].detail : NULL),
					A_INT(m[i].revision), A_INT(now),
					A_INT(m[i].last == PF_MIRROR_OK ? now : 0),
					A_INT(m[i].errors), A_INT(tx))) < 0)
			return pf_db_rollback(db);
	}
	return pf_db_commit(db) < 0 ? pf_db_rollback(db) : 0;
}

int pf_db_mirror_load(struct pf_db *db, struct pf_mirror_result **out, size_t *n)
{
	sqlite3_stmt *s = pf_sql_query(db, &MIRROR_LOAD, PF_NO_ARGS);
	struct pf_mirror_result *rows = NULL, *grown;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = pf_sql_next(db, s, MIRROR_LOAD.what)) > 0) {
		struct pf_mirror_result *r;

		grown = realloc(rows, (k + 1) * sizeof(*rows));
		if (!grown) {
			pf_sql_done(s);
			free(rows);
			return pf_fail(pf_db_ctx(db), PF_E_OTHER, "out of memory");
		}
		rows = grown;
		r = &rows[k++];
		pf_sql_text(s, 0, r->url, sizeof(r->url));
		pf_sql_text(s, 1, r->origin, sizeof(r->origin));
		pf_sql_text(s, 2, r->outcome, sizeof(r->outcome));
		pf_sql_text(s, 3, r->detail, sizeof(r->detail));
		r->revision = (uint64_t)sqlite3_column_int64(s, 4);
		r->attempted = sqlite3_column_int64(s, 5);
		r->last_ok = sqlite3_column_int64(s, 6);
		r->errors = (unsigned)sqlite3_column_int64(s, 7);
	}
	if (rc < 0) {
		free(rows);
		return -1;
	}
	*out = rows;
	*n = k;
	return 0;
}

int pf_db_mirror_seed(struct pf_db *db, bool write, uint32_t *seed)
{
	sqlite3_stmt *s = pf_sql_query(db, &MIRROR_SEED_GET, PF_NO_ARGS);
	int rc;

	*seed = 0;
	if (!s || (rc = pf_sql_next(db, s, MIRROR_SEED_GET.what)) < 0)
		return -1;
	if (rc > 0) {
		*seed = (uint32_t)sqlite3_column_int64(s, 0);
		pf_sql_done(s);
		return 0;
	}
	if (!write)
		return 0;
	/* Without randomness every machine would start at the first
	 * mirror of the list: worse for the mirrors, never wrong. */
	if (getrandom(seed, sizeof(*seed), GRND_NONBLOCK) != (ssize_t)sizeof(*seed))
		*seed = 0;
	return pf_sql_exec(db, &MIRROR_SEED_SET, PF_ARGS(A_INT(*seed)));
}

int pf_db_mirror_list_store(struct pf_db *db, const char *series, const char *arch,
			    const char *buf, size_t len)
{
	return pf_sql_exec(db, &MIRROR_LIST_STORE,
			   PF_ARGS(A_TEXT(series), A_TEXT(arch), A_BLOB(buf, len)));
}

int pf_db_mirror_list_load(struct pf_db *db, const char *series, const char *arch,
			   char **buf, size_t *len)
{
	sqlite3_stmt *s = pf_sql_query(db, &MIRROR_LIST_LOAD, PF_ARGS(A_TEXT(series), A_TEXT(arch)));
	int rc, r;

	*buf = NULL;
	*len = 0;
	if (!s || (rc = pf_sql_next(db, s, MIRROR_LIST_LOAD.what)) < 0)
		return -1;
	if (rc == 0)
		return 0;
	r = pf_sql_dup(db, s, 0, buf, len);
	pf_sql_done(s);
	return r;
}
