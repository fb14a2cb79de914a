/* pakfire status: a report; reads only. */
#include "cli.h"
#include "base/context.h"
#include "ops/status.h"

int cmd_status(struct cli *cli)
{
	struct pf_status st;
	int r;

	if (pf_ctx_open_db(cli->ctx, true) < 0)
		return -1;
	r = pf_status(cli->ctx, &st);
	if (r == 0)
		output_status(&cli->out, &st);
	pf_status_clear(&st);
	return r;
}
