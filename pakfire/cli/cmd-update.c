/* pakfire update: fetch and verify the signed index. */
#include "cli.h"
#include "context.h"
#include "update.h"

int cmd_update(struct cli *cli)
{
	if (pf_ctx_open_db(cli->ctx, true) < 0)
		return -1;
	return pf_update(cli->ctx);
}
