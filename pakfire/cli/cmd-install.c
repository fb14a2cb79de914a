/* pakfire install [--dry-run] NAME...: add-ons and what they depend on. */
#include <stddef.h>

#include "cli.h"
#include "base/context.h"
#include "ops/addons.h"

struct install_opts {
	bool dry_run;
	struct pf_opt_list names;
};

static const struct pf_opt options[] = {
	{ .name = "dry-run", .kind = PF_OPT_FLAG,
	  .offset = offsetof(struct install_opts, dry_run),
	  .help = "show the plan and change nothing (exit 3 if it would not fit)" },
	{ NULL },
};

static const struct pf_opt operand = {
	.name = "NAME", .kind = PF_OPT_LIST, .arg = "NAME", .required = true,
	.offset = offsetof(struct install_opts, names),
};

static bool reads_only(const void *opts)
{
	return ((const struct install_opts *)opts)->dry_run;
}

static int run(struct cli *cli, void *opts)
{
	const struct install_opts *o = opts;
	struct confirm c = { .cli = cli, .question = "Install these add-ons?" };
	struct pf_addons_opts ao = {
		.names = o->names.v, .n = o->names.n, .dry_run = o->dry_run,
		.confirm = cli_confirm, .confirm_data = &c,
	};

	if (pf_install(cli->session, &ao) < 0)
		return -1;
	return cli_confirm_check(&c, "the add-ons listed above");
}

const struct cli_command cmd_install = {
	.spec = {
		.name = "install", .summary = "install add-ons, with what they depend on",
		.opts = options, .opts_size = sizeof(struct install_opts), .operand = &operand,
	},
	.needs = PF_NEED_LOCK,
	.reads_only = reads_only,
	.run = run,
};
