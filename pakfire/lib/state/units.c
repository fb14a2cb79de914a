/* The commit point of a unit and the installed add-ons: see units.h. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/context.h"
#include "format/manifest.h"
#include "base/hash.h"
#include "state/history.h"
#include "state/journal.h"
#include "state/stmt.h"
#include "state/hooks.h"
#include "state/units.h"

static const struct pf_sql UNIT_UPSERT = { PF_SQL_UNIT_UPSERT, "record unit",
	"INSERT INTO units (id, kind, number, version, series, applied_at, outcome, transaction_id,"
	" reason, depends, summary)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'applied', ?7, ?8, ?9, ?10)"
	" ON CONFLICT (id) DO UPDATE SET kind = ?2, number = ?3, version = ?4, series = ?5,"
	" applied_at = ?6, outcome = 'applied', transaction_id = ?7,"
	/* an upgrade keeps why the add-on is there, unless the admin asks */
	" reason = CASE WHEN outcome = 'applied' AND ?8 = 'dependency' THEN reason ELSE ?8 END,"
	" depends = ?9, summary = ?10" };
static const struct pf_sql UNIT_REMOVED = { PF_SQL_UNIT_REMOVED, "record removal",
	"UPDATE units SET outcome = 'removed', applied_at = ?2, transaction_id = ?3 WHERE id = ?1" };
static const struct pf_sql UNIT_FORGET_FILES = { PF_SQL_UNIT_FORGET_FILES, "forget files of removed add-on",
	"DELETE FROM files WHERE owner = ?1" };
static const struct pf_sql UNIT_ADDONS = { PF_SQL_UNIT_ADDONS, "read installed add-ons",
	"SELECT id, version, series, coalesce(reason, 'explicit'), coalesce(depends, ''),"
	" coalesce(summary, '') FROM units WHERE kind = 'addon' AND outcome = 'applied' ORDER BY id" };
static const struct pf_sql UNIT_REASON = { PF_SQL_UNIT_REASON, "record add-on as asked for",
	"UPDATE units SET reason = 'explicit' WHERE id = ?1 AND kind = 'addon'" };
static const struct pf_sql UNIT_FILES = { PF_SQL_UNIT_FILES, "read files of unit",
	"SELECT path, type FROM files WHERE owner = ?1 ORDER BY path DESC" };
static const struct pf_sql SYSTEM_SET_CORE = { PF_SQL_SYSTEM_SET_CORE, "advance core level",
	"UPDATE system SET core = ?1 WHERE id = 1" };
static const struct pf_sql SYSTEM_REBOOT_SET = { PF_SQL_SYSTEM_REBOOT_SET, "remember the reboot",
	"UPDATE system SET reboot_boot_id = ?1, reboot_unit = ?2 WHERE id = 1" };
static const struct pf_sql SYSTEM_SET_SERIES = { PF_SQL_SYSTEM_SET_SERIES, "move to new series",
	"UPDATE system SET series = ?1 WHERE id = 1" };
/* A directory an add-on lists stays with the unit that had it: an add-on
 * listing usr/bin must not take it from the core, and its removal must
 * not try to take it away. The core takes every directory it lists. */
static const struct pf_sql FILE_UPSERT = { PF_SQL_FILE_UPSERT, "record file",
	"INSERT INTO files (path, type, mode, uid, gid, size, sha256, target, owner)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	" ON CONFLICT (path) DO UPDATE SET type = ?2, mode = ?3, uid = ?4,"
	" gid = ?5, size = ?6, sha256 = ?7, target = ?8,"
	" owner = CASE WHEN type = 'dir' AND ?2 = 'dir' AND ?9 NOT LIKE 'core-%' THEN owner"
	" ELSE ?9 END" };
static const struct pf_sql FILE_DELETE = { PF_SQL_FILE_DELETE, "forget removed file",
	"DELETE FROM files WHERE path = ?1" };

static int record_entry(struct pf_db *db, const struct pf_entry *e, const char *owner)
{
	char hex[65];

	if (e->type == PF_ENTRY_FILE)
		pf_hex(e->sha256, hex);
	return pf_sql_exec(db, &FILE_UPSERT,
			   PF_ARGS(A_TEXT(e->path), A_TEXT(pf_entry_type_name(e->type)),
				   A_INT(e->mode), A_INT(e->uid), A_INT(e->gid), A_INT(e->size),
				   A_TEXT(e->type == PF_ENTRY_FILE ? hex : NULL),
				   A_TEXT(e->type == PF_ENTRY_SYMLINK ? e->target : NULL),
				   A_TEXT(owner)));
}

/* The unit's own row: applied (with its files), or removed. */
static int record_unit(struct pf_db *db, int64_t tx, const struct pf_unit_record *u, bool core,
		       const struct pf_manifest *m)
{
	if (u->removing)
		return pf_sql_exec(db, &UNIT_REMOVED,
				   PF_ARGS(A_TEXT(u->id), A_INT(time(NULL)), A_INT(tx))) < 0 ||
		       pf_sql_exec(db, &UNIT_FORGET_FILES, PF_ARGS(A_TEXT(u->id))) < 0 ? -1 : 0;
	/* The unit first: its files refer to it. */
	if (pf_sql_exec(db, &UNIT_UPSERT,
			PF_ARGS(A_TEXT(u->id), A_TEXT(u->kind),
				core ? A_INT(u->number) : A_TEXT(NULL), /* NULL for an add-on */
				A_TEXT(u->version), A_TEXT(u->series), A_INT(time(NULL)),
				A_INT(tx), A_TEXT(core ? NULL : u->reason ? u->reason : "explicit"),
				A_TEXT(u->depends), A_TEXT(u->summary))) < 0)
		return -1;
	for (size_t i = 0; i < m->n; i++) {
		const struct pf_entry *e = &m->entries[i];

		if ((e->type == PF_ENTRY_FILE || e->type == PF_ENTRY_DIR ||
		     e->type == PF_ENTRY_SYMLINK) && record_entry(db, e, u->id) < 0)
			return -1;
	}
	return 0;
}

