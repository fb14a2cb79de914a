/* pakfire status: a report; reads only. */
#include "cli.h"
#include "base/context.h"
#include "ops/status.h"

static int run(struct cli *cli, void *opts)
{
	struct pf_status st;
	int r;

	(void)opts;
	r = pf_status(cli->session, &st);
	if (r == 0) {
		output_status(&cli->out, &st);
		/* 0, or 33..63: the facts a monitoring script acts on
		 * (docs/monitoring.md); an error of status keeps its own code */
		cli->out.code_if_ok = pf_status_exit_code(&st);
	}
	pf_status_clear(&st);
	return r;
}

const struct cli_command cmd_status = {
	.spec = { .name = "status", .summary = "series, core level, pending updates and the space they need, add-ons" },
	.needs = PF_NEED_DB,
	.run = run,
};
