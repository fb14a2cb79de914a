/* state/: a database written by the pakfire before units (schema version 3)
 * is moved to units by migration 4 with nothing lost: every applied update,
 * owned file, step, space check and an interrupted journal row, whose
 * staged names keep the tag they were written with. The rows are written
 * with the exact schema and statements of that release (pakfire/lib/db.c
 * at b8473da), copied here so that no later edit of schema.c can move the
 * fixture along with it. */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "unit.h"

#include "apply/journal.h"
#include "state/db.h"
#include "state/files.h"
#include "state/history.h"
#include "state/journal.h"
#include "state/system.h"

/* The migrations 1 to 3 of that release, verbatim. */
static const char *const v3_schema[] = {
	/* 1: the state of a system */
	"CREATE TABLE system ("
	"  id           INTEGER PRIMARY KEY CHECK (id = 1),"
	"  series       TEXT NOT NULL,"           /* repository series, e.g. 2.25 */
	"  arch         TEXT NOT NULL,"
	"  core         INTEGER NOT NULL,"        /* core level: last update fully applied */
	"  revision     INTEGER NOT NULL DEFAULT 0," /* highest index Revision seen */
	"  index_sha256 TEXT NOT NULL DEFAULT ''" /* hash of that index */
	");"
	/* The last verified index per series/arch, exactly as signed. */
	"CREATE TABLE indexes ("
	"  series      TEXT NOT NULL,"
	"  arch        TEXT NOT NULL,"
	"  revision    INTEGER NOT NULL,"
	"  sha256      TEXT NOT NULL,"
	"  date        INTEGER NOT NULL,"
	"  valid_until INTEGER NOT NULL,"
	"  fetched_at  INTEGER NOT NULL,"
	"  signer      TEXT NOT NULL,"
	"  body        BLOB NOT NULL,"
	"  signature   BLOB NOT NULL,"
	"  PRIMARY KEY (series, arch)"
	");"
	/* Every command that changed or tried to change something. */
	"CREATE TABLE transactions ("
	"  id        INTEGER PRIMARY KEY,"
	"  command   TEXT NOT NULL,"
	"  started   INTEGER NOT NULL,"
	"  ended     INTEGER,"                     /* NULL while running or if killed */
	"  outcome   TEXT,"                        /* ok | failed | refused */
	"  exit_code INTEGER,"
	"  error     TEXT"
	");"
	/* How far each update got, in order. */
	"CREATE TABLE steps ("
	"  id             INTEGER PRIMARY KEY,"
	"  transaction_id INTEGER NOT NULL REFERENCES transactions(id),"
	"  at             INTEGER NOT NULL,"
	"  update_number  INTEGER,"
	"  step           TEXT NOT NULL,"
	"  detail         TEXT"
	");"
	"CREATE INDEX steps_by_transaction ON steps(transaction_id);"
	/* Core updates applied (or failed). */
	"CREATE TABLE updates ("
	"  number         INTEGER PRIMARY KEY,"
	"  series         TEXT NOT NULL,"
	"  applied_at     INTEGER NOT NULL,"
	"  outcome        TEXT NOT NULL,"          /* applied | failed */
	"  transaction_id INTEGER REFERENCES transactions(id)"
	");"
	/* Every path owned, as the update that installed it left it. */
	"CREATE TABLE files ("
	"  path   TEXT PRIMARY KEY,"
	"  type   TEXT NOT NULL,"                  /* file | dir | symlink */
	"  mode   INTEGER NOT NULL DEFAULT 0,"
	"  uid    INTEGER NOT NULL DEFAULT 0,"
	"  gid    INTEGER NOT NULL DEFAULT 0,"
	"  size   INTEGER NOT NULL DEFAULT 0,"
	"  sha256 TEXT,"                           /* files only */
	"  target TEXT,"                           /* symlinks only */
	"  owner  INTEGER NOT NULL"                /* core update number */
	") WITHOUT ROWID;",
	/* 2: every space check, so a refusal can be read with its figures */
	"CREATE TABLE space_checks ("
	"  id               INTEGER PRIMARY KEY,"
	"  transaction_id   INTEGER NOT NULL REFERENCES transactions(id),"
	"  at               INTEGER NOT NULL,"
	"  update_number    INTEGER NOT NULL,"
	"  mount            TEXT NOT NULL,"       /* as the user knows it: /boot */
	"  needed           INTEGER NOT NULL,"    /* bytes at the peak */
	"  available        INTEGER NOT NULL,"    /* bytes, as df shows them */
	"  reserve          INTEGER NOT NULL,"
	"  inodes_needed    INTEGER NOT NULL,"
	"  inodes_available INTEGER NOT NULL,"
	"  fits             INTEGER NOT NULL"     /* 1 or 0 */
	");",
	/* 3: the journal of the update being applied; recovery reads it */
	"CREATE TABLE journal ("
	"  update_number  INTEGER PRIMARY KEY,"
	"  transaction_id INTEGER NOT NULL REFERENCES transactions(id),"
	"  state          TEXT NOT NULL,"         /* staging | committing | committed */
	"  series         TEXT NOT NULL,"
	"  manifest       BLOB NOT NULL,"         /* the verified manifest being applied */
	"  fresh          TEXT NOT NULL DEFAULT ''," /* per manifest entry: 1 = no original */
	"  removals       TEXT NOT NULL DEFAULT ''," /* decided at commit, one path a line */
	"  started        INTEGER NOT NULL,"
	"  updated        INTEGER NOT NULL"
	");",
};

