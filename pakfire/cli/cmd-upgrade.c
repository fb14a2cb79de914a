/* pakfire upgrade [--dry-run] [--to N] [--download-only] [--from-dir DIR]. */
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
	bool download_only;
	const char *from_dir;
};

static const struct pf_opt options[] = {
	{ .name = "dry-run", .kind = PF_OPT_FLAG,
	  .offset = offsetof(struct upgrade_opts, dry_run),
	  .help = "show the plan and change nothing (exit 3 if an update would not fit)" },
	{ .name = "to", .kind = PF_OPT_NUMBER, .arg = "N", .min = 1, .max = INT_MAX,
	  .offset = offsetof(struct upgrade_opts, to), .what = "a core update number",
	  .help = "stop at core level N" },
	{ .name = "download-only", .kind = PF_OPT_FLAG,
	  .offset = offsetof(struct upgrade_opts, download_only),
	  .help = "download and verify every package into the cache, apply nothing"
		  " (exit 3 if the cache cannot hold them all)" },
	{ .name = "from-dir", .kind = PF_OPT_STRING, .arg = "DIR",
	  .offset = offsetof(struct upgrade_opts, from_dir),
	  .help = "take the index and every file from the folder DIR (a USB stick) instead of"
		  " the mirrors, with the same checks" },
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
	struct confirm c = {
		.cli = cli,
		.question = o->download_only ? "Download these updates?" : "Apply these updates?",
	};
	struct pf_upgrade_opts uo = {
		.to = (unsigned)o->to.value, .dry_run = o->dry_run, .download_only = o->download_only,
		.confirm = cli_confirm, .confirm_data = &c,
	};

	if (o->dry_run && o->download_only)
		return pf_fail(cli->ctx, PF_E_USAGE, "upgrade: --dry-run and --download-only"
			       " exclude each other (a dry run downloads nothing)");
	if (o->from_dir && pf_session_from_dir(cli->session, o->from_dir) < 0)
		return -1;
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
