/* `pakfire diagnose`: one report for support staff, from the database and
 * the live system, read-only and without the lock (docs/diagnose.md). It
 * gathers what the other views know (status: series, level, add-ons,
 * pending chain and its space now, mirrors; history: the runs, the last
 * failure with its steps, hook runs and space checks) and adds what only
 * support asks for: the journal and what recovery will do with it, the
 * trusted keys, the indexes' freshness, the download cache, the database's
 * own checks and the lock. It ends with the problems found, each a cause,
 * the update it concerns, what is wrong and the next action in plain
 * words; each cause sets one bit of the exit code (64 + bits). */
#ifndef PF_OPS_DIAGNOSE_H
#define PF_OPS_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ops/history.h"
#include "ops/status.h"

struct pf_ctx;
struct pf_session;

/* The exit code of a diagnose run that could look: 0 when no problem was
 * found, else PF_DIAG_EXIT + the bits of the problems' causes (65..95;
 * docs/exit-codes.md). 64 alone is never returned. */
#define PF_DIAG_EXIT      64
#define PF_DIAG_FAILED    1  /* the last run failed, was interrupted, a hook is open,
			      * or every mirror failed */
#define PF_DIAG_SPACE     2  /* a pending update does not fit, or can never fit */
#define PF_DIAG_TRUST     4  /* signature, hash, expired / stale / missing / rolled-back
			      * index, a trusted key expired */
#define PF_DIAG_DATABASE  8  /* the database is damaged or cannot be read */
#define PF_DIAG_LOCK      16 /* another pakfire holds the lock (running, or hung) */

/* What a problem is about: the `cause` words of the JSON document
 * (pf_diag_cause_name), each with its exit bit (pf_diag_cause_bit). */
enum pf_diag_cause {
	PF_CAUSE_SPACE,        /* "space": free some space (fits-after-freeing/-cleanup) */
	PF_CAUSE_NEVER_FITS,   /* "never-fits": the partition can never hold it */
	PF_CAUSE_SIGNATURE,    /* "signature": an index or list whose signature failed */
	PF_CAUSE_HASH,         /* "hash": a manifest or package whose size or SHA-256
				* differs from the signed index (or a malformed one) */
	PF_CAUSE_EXPIRED,      /* "expired": the index's Valid-Until has passed */
	PF_CAUSE_STALE,        /* "stale": no index, or fetched longer ago than index-stale */
	PF_CAUSE_ROLLBACK,     /* "rollback": a mirror served an older Revision */
	PF_CAUSE_KEY,          /* "key": a trusted key expired or was revoked */
	PF_CAUSE_HOOK,         /* "hook": a hook failed (and holds upgrades if post) */
	PF_CAUSE_INTERRUPTED,  /* "interrupted": a run was killed; the journal holds a unit */
	PF_CAUSE_DOWNLOAD,     /* "download": every mirror failed */
	PF_CAUSE_FAILED,       /* "failed": the last run failed otherwise (I/O, ...) */
	PF_CAUSE_DATABASE,     /* "database": integrity_check or quick_check failed, or it
				* cannot be opened */
	PF_CAUSE_LOCK,         /* "lock": another pakfire holds the lock */
};
const char *pf_diag_cause_name(enum pf_diag_cause c);
unsigned pf_diag_cause_bit(enum pf_diag_cause c);

/* One problem: a line of the verdict. */
struct pf_diag_problem {
	enum pf_diag_cause cause;
	char unit[64];         /* the update it concerns: "core-141", or "" */
	char label[64];        /* as messages name it: "core 141", or "" */
	int64_t run;           /* the recorded run it comes from, or 0 */
	char mount[256];       /* space, never-fits: the mount ("/boot"), else "" */
	/* What is wrong, one sentence naming the file, mount and number
	 * ("/boot needs 9.3 MiB more for core update 141"). */
	char what[1024];
	/* The next action in plain words ("remove the kernels listed below
	 * that are not the running one, or apply the cleanup update 140
	 * first: pakfire upgrade --to 140"). */
	char action[1024];
};

/* The unit an interrupted run left in the journal, and what the next run
 * that takes the lock (recovery, docs/crash-safety.md) will do with it. */
struct pf_diag_journal {
	bool present;
	char unit[64], label[64];
	int64_t run;
	char command[32];      /* the command of that run ("install"), "" if not known */
	char state[16];        /* staging | committing | committed */
	char action[16];       /* "roll back" | "roll forward" */
	time_t started;
	/* The paths recovery restores or finishes (the manifest's, in
	 * order), at most PF_DIAG_PATHS of them; N_PATHS counts them all. */
	char **paths;          /* malloc'd */
	size_t n_listed, n_paths;
	char error[512];       /* the journal could not be read: why, else "" */
};
#define PF_DIAG_PATHS 50

/* A key that expires within this is shown with a warning in the Keys
 * section; expired (or revoked) it is the problem `key`. */
#define PF_DIAG_KEY_SOON (30 * 24 * 3600)