static const char v3_rows[] =
	"INSERT INTO system (id, series, arch, core) VALUES (1, '2.25', 'x86_64', 139);"
	"INSERT INTO transactions (command, started, ended, outcome, exit_code)"
	"  VALUES ('upgrade', 1000, 1010, 'ok', 0);"
	"INSERT INTO transactions (command, started) VALUES ('upgrade', 2000);"
	"INSERT INTO steps (transaction_id, at, update_number, step, detail)"
	"  VALUES (1, 1001, 139, 'downloading', 'core/core-139.pak');"
	"INSERT INTO steps (transaction_id, at, update_number, step, detail)"
	"  VALUES (1, 1009, 139, 'committed', NULL);"
	"INSERT INTO steps (transaction_id, at, update_number, step, detail)"
	"  VALUES (2, 2001, NULL, 'note', NULL);"
	"INSERT INTO space_checks (transaction_id, at, update_number, mount, needed,"
	"  available, reserve, inodes_needed, inodes_available, fits)"
	"  VALUES (1, 1002, 139, '/boot', 100, 200, 4, 3, 50, 1);"
	"INSERT OR REPLACE INTO updates (number, series, applied_at, outcome, transaction_id)"
	"  VALUES (139, '2.25', 1009, 'applied', 1);"
	"INSERT INTO files (path, type, mode, uid, gid, size, sha256, target, owner)"
	"  VALUES ('usr/bin/mini', 'file', 493, 0, 0, 5,"
	"  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', NULL, 139);"
	"INSERT INTO files (path, type, mode, uid, gid, size, sha256, target, owner)"
	"  VALUES ('usr/lib/libmini.so', 'symlink', 0, 0, 0, 0, NULL, 'libmini.so.139', 139);"
	"INSERT OR REPLACE INTO journal (update_number, transaction_id, state, series, manifest,"
	"  started, updated) VALUES (140, 2, 'staging', '2.25', X'70616b666972652d6d616e69666573740931', 2002, 2002);"
	"UPDATE journal SET state = 'committing', fresh = '0', updated = 2003 WHERE update_number = 140;";

struct fixture {
	char dir[64];
	struct pf_ctx *ctx;
};

