/* Init: see init.h. */
#include <string.h>

#include "base/context.h"
#include "format/config.h"
#include "ops/init.h"
#include "ops/lock.h"
#include "state/db.h"

int pf_init(struct pf_ctx *ctx, const char *series, unsigned core)
{
	bool exists;

	if (strcmp(series, ctx->config->series))
		return pf_fail(ctx, PF_E_USAGE, "init --series %s, but pakfire.conf says series = %s",
			       series, ctx->config->series);
	if (pf_lock(ctx) < 0 || pf_db_exists(ctx, ctx->config->database, &exists) < 0)
		return -1;
	if (exists)
		return pf_fail(ctx, PF_E_USAGE,
			       "%s%s already exists: this system is initialised; refusing to overwrite it",
			       pf_ctx_root_prefix(ctx), ctx->config->database);
	if (pf_ctx_open_db(ctx, false) < 0 ||
	    pf_db_init_system(ctx, series, ctx->config->arch, core) < 0)
		return -1;
	pf_info(ctx, "Initialised %s (%s) at core %u.", series, ctx->config->arch, core);
	return 0;
}
