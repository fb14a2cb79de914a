/* State in SQLite: the system, the verified index, the updates applied, every
 * file owned, and every transaction with its steps. The schema is in db.c and
 * reads as documentation of the state; nothing about state lives elsewhere. */
#ifndef PF_DB_H
#define PF_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct pf_ctx;
struct pf_db;
struct pf_manifest;

/* Open the database at PATH (absolute, taken inside the root), creating it
 * (and its folder) unless must_exist. Applies pending migrations. */
int pf_db_open(struct pf_ctx *ctx, const char *path, bool must_exist,
	       struct pf_db **out);
void pf_db_close(struct pf_db *db);

/* Whether the database file exists (for init, which must not overwrite). */
int pf_db_exists(struct pf_ctx *ctx, const char *path, bool *exists);

struct pf_system {
	char series[64];
	char arch[64];
	unsigned core;
	uint64_t revision;      /* last index Revision seen, 0 if none */
	char index_sha256[65];  /* its SHA-256, "" if none */
};

/* The row written by `pakfire init`. Fails if one exists. */
int pf_db_init_system(struct pf_ctx *ctx, const char *series, const char *arch,
		      unsigned core);
int pf_db_get_system(struct pf_ctx *ctx, struct pf_system *out);

/* A verified index: stored whole (the bytes that were signed, and the
 * signature) so the client and support staff can always see what was
 * trusted; the system row remembers its Revision and hash. */
struct pf_stored_index {
	uint64_t revision;
	char sha256[65];
	time_t date;
	time_t valid_until;
	time_t fetched_at;
	char signer[128];
	char *body;             /* malloc'd, NUL-terminated */
	size_t body_len;
};
int pf_db_store_index(struct pf_ctx *ctx, const char *series, const char *arch,
		      const struct pf_stored_index *idx, const void *sig,
		      size_t sig_len);
/* Loads the current index for series/arch; *found false if none. */
int pf_db_load_index(struct pf_ctx *ctx, const char *series, const char *arch,
		     struct pf_stored_index *out, bool *found);
void pf_stored_index_clear(struct pf_stored_index *idx);

/* Transactions: one per command that changes something. Steps record how
 * far each update got and why it stopped, for history and diagnose. */
int pf_db_tx_begin(struct pf_ctx *ctx, const char *command, int64_t *id);
int pf_db_tx_step(struct pf_ctx *ctx, int64_t id, unsigned update,
		  const char *step, const char *detail);
/* Ends the transaction with the error on the context (if any). Never fails
 * the caller's error: a failure to record is appended to the message. */
void pf_db_tx_end(struct pf_ctx *ctx, int64_t id);

/* A transaction that never ended (its process was killed) is marked
 * "interrupted" by the recovery that cleaned up after it. */
int pf_db_tx_interrupted(struct pf_ctx *ctx, int64_t id);
/* Under the lock, before anything else: every transaction still open is
 * from a process that is gone; mark them all interrupted. */
int pf_db_close_stale_transactions(struct pf_ctx *ctx);

/* The newest transaction record (for status; history will list them all). */
struct pf_tx_info {
	bool found;
	int64_t id;
	char command[32];
	time_t started;
	time_t ended;          /* 0 while running, or if it was killed */
	char outcome[16];      /* ok | failed | refused | interrupted | "" */
	int exit_code;
	bool has_exit_code;    /* false: the process never finished */
	char error[2048];
};
int pf_db_last_tx(struct pf_ctx *ctx, struct pf_tx_info *out);

/* History: every transaction, oldest first (or only ID when ID > 0), with
 * its steps. Arrays are malloc'd; pf_history_free releases them. */
struct pf_step_info {
	time_t at;
	unsigned update;
	char step[32];
	char detail[256];
};
struct pf_history_entry {
	struct pf_tx_info tx;
	struct pf_step_info *steps;
	size_t n_steps;
};
int pf_db_history(struct pf_ctx *ctx, int64_t id, struct pf_history_entry **out, size_t *n);
void pf_history_free(struct pf_history_entry *h, size_t n);

/* One row of a space check (the update about to be applied, per mount). */
int pf_db_record_space(struct pf_ctx *ctx, int64_t tx, unsigned number, const char *mount,
		       uint64_t needed, uint64_t available, uint64_t reserve,
		       uint64_t inodes_needed, uint64_t inodes_available, bool fits);

/* What the database says about one owned path. */
struct pf_owned {
	bool found;
	char type[16];
	unsigned owner;         /* core update that installed it */
	uint64_t size;
	uint8_t sha256[32];
	unsigned mode;
};
int pf_db_owned(struct pf_ctx *ctx, const char *path, struct pf_owned *out);

/* Every owned path in one query (the space plan): FN gets its path, type
 * ("file", "dir", "symlink"), recorded size and, for a symlink, the length
 * of its target. A non-zero return of FN stops and is returned. */
typedef int (*pf_owned_fn)(void *data, const char *path, const char *type, uint64_t size,
			   uint64_t target_len);
int pf_db_each_owned(struct pf_ctx *ctx, pf_owned_fn fn, void *data);

/* Every owned path, in path order, streamed from one query (verify reads
 * them all). FN gets each row as an entry (file, dir or symlink; its
 * strings live only during the call) and the core update that installed
 * it; it returns 0 to go on, or -1 with its error on the context to stop. */
struct pf_entry;
typedef int (*pf_db_file_fn)(const struct pf_entry *e, unsigned owner, void *data);
int pf_db_each_file(struct pf_ctx *ctx, pf_db_file_fn fn, void *data);

/* The journal of the update being applied (at most one row at a time):
 * staging -> committing -> committed, then deleted once cleaned up. The
 * manifest is kept so that recovery knows every name involved. */
struct pf_journal_entry {
	unsigned number;
	int64_t tx;
	char state[16];
	char series[64];
	char *manifest;
	size_t manifest_len;
	char *removals;        /* one path a line */
	char *fresh;           /* per manifest entry '1': the path did not exist */
};
int pf_db_journal_begin(struct pf_ctx *ctx, int64_t tx, unsigned number, const char *series,
			const char *manifest, size_t len);
/* All staged and on disk: renames may start. FRESH: per manifest entry,
 * '1' where the path did not exist before (rollback deletes it), else '0'. */
int pf_db_journal_committing(struct pf_ctx *ctx, unsigned number, const char *fresh);
int pf_db_journal_done(struct pf_ctx *ctx, unsigned number);
int pf_db_journal_first(struct pf_ctx *ctx, struct pf_journal_entry *out, bool *found);
void pf_journal_entry_clear(struct pf_journal_entry *j);

/* The commit point of an update: in one transaction, record every entry of
 * the manifest as owned by update NUMBER, forget the REMOVED paths, mark the
 * update applied, advance the core level and mark the journal committed
 * (with the removals still to do). */
int pf_db_commit_update(struct pf_ctx *ctx, int64_t tx, unsigned number,
			const char *series, const struct pf_manifest *m,
			char *const *removed, size_t n_removed);

#endif
