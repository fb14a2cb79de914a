/* pakfire list [--installed|--available|--upgradable]: the add-ons of the
 * system's series and what is installed. Reads only. */
#include <stddef.h>

#include "cli.h"
#include "base/context.h"
#include "ops/catalog.h"

struct list_opts {
	bool installed;
	bool available;
	bool upgradable;
};

static const struct pf_opt options[] = {
	{ .name = "installed", .kind = PF_OPT_FLAG,
	  .offset = offsetof(struct list_opts, installed),
	  .help = "only the installed add-ons (known without an index)" },
	{ .name = "available", .kind = PF_OPT_FLAG,
	  .offset = offsetof(struct list_opts, available),
	  .help = "only the add-ons offered and not installed" },
	{ .name = "upgradable", .kind = PF_OPT_FLAG,
	  .offset = offsetof(struct list_opts, upgradable),
	  .help = "only the installed add-ons that 'upgrade' would replace" },
	{ NULL },
};

static int run(struct cli *cli, void *opts)
{
	const struct list_opts *o = opts;
	enum pf_catalog_filter f = PF_CATALOG_ALL;
	struct pf_catalog c;
	int r;

	/* One view at a time: two of them together would have to mean
	 * either their union or their intersection, and neither is asked. */
	if (o->installed + o->available + o->upgradable > 1)
		return pf_fail(cli->ctx, PF_E_USAGE, "list: --installed, --available and"
			       " --upgradable exclude each other (see 'pakfire list --help')");
	if (o->installed)
		f = PF_CATALOG_INSTALLED;
	else if (o->available)
		f = PF_CATALOG_AVAILABLE;
	else if (o->upgradable)
		f = PF_CATALOG_UPGRADABLE;
	r = pf_catalog(cli->session, f, &c);
	if (r == 0)
		output_list(&cli->out, &c);
	pf_catalog_clear(&c);
	return r;
}

const struct cli_command cmd_list = {
	.spec = {
		.name = "list", .summary = "add-ons: offered, installed, upgradable",
		.opts = options, .opts_size = sizeof(struct list_opts),
	},
	.needs = PF_NEED_DB,
	.run = run,
};
