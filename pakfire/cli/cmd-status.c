/* pakfire status: a report; reads only. */
#include "cli.h"
#include "base/context.h"
#include "ops/session.h"
#include "ops/status.h"

int cmd_status(struct cli *cli)
{
	struct pf_status st;
	int r;

	if (cli_need(cli, PF_NEED_DB) < 0)
		return -1;
	r = pf_status(cli->session, &st);
	if (r == 0)
		output_status(&cli->out, &st);
	pf_status_clear(&st);
	return r;
}
