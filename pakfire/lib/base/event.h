/* The library talks in events; the front end chooses the words.
 * No library function prints. Events are delivered synchronously to the sink
 * set on the context; the pointers inside live only during the call.
 *
 * One event type per kind of news, each with its own fields (a tagged union,
 * like libalpm's alpm_event_t and FreeBSD pkg's union pkg_event): a field
 * means one thing wherever it appears. Adding an event: a type and its struct
 * here, then one renderer in each of pakfire/cli/render-text.c and
 * render-json.c. */
#ifndef PF_EVENT_H
#define PF_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct pf_ctx;
struct pf_verdict;

/* What an event about an update is about: a unit of the transaction. */
struct pf_unit_ref {
	const char *id;        /* "core-141", or an add-on's name */
	unsigned number;       /* core: its number, 0 for an add-on */
	const char *version;   /* add-on: Version-Release, or NULL */
	const char *series;    /* the series it comes from, or NULL */
	bool removing;         /* the unit takes an add-on away */
	bool repairing;        /* the unit restores what it installed (verify --fix) */
};

enum pf_event_type {
	PF_EV_INFO,             /* text: a line for the user (shown unless --quiet) */
	PF_EV_WARNING,          /* text: something the user should know */
	PF_EV_DEBUG,            /* text: shown with --verbose */
	PF_EV_INDEX_VERIFIED,   /* index: a new signed index was accepted */
	PF_EV_DOWNLOAD_START,   /* download: a transfer begins */
	PF_EV_DOWNLOAD_PROGRESS, /* download: bytes so far (a few times a second) */
	PF_EV_DOWNLOAD_DONE,    /* download: complete */
	PF_EV_UPTODATE,         /* uptodate: nothing pending */
	PF_EV_UNIT_PENDING,     /* pending: a unit the transaction will apply */
	PF_EV_UNIT_BEGIN,       /* begin: a unit is being applied */
	PF_EV_UNIT_DONE,        /* done: a unit is applied and recorded */
	PF_EV_FILE_KEPT,        /* kept: a removal that was not done, and why */
	PF_EV_SPACE_PLAN,       /* space: one row of the plan (a unit on a mount) */
	PF_EV_SPACE_REFUSED,    /* space: one row of a refusal */
	PF_EV_HOOK_BEGIN,       /* hook: a hook starts (name, phase) */
	PF_EV_HOOK_OUTPUT,      /* hook_output: bytes it wrote (only when asked: --verbose) */
	PF_EV_HOOK_DONE,        /* hook: it ended (outcome, exit code, duration) */
	PF_EV_HOOK_REFUSED,     /* hook: a local hook not run, and why (reason) */
	PF_EV_TX_BEGIN,         /* tx: a history record begins (id, command, dry_run) */
	PF_EV_TX_STEP,          /* tx: a step was recorded (unit, step, detail) */
	PF_EV_TX_END,           /* tx: the record ends (outcome, exit code, error) */
	PF_EV_DOWNLOAD_TOTAL,   /* download_total: a batch's files and bytes so far */
	PF_EV_DOWNLOAD_FAILED,  /* download_failed: one mirror failed a file */
	PF_EV_ACTIVITY,         /* activity: a long step's progress (staging, syncing) */
	PF_EV__COUNT
};

struct pf_ev_text {
	const char *message;
};

struct pf_ev_index_verified {
	const char *series;
	uint64_t revision;
	time_t date;
	time_t valid_until;
	const char *signer;    /* the fingerprint of the key that signed it */
	unsigned pending;      /* core updates pending once it is accepted */
};

struct pf_ev_download {
	const char *file;      /* the file name (the URL's last part) */
	uint64_t done;         /* bytes received so far (all of them when done) */
	uint64_t total;        /* bytes expected, 0 if not known */
	const char *unit;      /* the unit it is for ("core-141"), or NULL */
	const char *mirror;    /* the mirror serving it (host[:port]), or NULL */
	unsigned slot;         /* which of the parallel transfers (0 .. parallel-1) */
	uint64_t offset;       /* a resumed download: the bytes it started with */
};

/* A batch of downloads as a whole (fetch.h, pf_fetch_files). */
struct pf_ev_download_total {
	unsigned files_done, files;
	uint64_t done, total;  /* bytes */
};

/* One mirror failed one file; NEXT: another mirror is tried. */
struct pf_ev_download_failed {
	const char *file;
	const char *mirror;
	int cls;               /* enum pf_errclass */
	const char *message;
	bool next;
};

/* Something long that is not a download: so that a terminal never looks
 * hung. WHAT: staging | hashing | syncing | committing. */
struct pf_ev_activity {
	const char *unit;      /* "core-141", or NULL */
	const char *what;
	uint64_t done, total;  /* items (files); total 0 if not known */
};

struct pf_ev_uptodate {
	unsigned core;         /* the system's core level */
	const char *series;
};

struct pf_ev_unit_pending {
	struct pf_unit_ref unit;
	const char *summary;   /* from the index, NULL if none */
	uint64_t entries;      /* files, folders and symlinks it installs */
	uint64_t bytes;        /* the size of its files: what it installs */
	uint64_t download;     /* its package, the index's Package-Size (0 for a removal) */
	uint64_t removals;     /* paths it removes */
	bool reboot;
};

struct pf_ev_unit_begin {
	struct pf_unit_ref unit;
	const char *summary;
};

