/* `pakfire history`: what each run of a command that changed something did,
 * step by step. These are the views the front end renders (status shows the
 * last run too); they are filled from the state layer's rows here, so that
 * the front end never sees a database row. */
#ifndef PF_HISTORY_H
#define PF_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct pf_db;
struct pf_session;

/* One recorded run of a command (the database calls it a transaction; it is
 * not the transaction of units that an upgrade applies). */
struct pf_run {
	int64_t id;
	char command[32];
	time_t started;
	time_t ended;          /* 0 while running, or if it was killed */
	char outcome[16];      /* ok | failed | refused | interrupted | "" */
	bool has_exit_code;    /* false: the process never finished */
	int exit_code;
	char error[2048];      /* "" if none */
	bool dry_run;          /* a dry run: it showed the plan, changed nothing */
	/* Not ended, and its process holds the lock now: it is running, not
	 * interrupted (ops/lock.h pf_lock_holder). PID: the holder, 0 if not
	 * known. */
	bool running;
	long pid;
};

/* One step of a run: how far a unit got, and why it stopped. */
struct pf_run_step {
	time_t at;
	char unit[64];         /* the unit it is about ("core-141"), "" if none */
	char label[64];        /* as messages name it ("core 141"), "" if none */
	unsigned core;         /* a core unit's number, 0 otherwise */
	char step[32];
	char detail[256];      /* "" if none */
};

struct pf_hook_run_view;

/* One space check of a run: a unit on a mount, with the verdict when it
 * did not fit (plan/verdict.h names). */
struct pf_run_space {
	char unit[64];
	char label[64];        /* "core 141" */
	char mount[256];
	uint64_t needed, available, reserve;
	uint64_t inodes_needed, inodes_available;
	bool fits;
	char verdict[24];      /* "" when not judged */
	uint64_t total, usable;
	bool judged;           /* minimum, recommended and freeable are known */
	uint64_t minimum, recommended, freeable;
};

struct pf_history_run {
	struct pf_run run;
	struct pf_run_step *steps; /* malloc'd */
	size_t n_steps;
	unsigned hooks_failed;     /* its hook runs that did not end ok */
	bool hook_open;            /* one of them holds upgrades still */
	/* One run (ID > 0): its hook runs with their output (ops/hook.h). */
	struct pf_hook_run_view *hooks; /* malloc'd */
	size_t n_hooks;
	/* One run (ID > 0): the space checks it recorded, in order. */
	struct pf_run_space *space; /* malloc'd */
	size_t n_space;
};

struct pf_history {
	struct pf_history_run *runs; /* malloc'd, oldest first */
	size_t n;
};

/* Every run, oldest first, or only run ID when ID > 0 (a usage error when
 * there is none). Needs an open database. */
int pf_history(struct pf_session *s, int64_t id, struct pf_history *out);
void pf_history_clear(struct pf_history *h);

/* The newest run; *found false when nothing has run yet. */
/* REAL_ONLY: the newest that is not a dry run. */
int pf_last_run(struct pf_db *db, bool real_only, struct pf_run *out, bool *found);

#endif
