/* pakfire update: fetch and verify the signed index. */
#include "cli.h"
#include "base/context.h"
#include "ops/update.h"

static int run(struct cli *cli, void *opts)
{
	(void)opts;
	return pf_update(cli->session);
}

const struct cli_command cmd_update = {
	.spec = { .name = "update", .summary = "fetch and verify the signed index" },
	.needs = PF_NEED_LOCK,
	.run = run,
};
