/* pakfire remove [--dry-run] [--with-dependents] NAME...: add-ons. */
#include <stddef.h>

#include "cli.h"
#include "base/context.h"
#include "ops/addons.h"

struct remove_opts {
	bool dry_run;
	bool with_dependents;
	struct pf_opt_list names;
};

static const struct pf_opt options[] = {
	{ .name = "dry-run", .kind = PF_OPT_FLAG,
	  .offset = offsetof(struct remove_opts, dry_run),
	  .help = "show what would be removed and change nothing" },
	{ .name = "with-dependents", .kind = PF_OPT_FLAG,
	  .offset = offsetof(struct remove_opts, with_dependents),
	  .help = "remove the installed add-ons that depend on NAME too" },
	{ NULL },
};

static const struct pf_opt operand = {
	.name = "NAME", .kind = PF_OPT_LIST, .arg = "NAME", .required = true,
	.offset = offsetof(struct remove_opts, names),
};

static bool reads_only(const void *opts)
{
	return ((const struct remove_opts *)opts)->dry_run;
}

static int run(struct cli *cli, void *opts)
{
	const struct remove_opts *o = opts;
	struct confirm c = { .cli = cli, .question = "Remove these add-ons?" };
	struct pf_addons_opts ao = {
		.names = o->names.v, .n = o->names.n, .dry_run = o->dry_run,
		.with_dependents = o->with_dependents,
		.confirm = cli_confirm, .confirm_data = &c,
	};

	if (pf_remove(cli->session, &ao) < 0)
		return -1;
	return cli_confirm_check(&c, "the removals listed above");
}

const struct cli_command cmd_remove = {
	.spec = {
		.name = "remove", .summary = "remove add-ons (only the files they own and left unchanged)",
		.opts = options, .opts_size = sizeof(struct remove_opts), .operand = &operand,
	},
	.needs = PF_NEED_LOCK,
	.reads_only = reads_only,
	.run = run,
};
