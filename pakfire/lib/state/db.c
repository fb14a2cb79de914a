/* The database handle and the one way to run a statement: see db.h, stmt.h.
 *
 * WAL, synchronous=FULL (the commit of a unit must survive a power cut),
 * foreign keys on, BEGIN IMMEDIATE for writers, and the migrations of
 * schema.c applied one transaction each, numbered by PRAGMA user_version. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/path.h"
#include "state/db.h"
#include "state/schema.h"
#include "state/stmt.h"

struct pf_db {
	sqlite3 *h;
	struct pf_ctx *ctx;  /* where errors go */
	int dir_fd;          /* the database's folder, resolved inside the root */
	char *display;       /* the path for messages */
	sqlite3_stmt *stmt[PF_SQL__COUNT];
	bool outdated;       /* opened without migrating an older schema */
	int schema;          /* PRAGMA user_version once opened */
	/* PF_DB_READONLY: the file's name in DIR_FD, whether it was opened
	 * immutable (no -wal beside it), and the file as it was then. */
	char *base;
	bool immutable;
	struct stat at_open;
};

int pf_db_schema(const struct pf_db *db)
{
	return db->schema;
}

bool pf_db_outdated(const struct pf_db *db)
{
	return db->outdated;
}

struct pf_ctx *pf_db_ctx(const struct pf_db *db)
{
	return db->ctx;
}

sqlite3 *pf_db_sqlite(struct pf_db *db)
{
	return db->h;
}

const char *pf_db_display(const struct pf_db *db)
{
	return db->display;
}

int pf_db_schema_latest(void)
{
	return (int)pf_schema_count;
}

int pf_sql_fail(struct pf_db *db, const char *what)
{
	/* A full disk under the database is a space problem like any other. */
	enum pf_errclass cls = sqlite3_errcode(db->h) == SQLITE_FULL ? PF_E_SPACE : PF_E_OTHER;

	return pf_fail(db->ctx, cls, "database %s: %s: %s", db->display, what,
		       sqlite3_errmsg(db->h));
}

