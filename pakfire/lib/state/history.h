/* Transactions: one per command that changes something, with the steps each
 * unit went through and every space check, for history and diagnose. */
#ifndef PF_STATE_HISTORY_H
#define PF_STATE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct pf_ctx;
struct pf_db;

int pf_db_tx_begin(struct pf_db *db, const char *command, int64_t *id);
/* UNIT: the unit the step is about ("core-141"), or NULL. Recorded, then
 * told (PF_EV_TX_STEP: the log and --verbose). */
int pf_db_tx_step(struct pf_db *db, int64_t id, const char *unit, const char *step,
		  const char *detail);
/* The two halves, for a step inside a database transaction of the
 * caller's: told only once that committed, so that the log never says
 * what history does not. */
int pf_db_tx_step_record(struct pf_db *db, int64_t id, const char *unit, const char *step,
			 const char *detail);
void pf_db_tx_step_told(struct pf_db *db, int64_t id, const char *unit, const char *step,
			const char *detail);
/* Ends the transaction with the error on the context (if any). Never fails
 * the caller's error: a failure to record is appended to the message. A
 * NULL db or an id <= 0 is a no-op. */
void pf_db_tx_end(struct pf_db *db, int64_t id);
/* The outcome a run ends with, from the error on CTX: ok, refused (no
 * space), interrupted (a SIGINT, SIGTERM or SIGHUP stopped it), failed. */
const char *pf_db_tx_outcome(const struct pf_ctx *ctx);

/* The cause word a run ends with (transactions.cause, docs/diagnose.md):
 * NULL when it ends ok; "interrupted" when a signal stopped it; the cause
 * the failing site set (pf_fail_cause); else one from the error class
 * (space, hash, download, hook, lock, failed). */
const char *pf_db_tx_cause(const struct pf_ctx *ctx);
/* The cause recorded with run ID into OUT ("" when none, or no such run);
 * fails (no such column) on a schema older than migration 11. */
int pf_db_tx_cause_of(struct pf_db *db, int64_t id, char *out, size_t size);
/* The command recorded with run ID into OUT ("verify --fix"; "" when no
 * such run). */
int pf_db_tx_command_of(struct pf_db *db, int64_t id, char *out, size_t size);
/* A dry run of COMMAND begun at STARTED, recorded whole (dry_run = 1) in
 * one statement once it has ended, with its OUTCOME, EXIT_CODE, ERROR and CAUSE
 * (or NULL); *ID its id. TX_BEGIN and TX_END are emitted for it. */
int pf_db_tx_dry_run(struct pf_db *db, const char *command, time_t started, const char *outcome,
		     int exit_code, const char *error, const char *cause, int64_t *id);

/* A transaction that never ended (its process was killed) is marked
 * "interrupted" by the recovery that cleaned up after it. */
int pf_db_tx_interrupted(struct pf_db *db, int64_t id);
/* Under the lock, before anything else: every transaction still open is
 * from a process that is gone; mark them all interrupted, but KEEP (0:
 * none), which this process goes on with after a restart. */
int pf_db_close_stale_transactions(struct pf_db *db, int64_t keep);

/* Whether transaction ID of COMMAND (NULL: any) is still open and its last
 * step is the 'restarting' of TOKEN (a pakfire that restarted itself left
 * it so). */
int pf_db_tx_is_open(struct pf_db *db, int64_t id, const char *command, const char *token,
		     bool *open);

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
	bool dry_run;          /* a dry run's record: it changed nothing */
};
/* The newest transaction record; one still open (not a dry run) first.
 * REAL_ONLY: the newest that is not a dry run. */
int pf_db_last_tx(struct pf_db *db, bool real_only, struct pf_tx_info *out);

/* Every transaction, oldest first (or only ID when ID > 0), with its steps.
 * Arrays are malloc'd; pf_history_free releases them. */
struct pf_step_info {
	time_t at;
	char unit[64];         /* "" when the step is about no unit */
	char step[32];
	char detail[256];
};
struct pf_history_entry {
	struct pf_tx_info tx;
	struct pf_step_info *steps;
	size_t n_steps;
};
int pf_db_history(struct pf_db *db, int64_t id, struct pf_history_entry **out, size_t *n);
void pf_history_free(struct pf_history_entry *h, size_t n);

/* One row of a space check (the unit about to be applied, per mount). */
struct pf_space_record {
	const char *unit;
	const char *mount;
	uint64_t needed, available, reserve;
	uint64_t inodes_needed, inodes_available;
	bool fits;
	/* The verdict (migration 6), or NULL: not judged. Then the figures
	 * it rests on; JUDGED false leaves minimum, recommended and freeable
	 * NULL (a row that fits). FREEABLE_LIST may be NULL. */
	const char *verdict;
	uint64_t total, usable;
	bool judged;
	uint64_t minimum, recommended, freeable;
	const char *freeable_list;
};
int pf_db_record_space(struct pf_db *db, int64_t tx, const struct pf_space_record *rec);

/* The space checks transaction TX recorded, in order (*OUT malloc'd, the
 * caller frees it). VERDICT "" when not judged; JUDGED false when
 * minimum, recommended and freeable are NULL; a recommended of 0 is none. */
struct pf_space_info {
	char unit[64];
	char mount[256];
	uint64_t needed, available, reserve;
	uint64_t inodes_needed, inodes_available;
	bool fits;
	char verdict[24];
	uint64_t total, usable;
	bool judged;
	uint64_t minimum, recommended, freeable;
};
int pf_db_space_checks(struct pf_db *db, int64_t tx, struct pf_space_info **out, size_t *n);

#endif
