/* Owned files: see files.h. */
#include <string.h>

#include "base/context.h"
#include "base/hash.h"
#include "format/manifest.h"
#include "state/files.h"
#include "state/stmt.h"

static const struct pf_sql FILE_GET = { PF_SQL_FILE_GET, "look up owner",
	"SELECT type, owner, size, sha256, mode FROM files WHERE path = ?1" };
/* The primary key's order: no sort, and one read snapshot throughout. */
static const struct pf_sql FILE_ALL = { PF_SQL_FILE_ALL, "read files",
	"SELECT path, type, mode, uid, gid, size, sha256, target, owner FROM files ORDER BY path" };
static const struct pf_sql FILE_SIZES = { PF_SQL_FILE_SIZES, "read owned files",
	"SELECT path, type, size, length(target) FROM files" };

int pf_db_owned(struct pf_db *db, const char *path, struct pf_owned *out)
{
	sqlite3_stmt *s = pf_sql_query(db, &FILE_GET, PF_ARGS(A_TEXT(path)));
	const char *hex;
	int rc, r = 0;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -1;
	rc = pf_sql_next(db, s, FILE_GET.what);
	if (rc <= 0)
		return rc;
	out->found = true;
	pf_sql_text(s, 0, out->type, sizeof(out->type));
	pf_sql_text(s, 1, out->owner, sizeof(out->owner));
	out->size = (uint64_t)sqlite3_column_int64(s, 2);
	hex = (const char *)sqlite3_column_text(s, 3);
	if (hex && pf_unhex(hex, strlen(hex), out->sha256) < 0)
		r = pf_fail(pf_db_ctx(db), PF_E_OTHER, "database %s: bad hash recorded for %s",
			    pf_db_display(db), path);
	out->mode = (unsigned)sqlite3_column_int64(s, 4);
	pf_sql_done(s);
	return r;
}

/* One row of FILE_ALL as the entry that recorded it. */
static int file_row(struct pf_db *db, sqlite3_stmt *s, struct pf_entry *e)
{
	const char *type = (const char *)sqlite3_column_text(s, 1);
	const char *hex = (const char *)sqlite3_column_text(s, 6);

	memset(e, 0, sizeof(*e));
	e->path = (char *)sqlite3_column_text(s, 0);
	e->mode = (mode_t)sqlite3_column_int64(s, 2);
	e->uid = (uid_t)sqlite3_column_int64(s, 3);
	e->gid = (gid_t)sqlite3_column_int64(s, 4);
	e->size = (uint64_t)sqlite3_column_int64(s, 5);
	e->target = (char *)sqlite3_column_text(s, 7);
	if (!e->path || !type)
		return pf_fail(pf_db_ctx(db), PF_E_OTHER, "database %s: a files row without path or type",
			       pf_db_display(db));
	if (!strcmp(type, "file") && hex && pf_unhex(hex, strlen(hex), e->sha256) == 0)
		e->type = PF_ENTRY_FILE;
	else if (!strcmp(type, "dir"))
		e->type = PF_ENTRY_DIR;
	else if (!strcmp(type, "symlink") && e->target)
		e->type = PF_ENTRY_SYMLINK;
	else
		return pf_fail(pf_db_ctx(db), PF_E_OTHER, "database %s: bad %s row recorded for %s",
			       pf_db_display(db), type, e->path);
	return 0;
}

int pf_db_each_file(struct pf_db *db, pf_db_file_fn fn, void *data)
{
	sqlite3_stmt *s = pf_sql_query(db, &FILE_ALL, PF_NO_ARGS);
	struct pf_entry e;
	int rc;

	if (!s)
		return -1;
	while ((rc = pf_sql_next(db, s, FILE_ALL.what)) > 0) {
		const char *owner = (const char *)sqlite3_column_text(s, 8);

		if (file_row(db, s, &e) < 0 || fn(&e, owner ? owner : "", data) < 0) {
			pf_sql_done(s);
			return -1;
		}
	}
	return rc;
}

int pf_db_each_owned(struct pf_db *db, pf_owned_fn fn, void *data)
{
	sqlite3_stmt *s = pf_sql_query(db, &FILE_SIZES, PF_NO_ARGS);
	int rc;

	if (!s)
		return -1;
	while ((rc = pf_sql_next(db, s, FILE_SIZES.what)) > 0) {
		const char *path = (const char *)sqlite3_column_text(s, 0);
		const char *type = (const char *)sqlite3_column_text(s, 1);
		int r;

		if (!path || !type) {
			pf_sql_done(s);
			return pf_fail(pf_db_ctx(db), PF_E_OTHER,
				       "database %s: a file without path or type", pf_db_display(db));
		}
		r = fn(data, path, type, (uint64_t)sqlite3_column_int64(s, 2),
		       (uint64_t)sqlite3_column_int64(s, 3));
		if (r != 0) {
			pf_sql_done(s);
			return r;
		}
	}
	return rc;
}
