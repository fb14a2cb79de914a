/* The commit point of a unit: see units.h. */
#include <string.h>
#include <time.h>

#include "base/context.h"
#include "format/manifest.h"
#include "base/hash.h"
#include "state/history.h"
#include "state/journal.h"
#include "state/stmt.h"
#include "state/units.h"

static const struct pf_sql UNIT_UPSERT = { PF_SQL_UNIT_UPSERT, "record unit",
	"INSERT INTO units (id, kind, number, version, series, applied_at, outcome, transaction_id)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'applied', ?7)"
	" ON CONFLICT (id) DO UPDATE SET kind = ?2, number = ?3, version = ?4, series = ?5,"
	" applied_at = ?6, outcome = 'applied', transaction_id = ?7" };
static const struct pf_sql SYSTEM_SET_CORE = { PF_SQL_SYSTEM_SET_CORE, "advance core level",
	"UPDATE system SET core = ?1 WHERE id = 1" };
static const struct pf_sql FILE_UPSERT = { PF_SQL_FILE_UPSERT, "record file",
	"INSERT INTO files (path, type, mode, uid, gid, size, sha256, target, owner)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	" ON CONFLICT (path) DO UPDATE SET type = ?2, mode = ?3, uid = ?4,"
	" gid = ?5, size = ?6, sha256 = ?7, target = ?8, owner = ?9" };
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

int pf_db_commit_unit(struct pf_db *db, int64_t tx, const struct pf_unit_record *u,
		      const struct pf_manifest *m, char *const *removed, size_t n_removed)
{
	bool core = u->number > 0 && !strcmp(u->kind, "core");

	if (pf_db_begin(db) < 0)
		return -1;
	/* The unit first: its files refer to it. */
	if (pf_sql_exec(db, &UNIT_UPSERT,
			PF_ARGS(A_TEXT(u->id), A_TEXT(u->kind),
				core ? A_INT(u->number) : A_TEXT(NULL), /* NULL for an add-on */
				A_TEXT(u->version), A_TEXT(u->series), A_INT(time(NULL)),
				A_INT(tx))) < 0)
		return pf_db_rollback(db);
	for (size_t i = 0; i < m->n; i++) {
		const struct pf_entry *e = &m->entries[i];

		if ((e->type == PF_ENTRY_FILE || e->type == PF_ENTRY_DIR ||
		     e->type == PF_ENTRY_SYMLINK) && record_entry(db, e, u->id) < 0)
			return pf_db_rollback(db);
	}
	for (size_t i = 0; i < n_removed; i++)
		if (pf_sql_exec(db, &FILE_DELETE, PF_ARGS(A_TEXT(removed[i]))) < 0)
			return pf_db_rollback(db);
	if ((core && pf_sql_exec(db, &SYSTEM_SET_CORE, PF_ARGS(A_INT(u->number))) < 0) ||
	    pf_db_journal_committed(db, u->id, removed, n_removed) < 0 ||
	    pf_db_tx_step(db, tx, u->id, "committed", NULL) < 0 ||
	    pf_db_commit(db) < 0)
		return pf_db_rollback(db);
	return 0;
}
