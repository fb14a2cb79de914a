/* Init: see init.h. */
#include <string.h>

#include "base/context.h"
#include "format/config.h"
#include "ops/init.h"
#include "ops/session.h"
#include "state/system.h"

int pf_init(struct pf_session *s, const char *series, unsigned core)
{
	struct pf_ctx *ctx = s->ctx;
	const struct pf_config *cfg = s->config;

	if (strcmp(series, cfg->series))
		return pf_fail(ctx, PF_E_USAGE, "init --series %s, but pakfire.conf says series = %s",
			       series, cfg->series);
	if (pf_session_create_db(s) < 0 || pf_db_init_system(s->db, series, cfg->arch, core) < 0)
		return -1;
	pf_info(ctx, "Initialised %s (%s) at core %u.", series, cfg->arch, core);
	return 0;
}
