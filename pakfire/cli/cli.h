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
#include "output.h"

struct pf_ctx;

/* What a command needs before it runs, opened in this order by main.c. */
enum cli_need {
	CLI_NEEDS_CONFIG = 1 << 0, /* the root and pakfire.conf */
	CLI_NEEDS_DB     = 1 << 1, /* the database, which must exist ('pakfire init') */
	CLI_NEEDS_LOCK   = 1 << 2, /* the lock, and after the database is open the
				    * recovery of what an interrupted run left:
				    * every command that changes the system */
	CLI_CREATES_DB   = 1 << 3, /* the lock, and a database that must not exist
				    * yet, created empty: init */
};

struct cli {
	struct pf_ctx *ctx;
	struct output out;
};

struct cli_command {
	struct pf_cmd_spec spec;  /* name, summary, options, operand */
	unsigned needs;           /* enum cli_need */
	/* Optional: true when this run only reads (upgrade --dry-run), so it
	 * takes neither the lock nor recovers: it may run beside a writer. */
	bool (*reads_only)(const void *opts);
	/* Optional: the options checked against the configuration, once it is
	 * loaded and before anything is locked or opened (init --series). */
	int (*check)(struct cli *cli, const void *opts);
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

#endif
