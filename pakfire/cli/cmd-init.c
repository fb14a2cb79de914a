/* pakfire init --series S --core N: what the installer runs. */
#include <string.h>

#include "cli.h"
#include "format/config.h"
#include "base/context.h"
#include "ops/session.h"
#include "state/system.h"

int cmd_init(struct cli *cli)
{
	struct pf_ctx *ctx = cli->ctx;
	const struct pf_config *cfg = cli->session->config;

	if (!cli->series || cli->core < 0)
		return pf_fail(ctx, PF_E_USAGE, "init needs --series S and --core N");
	if (strcmp(cli->series, cfg->series))
		return pf_fail(ctx, PF_E_USAGE, "init --series %s, but pakfire.conf says series = %s",
			       cli->series, cfg->series);
	if (pf_session_create_db(cli->session) < 0 ||
	    pf_db_init_system(cli->session->db, cli->series, cfg->arch, (unsigned)cli->core) < 0)
		return -1;
	pf_info(ctx, "Initialised %s (%s) at core %ld.", cli->series, cfg->arch, cli->core);
	return 0;
}
