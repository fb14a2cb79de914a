/* The pakfire front end: parsed options and the commands. */
#ifndef PF_CLI_H
#define PF_CLI_H

#include <stdbool.h>

#include "output.h"

struct pf_ctx;
struct pf_session;

struct cli {
	struct pf_ctx *ctx;
	struct pf_session *session; /* the configuration is open; more on demand */
	struct output out;
	const char *root;
	const char *config;
	const char *command;
	char **args;          /* operands after the command */
	int n_args;
	/* command options, accepted anywhere on the line */
	const char *series;   /* init --series */
	long core;            /* init --core (-1 if not given) */
	bool dry_run;         /* upgrade --dry-run */
	long to;              /* upgrade --to (0 if not given) */
};

/* Open what a command needs on the session (enum pf_session_needs): for
 * commands that change the system, PF_NEED_LOCK takes the lock, opens the
 * database, and finishes or undoes whatever an interrupted run left. */
int cli_need(struct cli *cli, unsigned needs);

/* Each returns 0 or -1 with the error on cli->ctx. */
int cmd_init(struct cli *cli);
int cmd_update(struct cli *cli);
int cmd_upgrade(struct cli *cli);
int cmd_status(struct cli *cli);
int cmd_clean(struct cli *cli);
int cmd_history(struct cli *cli);
int cmd_verify(struct cli *cli);

#endif
