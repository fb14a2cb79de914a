/* SQLite state: see db.h.
 *
 * WAL, synchronous=FULL (the commit of an update must survive a power cut),
 * foreign keys on, BEGIN IMMEDIATE for writers, and an ordered list of
 * migrations applied one transaction each, numbered by PRAGMA user_version. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "state/db.h"
#include "base/hash.h"
#include "format/manifest.h"
#include "base/path.h"
#include "base/strings.h"

/* The schema, as an ordered list of migrations. Never edit a released one;
 * append. Migration i brings user_version from i to i+1. */
static const char *const migrations[] = {
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

enum stmt_id {
	ST_FILE_UPSERT,
	ST_FILE_DELETE,
	ST_FILE_GET,
	ST_STEP_INSERT,
	ST_SPACE_INSERT,
	ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
	[ST_FILE_UPSERT] =
		"INSERT INTO files (path, type, mode, uid, gid, size, sha256, target, owner)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		" ON CONFLICT (path) DO UPDATE SET type = ?2, mode = ?3, uid = ?4,"
		" gid = ?5, size = ?6, sha256 = ?7, target = ?8, owner = ?9",
	[ST_FILE_DELETE] = "DELETE FROM files WHERE path = ?1",
	[ST_FILE_GET] = "SELECT type, owner, size, sha256, mode FROM files WHERE path = ?1",
	[ST_STEP_INSERT] =
		"INSERT INTO steps (transaction_id, at, update_number, step, detail)"
		" VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_SPACE_INSERT] =
		"INSERT INTO space_checks (transaction_id, at, update_number, mount, needed,"
		" available, reserve, inodes_needed, inodes_available, fits)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
};

struct pf_db {
	sqlite3 *h;
	int dir_fd;          /* the database's folder, resolved inside the root */
	char *display;       /* the path for messages */
	sqlite3_stmt *stmt[ST__COUNT];
};

static int db_fail(struct pf_ctx *ctx, const char *what)
{
	struct pf_db *db = ctx->db;
	/* A full disk under the database is a space problem like any other. */
	enum pf_errclass cls = db && (sqlite3_errcode(db->h) == SQLITE_FULL) ? PF_E_SPACE : PF_E_OTHER;

	return pf_fail(ctx, cls, "database %s: %s: %s",
		       db ? db->display : "?", what, db ? sqlite3_errmsg(db->h) : "not open");
}

static int exec(struct pf_ctx *ctx, struct pf_db *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &err) != SQLITE_OK) {
		pf_fail(ctx, PF_E_OTHER, "database %s: %s", db->display, err ? err : "error");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *stmt(struct pf_ctx *ctx, enum stmt_id id)
{
	struct pf_db *db = ctx->db;

	if (!db->stmt[id] &&
	    sqlite3_prepare_v3(db->h, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
			       &db->stmt[id], NULL) != SQLITE_OK) {
		db_fail(ctx, "prepare");
		return NULL;
	}
	sqlite3_reset(db->stmt[id]);
	sqlite3_clear_bindings(db->stmt[id]);
	return db->stmt[id];
}

/* Run one statement that returns no rows. ?1, ?2... are bound from the
 * arguments as TYPES says: 'i' an int64_t, 't' a const char * (NULL binds
 * NULL), 'b' a const void * and its size_t length. */
static int db_run(struct pf_ctx *ctx, const char *what, const char *sql, const char *types, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	int r = -1;

	if (sqlite3_prepare_v2(ctx->db->h, sql, -1, &s, NULL) != SQLITE_OK)
		return db_fail(ctx, "prepare");
	va_start(ap, types);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 'i') {
			sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
		} else if (types[i] == 't') {
			const char *t = va_arg(ap, const char *);

			if (t)
				sqlite3_bind_text(s, i + 1, t, -1, SQLITE_STATIC);
		} else {
			const void *b = va_arg(ap, const void *);

			sqlite3_bind_blob64(s, i + 1, b, va_arg(ap, size_t), SQLITE_STATIC);
		}
	}
	va_end(ap);
	if (sqlite3_step(s) != SQLITE_DONE)
		db_fail(ctx, what);
	else
		r = 0;
	sqlite3_finalize(s);
	return r;
}

