/* pakfire init --series S --core N: what the installer runs. */
#include <string.h>

#include "cli.h"
#include "format/config.h"
#include "base/context.h"
#include "ops/lock.h"
#include "state/db.h"

int cmd_init(struct cli *cli)
{
	struct pf_ctx *ctx = cli->ctx;
	bool exists;

	if (!cli->series || cli->core < 0)
		return pf_fail(ctx, PF_E_USAGE, "init needs --series S and --core N");
	if (strcmp(cli->series, ctx->config->series))
		return pf_fail(ctx, PF_E_USAGE, "init --series %s, but pakfire.conf says series = %s",
			       cli->series, ctx->config->series);
	if (pf_lock(ctx) < 0 || pf_db_exists(ctx, ctx->config->database, &exists) < 0)
		return -1;
	if (exists)
		return pf_fail(ctx, PF_E_USAGE,
			       "%s%s already exists: this system is initialised; refusing to overwrite it",
			       pf_ctx_root_prefix(ctx), ctx->config->database);
	if (pf_ctx_open_db(ctx, false) < 0 ||
	    pf_db_init_system(ctx, cli->series, ctx->config->arch, (unsigned)cli->core) < 0)
		return -1;
	pf_info(ctx, "Initialised %s (%s) at core %ld.", cli->series, ctx->config->arch, cli->core);
	return 0;
}