static sqlite3_stmt *prepare(struct pf_db *db, const struct pf_sql *q, const struct pf_arg *args)
{
	sqlite3_stmt *s = db->stmt[q->id];
	int rc = SQLITE_OK;

	if (!s) {
		if (sqlite3_prepare_v3(db->h, q->sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
			pf_sql_fail(db, q->what);
			return NULL;
		}
		db->stmt[q->id] = s;
	} else if (sqlite3_stmt_busy(s)) {
		/* A query over this statement is still open: restarting it
		 * would silently cut that iteration short. */
		pf_fail(db->ctx, PF_E_OTHER, "internal: database %s: statement '%s' used while"
			" a query over it is open", db->display, q->what);
		return NULL;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	for (int i = 0; rc == SQLITE_OK && args[i].type != PF_ARG_END; i++) {
		const struct pf_arg *a = &args[i];

		if (a->type == PF_ARG_INT)
			rc = sqlite3_bind_int64(s, i + 1, a->i);
		else if (a->type == PF_ARG_TEXT && a->s)
			rc = sqlite3_bind_text(s, i + 1, a->s, -1, SQLITE_STATIC);
		else if (a->type == PF_ARG_BLOB)
			rc = sqlite3_bind_blob64(s, i + 1, a->b, a->len, SQLITE_STATIC);
	}
	if (rc != SQLITE_OK) {
		pf_sql_fail(db, q->what);
		return NULL;
	}
	return s;
}

int pf_sql_exec(struct pf_db *db, const struct pf_sql *q, const struct pf_arg *args)
{
	sqlite3_stmt *s = prepare(db, q, args);
	int rc;

	if (!s)
		return -1;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return pf_sql_fail(db, q->what);
	return 0;
}

sqlite3_stmt *pf_sql_query(struct pf_db *db, const struct pf_sql *q, const struct pf_arg *args)
{
	return prepare(db, q, args);
}

int pf_sql_next(struct pf_db *db, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : pf_sql_fail(db, what);
}

void pf_sql_done(sqlite3_stmt *s)
{
	if (s)
		sqlite3_reset(s);
}

void pf_sql_text(sqlite3_stmt *s, int col, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(buf, size, "%s", t ? (const char *)t : "");
}

int pf_sql_dup(struct pf_db *db, sqlite3_stmt *s, int col, char **out, size_t *len)
{
	const void *p = sqlite3_column_blob(s, col);
	size_t n = (size_t)sqlite3_column_bytes(s, col);

	*out = malloc(n + 1);
	if (!*out)
		return pf_fail(db->ctx, PF_E_OTHER, "out of memory");
	if (n)
		memcpy(*out, p, n);
	(*out)[n] = '\0';
	if (len)
		*len = n;
	return 0;
}

static const struct pf_sql BEGIN = { PF_SQL_BEGIN, "begin", "BEGIN IMMEDIATE" };
static const struct pf_sql COMMIT = { PF_SQL_COMMIT, "commit", "COMMIT" };
static const struct pf_sql ROLLBACK = { PF_SQL_ROLLBACK, "roll back", "ROLLBACK" };

int pf_db_begin(struct pf_db *db)
{
	return pf_sql_exec(db, &BEGIN, PF_NO_ARGS);
}

int pf_db_commit(struct pf_db *db)
{
	return pf_sql_exec(db, &COMMIT, PF_NO_ARGS);
}

int pf_db_rollback(struct pf_db *db)
{
	/* Keeps the error that made us roll back. */
	if (!sqlite3_get_autocommit(db->h)) {
		sqlite3_stmt *s = prepare(db, &ROLLBACK, PF_NO_ARGS);

		if (s) {
			sqlite3_step(s);
			sqlite3_reset(s);
		}
	}
	return -1;
}

/* Scripts: the pragmas at open and the migrations. */
static int script(struct pf_db *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &err) != SQLITE_OK) {
		pf_fail(db->ctx, PF_E_OTHER, "database %s: %s", db->display, err ? err : "error");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static int user_version(struct pf_db *db, int *v)
{
	sqlite3_stmt *s = NULL;
	int r = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		pf_sql_fail(db, "schema version");
		goto out;
	}
	*v = sqlite3_column_int(s, 0);
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

static int newer(struct pf_db *db, int v)
{
	return pf_fail(db->ctx, PF_E_OTHER,
		       "database %s has schema version %d, newer than this pakfire knows (%d);"
		       " refusing to touch it", db->display, v, (int)pf_schema_count);
}

/* Each migration in its own transaction; the version is read again inside
 * it, so that a second process that saw the same old version does not run
 * a migration twice. */
static int migrate(struct pf_db *db, bool allowed)
{
	const int latest = (int)pf_schema_count;
	char sql[64];
	int v;

	if (user_version(db, &v) < 0)
		return -1;
	db->schema = v;
	if (v > latest)
		return newer(db, v);
	if (v < latest && !allowed) {
		db->outdated = true;
		return 0;
	}
	while (v < latest) {
		if (script(db, "BEGIN IMMEDIATE") < 0)
			return -1;
		if (user_version(db, &v) < 0)
			goto fail;
		if (v >= latest) {
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
			break;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (script(db, pf_schema_migrations[v]) < 0 || script(db, sql) < 0 ||
		    script(db, "COMMIT") < 0)
			goto fail;
		v++;
		db->schema = v;
	}
	return 0;
fail:
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	return pf_fail_wrap(db->ctx, "migration %d", v + 1);
}

void pf_db_close(struct pf_db *db)
{
	if (!db)
		return;
	for (int i = 0; i < PF_SQL__COUNT; i++)
		sqlite3_finalize(db->stmt[i]);
	sqlite3_close(db->h);
	if (db->dir_fd >= 0)
		close(db->dir_fd);
	free(db->display);
	free(db->base);
	free(db);
}

/* Split the configured absolute path into folder (relative to the root) and
 * file name. */
static int split_path(struct pf_ctx *ctx, const char *path, char **dir, char **base)
{
	const char *slash = strrchr(path, '/');

	if (path[0] != '/' || !slash || !slash[1])
		return pf_fail(ctx, PF_E_USAGE, "database path %s must be an absolute file path", path);
	*dir = strndup(path + 1, (size_t)(slash - path) - (slash > path ? 1 : 0));
	*base = strdup(slash + 1);
	if (!*dir || !*base) {
		free(*dir);
		free(*base);
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	return 0;
}

int pf_db_exists(struct pf_ctx *ctx, const char *path, bool *exists)
{
	char *dir = NULL, *base = NULL;
	int fd = -1, r = -1;
	struct stat st;

	if (split_path(ctx, path, &dir, &base) < 0)
		return -1;
	*exists = false;
	fd = pf_root_open(ctx, dir, O_PATH | O_DIRECTORY, 0);
	if (fd < 0) {
		if (errno == ENOENT) {
			r = 0;
			goto out;
		}
		pf_fail_errno(ctx, PF_E_OTHER, "%s", dir);
		goto out;
	}
	if (fstatat(fd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
		*exists = true;
	else if (errno != ENOENT) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", path);
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	free(dir);
	free(base);
	return r;
}

/* Whether a -wal lies beside BASE in DIR_FD: a connection has it open.
 * Out of memory counts as yes (mode=ro is the safe read). */
static bool wal_beside(int dir_fd, const char *base)
{
	char *wal = NULL;
	struct stat st;
	bool live;

	if (asprintf(&wal, "%s-wal", base) < 0)
		return true;
	live = fstatat(dir_fd, wal, &st, AT_SYMLINK_NOFOLLOW) == 0;
	free(wal);
	return live;
}

/* The URI that opens BASE in folder DIR_FD read-only (db.h,
 * PF_DB_READONLY): immutable unless LIVE (a -wal lies beside it). */
static char *readonly_uri(int dir_fd, const char *base, bool live)
{
	char *uri = NULL, *esc = malloc(strlen(base) * 3 + 1), *p = esc;

	if (!esc)
		return NULL;
	/* a URI's path: '%', '?' and '#' would end or change it */
	for (const char *c = base; *c; c++)
		p += strchr("%?#", *c) ? sprintf(p, "%%%02X", (unsigned char)*c)
				       : sprintf(p, "%c", *c);
	if (asprintf(&uri, "file:/proc/self/fd/%d/%s?%s", dir_fd, esc,
		     live ? "mode=ro" : "immutable=1") < 0)
		uri = NULL;
	free(esc);
	return uri;
}

int pf_db_open(struct pf_ctx *ctx, const char *path, unsigned flags, struct pf_db **out)
{
	bool must_exist = !(flags & PF_DB_CREATE) || (flags & PF_DB_READONLY);
	bool readonly = flags & PF_DB_READONLY;
	struct pf_db *db = NULL;
	char *dir = NULL, *base = NULL, *fdpath = NULL;
	bool exists;
	int r = -1;

	if (pf_db_exists(ctx, path, &exists) < 0)
		return -1;
	if (!exists && must_exist)
		return pf_fail(ctx, PF_E_USAGE,
			       "no pakfire database at %s under %s: run 'pakfire init --series S --core N' first",
			       path, ctx->root);
	if (split_path(ctx, path, &dir, &base) < 0)
		return -1;
	db = calloc(1, sizeof(*db));
	if (!db || asprintf(&db->display, "%s%s", pf_ctx_root_prefix(ctx), path) < 0) {
		if (db)
			db->display = NULL;
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	db->ctx = ctx;
	db->dir_fd = -1;
	if (!exists && !readonly && pf_root_mkdirs(ctx, dir) < 0)
		goto out;
	db->dir_fd = pf_root_open(ctx, dir, O_PATH | O_DIRECTORY, 0);
	if (db->dir_fd < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", dir);
		goto out;
	}
	/* SQLite opens by name: name the folder through its fd, which was
	 * resolved inside the root, so no symlink can move the database out. */
	if (readonly) {
		db->immutable = !wal_beside(db->dir_fd, base);
		if (fstatat(db->dir_fd, base, &db->at_open, 0) < 0) {
			pf_fail_errno(ctx, PF_E_OTHER, "%s", db->display);
			goto out;
		}
		fdpath = readonly_uri(db->dir_fd, base, !db->immutable);
	} else if (asprintf(&fdpath, "/proc/self/fd/%d/%s", db->dir_fd, base) < 0)
		fdpath = NULL;
	if (!fdpath) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (sqlite3_open_v2(fdpath, &db->h, readonly ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI :
			    SQLITE_OPEN_READWRITE | (must_exist ? 0 : SQLITE_OPEN_CREATE),
			    NULL) != SQLITE_OK) {
		pf_fail(ctx, PF_E_OTHER, "database %s: %s", db->display,
			db->h ? sqlite3_errmsg(db->h) : "out of memory");
		goto out;
	}
	/* a reader waits less: diagnose runs beside a hung pakfire */
	sqlite3_busy_timeout(db->h, readonly ? 2000 : 10000);
	sqlite3_extended_result_codes(db->h, 1);
	if (readonly) {
		/* no journal mode to set (that writes), and never a migration */
		if (script(db, "PRAGMA query_only = ON") < 0 || migrate(db, false) < 0)
			goto out;
	} else if (script(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			      " PRAGMA foreign_keys = ON") < 0 ||
		   migrate(db, flags & PF_DB_MIGRATE) < 0)
		goto out;
	if (readonly) {
		db->base = base;
		base = NULL;
	}
	*out = db;
	db = NULL;
	r = 0;
out:
	pf_db_close(db);
	free(fdpath);
	free(dir);
	free(base);
	return r;
}

bool pf_db_read_may_be_torn(struct pf_db *db)
{
	struct stat now;

	if (!db->immutable)
		return false;
	if (wal_beside(db->dir_fd, db->base) || fstatat(db->dir_fd, db->base, &now, 0) < 0)
		return true;
	return now.st_ino != db->at_open.st_ino || now.st_size != db->at_open.st_size ||
	       now.st_mtim.tv_sec != db->at_open.st_mtim.tv_sec ||
	       now.st_mtim.tv_nsec != db->at_open.st_mtim.tv_nsec;
}

bool pf_db_immutable(const struct pf_db *db)
{
	return db->immutable;
}

int pf_db_reopen(struct pf_db *db)
{
	char *uri;
	int rc;

	if (!db->base)
		return pf_fail(db->ctx, PF_E_OTHER, "internal: pf_db_reopen of a writable database");
	for (int i = 0; i < PF_SQL__COUNT; i++) {
		sqlite3_finalize(db->stmt[i]);
		db->stmt[i] = NULL;
	}
	sqlite3_close(db->h);
	db->h = NULL;
	db->immutable = !wal_beside(db->dir_fd, db->base);
	if (fstatat(db->dir_fd, db->base, &db->at_open, 0) < 0)
		return pf_fail_errno(db->ctx, PF_E_OTHER, "%s", db->display);
	uri = readonly_uri(db->dir_fd, db->base, !db->immutable);
	if (!uri)
		return pf_fail(db->ctx, PF_E_OTHER, "out of memory");
	rc = sqlite3_open_v2(uri, &db->h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc != SQLITE_OK)
		return pf_fail(db->ctx, PF_E_OTHER, "database %s: %s", db->display,
			       db->h ? sqlite3_errmsg(db->h) : "out of memory");
	sqlite3_busy_timeout(db->h, 2000);
	sqlite3_extended_result_codes(db->h, 1);
	return script(db, "PRAGMA query_only = ON");
}