/* A trusted key (the keys folder). */
struct pf_diag_key {
	char fingerprint[64];  /* hex, as gpg shows it */
	char uid[256];
	time_t created;
	time_t expires;        /* 0: never */
	bool expired, revoked;
	char file[256];        /* its file in the keys folder */
	bool signed_index;     /* it signed the current index of the system's series */
};

/* The last verified index of one series/arch. */
struct pf_diag_index {
	char series[64], arch[64];
	uint64_t revision;
	time_t date, valid_until, fetched_at;
	char signer[64];       /* the fingerprint that signed it */
	bool expired;          /* Valid-Until has passed */
	bool stale;            /* fetched longer ago than index-stale */
	bool current;          /* the system's series */
};

/* The download cache. */
struct pf_diag_cache {
	char path[4096];       /* as configured: /var/cache/pakfire */
	uint64_t bytes, files;
	/* Files no pending or installed unit needs any more (what `pakfire
	 * clean` removes) and partial downloads. */
	uint64_t stale_bytes, stale_files;
	uint64_t partial_bytes, partial_files;
	char error[512];       /* the folder could not be read: why, else "" */
};

/* The database's own checks. */
struct pf_diag_database {
	char path[4096];
	bool opened;           /* it could be opened and read */
	int schema;            /* PRAGMA user_version */
	char integrity[1024];  /* "ok", or the first messages of integrity_check */
	char quick[1024];      /* "ok", or the first messages of quick_check */
	char error[1024];      /* why it could not be opened or read, else "" */
	bool exists;           /* the file is there */
	bool outdated;         /* older than this pakfire's schema: the next run under
				* the lock migrates it (diagnose reads it as it is) */
	int schema_latest;     /* this pakfire's schema version */
	uint64_t bytes;        /* the file's size, with the WAL */
};

/* The lock (ops/lock.h pf_lock_holder). */
struct pf_diag_lock {
	bool held;
	long pid;              /* 0: not known */
	char command[256];     /* the holder's command line (/proc/PID/cmdline), or "" */
	int64_t run;           /* its open run, or 0 */
	time_t since;          /* when that run began, or 0 */
	bool known;            /* false: /proc/locks could not be read (held unknown) */
};

/* One mount pakfire plans for, as it is now (df). */
struct pf_diag_mount {
	char mount[256];       /* as the user knows it: "/boot" */
	char fstype[32];
	char device[256];
	uint64_t total, available, used;
	uint64_t inodes_total, inodes_available;
	bool read_only;
};

struct pf_diagnosis {
	time_t now;
	/* What status knows: series, level, add-ons, pending chain, the
	 * space it needs now with its verdicts, the mirrors' results, open
	 * hooks. Valid when have_status. */
	bool have_status;
	struct pf_status status;
	char status_error[1024];
	/* pakfire.conf could not be read: why (then the defaults' paths were
	 * looked at), else "". */
	char config_error[1024];
	/* The last runs, newest last (at most PF_DIAG_RUNS). */
	struct pf_run *runs;   /* malloc'd */
	size_t n_runs;
	char runs_error[512];  /* the history could not be read: why, else "" */
	/* The newest run that did not end ok and still stands (no later run
	 * of the same command ended ok), with its steps, hook runs and space
	 * checks; have_failure false when none. */
	bool have_failure;
	struct pf_history_run failure;
	char failure_unit[64], failure_label[64]; /* the unit it stopped at, or "" */
	char failure_step[32];                    /* the last step it reached */
	char failure_cause[24];                   /* pf_diag_cause_name, or "" */
	struct pf_diag_journal journal;
	struct pf_diag_key *keys;    /* malloc'd */
	size_t n_keys;
	char keys_error[512];        /* the keys folder could not be read: why, else "" */
	struct pf_diag_index *indexes; /* malloc'd */
	size_t n_indexes;
	char indexes_error[512];     /* why they could not be read, else "" */
	struct pf_diag_cache cache;
	struct pf_diag_database database;
	struct pf_diag_lock lock;
	struct pf_diag_mount *mounts; /* malloc'd: every mount pakfire plans for */
	size_t n_mounts;
	char mounts_error[512];       /* the mount table could not be read: why, else "" */
	struct pf_diag_problem *problems; /* malloc'd, most urgent first */
	size_t n_problems;
	unsigned bits;         /* PF_DIAG_* of the problems */
};
#define PF_DIAG_RUNS 10

/* Look at everything, read-only, without the lock. A part that cannot be
 * read (no database, a damaged one, no index) is itself reported and a
 * problem, never the end of the report: returns -1 only when out of
 * memory or when there is no root to look at. */
int pf_diagnose(struct pf_session *s, struct pf_diagnosis *out);
void pf_diagnosis_clear(struct pf_diagnosis *d);
/* 0, or PF_DIAG_EXIT + D->bits. */
int pf_diagnose_exit_code(const struct pf_diagnosis *d);

#endif
