/* The database copied online: see backup.h. */
#include <sqlite3.h>

#include "base/context.h"
#include "base/error.h"
#include "state/backup.h"
#include "state/db.h"
#include "state/stmt.h"

/* A step that meets a busy or locked source is tried again: a live
 * pakfire holds its write lock only for the length of one commit, and a
 * checkpoint (its only other lock a reader can meet) is as short. */
#define BACKUP_TRIES 100
#define BACKUP_WAIT_MS 50

static int fail_dest(struct pf_ctx *ctx, struct pf_db *db, sqlite3 *out, const char *dest,
		     const char *what)
{
	return pf_fail(ctx, sqlite3_errcode(out) == SQLITE_FULL ? PF_E_SPACE : PF_E_OTHER,
		       "database %s: %s into %s: %s", pf_db_display(db), what, dest,
		       sqlite3_errmsg(out));
}

int pf_db_backup_file(struct pf_ctx *ctx, const char *path, const char *dest, const char *shown)
{
	struct pf_db *db = NULL;
	sqlite3 *out = NULL;
	sqlite3_backup *b;
	int rc = SQLITE_OK, r = -1;

	if (pf_db_open(ctx, path, PF_DB_READONLY, &db) < 0)
		return -1;
	/* No SQLITE_OPEN_NOFOLLOW: DEST is named through the caller's
	 * private folder's fd (/proc/self/fd/N/NAME), a symlink by design. */
	if (sqlite3_open_v2(dest, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		fail_dest(ctx, db, out, shown, "open the copy");
		goto out;
	}
	/* An immutable read takes no lock: a pakfire that began writing
	 * meanwhile may have torn the copy. Then it is made again, on a fresh
	 * connection (db.h, pf_db_reopen): through the locks and the WAL when
	 * that pakfire is still live. */
	for (int again = 0; again < 2; again++) {
		if (again && pf_db_reopen(db) < 0)
			goto out;
		b = sqlite3_backup_init(out, "main", pf_db_sqlite(db), "main");
		if (!b) {
			fail_dest(ctx, db, out, shown, "begin the copy");
			goto out;
		}
		/* Every page in one step: one read transaction, one snapshot. */
		for (int i = 0; i < BACKUP_TRIES; i++) {
			rc = sqlite3_backup_step(b, -1);
			if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
				break;
			sqlite3_sleep(BACKUP_WAIT_MS);
		}
		if (rc != SQLITE_DONE || !pf_db_read_may_be_torn(db))
			break;
		if (sqlite3_backup_finish(b) != SQLITE_OK) {
			b = NULL;
			rc = SQLITE_ERROR;
			break;
		}
		b = NULL;
	}
	/* finish reports the step's error on OUT; DONE is its success */
	if ((b && sqlite3_backup_finish(b) != SQLITE_OK) || rc != SQLITE_DONE) {
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			pf_fail(ctx, PF_E_OTHER, "database %s: still busy after %d s, no copy made",
				pf_db_display(db), BACKUP_TRIES * BACKUP_WAIT_MS / 1000);
		else
			fail_dest(ctx, db, out, shown, "copy");
		goto out;
	}
	/* The copy carries the live database's WAL mode in its header: make
	 * it one file, which needs no -wal beside it wherever it is opened. */
	if (sqlite3_exec(out, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		fail_dest(ctx, db, out, shown, "leave WAL mode");
		goto out;
	}
	r = 0;
out:
	if (out && sqlite3_close(out) != SQLITE_OK && r == 0)
		r = fail_dest(ctx, db, out, shown, "close the copy");
	pf_db_close(db);
	return r;
}
