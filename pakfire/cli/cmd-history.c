/* pakfire history [ID]: every transaction, or one with its steps. Reads only. */
#include <errno.h>
#include <stdlib.h>

#include "cli.h"
#include "base/context.h"
#include "ops/history.h"
#include "ops/session.h"

int cmd_history(struct cli *cli)
{
	struct pf_history h;
	long long id = 0;

	if (cli->n_args == 1) {
		char *end;

		errno = 0;
		id = strtoll(cli->args[0], &end, 10);
		if (errno || end == cli->args[0] || *end || id <= 0)
			return pf_fail(cli->ctx, PF_E_USAGE, "history: '%s' is not a transaction number",
				       cli->args[0]);
	} else if (cli->n_args > 1) {
		return pf_fail(cli->ctx, PF_E_USAGE, "history takes at most one transaction number");
	}
	if (cli_need(cli, PF_NEED_DB) < 0 || pf_history(cli->session, id, &h) < 0)
		return -1;
	output_history(&cli->out, &h, id > 0);
	pf_history_clear(&h);
	return 0;
}