static int user_version(struct pf_ctx *ctx, struct pf_db *db, int *v)
{
	sqlite3_stmt *s = NULL;
	int r = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		pf_fail(ctx, PF_E_OTHER, "database %s: %s", db->display, sqlite3_errmsg(db->h));
		goto out;
	}
	*v = sqlite3_column_int(s, 0);
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

static int migrate(struct pf_ctx *ctx, struct pf_db *db)
{
	const int latest = (int)(sizeof(migrations) / sizeof(migrations[0]));
	char sql[64];
	int v;

	if (user_version(ctx, db, &v) < 0)
		return -1;
	if (v > latest)
		return pf_fail(ctx, PF_E_OTHER,
			       "database %s has schema version %d, newer than this pakfire knows (%d);"
			       " refusing to touch it", db->display, v, latest);
	for (; v < latest; v++) {
		if (exec(ctx, db, "BEGIN IMMEDIATE") < 0)
			return -1;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (exec(ctx, db, migrations[v]) < 0 || exec(ctx, db, sql) < 0 ||
		    exec(ctx, db, "COMMIT") < 0) {
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
			return pf_fail_wrap(ctx, "migration %d", v + 1);
		}
	}
	return 0;
}

void pf_db_close(struct pf_db *db)
{
	if (!db)
		return;
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(db->stmt[i]);
	sqlite3_close(db->h);
	if (db->dir_fd >= 0)
		close(db->dir_fd);
	free(db->display);
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

int pf_db_open(struct pf_ctx *ctx, const char *path, bool must_exist, struct pf_db **out)
{
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
	db->dir_fd = -1;
	if (!exists && pf_root_mkdirs(ctx, dir) < 0)
		goto out;
	db->dir_fd = pf_root_open(ctx, dir, O_PATH | O_DIRECTORY, 0);
	if (db->dir_fd < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", dir);
		goto out;
	}
	/* SQLite opens by name: name the folder through its fd, which was
	 * resolved inside the root, so no symlink can move the database out. */
	if (asprintf(&fdpath, "/proc/self/fd/%d/%s", db->dir_fd, base) < 0) {
		fdpath = NULL;
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (sqlite3_open_v2(fdpath, &db->h,
			    SQLITE_OPEN_READWRITE | (must_exist ? 0 : SQLITE_OPEN_CREATE), NULL) != SQLITE_OK) {
		pf_fail(ctx, PF_E_OTHER, "database %s: %s", db->display,
			db->h ? sqlite3_errmsg(db->h) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(db->h, 10000);
	sqlite3_extended_result_codes(db->h, 1);
	if (exec(ctx, db, "PRAGMA journal_mode = WAL") < 0 ||
	    exec(ctx, db, "PRAGMA synchronous = FULL") < 0 ||
	    exec(ctx, db, "PRAGMA foreign_keys = ON") < 0 ||
	    migrate(ctx, db) < 0)
		goto out;
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

static int text_copy(char *dst, size_t size, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(dst, size, "%s", t ? (const char *)t : "");
	return 0;
}

int pf_db_init_system(struct pf_ctx *ctx, const char *series, const char *arch, unsigned core)
{
	sqlite3_stmt *s = NULL;
	int r = -1;

	if (sqlite3_prepare_v2(ctx->db->h,
			       "INSERT INTO system (id, series, arch, core) VALUES (1, ?1, ?2, ?3)",
			       -1, &s, NULL) != SQLITE_OK) {
		db_fail(ctx, "prepare");
		goto out;
	}
	sqlite3_bind_text(s, 1, series, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, arch, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, core);
	if (sqlite3_step(s) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(ctx->db->h) == SQLITE_CONSTRAINT_PRIMARYKEY)
			pf_fail(ctx, PF_E_USAGE, "database %s is already initialised", ctx->db->display);
		else
			db_fail(ctx, "init");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

int pf_db_get_system(struct pf_ctx *ctx, struct pf_system *out)
{
	sqlite3_stmt *s = NULL;
	int r = -1, rc;

	if (sqlite3_prepare_v2(ctx->db->h,
			       "SELECT series, arch, core, revision, index_sha256 FROM system WHERE id = 1",
			       -1, &s, NULL) != SQLITE_OK) {
		db_fail(ctx, "prepare");
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		pf_fail(ctx, PF_E_USAGE,
			"database %s holds no system: run 'pakfire init --series S --core N' first",
			ctx->db->display);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		db_fail(ctx, "read system");
		goto out;
	}
	memset(out, 0, sizeof(*out));
	text_copy(out->series, sizeof(out->series), s, 0);
	text_copy(out->arch, sizeof(out->arch), s, 1);
	out->core = (unsigned)sqlite3_column_int64(s, 2);
	out->revision = (uint64_t)sqlite3_column_int64(s, 3);
	text_copy(out->index_sha256, sizeof(out->index_sha256), s, 4);
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

static int rollback(struct pf_ctx *ctx)
{
	sqlite3_exec(ctx->db->h, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int pf_db_store_index(struct pf_ctx *ctx, const char *series, const char *arch,
		      const struct pf_stored_index *idx, const void *sig, size_t sig_len)
{
	sqlite3_stmt *s = NULL, *u = NULL;
	int r = -1;

	if (exec(ctx, ctx->db, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (sqlite3_prepare_v2(ctx->db->h,
			       "INSERT OR REPLACE INTO indexes (series, arch, revision, sha256, date,"
			       " valid_until, fetched_at, signer, body, signature)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			       -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ctx->db->h,
			       "UPDATE system SET revision = ?1, index_sha256 = ?2 WHERE id = 1",
			       -1, &u, NULL) != SQLITE_OK) {
		db_fail(ctx, "prepare");
		goto out;
	}
	sqlite3_bind_text(s, 1, series, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, arch, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)idx->revision);
	sqlite3_bind_text(s, 4, idx->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, idx->date);
	sqlite3_bind_int64(s, 6, idx->valid_until);
	sqlite3_bind_int64(s, 7, idx->fetched_at);
	sqlite3_bind_text(s, 8, idx->signer, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(s, 9, idx->body, idx->body_len, SQLITE_STATIC);
	sqlite3_bind_blob64(s, 10, sig, sig_len, SQLITE_STATIC);
	sqlite3_bind_int64(u, 1, (sqlite3_int64)idx->revision);
	sqlite3_bind_text(u, 2, idx->sha256, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE || sqlite3_step(u) != SQLITE_DONE) {
		db_fail(ctx, "store index");
		goto out;
	}
	if (exec(ctx, ctx->db, "COMMIT") < 0)
		goto out;
	r = 0;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(u);
	return r < 0 ? rollback(ctx) : 0;
}

void pf_stored_index_clear(struct pf_stored_index *idx)
{
	free(idx->body);
	memset(idx, 0, sizeof(*idx));
}

int pf_db_load_index(struct pf_ctx *ctx, const char *series, const char *arch,
		     struct pf_stored_index *out, bool *found)
{
	sqlite3_stmt *s = NULL;
	int r = -1, rc;

	memset(out, 0, sizeof(*out));
	*found = false;
	if (sqlite3_prepare_v2(ctx->db->h,
			       "SELECT revision, sha256, date, valid_until, fetched_at, signer, body"
			       " FROM indexes WHERE series = ?1 AND arch = ?2",
			       -1, &s, NULL) != SQLITE_OK) {
		db_fail(ctx, "prepare");
		goto out;
	}
	sqlite3_bind_text(s, 1, series, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, arch, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		r = 0;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		db_fail(ctx, "load index");
		goto out;
	}
	out->revision = (uint64_t)sqlite3_column_int64(s, 0);
	text_copy(out->sha256, sizeof(out->sha256), s, 1);
	out->date = sqlite3_column_int64(s, 2);
	out->valid_until = sqlite3_column_int64(s, 3);
	out->fetched_at = sqlite3_column_int64(s, 4);
	text_copy(out->signer, sizeof(out->signer), s, 5);
	out->body_len = (size_t)sqlite3_column_bytes(s, 6);
	out->body = malloc(out->body_len + 1);
	if (!out->body) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (out->body_len)
		memcpy(out->body, sqlite3_column_blob(s, 6), out->body_len);
	out->body[out->body_len] = '\0';
	*found = true;
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

int pf_db_tx_begin(struct pf_ctx *ctx, const char *command, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int r = -1;

	if (sqlite3_prepare_v2(ctx->db->h,
			       "INSERT INTO transactions (command, started) VALUES (?1, ?2)",
			       -1, &s, NULL) != SQLITE_OK) {
		db_fail(ctx, "prepare");
		goto out;
	}
	sqlite3_bind_text(s, 1, command, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, time(NULL));
	if (sqlite3_step(s) != SQLITE_DONE) {
		db_fail(ctx, "begin transaction record");
		goto out;
	}
	*id = sqlite3_last_insert_rowid(ctx->db->h);
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

int pf_db_tx_step(struct pf_ctx *ctx, int64_t id, unsigned update, const char *step,
		  const char *detail)
{
	sqlite3_stmt *s = stmt(ctx, ST_STEP_INSERT);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, time(NULL));
	if (update)
		sqlite3_bind_int64(s, 3, update);
	sqlite3_bind_text(s, 4, step, -1, SQLITE_STATIC);
	if (detail)
		sqlite3_bind_text(s, 5, detail, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		return db_fail(ctx, "record step");
	return 0;
}

void pf_db_tx_end(struct pf_ctx *ctx, int64_t id)
{
	enum pf_errclass cls = pf_error_class(ctx);
	const char *outcome = cls == PF_E_OK ? "ok" : cls == PF_E_SPACE ? "refused" : "failed";
	sqlite3_stmt *s = NULL;

	if (!ctx->db || id <= 0)
		return;
	if (sqlite3_prepare_v2(ctx->db->h,
			       "UPDATE transactions SET ended = ?2, outcome = ?3, exit_code = ?4,"
			       " error = ?5 WHERE id = ?1", -1, &s, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, time(NULL));
	sqlite3_bind_text(s, 3, outcome, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, pf_exit_code(cls));
	if (cls != PF_E_OK)
		sqlite3_bind_text(s, 5, pf_error_message(ctx), -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(s);
	return;
fail:
	/* Keep the original error; add that it could not be recorded. */
	pf_fail(ctx, PF_E_OTHER, "recording the outcome in %s failed: %s",
		ctx->db->display, sqlite3_errmsg(ctx->db->h));
	sqlite3_finalize(s);
}

int pf_db_close_stale_transactions(struct pf_ctx *ctx)
{
	char *err = NULL;

	/* Called under the lock: a transaction still open belongs to a process
	 * that is gone. */
	if (sqlite3_exec(ctx->db->h,
			 "UPDATE transactions SET outcome = 'interrupted', ended = strftime('%s', 'now'),"
			 " error = coalesce(error, 'did not finish: the process was killed, the power"
			 " failed, or the disk was too full to record the outcome')"
			 " WHERE ended IS NULL", NULL, NULL, &err) != SQLITE_OK) {
		pf_fail(ctx, PF_E_OTHER, "database %s: %s", ctx->db->display, err ? err : "error");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

int pf_db_tx_interrupted(struct pf_ctx *ctx, int64_t id)
{
	return db_run(ctx, "mark interrupted",
		      "UPDATE transactions SET outcome = 'interrupted', ended = ?2,"
		      " error = 'interrupted (the process was killed or the power failed)'"
		      " WHERE id = ?1 AND ended IS NULL", "ii", id, (int64_t)time(NULL));
}

static void tx_row(sqlite3_stmt *s, struct pf_tx_info *out)
{
	memset(out, 0, sizeof(*out));
	out->found = true;
	out->id = sqlite3_column_int64(s, 0);
	text_copy(out->command, sizeof(out->command), s, 1);
	out->started = sqlite3_column_int64(s, 2);
	out->ended = sqlite3_column_int64(s, 3);
	text_copy(out->outcome, sizeof(out->outcome), s, 4);
	out->exit_code = sqlite3_column_int(s, 5);
	out->has_exit_code = sqlite3_column_type(s, 5) != SQLITE_NULL;
	text_copy(out->error, sizeof(out->error), s, 6);
}

void pf_history_free(struct pf_history_entry *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++)
		free(h[i].steps);
	free(h);
}

static int history_steps(struct pf_ctx *ctx, struct pf_history_entry *h)
{
	sqlite3_stmt *s = NULL;
	size_t cap = 0;
	int r = -1, rc;

	if (sqlite3_prepare_v2(ctx->db->h,
			       "SELECT at, update_number, step, detail FROM steps"
			       " WHERE transaction_id = ?1 ORDER BY id", -1, &s, NULL) != SQLITE_OK) {
		db_fail(ctx, "prepare");
		goto out;
	}
	sqlite3_bind_int64(s, 1, h->tx.id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct pf_step_info *st;

		if (h->n_steps == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			struct pf_step_info *p = realloc(h->steps, ncap * sizeof(*p));

			if (!p) {
				pf_fail(ctx, PF_E_OTHER, "out of memory");
				goto out;
			}
			h->steps = p;
			cap = ncap;
		}
		st = &h->steps[h->n_steps++];
		st->at = sqlite3_column_int64(s, 0);
		st->update = (unsigned)sqlite3_column_int64(s, 1);
		text_copy(st->step, sizeof(st->step), s, 2);
		text_copy(st->detail, sizeof(st->detail), s, 3);
	}
	if (rc != SQLITE_DONE) {
		db_fail(ctx, "read steps");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

int pf_db_history(struct pf_ctx *ctx, int64_t id, struct pf_history_entry **out, size_t *n)
{
	struct pf_history_entry *h = NULL;
	sqlite3_stmt *s = NULL;
	size_t count = 0, cap = 0;
	int r = -1, rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(ctx->db->h,
			       "SELECT id, command, started, ended, outcome, exit_code, error"
			       " FROM transactions WHERE ?1 = 0 OR id = ?1 ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK) {
		db_fail(ctx, "prepare");
		goto out;
	}
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (count == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			struct pf_history_entry *p = realloc(h, ncap * sizeof(*p));

			if (!p) {
				pf_fail(ctx, PF_E_OTHER, "out of memory");
				goto out;
			}
			h = p;
			cap = ncap;
		}
		memset(&h[count], 0, sizeof(h[count]));
		tx_row(s, &h[count].tx);
		count++;
		if (history_steps(ctx, &h[count - 1]) < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		db_fail(ctx, "read transactions");
		goto out;
	}
	if (id > 0 && count == 0) {
		pf_fail(ctx, PF_E_USAGE, "no transaction %lld in the history", (long long)id);
		goto out;
	}
	*out = h;
	*n = count;
	h = NULL;
	r = 0;
out:
	sqlite3_finalize(s);
	pf_history_free(h, count);
	return r;
}

int pf_db_last_tx(struct pf_ctx *ctx, struct pf_tx_info *out)
{
	sqlite3_stmt *s = NULL;
	int r = -1, rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(ctx->db->h,
			       "SELECT id, command, started, ended, outcome, exit_code, error"
			       " FROM transactions ORDER BY id DESC LIMIT 1", -1, &s, NULL) != SQLITE_OK) {
		db_fail(ctx, "prepare");
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		tx_row(s, out);
	} else if (rc != SQLITE_DONE) {
		db_fail(ctx, "read transactions");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

int pf_db_record_space(struct pf_ctx *ctx, int64_t tx, unsigned number, const char *mount,
		       uint64_t needed, uint64_t available, uint64_t reserve,
		       uint64_t inodes_needed, uint64_t inodes_available, bool fits)
{
	sqlite3_stmt *s = stmt(ctx, ST_SPACE_INSERT);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, tx);
	sqlite3_bind_int64(s, 2, time(NULL));
	sqlite3_bind_int64(s, 3, number);
	sqlite3_bind_text(s, 4, mount, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)needed);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)available);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)reserve);
	sqlite3_bind_int64(s, 8, (sqlite3_int64)inodes_needed);
	sqlite3_bind_int64(s, 9, (sqlite3_int64)inodes_available);
	sqlite3_bind_int(s, 10, fits);
	if (sqlite3_step(s) != SQLITE_DONE)
		return db_fail(ctx, "record space check");
	return 0;
}

int pf_db_owned(struct pf_ctx *ctx, const char *path, struct pf_owned *out)
{
	sqlite3_stmt *s = stmt(ctx, ST_FILE_GET);
	const char *hex;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_fail(ctx, "look up owner");
	out->found = true;
	text_copy(out->type, sizeof(out->type), s, 0);
	out->owner = (unsigned)sqlite3_column_int64(s, 1);
	out->size = (uint64_t)sqlite3_column_int64(s, 2);
	hex = (const char *)sqlite3_column_text(s, 3);
	if (hex && pf_unhex(hex, strlen(hex), out->sha256) < 0)
		return pf_fail(ctx, PF_E_OTHER, "database %s: bad hash recorded for %s",
			       ctx->db->display, path);
	out->mode = (unsigned)sqlite3_column_int64(s, 4);
	sqlite3_reset(s);
	return 0;
}

/* One row of ST_FILE_ALL as the entry that recorded it. */
static int file_row(struct pf_ctx *ctx, sqlite3_stmt *s, struct pf_entry *e)
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
		return pf_fail(ctx, PF_E_OTHER, "database %s: a files row without path or type",
			       ctx->db->display);
	if (!strcmp(type, "file") && hex && pf_unhex(hex, strlen(hex), e->sha256) == 0)
		e->type = PF_ENTRY_FILE;
	else if (!strcmp(type, "dir"))
		e->type = PF_ENTRY_DIR;
	else if (!strcmp(type, "symlink") && e->target)
		e->type = PF_ENTRY_SYMLINK;
	else
		return pf_fail(ctx, PF_E_OTHER, "database %s: bad %s row recorded for %s",
			       ctx->db->display, type, e->path);
	return 0;
}

int pf_db_each_file(struct pf_ctx *ctx, pf_db_file_fn fn, void *data)
{
	sqlite3_stmt *s = NULL;
	struct pf_entry e;
	int r = -1, rc;

	/* The primary key's order: no sort, and one read snapshot throughout. */
	if (sqlite3_prepare_v2(ctx->db->h,
			       "SELECT path, type, mode, uid, gid, size, sha256, target, owner"
			       " FROM files ORDER BY path", -1, &s, NULL) != SQLITE_OK) {
		db_fail(ctx, "prepare");
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (file_row(ctx, s, &e) < 0 ||
		    fn(&e, (unsigned)sqlite3_column_int64(s, 8), data) < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		db_fail(ctx, "read files");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

int pf_db_each_owned(struct pf_ctx *ctx, pf_owned_fn fn, void *data)
{
	sqlite3_stmt *s = NULL;
	int r = -1, rc;

	if (sqlite3_prepare_v2(ctx->db->h, "SELECT path, type, size, length(target) FROM files",
			       -1, &s, NULL) != SQLITE_OK)
		return db_fail(ctx, "prepare");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(s, 0);
		const char *type = (const char *)sqlite3_column_text(s, 1);

		if (!path || !type) {
			pf_fail(ctx, PF_E_OTHER, "database %s: a file without path or type",
				ctx->db->display);
			goto out;
		}
		r = fn(data, path, type, (uint64_t)sqlite3_column_int64(s, 2),
		       (uint64_t)sqlite3_column_int64(s, 3));
		if (r != 0)
			goto out;
		r = -1;
	}
	if (rc != SQLITE_DONE) {
		db_fail(ctx, "read owned files");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

static int record_entry(struct pf_ctx *ctx, const struct pf_entry *e, unsigned number)
{
	sqlite3_stmt *s = stmt(ctx, ST_FILE_UPSERT);
	char hex[65];

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, e->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, pf_entry_type_name(e->type), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, e->mode);
	sqlite3_bind_int64(s, 4, e->uid);
	sqlite3_bind_int64(s, 5, e->gid);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)e->size);
	if (e->type == PF_ENTRY_FILE) {
		pf_hex(e->sha256, hex);
		sqlite3_bind_text(s, 7, hex, 64, SQLITE_TRANSIENT);
	}
	if (e->type == PF_ENTRY_SYMLINK)
		sqlite3_bind_text(s, 8, e->target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 9, number);
	if (sqlite3_step(s) != SQLITE_DONE)
		return db_fail(ctx, "record file");
	return 0;
}

/* Inside the commit transaction: the journal says "committed" and keeps the
 * removals decided, so a crash after the commit point rolls forward. */
static int journal_committed(struct pf_ctx *ctx, unsigned number, char *const *removed, size_t n)
{
	char *list = pf_join_lines(removed, n);
	int r;

	if (!list)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	r = db_run(ctx, "journal",
		   "UPDATE journal SET state = 'committed', removals = ?2, updated = ?3"
		   " WHERE update_number = ?1", "iti", (int64_t)number, list, (int64_t)time(NULL));
	free(list);
	return r;
}

int pf_db_journal_begin(struct pf_ctx *ctx, int64_t tx, unsigned number, const char *series,
			const char *manifest, size_t len)
{
	return db_run(ctx, "journal",
		      "INSERT OR REPLACE INTO journal (update_number, transaction_id, state,"
		      " series, manifest, started, updated)"
		      " VALUES (?1, ?2, 'staging', ?3, ?4, ?5, ?5)", "iitbi",
		      (int64_t)number, tx, series, (const void *)manifest, len, (int64_t)time(NULL));
}

int pf_db_journal_committing(struct pf_ctx *ctx, unsigned number, const char *fresh)
{
	return db_run(ctx, "journal",
		      "UPDATE journal SET state = 'committing', fresh = ?2, updated = ?3"
		      " WHERE update_number = ?1", "iti", (int64_t)number, fresh, (int64_t)time(NULL));
}

int pf_db_journal_done(struct pf_ctx *ctx, unsigned number)
{
	return db_run(ctx, "journal", "DELETE FROM journal WHERE update_number = ?1", "i",
		      (int64_t)number);
}

void pf_journal_entry_clear(struct pf_journal_entry *j)
{
	free(j->manifest);
	free(j->removals);
	free(j->fresh);
	memset(j, 0, sizeof(*j));
}

int pf_db_journal_first(struct pf_ctx *ctx, struct pf_journal_entry *out, bool *found)
{
	sqlite3_stmt *s = NULL;
	int r = -1, rc;

	memset(out, 0, sizeof(*out));
	*found = false;
	if (sqlite3_prepare_v2(ctx->db->h,
			       "SELECT update_number, transaction_id, state, series, manifest, removals,"
			       " fresh FROM journal ORDER BY update_number LIMIT 1", -1, &s, NULL) != SQLITE_OK) {
		db_fail(ctx, "prepare");
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		r = 0;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		db_fail(ctx, "read journal");
		goto out;
	}
	out->number = (unsigned)sqlite3_column_int64(s, 0);
	out->tx = sqlite3_column_int64(s, 1);
	text_copy(out->state, sizeof(out->state), s, 2);
	text_copy(out->series, sizeof(out->series), s, 3);
	out->manifest_len = (size_t)sqlite3_column_bytes(s, 4);
	out->manifest = malloc(out->manifest_len + 1);
	out->removals = strdup(sqlite3_column_text(s, 5) ? (const char *)sqlite3_column_text(s, 5) : "");
	out->fresh = strdup(sqlite3_column_text(s, 6) ? (const char *)sqlite3_column_text(s, 6) : "");
	if (!out->manifest || !out->removals || !out->fresh) {
		pf_journal_entry_clear(out);
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	memcpy(out->manifest, sqlite3_column_blob(s, 4), out->manifest_len);
	out->manifest[out->manifest_len] = '\0';
	*found = true;
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

int pf_db_commit_update(struct pf_ctx *ctx, int64_t tx, unsigned number, const char *series,
			const struct pf_manifest *m, char *const *removed, size_t n_removed)
{
	if (exec(ctx, ctx->db, "BEGIN IMMEDIATE") < 0)
		return -1;
	for (size_t i = 0; i < m->n; i++) {
		const struct pf_entry *e = &m->entries[i];

		if ((e->type == PF_ENTRY_FILE || e->type == PF_ENTRY_DIR ||
		     e->type == PF_ENTRY_SYMLINK) && record_entry(ctx, e, number) < 0)
			return rollback(ctx);
	}
	for (size_t i = 0; i < n_removed; i++) {
		sqlite3_stmt *d = stmt(ctx, ST_FILE_DELETE);

		if (!d)
			return rollback(ctx);
		sqlite3_bind_text(d, 1, removed[i], -1, SQLITE_STATIC);
		if (sqlite3_step(d) != SQLITE_DONE) {
			db_fail(ctx, "forget removed file");
			return rollback(ctx);
		}
	}
	if (db_run(ctx, "record update",
		   "INSERT OR REPLACE INTO updates (number, series, applied_at, outcome,"
		   " transaction_id) VALUES (?1, ?2, ?3, 'applied', ?4)", "itii",
		   (int64_t)number, series, (int64_t)time(NULL), tx) < 0 ||
	    db_run(ctx, "advance core level", "UPDATE system SET core = ?1 WHERE id = 1", "i",
		   (int64_t)number) < 0 ||
	    journal_committed(ctx, number, removed, n_removed) < 0 ||
	    pf_db_tx_step(ctx, tx, number, "committed", NULL) < 0 ||
	    exec(ctx, ctx->db, "COMMIT") < 0)
		return rollback(ctx);
	return 0;
}
