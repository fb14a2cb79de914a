/* Hooks in the database (docs/state.md, "Hooks"): the verified bytes of
 * every hook an installed unit shipped (kept by their SHA-256, so that an
 * add-on's remove hooks and a failed post hook can run later, and
 * recovery can run a post hook a crash interrupted), which hooks each unit
 * has, and every run of a hook with its outcome and bounded output.
 *
 * A run's state: pending (queued in the commit of its unit: recovery runs
 * it if nothing else does), running (its process group and start time
 * recorded), then ok | failed | killed | timeout | interrupted | refused |
 * skipped (queued after a post hook of its unit that failed, not run).
 * A failed post-phase run of a package hook blocks upgrades until a later
 * run of it is ok or the admin acknowledges it: then `resolved` is set. */
#ifndef PF_STATE_HOOKS_H
#define PF_STATE_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pf_db;

/* A hook's bytes, verified against the signed manifest. */
struct pf_hook_body {
	const char *name;
	const char *phase;      /* as in the manifest: pre, post, pre-install, ... */
	uint8_t sha256[32];
	const char *bytes;
	size_t len;
};

/* Inside pf_db_commit_unit's transaction: unit UNIT now has the hooks H
 * (replacing what it had; none for a removal, N 0); their bytes are kept. */
int pf_db_hooks_set(struct pf_db *db, const char *unit, const struct pf_hook_body *h, size_t n);

/* A hook of an installed unit, with its bytes (malloc'd). */
struct pf_hook_stored {
	char name[128];
	char phase[24];
	uint8_t sha256[32];
	char *bytes;
	size_t len;
};
/* The hooks of UNIT for PHASE (all phases when PHASE is NULL), by name. */
int pf_db_hooks_of(struct pf_db *db, const char *unit, const char *phase,
		   struct pf_hook_stored **out, size_t *n);
void pf_hook_stored_free(struct pf_hook_stored *h, size_t n);
/* The bytes kept for SHA256 (malloc'd); *FOUND false if none. */
int pf_db_hook_bytes(struct pf_db *db, const uint8_t sha256[32], char **bytes, size_t *len,
		     bool *found);

/* One run of a hook. */
struct pf_hook_run_row {
	int64_t id;
	int64_t tx;             /* the transaction it ran in */
	char unit[64];          /* "" for a local hook */
	char origin[8];         /* package | local */
	char phase[24];
	char name[128];
	uint8_t sha256[32];     /* package hooks: which bytes */
	char state[16];         /* pending | running | ok | failed | killed | timeout |
				 * interrupted | refused | skipped */
	int64_t started, ended; /* UTC seconds, 0 if not yet */
	int64_t duration_ms;
	int exit_code;          /* -1: none (signal, not run) */
	int signal;
	pid_t pgid;             /* running: its process group */
	uint64_t start_time;    /* and its leader's start time */
	char boot_id[40];       /* and the boot it ran in ("" if unknown) */
	uint64_t output_total;  /* bytes it wrote */
	uint64_t dropped;       /* bytes of them not kept */
	char *output;           /* malloc'd, NUL-terminated (only when asked) */
	size_t output_len;
	int64_t resolved;       /* 0: open; else the id of the ok run that
				 * resolved it, or -1: acknowledged */
	int64_t rerun_of;       /* a rerun: the id of the run it repeats; else 0 */
};

/* A new row, state STATE (pending or running), for a package hook (UNIT,
 * SHA256 set) or a local one (UNIT NULL, origin local). RERUN_OF: 0 or the
 * run it repeats. *ID its id. */
int pf_db_hook_run_add(struct pf_db *db, int64_t tx, const char *unit, const char *phase,
		       const char *name, const uint8_t *sha256, const char *state,
		       int64_t rerun_of, int64_t *id);
/* It started: running, with its process group and the boot it runs in. */
int pf_db_hook_run_started(struct pf_db *db, int64_t id, pid_t pgid, uint64_t start_time,
			   const char *boot_id);
/* It ended: R's state, exit code, signal, duration and output (the other
 * fields of R are ignored). An ok run resolves the open run it repeats
 * (rerun_of) and every earlier open run of the same unit, phase and name. */
int pf_db_hook_run_end(struct pf_db *db, int64_t id, const struct pf_hook_run_row *r);
/* The admin acknowledged open run ID (resolved = -1), and with it the
 * earlier open runs of the same hook; PF_E_USAGE when it is not an open
 * failed run. */
int pf_db_hook_run_ack(struct pf_db *db, int64_t id);

/* One run, with its output. *FOUND false if there is no such run. */
int pf_db_hook_run_get(struct pf_db *db, int64_t id, struct pf_hook_run_row *out, bool *found);
/* The runs of transaction TX, in order, with their output. */
int pf_db_hook_runs_of_tx(struct pf_db *db, int64_t tx, struct pf_hook_run_row **out, size_t *n);
/* The failed post-phase runs of package hooks not yet resolved (what
 * blocks upgrades), oldest first, without output. */
int pf_db_hook_runs_open(struct pf_db *db, struct pf_hook_run_row **out, size_t *n);
/* The runs left pending or running (by a crash), oldest first. */
int pf_db_hook_runs_unfinished(struct pf_db *db, struct pf_hook_run_row **out, size_t *n);
/* Every run that ended other than ok (failed, killed, timeout,
 * interrupted, refused; resolved or not), oldest first, without output:
 * what history marks. */
int pf_db_hook_runs_failed(struct pf_db *db, struct pf_hook_run_row **out, size_t *n);
/* The last LIMIT runs (0: all), oldest first, without output. */
int pf_db_hook_runs_recent(struct pf_db *db, size_t limit, struct pf_hook_run_row **out,
			   size_t *n);
void pf_hook_run_rows_free(struct pf_hook_run_row *rows, size_t n);
void pf_hook_run_row_clear(struct pf_hook_run_row *r);

/* Whether PHASE runs after its unit commits (post, post-install,
 * post-remove, post-transaction). */
bool pf_hook_phase_is_post(const char *phase);
/* Whether run R is open: a package hook's post-phase run that ended other
 * than ok and is not resolved (what pf_db_hook_runs_open lists). */
bool pf_hook_run_is_open(const struct pf_hook_run_row *r);

#endif
