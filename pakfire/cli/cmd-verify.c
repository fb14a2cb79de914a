/* pakfire verify: every owned path against what the core updates installed.
 * Reads only: no lock, like status and history. */
#include "cli.h"
#include "base/context.h"
#include "ops/verify-files.h"

int cmd_verify(struct cli *cli)
{
	struct pf_verify_summary sum;
	int r;

	if (pf_ctx_open_db(cli->ctx, true) < 0)
		return -1;
	r = pf_verify_files(cli->ctx, output_verify_finding, &cli->out, &sum);
	output_verify_summary(&cli->out, &sum);
	return r;
}