int pf_db_commit_unit(struct pf_db *db, int64_t tx, const struct pf_unit_record *u,
		      const struct pf_manifest *m, char *const *removed, size_t n_removed)
{
	bool core = u->number > 0 && !strcmp(u->kind, "core");

	if (pf_db_begin(db) < 0)
		return -1;
	if (record_unit(db, tx, u, core, m) < 0)
		return pf_db_rollback(db);
	for (size_t i = 0; i < n_removed; i++)
		if (pf_sql_exec(db, &FILE_DELETE, PF_ARGS(A_TEXT(removed[i]))) < 0)
			return pf_db_rollback(db);
	/* The level and the series move with the unit, in the same commit:
	 * killed after it, the next run is on the new series already. */
	/* Its hooks and its post hooks' runs with it: committed, they are
	 * due, and a crash before they end leaves them for recovery. */
	if (pf_db_hooks_set(db, u->id, u->hooks, u->n_hooks) < 0)
		return pf_db_rollback(db);
	for (size_t i = 0; i < u->n_post; i++)
		if (pf_db_hook_run_add(db, tx, u->id, u->post[i].phase, u->post[i].name,
				       u->post[i].sha256, "pending", 0, &u->post_ids[i]) < 0)
			return pf_db_rollback(db);
	if ((core && pf_sql_exec(db, &SYSTEM_SET_CORE, PF_ARGS(A_INT(u->number))) < 0) ||
	    (core && u->series_switch &&
	     pf_sql_exec(db, &SYSTEM_SET_SERIES, PF_ARGS(A_TEXT(u->series_switch))) < 0) ||
	    (u->reboot_boot_id &&
	     pf_sql_exec(db, &SYSTEM_REBOOT_SET, PF_ARGS(A_TEXT(u->reboot_boot_id),
							A_TEXT(u->id))) < 0) ||
	    pf_db_journal_committed(db, u->id, removed, n_removed) < 0 ||
	    pf_db_tx_step_record(db, tx, u->id, "committed", NULL) < 0 ||
	    pf_db_commit(db) < 0)
		return pf_db_rollback(db);
	pf_db_tx_step_told(db, tx, u->id, "committed", NULL);
	return 0;
}

void pf_addon_rows_free(struct pf_addon_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].depends);
		free(rows[i].summary);
	}
	free(rows);
}

int pf_db_addons(struct pf_db *db, struct pf_addon_row **out, size_t *n)
{
	sqlite3_stmt *s = pf_sql_query(db, &UNIT_ADDONS, PF_NO_ARGS);
	struct pf_addon_row *rows = NULL;
	size_t len;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = pf_sql_next(db, s, UNIT_ADDONS.what)) > 0) {
		struct pf_addon_row *more = realloc(rows, (*n + 1) * sizeof(*rows)), *r;

		if (!more) {
			pf_sql_done(s);
			pf_addon_rows_free(rows, *n);
			*n = 0;
			return pf_fail(pf_db_ctx(db), PF_E_OTHER, "out of memory");
		}
		rows = more;
		r = memset(&rows[(*n)++], 0, sizeof(*r));
		pf_sql_text(s, 0, r->name, sizeof(r->name));
		pf_sql_text(s, 1, r->version, sizeof(r->version));
		pf_sql_text(s, 2, r->series, sizeof(r->series));
		pf_sql_text(s, 3, r->reason, sizeof(r->reason));
		if (pf_sql_dup(db, s, 4, &r->depends, &len) < 0 ||
		    pf_sql_dup(db, s, 5, &r->summary, &len) < 0) {
			pf_sql_done(s);
			pf_addon_rows_free(rows, *n);
			*n = 0;
			return -1;
		}
	}
	if (rc < 0) {
		pf_addon_rows_free(rows, *n);
		*n = 0;
		return -1;
	}
	*out = rows;
	return 0;
}

int pf_db_addon_set_explicit(struct pf_db *db, const char *name)
{
	return pf_sql_exec(db, &UNIT_REASON, PF_ARGS(A_TEXT(name)));
}

int pf_db_unit_paths(struct pf_db *db, const char *id, pf_unit_path_fn fn, void *data)
{
	sqlite3_stmt *s = pf_sql_query(db, &UNIT_FILES, PF_ARGS(A_TEXT(id)));
	int rc;

	if (!s)
		return -1;
	while ((rc = pf_sql_next(db, s, UNIT_FILES.what)) > 0) {
		int r = fn(data, (const char *)sqlite3_column_text(s, 0),
			   (const char *)sqlite3_column_text(s, 1));

		if (r) {
			pf_sql_done(s);
			return r;
		}
	}
	return rc;
}
