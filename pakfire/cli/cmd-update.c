/* pakfire update: fetch and verify the signed index. */
#include "cli.h"
#include "base/context.h"
#include "ops/session.h"
#include "ops/update.h"

int cmd_update(struct cli *cli)
{
	if (cli_need(cli, PF_NEED_LOCK) < 0)
		return -1;
	return pf_update(cli->session);
}
