/* The one way to run a statement (inside state/ only).
 *
 * Each file of state/ declares its statements next to the code that uses
 * them, as `static const struct pf_sql`; the handle prepares each once
 * (SQLITE_PREPARE_PERSISTENT) and keeps it in a slot named by its id, as
 * FreeBSD pkg's enum-indexed prepared statements do. Arguments are bound by
 * type from a list ended by PF_ARG_END, so a call reads as its SQL does:
 *
 *	pf_sql_exec(db, &STEP_INSERT, PF_ARGS(A_INT(tx), A_TEXT(unit), A_TEXT(step)));
 *
 * Scripts of several statements (the migrations, the pragmas at open) are
 * the only SQL not run this way (db.c). */
#ifndef PF_STATE_STMT_H
#define PF_STATE_STMT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "state/db.h"

/* One slot per statement of the state layer. */
enum pf_sql_id {
	PF_SQL_BEGIN, PF_SQL_COMMIT, PF_SQL_ROLLBACK,
	PF_SQL_SYSTEM_INSERT, PF_SQL_SYSTEM_COUNT, PF_SQL_SYSTEM_GET, PF_SQL_SYSTEM_SET_INDEX, PF_SQL_SYSTEM_SET_CORE,
	PF_SQL_INDEX_STORE, PF_SQL_INDEX_LOAD,
	PF_SQL_TX_BEGIN, PF_SQL_TX_END, PF_SQL_TX_INTERRUPTED, PF_SQL_TX_CLOSE_STALE,
	PF_SQL_TX_LAST, PF_SQL_TX_LAST_REAL, PF_SQL_TX_LIST, PF_SQL_STEP_INSERT, PF_SQL_STEP_LIST, PF_SQL_SPACE_INSERT,
	PF_SQL_FILE_UPSERT, PF_SQL_FILE_DELETE, PF_SQL_FILE_GET, PF_SQL_FILE_ALL, PF_SQL_FILE_SIZES,
	PF_SQL_UNIT_UPSERT, PF_SQL_UNIT_REMOVED, PF_SQL_UNIT_ADDONS, PF_SQL_UNIT_FILES,
	PF_SQL_UNIT_FORGET_FILES, PF_SQL_SYSTEM_SET_SERIES, PF_SQL_UNIT_REASON, PF_SQL_SYSTEM_MOVE_SERIES,
	PF_SQL_JOURNAL_BEGIN, PF_SQL_JOURNAL_COMMITTING, PF_SQL_JOURNAL_COMMITTED,
	PF_SQL_JOURNAL_DONE, PF_SQL_JOURNAL_FIRST,
	PF_SQL_UNIT_GET, PF_SQL_UNIT_USAGE, PF_SQL_TX_OPEN,
	PF_SQL_HOOK_BODY_PUT, PF_SQL_HOOK_BODY_GET, PF_SQL_UNIT_HOOKS_CLEAR, PF_SQL_UNIT_HOOK_ADD,
	PF_SQL_UNIT_HOOKS_OF, PF_SQL_HOOK_RUN_ADD, PF_SQL_HOOK_RUN_STARTED, PF_SQL_HOOK_RUN_END,
	PF_SQL_HOOK_RUN_RESOLVE, PF_SQL_HOOK_RUN_ACK, PF_SQL_HOOK_RUN_ACK_EARLIER, PF_SQL_HOOK_RUN_GET, PF_SQL_HOOK_RUNS_TX,
	PF_SQL_HOOK_RUNS_FAILED, PF_SQL_HOOK_RUNS_UNFINISHED, PF_SQL_HOOK_RUNS_RECENT,
	PF_SQL_HOOK_SAVEPOINT, PF_SQL_HOOK_RELEASE, PF_SQL_HOOK_ROLLBACK_TO,
	PF_SQL_TX_DRY_RUN, PF_SQL_SPACE_LIST, PF_SQL_SYSTEM_REBOOT_SET, PF_SQL_SYSTEM_REBOOT_GET,
	PF_SQL_SYSTEM_REBOOT_CLEAR,
	PF_SQL_MIRROR_UPSERT, PF_SQL_MIRROR_LOAD, PF_SQL_MIRROR_SEED_GET, PF_SQL_MIRROR_SEED_SET,
	PF_SQL_MIRROR_LIST_STORE, PF_SQL_MIRROR_LIST_LOAD,
	PF_SQL_TX_CAUSE, PF_SQL_CHECK_INTEGRITY, PF_SQL_CHECK_QUICK, PF_SQL_INDEX_LIST,
	PF_SQL_TX_COMMAND,
	PF_SQL__COUNT
};

struct pf_sql {
	enum pf_sql_id id;
	const char *what;       /* for messages: "record step" */
	const char *sql;
};

enum pf_arg_type { PF_ARG_END, PF_ARG_INT, PF_ARG_TEXT, PF_ARG_BLOB };

struct pf_arg {
	enum pf_arg_type type;
	int64_t i;
	const char *s;          /* text; NULL binds NULL */
	const void *b;
	size_t len;
};

#define A_INT(x)     ((struct pf_arg){ .type = PF_ARG_INT, .i = (int64_t)(x) })
#define A_TEXT(x)    ((struct pf_arg){ .type = PF_ARG_TEXT, .s = (x) })
#define A_BLOB(p, n) ((struct pf_arg){ .type = PF_ARG_BLOB, .b = (p), .len = (n) })
#define PF_ARGS(...) ((const struct pf_arg[]){ __VA_ARGS__, { .type = PF_ARG_END } })
#define PF_NO_ARGS   ((const struct pf_arg[]){ { .type = PF_ARG_END } })

/* The SQLite connection, for what is no statement (the backup API,
 * state/backup.c). */
sqlite3 *pf_db_sqlite(struct pf_db *db);

/* Run a statement that returns no rows. */
int pf_sql_exec(struct pf_db *db, const struct pf_sql *q, const struct pf_arg *args);

/* Start a query: the statement, reset and bound, or NULL with the error on
 * the context. Then pf_sql_next() until it returns 0 (the end: the statement
 * is reset) or -1 (an error, named with q->what); pf_sql_done() to stop
 * early, so that no read snapshot stays open. */
sqlite3_stmt *pf_sql_query(struct pf_db *db, const struct pf_sql *q, const struct pf_arg *args);
int pf_sql_next(struct pf_db *db, sqlite3_stmt *s, const char *what);
void pf_sql_done(sqlite3_stmt *s);

/* Column helpers: text copied into a buffer ("" for NULL), or malloc'd. */
void pf_sql_text(sqlite3_stmt *s, int col, char *buf, size_t size);
int pf_sql_dup(struct pf_db *db, sqlite3_stmt *s, int col, char **out, size_t *len);

/* Fail naming the database and WHAT with SQLite's message; a full disk
 * under the database is PF_E_SPACE like any other. Returns -1. */
int pf_sql_fail(struct pf_db *db, const char *what);

#endif
