/* pakfire upgrade [--dry-run] [--to N]. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "base/context.h"
#include "ops/session.h"
#include "ops/upgrade.h"

struct confirm {
	struct cli *cli;
	bool refused_noninteractive;
};

/* Changing a firewall needs a yes: --yes, or an answer on a terminal. */
static bool confirm(void *data)
{
	struct confirm *c = data;
	char line[16];

	if (c->cli->ctx->assume_yes)
		return true;
	if (c->cli->out.json || !isatty(STDIN_FILENO)) {
		c->refused_noninteractive = true;
		return false;
	}
	printf("Apply these updates? [y/N] ");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

int cmd_upgrade(struct cli *cli)
{
	struct confirm c = { .cli = cli };
	struct pf_upgrade_opts opts = {
		.to = (unsigned)cli->to, .dry_run = cli->dry_run,
		.confirm = confirm, .confirm_data = &c,
	};

	/* A dry run only reads: like status, it never waits for the lock. */
	if (cli_need(cli, cli->dry_run ? PF_NEED_DB : PF_NEED_LOCK) < 0 ||
	    pf_upgrade(cli->session, &opts) < 0)
		return -1;
	if (c.refused_noninteractive)
		return pf_fail(cli->ctx, PF_E_USAGE,
			       "not on a terminal: pass --yes to apply the updates listed above");
	return 0;
}
