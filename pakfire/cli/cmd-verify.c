/* pakfire verify: every owned path against what the core updates installed.
 * Reads only: no lock, like status and history. */
#include "cli.h"
#include "base/context.h"
#include "ops/verify-files.h"

static int run(struct cli *cli, void *opts)
{
	struct pf_verify_summary sum;
	int r;

	(void)opts;
	r = pf_verify_files(cli->session, output_verify_finding, &cli->out, &sum);
	output_verify_summary(&cli->out, &sum);
	return r;
}

const struct cli_command cmd_verify = {
	.spec = { .name = "verify", .summary = "check installed files against the database" },
	.needs = PF_NEED_DB,
	.run = run,
};
