/* A session: what one command opens, in order, and closes in reverse
 * (libalpm's alpm_initialize/alpm_release): the configuration, the lock,
 * the database, recovery of what an interrupted run left, and the
 * downloader on the first download. The context (base/) knows none of
 * them: it is the root, the error, the events and the signals. */
#ifndef PF_SESSION_H
#define PF_SESSION_H

#include <stdbool.h>
#include <stdint.h>

struct pf_config;
struct pf_ctx;
struct pf_db;
struct pf_fetch;

enum pf_session_needs {
	PF_NEED_CONFIG = 1 << 0,  /* pakfire.conf */
	PF_NEED_DB     = 1 << 1,  /* the database, which must exist */
	PF_NEED_LOCK   = 1 << 2,  /* the lock, then recovery of the journal */
};

struct pf_session {
	struct pf_ctx *ctx;
	struct pf_config *config;
	const char *config_file;  /* --config as given (the caller's string), or NULL */
	int lock_fd;              /* held while >= 0 */
	struct pf_db *db;
	struct pf_fetch *fetch;   /* made by pf_session_fetch() on the first download */
	bool recovered;           /* the journal was checked under this lock */
	/* Set before the lock is taken: the transaction the pakfire before
	 * a restart began (PAKFIRE_REEXEC), which this one goes on with. */
	int64_t resume_tx;
	char resume_token[17];    /* and the token it recorded for it */
	int inherited_lock;       /* the lock's fd it passed on, or -1 */
	bool resumed;             /* it did: what was confirmed is not asked again */
	/* Set by the pipeline: a unit replaced what this pakfire runs from,
	 * and the rest is for a restarted pakfire (ops/self.h). */
	bool restart;
	int64_t restart_tx;       /* the transaction it goes on with */
	char restart_token[17];   /* recorded with the 'restarting' step */
	/* A dry run under way (pf_session_dry_run): its command and when it
	 * began, recorded by pf_session_tx_end. */
	const char *dry_command;
	int64_t dry_started;
	/* --from-dir: "file://" and the folder's absolute path, the one
	 * mirror of this run (pf_session_from_dir); NULL: the configured
	 * mirrors and the published list. */
	char *from_dir;
	/* The transaction begun last, which the mirrors' results are
	 * recorded in when the session closes (ops/mirror-list.h). */
	int64_t tx;
};

/* Open what NEEDS says, in order: configuration (FILE as given on the
 * host, or <root>/etc/pakfire/pakfire.conf when NULL), lock, database,
 * recovery. On failure everything opened is closed again and *OUT is NULL. */
int pf_session_open(struct pf_ctx *ctx, const char *config_file, unsigned needs,
		    struct pf_session **out);
void pf_session_close(struct pf_session *s);

/* Open, on an open session, what NEEDS adds (in the same order). */
int pf_session_need(struct pf_session *s, const char *config_file, unsigned needs);

/* The downloader, made on the first call from the configured mirrors
 * (making it loads nothing: libcurl comes with the first transfer). NULL
 * after pf_fail. */
struct pf_fetch *pf_session_fetch(struct pf_session *s);

/* --from-dir DIR (a folder of this host, not inside the root: a USB
 * stick; relative to the working directory): for this run it replaces
 * every mirror, the configured ones and the published list. Before the
 * downloader is made. A DIR that is missing or not a folder is PF_E_USAGE. */
int pf_session_from_dir(struct pf_session *s, const char *dir);

/* The history record of a changing command: the one a restarted pakfire
 * goes on with (resume_tx, still open, its last step the 'restarting' of
 * resume_token), else a new one. */
int pf_session_tx_begin(struct pf_session *s, const char *command, int64_t *tx);
/* Its end; left open when the run ends to restart itself. After
 * pf_session_dry_run (TX 0), the dry run's record. */
void pf_session_tx_end(struct pf_session *s, int64_t tx);

/* A dry run of COMMAND (a static string) begins. It takes no lock, so it
 * is recorded only when it ends (pf_session_tx_end), whole, in one
 * statement: an open row would be called interrupted by the stale sweep
 * of a pakfire that takes the lock meanwhile. A database that cannot take
 * the record (read-only, busy) is a warning, never the dry run's failure. */
void pf_session_dry_run(struct pf_session *s, const char *command);

/* Record that the run ends to restart pakfire after UNIT (NULL: before
 * anything) replaced WHAT: a 'restarting' step with a fresh token, which
 * the restarted pakfire must show to go on with TX. */
int pf_session_restart(struct pf_session *s, int64_t tx, const char *unit, const char *what);

/* `init`: take the lock and create the database, which must not exist. */
int pf_session_create_db(struct pf_session *s);


#endif