/* A database as the release before units left it. */
static int write_v3(const char *path)
{
	sqlite3 *h = NULL;
	int r = -1;

	if (sqlite3_open(path, &h) != SQLITE_OK)
		goto out;
	for (int v = 0; v < 3; v++)
		if (sqlite3_exec(h, v3_schema[v], NULL, NULL, NULL) != SQLITE_OK)
			goto out;
	if (sqlite3_exec(h, "PRAGMA user_version = 3", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(h, v3_rows, NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	r = 0;
out:
	if (r < 0)
		fprintf(stderr, "v3 fixture: %s\n", h ? sqlite3_errmsg(h) : "no handle");
	sqlite3_close(h);
	return r;
}

static int fx_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/pf-migrate-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(path, sizeof(path), "%s/pakfire.db", f->dir);
	f->ctx = pf_ctx_new();
	if (!f->ctx || pf_ctx_set_root(f->ctx, f->dir) < 0 || write_v3(path) < 0)
		return -1;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	if (!f)
		return 0;
	pf_ctx_free(f->ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

static void scalar(struct pf_db *db, const char *path, const char *sql, const char *want)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	const unsigned char *t;

	(void)db;
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(h));
	/* No row reads as NULL (foreign_key_check finds nothing wrong). */
	t = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
	if (strcmp(t ? (const char *)t : "NULL", want))
		fail_msg("%s: got %s, want %s", sql, t ? (const char *)t : "NULL", want);
	sqlite3_finalize(s);
	sqlite3_close(h);
}

static void v3_database_moves_to_units(void **state)
{
	struct fixture *f = *state;
	struct pf_db *db = NULL;
	struct pf_system sys;
	struct pf_owned own;
	struct pf_journal_entry j;
	struct pf_history_entry *h = NULL;
	char path[128], name[PF_NAME_MAX], latest[16];
	size_t n = 0;
	bool found;

	snprintf(path, sizeof(path), "%s/pakfire.db", f->dir);
	/* A reader (no lock) leaves an older schema alone and says so. */
	assert_int_equal(pf_db_open(f->ctx, "/pakfire.db", 0, &db), 0);
	assert_true(pf_db_outdated(db));
	scalar(db, path, "PRAGMA user_version", "3");
	pf_db_close(db);
	/* Under the lock, it is migrated. */
	assert_int_equal(pf_db_open(f->ctx, "/pakfire.db", PF_DB_MIGRATE, &db), 0);
	assert_false(pf_db_outdated(db));
	snprintf(latest, sizeof(latest), "%d", pf_db_schema_latest());
	scalar(db, path, "PRAGMA user_version", latest);
	/* A journal row of an older pakfire recorded no folders. */
	scalar(db, path, "SELECT count(*) FROM journal WHERE folders = ''", "1");
	assert_int_equal(pf_db_get_system(db, &sys), 0);
	assert_int_equal(sys.core, 139);
	/* Owned files: by the unit now, everything else as it was. */
	assert_int_equal(pf_db_owned(db, "usr/bin/mini", &own), 0);
	assert_true(own.found);
	assert_string_equal(own.owner, "core-139");
	assert_int_equal(own.mode, 493);
	assert_int_equal(own.size, 5);
	scalar(db, path, "SELECT target FROM files WHERE path = 'usr/lib/libmini.so'", "libmini.so.139");
	scalar(db, path, "SELECT id || ' ' || kind || ' ' || number || ' ' || transaction_id FROM units",
	       "core-139 core 139 1");
	/* The old table's readers keep working through the view. */
	scalar(db, path, "SELECT number || ' ' || outcome FROM updates", "139 applied");
	scalar(db, path, "SELECT unit || ' ' || mount || ' ' || needed FROM space_checks",
	       "core-139 /boot 100");
	/* Migration 6: the verdict's columns, NULL in rows recorded before. */
	scalar(db, path, "SELECT count(*) FROM space_checks WHERE verdict IS NULL AND total IS NULL"
	       " AND usable IS NULL AND minimum IS NULL AND recommended IS NULL"
	       " AND freeable IS NULL AND freeable_list IS NULL", "1");
	scalar(db, path, "PRAGMA foreign_key_check", "NULL");
	/* Steps keep their unit (or none). */
	assert_int_equal(pf_db_history(db, 0, &h, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(h[0].n_steps, 2);
	assert_string_equal(h[0].steps[0].unit, "core-139");
	assert_string_equal(h[0].steps[1].step, "committed");
	assert_string_equal(h[1].steps[0].unit, "");
	pf_history_free(h, n);
	/* The interrupted journal row: its staged names are those the old
	 * release wrote (".pakfire-140-I"), so recovery finds them. */
	assert_int_equal(pf_db_journal_first(db, &j, &found), 0);
	assert_true(found);
	assert_string_equal(j.unit, "core-140");
	assert_string_equal(j.tag, "140");
	assert_string_equal(j.state, "committing");
	assert_string_equal(j.fresh, "0");
	assert_int_equal(j.tx, 2);
	assert_int_equal(j.manifest_len, 18);
	pf_stage_name(name, j.tag, 3);
	assert_string_equal(name, ".pakfire-140-3");
	pf_backup_name(name, j.tag, 3);
	assert_string_equal(name, ".pakfire-old-140-3");
	pf_journal_entry_clear(&j);
	/* A check recorded now carries its verdict; a row that fits has no
	 * minimum or freeable figures. */
	struct pf_space_record rec = {
		.unit = "core-141", .mount = "/boot", .needed = 51275776, .available = 19922944,
		.fits = false, .verdict = "never-fits", .total = 20971520, .usable = 20971520,
		.judged = true, .minimum = 51275776, .recommended = 134217728, .freeable = 4096,
		.freeable_list = "unowned\t4096\t/boot/vmlinuz-old\n",
	};
	if (pf_db_record_space(db, 1, &rec) < 0)
		fail_msg("%s", pf_error_message(f->ctx));
	rec = (struct pf_space_record){ .unit = "core-141", .mount = "/", .fits = true,
					.verdict = "fits", .total = 1, .usable = 1 };
	assert_int_equal(pf_db_record_space(db, 1, &rec), 0);
	scalar(db, path, "SELECT verdict || ' ' || total || ' ' || usable || ' ' || minimum || ' ' ||"
	       " recommended || ' ' || freeable || ' ' || freeable_list FROM space_checks"
	       " WHERE mount = '/boot' AND unit = 'core-141'",
	       "never-fits 20971520 20971520 51275776 134217728 4096 unowned\t4096\t/boot/vmlinuz-old\n");
	scalar(db, path, "SELECT verdict || ' ' || total || ' ' || coalesce(minimum, 'null') || ' ' ||"
	       " coalesce(freeable, 'null') || ' ' || coalesce(recommended, 'null') FROM space_checks"
	       " WHERE mount = '/'", "fits 1 null null null");
	pf_db_close(db);
	/* Opening again changes nothing. */
	assert_int_equal(pf_db_open(f->ctx, "/pakfire.db", PF_DB_MIGRATE, &db), 0);
	scalar(db, path, "SELECT count(*) FROM files", "2");
	pf_db_close(db);
}

static void newer_schema_is_refused(void **state)
{
	struct fixture *f = *state;
	struct pf_db *db = NULL;
	char path[128], sql[64];
	sqlite3 *h = NULL;

	snprintf(path, sizeof(path), "%s/pakfire.db", f->dir);
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", pf_db_schema_latest() + 1);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	expect_error(f->ctx, pf_db_open(f->ctx, "/pakfire.db", 0, &db), PF_E_OTHER,
		     "newer than this pakfire knows");
	assert_null(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(v3_database_moves_to_units, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(newer_schema_is_refused, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
