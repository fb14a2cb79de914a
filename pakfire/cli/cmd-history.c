/* pakfire history [ID]: every transaction, or one with its steps. Reads only. */
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "base/context.h"
#include "state/db.h"

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
	struct pf_history_entry *h = NULL;
	size_t n = 0;

	if (pf_db_history(cli->ctx, o->id.value, &h, &n) < 0)
		return -1;
	output_history(&cli->out, h, n, o->id.given);
	pf_history_free(h, n);
	return 0;
}

const struct cli_command cmd_history = {
	.spec = {
		.name = "history", .summary = "transactions, or one with its steps",
		.opts_size = sizeof(struct history_opts), .operand = &operand,
	},
	.needs = CLI_NEEDS_CONFIG | CLI_NEEDS_DB,
	.run = run,
};
