/* pakfire clean: empty the download cache. */
#include "ops/clean.h"
#include "cli.h"
#include "format/config.h"
#include "base/context.h"

static int run(struct cli *cli, void *opts)
{
	uint64_t files, bytes;
	char size[32];

	(void)opts;
	if (pf_clean(cli->ctx, &files, &bytes) < 0)
		return -1;
	pf_format_size(bytes, size);
	pf_info(cli->ctx, "Removed %llu file%s (%s) from %s.", (unsigned long long)files,
		files == 1 ? "" : "s", size, cli->ctx->config->cache);
	return 0;
}

const struct cli_command cmd_clean = {
	.spec = { .name = "clean", .summary = "empty the download cache" },
	.needs = CLI_NEEDS_CONFIG | CLI_NEEDS_LOCK | CLI_NEEDS_DB,
	.run = run,
};
