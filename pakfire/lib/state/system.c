/* The system row and the verified indexes: see system.h. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/context.h"
#include "state/stmt.h"
#include "state/system.h"

static const struct pf_sql SYSTEM_INSERT = { PF_SQL_SYSTEM_INSERT, "init",
	"INSERT INTO system (id, series, arch, core) VALUES (1, ?1, ?2, ?3)" };
static const struct pf_sql SYSTEM_COUNT = { PF_SQL_SYSTEM_COUNT, "read system",
	"SELECT count(*) FROM system" };
static const struct pf_sql SYSTEM_GET = { PF_SQL_SYSTEM_GET, "read system",
	"SELECT series, arch, core, revision, index_sha256 FROM system WHERE id = 1" };
static const struct pf_sql SYSTEM_SET_INDEX = { PF_SQL_SYSTEM_SET_INDEX, "store index",
	"UPDATE system SET revision = ?1, index_sha256 = ?2 WHERE id = 1 AND series = ?3" };
static const struct pf_sql SYSTEM_MOVE_SERIES = { PF_SQL_SYSTEM_MOVE_SERIES, "move to new series",
	"UPDATE system SET series = ?1 WHERE id = 1" };
static const struct pf_sql SYSTEM_REBOOT_GET = { PF_SQL_SYSTEM_REBOOT_GET, "read system",
	"SELECT reboot_boot_id, reboot_unit FROM system WHERE id = 1 AND reboot_boot_id IS NOT NULL" };
static const struct pf_sql SYSTEM_REBOOT_CLEAR = { PF_SQL_SYSTEM_REBOOT_CLEAR, "forget the reboot",
	"UPDATE system SET reboot_boot_id = NULL, reboot_unit = NULL WHERE id = 1" };
static const struct pf_sql INDEX_STORE = { PF_SQL_INDEX_STORE, "store index",
	"INSERT OR REPLACE INTO indexes (series, arch, revision, sha256, date, valid_until,"
	" fetched_at, signer, body, signature) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)" };
static const struct pf_sql INDEX_LOAD = { PF_SQL_INDEX_LOAD, "load index",
	"SELECT revision, sha256, date, valid_until, fetched_at, signer, body"
	" FROM indexes WHERE series = ?1 AND arch = ?2" };

int pf_db_init_system(struct pf_db *db, const char *series, const char *arch, unsigned core)
{
	sqlite3_stmt *s = pf_sql_query(db, &SYSTEM_COUNT, PF_NO_ARGS);
	int64_t rows = 0;
	int rc;

	/* The one row is its own primary key: say what is wrong in words. */
	if (!s || (rc = pf_sql_next(db, s, SYSTEM_COUNT.what)) < 0)
		return -1;
	if (rc > 0)
		rows = sqlite3_column_int64(s, 0);
	pf_sql_done(s);
	if (rows > 0)
		return pf_fail(pf_db_ctx(db), PF_E_USAGE, "database %s is already initialised",
			       pf_db_display(db));
	return pf_sql_exec(db, &SYSTEM_INSERT, PF_ARGS(A_TEXT(series), A_TEXT(arch), A_INT(core)));
}

int pf_db_get_system(struct pf_db *db, struct pf_system *out)
{
	sqlite3_stmt *s = pf_sql_query(db, &SYSTEM_GET, PF_NO_ARGS);
	int rc;

	if (!s)
		return -1;
	rc = pf_sql_next(db, s, SYSTEM_GET.what);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return pf_fail(pf_db_ctx(db), PF_E_USAGE,
			       "database %s holds no system: run 'pakfire init --series S --core N' first",
			       pf_db_display(db));
	memset(out, 0, sizeof(*out));
	pf_sql_text(s, 0, out->series, sizeof(out->series));
	pf_sql_text(s, 1, out->arch, sizeof(out->arch));
	out->core = (unsigned)sqlite3_column_int64(s, 2);
	out->revision = (uint64_t)sqlite3_column_int64(s, 3);
	pf_sql_text(s, 4, out->index_sha256, sizeof(out->index_sha256));
	pf_sql_done(s);
	return 0;
}

int pf_db_store_index(struct pf_db *db, const char *series, const char *arch,
		      const struct pf_stored_index *idx, const void *sig, size_t sig_len)
{
	if (pf_db_begin(db) < 0)
		return -1;
	if (pf_sql_exec(db, &INDEX_STORE,
			PF_ARGS(A_TEXT(series), A_TEXT(arch), A_INT(idx->revision),
				A_TEXT(idx->sha256), A_INT(idx->date), A_INT(idx->valid_until),
				A_INT(idx->fetched_at), A_TEXT(idx->signer),
				A_BLOB(idx->body, idx->body_len), A_BLOB(sig, sig_len))) < 0 ||
	    pf_sql_exec(db, &SYSTEM_SET_INDEX,
			PF_ARGS(A_INT(idx->revision), A_TEXT(idx->sha256), A_TEXT(series))) < 0 ||
	    pf_db_commit(db) < 0)
		return pf_db_rollback(db);
	return 0;
}

void pf_stored_index_clear(struct pf_stored_index *idx)
{
	free(idx->body);
	memset(idx, 0, sizeof(*idx));
}

int pf_db_load_index(struct pf_db *db, const char *series, const char *arch,
		     struct pf_stored_index *out, bool *found)
{
	sqlite3_stmt *s = pf_sql_query(db, &INDEX_LOAD, PF_ARGS(A_TEXT(series), A_TEXT(arch)));
	int rc, r;

	memset(out, 0, sizeof(*out));
	*found = false;
	if (!s)
		return -1;
	rc = pf_sql_next(db, s, INDEX_LOAD.what);
	if (rc <= 0)
		return rc;
	out->revision = (uint64_t)sqlite3_column_int64(s, 0);
	pf_sql_text(s, 1, out->sha256, sizeof(out->sha256));
	out->date = sqlite3_column_int64(s, 2);
	out->valid_until = sqlite3_column_int64(s, 3);
	out->fetched_at = sqlite3_column_int64(s, 4);
	pf_sql_text(s, 5, out->signer, sizeof(out->signer));
	r = pf_sql_dup(db, s, 6, &out->body, &out->body_len);
	pf_sql_done(s);
	*found = r == 0;
	return r;
}

int pf_db_set_series(struct pf_db *db, const char *series)
{
	return pf_sql_exec(db, &SYSTEM_MOVE_SERIES, PF_ARGS(A_TEXT(series)));
}

int pf_db_get_reboot(struct pf_db *db, struct pf_reboot *out)
{
	sqlite3_stmt *s = pf_sql_query(db, &SYSTEM_REBOOT_GET, PF_NO_ARGS);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -1;
	rc = pf_sql_next(db, s, SYSTEM_REBOOT_GET.what);
	if (rc > 0) {
		out->pending = true;
		pf_sql_text(s, 0, out->boot_id, sizeof(out->boot_id));
		pf_sql_text(s, 1, out->unit, sizeof(out->unit));
		pf_sql_done(s);
	}
	return rc < 0 ? -1 : 0;
}

int pf_db_clear_reboot(struct pf_db *db)
{
	return pf_sql_exec(db, &SYSTEM_REBOOT_CLEAR, PF_NO_ARGS);
}
