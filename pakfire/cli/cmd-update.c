/* pakfire update: fetch and verify the signed index. */
#include "cli.h"
#include "base/context.h"
#include "ops/update.h"

static int run(struct cli *cli, void *opts)
{
	(void)opts;
	return pf_update(cli->ctx);
}

const struct cli_command cmd_update = {
	.spec = { .name = "update", .summary = "fetch and verify the signed index" },
	.needs = CLI_NEEDS_CONFIG | CLI_NEEDS_LOCK | CLI_NEEDS_DB,
	.run = run,
};
