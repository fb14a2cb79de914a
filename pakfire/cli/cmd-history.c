/* pakfire history [ID]: every transaction, or one with its steps. Reads only. */
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "base/context.h"
#include "ops/history.h"

struct history_opts {
	struct pf_opt_number id;
};

static const struct pf_opt operand = {
	.name = "ID", .kind = PF_OPT_NUMBER, .arg = "ID", .min = 1, .max = INT64_MAX,
	.offset = offsetof(struct history_opts, id), .what = "a transaction number",
};

static int run(struct cli *cli, void *opts)
{
	const struct history_opts *o = opts;
	struct pf_history h;

	if (pf_history(cli->session, o->id.value, &h) < 0)
		return -1;
	output_history(&cli->out, &h, o->id.given);
	pf_history_clear(&h);
	return 0;
}

const struct cli_command cmd_history = {
	.spec = {
		.name = "history", .summary = "transactions, or one with its steps",
		.opts_size = sizeof(struct history_opts), .operand = &operand,
	},
	.needs = PF_NEED_DB,
	.run = run,
};
