/* pakfire.log: every run of pakfire appends to <root>/var/log/pakfire/
 * pakfire.log one line per event it sees (log-line.h: time, pid, tx, cmd,
 * event, then the event's fields), from the same events the user sees:
 * the library never writes a log (STYLE.md), the front end does, beside
 * the text and JSON renderers. docs/log.md is the reader's side.
 *
 * Never fatal: a log that cannot be opened or written costs one warning on
 * stderr, and the command goes on without it. The file is opened inside
 * the root (openat2 RESOLVE_IN_ROOT) and never through a symlink planted
 * at its name (O_NOFOLLOW). Bounded: before the first line of a run, a log
 * at or over log-size is renamed to pakfire.log.1 (replacing it); a run
 * writes on past log-size (a failure's lines are never cut mid-run), up to
 * LOG_RUN_FACTOR times log-size, then one line says the rest is not logged.
 * The rotation never waits: when another process holds the file's flock
 * (briefly retried), this run appends without rotating; a restarted pakfire
 * never rotates (its transaction's lines stay in one file).
 *
 * Quiet where nothing happened: a command that only reads and ends without
 * warning or error writes one line, event=run (its args, exit and
 * duration), instead of a start and an end; its start line waits in the
 * log until something worth a line comes (a monitoring check every few
 * minutes must not push a failure's lines out of the bounded log).
 *
 * No junk in a mistyped root: the folders and the file are made only once
 * the configuration was read (LOG_CREATE); before, only an existing
 * pakfire.log is appended to (LOG_EXISTING); init, whose root may be new,
 * makes them only when it succeeded (LOG_CREATE_IF_OK: its lines wait).
 *
 * On a real system (no --root, or --root /), warnings, errors, units begun
 * and applied, hook failures and the end of a transaction also go to syslog
 * (journald reads it), as the old pakfire did. */
#ifndef PF_CLI_LOG_H
#define PF_CLI_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "log-line.h"

struct pf_ctx;
struct pf_event;

#define LOG_FILE "var/log/pakfire/pakfire.log"
#define LOG_RUN_FACTOR 4
/* The lines a run may hold back (log_how's brief and LOG_CREATE_IF_OK):
 * a dry run's record, init's few lines. */
#define LOG_HELD_MAX LOG_LINE_MAX

/* When the folders and pakfire.log are made if missing. */
enum log_create {
	LOG_CREATE,             /* at once */
	LOG_CREATE_IF_OK,       /* at the end, if the run succeeded */
	LOG_EXISTING,           /* never: only an existing pakfire.log is appended to */
};

/* How log_open opens the log. */
struct log_how {
	const char *cmd;        /* the command's name (static) */
	uint64_t size;          /* log-size */
	int64_t tx;             /* a restarted pakfire's record (0: none): on the
	                         * start line already, and no rotation */
	bool brief;             /* the command only reads (status, history, a dry
	                         * run): only the start and end, warnings, refusals,
	                         * hook results and the history record's lines; and
	                         * one line when it ends without warning or error */
	bool syslog;            /* also to syslog: log_syslog_wanted() */
	enum log_create create;
};

struct cli_log {
	int dir_fd;             /* var/log/pakfire (O_PATH), or -1 */
	int fd;                 /* pakfire.log, or -1: nothing is written */
	char where[512];        /* the file as a person reads it, for the warning */
	const char *cmd;        /* the command's name (static) */
	long pid;
	int64_t tx;             /* the history record once one began, else 0 */
	uint64_t size;          /* log-size */
	uint64_t written;       /* bytes this run wrote */
	bool brief;             /* log_how's */
	bool syslog;            /* also to syslog */
	bool warned;
	struct pf_ctx *ctx;     /* borrowed: LOG_CREATE_IF_OK makes the log late */
	time_t started;         /* the start line's time */
	struct timespec t0;     /* CLOCK_MONOTONIC at the start: duration_ms */
	bool have_t0;
	int64_t start_tx;       /* the start line's tx */
	char args[LOG_VALUE_MAX]; /* the command line, for the start (or run) line */
	size_t args_len;
	/* Lines wait in HELD, the start line not yet written: a brief run
	 * until a line worth its start comes; LATE (LOG_CREATE_IF_OK, no log
	 * yet) until the run ended well. */
	bool holding;
	bool late;
	char held[LOG_HELD_MAX];
	size_t held_len;
};

/* A log that writes nothing (every call below is then a no-op). */
void log_init(struct cli_log *l);

/* Open the log of CTX's root as HOW says, rotating it past HOW's size,
 * and write the start line with ARGV's arguments (escaped, cut at
 * LOG_VALUE_MAX), or hold it (a brief run, LOG_CREATE_IF_OK). Never fails;
 * a warning on stderr when the file cannot be used (none when it is missing
 * and HOW says not to make it). */
void log_open(struct cli_log *l, struct pf_ctx *ctx, const struct log_how *how, int argc,
	      char **argv);

/* One event (output.c's sink calls it for each). TX_BEGIN sets the tx
 * field of this and every later line. */
void log_event(struct cli_log *l, const struct pf_event *ev);

/* The end line: the exit code (CODE), the duration, and the error on CTX
 * if any; RESTARTING: the run ends to restart pakfire, which goes on. A
 * brief run with nothing worth a line and no error: the one run line. */
void log_end(struct cli_log *l, struct pf_ctx *ctx, int code, bool restarting);

void log_close(struct cli_log *l);

/* Whether a run with --root ROOT (NULL: none) is on the real system, whose
 * syslog is the owner's: only then is syslog written (tests always give a
 * root of their own). "/" and its spellings ("//", "/./") are the real
 * system. */
bool log_syslog_wanted(const char *root);

/* log-event.c: the event's name in the log (NULL: not logged; BRIEF: as
 * log_open's), its fields, and its syslog priority (-1: not to syslog). */
const char *log_event_name(const struct pf_event *ev, bool brief);
void log_event_fields(struct log_line *l, const struct pf_event *ev);
int log_event_priority(const struct pf_event *ev);

#endif
