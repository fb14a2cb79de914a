/* pakfire update [--from-dir DIR]: fetch and verify the signed index. */
#include <stddef.h>

#include "cli.h"
#include "base/context.h"
#include "ops/update.h"

struct update_opts {
	const char *from_dir;
};

static const struct pf_opt options[] = {
	{ .name = "from-dir", .kind = PF_OPT_STRING, .arg = "DIR",
	  .offset = offsetof(struct update_opts, from_dir),
	  .help = "take the index from the folder DIR (a USB stick) instead of the mirrors,"
		  " with the same checks" },
	{ NULL },
};

static int run(struct cli *cli, void *opts)
{
	const struct update_opts *o = opts;

	if (o->from_dir && pf_session_from_dir(cli->session, o->from_dir) < 0)
		return -1;
	return pf_update(cli->session);
}

const struct cli_command cmd_update = {
	.spec = {
		.name = "update", .summary = "fetch and verify the signed index",
		.opts = options, .opts_size = sizeof(struct update_opts),
	},
	.needs = PF_NEED_LOCK,
	.run = run,
};
