/* The operations' downloader: one per session, made from the configured
 * mirrors on first use. (Kept in ctx->fetch until the session object owns
 * it; pf_ctx_free frees it.) */
#ifndef PF_DOWNLOADER_H
#define PF_DOWNLOADER_H

struct pf_ctx;
struct pf_fetch;

/* The session's downloader, made on the first call from ctx->config's
 * mirrors. Making it loads nothing: libcurl comes with the first transfer.
 * NULL after pf_fail. */
struct pf_fetch *pf_downloader(struct pf_ctx *ctx);

#endif
