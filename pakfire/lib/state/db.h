/* The database handle. State lives in SQLite: the system, the verified
 * index, the units applied (core updates, later add-ons), every file they
 * own, every transaction with its steps and space checks, and the journal of
 * the unit being applied. The schema is in schema.c and reads as
 * documentation of the state; one file per concern holds its statements
 * (system.c, history.c, files.c, journal.c, units.c), all run one way
 * (stmt.h). The handle is its own: it takes its path, and reaches the
 * context only to report errors. */
#ifndef PF_STATE_DB_H
#define PF_STATE_DB_H

#include <stdbool.h>

struct pf_ctx;
struct pf_db;

enum pf_db_open_flags {
	PF_DB_CREATE  = 1 << 0, /* create it (and its folder) when missing */
	PF_DB_MIGRATE = 1 << 1, /* apply pending migrations: only under the lock,
				 * so that no other pakfire has it open while
				 * tables change shape */
	PF_DB_READONLY = 1 << 2, /* diagnose: read only, write nothing at all,
				  * not even the -wal and -shm files (see
				  * pf_db_open); never with the other flags */
};

/* Open the database at PATH (absolute, taken inside the root). Without
 * PF_DB_CREATE a missing database is a usage error that says to run init.
 * Without PF_DB_MIGRATE an older schema is opened as it is, and
 * pf_db_outdated() says so: its reader must not use it before it was
 * migrated. A newer schema than this pakfire knows is always refused. */
int pf_db_open(struct pf_ctx *ctx, const char *path, unsigned flags, struct pf_db **out);

/* PF_DB_READONLY: the database is opened with SQLite's read-only mode.
 * When no -wal file lies beside it, no connection has it open (the last
 * one to close removes it), so it is opened immutable: nothing is
 * created beside it, the root stays byte for byte as it was; a writer
 * that starts meanwhile is the lock's holder, which diagnose reports.
 * When one does, a live pakfire has it open and the read shares its WAL
 * (a consistent snapshot; the -shm is that pakfire's). Nothing is
 * migrated; an older schema is opened as it is (pf_db_outdated). */

/* PF_DB_READONLY opened immutable takes no lock: a pakfire that starts
 * writing meanwhile is not seen, and what was read may be torn. Whether
 * that may have happened: a -wal lies beside it now, or the file's inode,
 * size or mtime changed since it was opened. A read that must be trusted
 * (diagnose's integrity_check, the bundle's copy) checks this after it
 * ran, and when true (or when it found damage) reads again after
 * pf_db_reopen, before calling the database damaged. */
bool pf_db_read_may_be_torn(struct pf_db *db);
bool pf_db_immutable(const struct pf_db *db);
/* Open a PF_DB_READONLY database again, as pf_db_open would now: with
 * mode=ro, through the locks and the WAL of the live pakfire, when a -wal
 * lies beside it; else immutable again, a fresh read (mode=ro there would
 * leave a -wal and -shm beside it). The schema read at open stays. */
int pf_db_reopen(struct pf_db *db);

/* Whether the schema is older than this pakfire's (it needs PF_DB_MIGRATE). */
bool pf_db_outdated(const struct pf_db *db);
void pf_db_close(struct pf_db *db);

/* Whether the database file exists (for init, which must not overwrite). */
int pf_db_exists(struct pf_ctx *ctx, const char *path, bool *exists);

/* The context errors go to, and the path for messages. */
struct pf_ctx *pf_db_ctx(const struct pf_db *db);
const char *pf_db_display(const struct pf_db *db);

/* BEGIN IMMEDIATE / COMMIT; pf_db_rollback returns -1 for `return`. */
int pf_db_begin(struct pf_db *db);
int pf_db_commit(struct pf_db *db);
int pf_db_rollback(struct pf_db *db);

/* The schema version of this database (PRAGMA user_version, as opened). */
int pf_db_schema(const struct pf_db *db);

/* The newest schema version this pakfire knows (PRAGMA user_version). */
int pf_db_schema_latest(void);

#endif
