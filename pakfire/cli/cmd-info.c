/* pakfire info NAME|core-N: one add-on, or one core update. Reads only. */
#include <stddef.h>

#include "cli.h"
#include "base/context.h"
#include "ops/info.h"

struct info_opts {
	const char *what;
};

static const struct pf_opt operand = {
	.name = "NAME", .kind = PF_OPT_STRING, .arg = "NAME|core-N", .required = true,
	.offset = offsetof(struct info_opts, what),
};

static int run(struct cli *cli, void *opts)
{
	const struct info_opts *o = opts;
	struct pf_info i;

	if (pf_info_of(cli->session, o->what, &i) < 0)
		return -1;
	output_info(&cli->out, &i);
	return 0;
}

const struct cli_command cmd_info = {
	.spec = {
		.name = "info", .summary = "one add-on, or one core update, in full",
		.opts_size = sizeof(struct info_opts), .operand = &operand,
	},
	.needs = PF_NEED_DB,
	.run = run,
};