struct pf_ev_unit_done {
	struct pf_unit_ref unit;
	uint64_t installed;    /* entries installed */
	uint64_t removed;      /* paths removed */
	uint64_t kept;         /* removals skipped (each had a FILE_KEPT event) */
	bool reboot;
};

struct pf_ev_file_kept {
	struct pf_unit_ref unit; /* the unit whose removal it was */
	const char *path;      /* relative to the root */
	const char *reason;
};

/* One unit on one mount: the space it needs at its peak and what is left. */
struct pf_ev_space_row {
	struct pf_unit_ref unit;
	const char *mount;
	uint64_t needed, inodes_needed;
	uint64_t available, inodes_available;
	uint64_t reserve;
	uint64_t after;        /* available once it is applied */
	bool fits;
	bool read_only;
	/* SPACE_REFUSED: what the owner can do about it (plan/verdict.h), or
	 * NULL when it could not be judged (a warning said why). */
	const struct pf_verdict *verdict;
};

/* A hook of a unit (unit.id set) or a local hook (unit.id NULL). */
struct pf_ev_hook {
	struct pf_unit_ref unit;
	const char *phase;     /* pre, post, pre-install, ..., pre-transaction */
	const char *name;
	int64_t run_id;        /* its row in hook_runs (pakfire hook rerun ID), 0 if none */
	/* HOOK_DONE: */
	const char *outcome;   /* ok | failed | killed | timeout | interrupted */
	int exit_code;         /* -1 when a signal ended it */
	int signal;
	int64_t duration_ms;
	const char *tail;      /* its last lines, for a failure */
	/* HOOK_REFUSED: */
	const char *reason;
};

struct pf_ev_hook_output {
	struct pf_unit_ref unit;
	const char *name;
	const char *data;      /* not NUL-terminated */
	size_t len;
};

/* The history record of a run (state/history.h), as it is written: the log
 * (cli/log.c) tells the same story as `history ID` from these. */
struct pf_ev_tx {
	int64_t id;            /* the transaction's id */
	const char *command;   /* BEGIN: "upgrade", ... */
	bool dry_run;          /* BEGIN: a dry run's record */
	const char *unit;      /* STEP: the unit it is about ("core-141"), or NULL */
	const char *step;      /* STEP: "staged", "committed", ... */
	const char *detail;    /* STEP: or NULL */
	const char *outcome;   /* END: ok | failed | refused | interrupted */
	int exit_code;         /* END */
	const char *error;     /* END: or NULL */
};

struct pf_event {
	enum pf_event_type type;
	union {
		struct pf_ev_text text;               /* INFO, WARNING, DEBUG */
		struct pf_ev_index_verified index;    /* INDEX_VERIFIED */
		struct pf_ev_download download;       /* DOWNLOAD_START, _PROGRESS, _DONE */
		struct pf_ev_download_total download_total; /* DOWNLOAD_TOTAL */
		struct pf_ev_download_failed download_failed; /* DOWNLOAD_FAILED */
		struct pf_ev_activity activity;       /* ACTIVITY */
		struct pf_ev_uptodate uptodate;       /* UPTODATE */
		struct pf_ev_unit_pending pending;    /* UNIT_PENDING */
		struct pf_ev_unit_begin begin;        /* UNIT_BEGIN */
		struct pf_ev_unit_done done;          /* UNIT_DONE */
		struct pf_ev_file_kept kept;          /* FILE_KEPT */
		struct pf_ev_space_row space;         /* SPACE_PLAN, SPACE_REFUSED */
		struct pf_ev_hook hook;               /* HOOK_BEGIN, HOOK_DONE, HOOK_REFUSED */
		struct pf_ev_hook_output hook_output; /* HOOK_OUTPUT */
		struct pf_ev_tx tx;                   /* TX_BEGIN, TX_STEP, TX_END */
	};
};

typedef void (*pf_event_fn)(const struct pf_event *ev, void *data);

/* Deliver ev to the context's sink (no-op without one). */
void pf_emit(struct pf_ctx *ctx, const struct pf_event *ev);

/* Shorthands for the events emitted in several places. */
/* One mirror failed FILE with MESSAGE (class CLS); NEXT: another is tried
 * (else the caller's error will name every failure). */
void pf_emit_download_failed(struct pf_ctx *ctx, const char *file, const char *mirror, int cls,
			     const char *message, bool next);
/* A long step's progress (ACTIVITY): WHAT "staging", "hashing", "syncing" or
 * "committing" for UNIT (or NULL), DONE of TOTAL items (TOTAL 0: not
 * known). A caller sends it a few times a second at most (pf_due). */
void pf_emit_activity(struct pf_ctx *ctx, const char *unit, const char *what, uint64_t done,
		      uint64_t total);
void pf_emit_file_kept(struct pf_ctx *ctx, struct pf_unit_ref unit, const char *path,
		       const char *reason);

/* "20.1 MiB": sizes as people read them (binary units, like df -h). */
void pf_format_size(uint64_t bytes, char buf[32]);
/* A size given in whole units as people write partition sizes, "128 MiB",
 * "4 GiB"; any other as pf_format_size. */
void pf_format_size_whole(uint64_t bytes, char buf[32]);

/* Convenience: a formatted INFO / WARNING / DEBUG line. */
void pf_info(struct pf_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pf_warn(struct pf_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pf_debug(struct pf_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
