/* pakfire clean: empty the download cache. */
#include "ops/clean.h"
#include "cli.h"
#include "format/config.h"
#include "ops/session.h"
#include "base/context.h"

int cmd_clean(struct cli *cli)
{
	uint64_t files, bytes;
	char size[32];

	if (cli_need(cli, PF_NEED_LOCK) < 0 || pf_clean(cli->session, &files, &bytes) < 0)
		return -1;
	pf_format_size(bytes, size);
	pf_info(cli->ctx, "Removed %llu file%s (%s) from %s.", (unsigned long long)files,
		files == 1 ? "" : "s", size, cli->session->config->cache);
	return 0;
}
