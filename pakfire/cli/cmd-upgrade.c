/* pakfire upgrade [--dry-run] [--to N]. */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "base/context.h"
#include "ops/upgrade.h"

struct upgrade_opts {
	bool dry_run;
	struct pf_opt_number to;
};

static const struct pf_opt options[] = {
	{ .name = "dry-run", .kind = PF_OPT_FLAG,
	  .offset = offsetof(struct upgrade_opts, dry_run),
	  .help = "show the plan and change nothing (exit 3 if an update would not fit)" },
	{ .name = "to", .kind = PF_OPT_NUMBER, .arg = "N", .min = 1, .max = INT_MAX,
	  .offset = offsetof(struct upgrade_opts, to), .what = "a core update number",
	  .help = "stop at core level N" },
	{ NULL },
};

/* A dry run only reads: like status, it never waits for the lock (the
 * database is opened without it). */
static bool reads_only(const void *opts)
{
	const struct upgrade_opts *o = opts;

	return o->dry_run;
}

static int run(struct cli *cli, void *opts)
{
	const struct upgrade_opts *o = opts;
	struct confirm c = { .cli = cli, .question = "Apply these updates?" };
	struct pf_upgrade_opts uo = {
		.to = (unsigned)o->to.value, .dry_run = o->dry_run,
		.confirm = cli_confirm, .confirm_data = &c,
	};

	if (pf_upgrade(cli->session, &uo) < 0)
		return -1;
	return cli_confirm_check(&c, "the updates listed above");
}

const struct cli_command cmd_upgrade = {
	.spec = {
		.name = "upgrade", .summary = "apply pending core updates (across a series switch), then upgrade add-ons",
		.opts = options, .opts_size = sizeof(struct upgrade_opts),
	},
	.needs = PF_NEED_LOCK,
	.reads_only = reads_only,
	.run = run,
};
