/* pakfire update: fetch and verify the signed index. */
#include "cli.h"
#include "context.h"
#include "lock.h"
#include "update.h"

int cmd_update(struct cli *cli)
{
	if (pf_lock(cli->ctx) < 0 || pf_ctx_open_db(cli->ctx, true) < 0)
		return -1;
	return pf_update(cli->ctx);
}
