/* The pakfire front end: the command table's entries and what a running
 * command gets. Each command lives in its own file (cmd-NAME.c) and defines
 * one struct cli_command: its options (base/opts.h), what it needs opened,
 * and its run function. main.c parses the command line with the generic
 * parser and opens what the command declares; a command never opens the
 * configuration, the lock or the database itself. */
#ifndef PF_CLI_H
#define PF_CLI_H

#include <stdbool.h>

#include "base/opts.h"
#include "ops/session.h"
#include "log.h"
#include "output.h"

struct pf_ctx;

struct pf_session;

struct cli {
	struct pf_ctx *ctx;
	struct pf_session *session; /* opened by main.c with what the command needs */
	struct output out;
	struct cli_log log;         /* opened by main.c once the root and pakfire.conf are known */
};

struct cli_command {
	struct pf_cmd_spec spec;  /* name, summary, options, operand */
	/* What the session opens before it runs (ops/session.h: configuration,
	 * database, lock with recovery), in that order. */
	unsigned needs;           /* enum pf_session_needs */
	/* Optional: true when this run only reads (upgrade --dry-run), so it
	 * takes neither the lock nor recovers: it may run beside a writer. */
	bool (*reads_only)(const void *opts);
	/* It writes nothing under the root, not even a log line (diagnose:
	 * docs/diagnose.md). */
	bool writes_nothing;
	/* 0, or -1 with the error on cli->ctx. OPTS: spec.opts_size bytes. */
	int (*run)(struct cli *cli, void *opts);
};

extern const struct cli_command cmd_init;
extern const struct cli_command cmd_update;
extern const struct cli_command cmd_upgrade;
extern const struct cli_command cmd_status;
extern const struct cli_command cmd_clean;
extern const struct cli_command cmd_history;
extern const struct cli_command cmd_verify;
extern const struct cli_command cmd_diagnose;
extern const struct cli_command cmd_install;
extern const struct cli_command cmd_remove;
extern const struct cli_command cmd_list;
extern const struct cli_command cmd_info;
extern const struct cli_command cmd_hook;

/* The one confirmation of a change (cli/confirm.c): --yes, or an answer
 * on a terminal to QUESTION; never a silent yes. */
struct confirm {
	struct cli *cli;
	const char *question;         /* "Apply these updates?" */
	bool refused_noninteractive;  /* no terminal and no --yes */
};
bool cli_confirm(void *data);
/* After the operation: the usage error of a change refused for want of a
 * terminal, naming WHAT ("the updates listed above"). */
int cli_confirm_check(const struct confirm *c, const char *what);

#endif
