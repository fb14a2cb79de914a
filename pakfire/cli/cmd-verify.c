/* pakfire verify: every owned path against what the core updates installed.
 * Reads only: no lock, like status and history. */
#include "cli.h"
#include "base/context.h"
#include "ops/session.h"
#include "ops/verify-files.h"

int cmd_verify(struct cli *cli)
{
	struct pf_verify_summary sum;
	int r;

	if (cli_need(cli, PF_NEED_DB) < 0)
		return -1;
	r = pf_verify_files(cli->session, output_verify_finding, &cli->out, &sum);
	output_verify_summary(&cli->out, &sum);
	return r;
}
