/* pakfire init --series S --core N: what the installer runs (ops/init.c:
 * the series checked against pakfire.conf before anything is made, then the
 * lock and a database that must not exist yet). */
#include <limits.h>
#include <stddef.h>

#include "cli.h"
#include "base/context.h"
#include "ops/init.h"

struct init_opts {
	const char *series;
	struct pf_opt_number core;
};

static const struct pf_opt options[] = {
	{ .name = "series", .kind = PF_OPT_STRING, .arg = "S", .required = true,
	  .offset = offsetof(struct init_opts, series),
	  .help = "the series of the installed system (as pakfire.conf says)" },
	{ .name = "core", .kind = PF_OPT_NUMBER, .arg = "N", .required = true,
	  .offset = offsetof(struct init_opts, core), .min = 0, .max = INT_MAX,
	  .what = "a core update number", .help = "its core update level" },
	{ NULL },
};

static int run(struct cli *cli, void *opts)
{
	const struct init_opts *o = opts;

	return pf_init(cli->session, o->series, (unsigned)o->core.value);
}

const struct cli_command cmd_init = {
	.spec = {
		.name = "init", .summary = "create the state of a new system",
		.opts = options, .opts_size = sizeof(struct init_opts),
	},
	.needs = PF_NEED_CONFIG,
	.run = run,
};
