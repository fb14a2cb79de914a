/* The operations' downloader: see downloader.h. The only place that hands
 * the configuration's mirror list to fetch/, which reads no configuration
 * itself. */
#include "base/context.h"
#include "fetch/fetch.h"
#include "format/config.h"
#include "ops/downloader.h"

struct pf_fetch *pf_downloader(struct pf_ctx *ctx)
{
	if (ctx->fetch)
		return ctx->fetch;
	if (!ctx->config) {
		pf_fail(ctx, PF_E_OTHER, "internal: downloader made before configuration");
		return NULL;
	}
	/* char ** to const char *const *: C will not convert it on its own. */
	ctx->fetch = pf_fetch_new(ctx, (const char *const *)ctx->config->mirrors,
				  ctx->config->n_mirrors);
	return ctx->fetch;
}
