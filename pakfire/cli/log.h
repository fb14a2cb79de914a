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
 *
 * On a real system (no --root, or --root /), warnings, errors, units begun
 * and applied, hook failures and the end of a transaction also go to syslog
 * (journald reads it), as the old pakfire did. */
#ifndef PF_CLI_LOG_H
#define PF_CLI_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "log-line.h"

struct pf_ctx;
struct pf_event;

#define LOG_FILE "var/log/pakfire/pakfire.log"
#define LOG_RUN_FACTOR 4

struct cli_log {
	int dir_fd;             /* var/log/pakfire (O_PATH), or -1 */
	int fd;                 /* pakfire.log, or -1: nothing is written */
	char where[512];        /* the file as a person reads it, for the warning */
	const char *cmd;        /* the command's name (static) */
	long pid;
	int64_t tx;             /* the history record once one began, else 0 */
	uint64_t size;          /* log-size */
	uint64_t written;       /* bytes this run wrote */
	bool brief;             /* a command that only reads: log_open's BRIEF */
	bool syslog;            /* also to syslog */
	bool warned;
};

/* A log that writes nothing (every call below is then a no-op). */
void log_init(struct cli_log *l);

/* Open the log of CTX's root for command CMD, rotating it past SIZE bytes,
 * and write the start line with ARGV's arguments (escaped, cut at
 * LOG_VALUE_MAX). BRIEF: the command only reads (status, history, a dry
 * run): only the start and end, warnings, refusals, hook results and the
 * history record's lines. SYSLOG: log_syslog_wanted(). Never fails; a
 * warning on stderr when the file cannot be used. */
void log_open(struct cli_log *l, struct pf_ctx *ctx, const char *cmd, uint64_t size, bool brief,
	      bool syslog, int argc, char **argv);

/* One event (output.c's sink calls it for each). TX_BEGIN sets the tx
 * field of this and every later line. */
void log_event(struct cli_log *l, const struct pf_event *ev);

/* The end line: the exit code (CODE), and the error on CTX if any;
 * RESTARTING: the run ends to restart pakfire, which goes on. */
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
