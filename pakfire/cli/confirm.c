/* The confirmation of a change: see cli.h. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "base/context.h"

bool cli_confirm(void *data)
{
	struct confirm *c = data;
	char line[16];

	if (c->cli->ctx->assume_yes)
		return true;
	if (c->cli->out.json || !isatty(STDIN_FILENO)) {
		c->refused_noninteractive = true;
		return false;
	}
	/* A question about a plan the owner was not shown is no question:
	 * --quiet hid it, so say so rather than ask blind. */
	if (c->cli->out.verbosity < 0)
		printf("(--quiet hides the plan: run without it to see what this applies)\n");
	printf("%s [y/N] ", c->question);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

int cli_confirm_check(const struct confirm *c, const char *what)
{
	if (c->refused_noninteractive)
		return pf_fail(c->cli->ctx, PF_E_USAGE, "not on a terminal: pass --yes to apply %s",
			       what);
	return 0;
}
