/* pakfire init --series S --core N: what the installer runs. */
#include "cli.h"
#include "base/context.h"
#include "ops/init.h"

int cmd_init(struct cli *cli)
{
	if (!cli->series || cli->core < 0)
		return pf_fail(cli->ctx, PF_E_USAGE, "init needs --series S and --core N");
	return pf_init(cli->session, cli->series, (unsigned)cli->core);
}
