/* pakfire init --series S --core N: what the installer runs. main.c takes
 * the lock and creates the database (CLI_CREATES_DB), refusing one that
 * exists; this file records the system in it. */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "cli.h"
#include "format/config.h"
#include "base/context.h"
#include "state/db.h"

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

/* Before the database is made: a series that contradicts the configuration
 * leaves nothing behind. */
static int check(struct cli *cli, const void *opts)
{
	const struct init_opts *o = opts;
	struct pf_ctx *ctx = cli->ctx;

	if (strcmp(o->series, ctx->config->series))
		return pf_fail(ctx, PF_E_USAGE, "init --series %s, but pakfire.conf says series = %s",
			       o->series, ctx->config->series);
	return 0;
}

static int run(struct cli *cli, void *opts)
{
	const struct init_opts *o = opts;
	struct pf_ctx *ctx = cli->ctx;

	if (pf_db_init_system(ctx, o->series, ctx->config->arch, (unsigned)o->core.value) < 0)
		return -1;
	pf_info(ctx, "Initialised %s (%s) at core %lld.", o->series, ctx->config->arch,
		o->core.value);
	return 0;
}

const struct cli_command cmd_init = {
	.spec = {
		.name = "init", .summary = "create the state of a new system",
		.opts = options, .opts_size = sizeof(struct init_opts),
	},
	.needs = CLI_NEEDS_CONFIG | CLI_CREATES_DB,
	.check = check,
	.run = run,
};
