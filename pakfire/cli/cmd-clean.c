/* pakfire clean: empty the download cache. */
#include "cli.h"
#include "base/context.h"
#include "ops/clean.h"

static int run(struct cli *cli, void *opts)
{
	(void)opts;
	return pf_clean(cli->session);
}

const struct cli_command cmd_clean = {
	.spec = { .name = "clean", .summary = "empty the download cache" },
	.needs = PF_NEED_LOCK,
	.run = run,
};
