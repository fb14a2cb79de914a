/* The wait for HTTP transfers: libcurl's multi interface, in this thread
 * (so events stay on the caller's thread), woken at once by a stop signal
 * (the context's signalfd is one of the fds polled) and at least every
 * 200 ms. See engine.h. */
#include <string.h>

#include "base/context.h"
#include "fetch/curl.h"
#include "fetch/engine.h"

#define POLL_MS 200

void pf_multi_remove(struct pf_engine *e, struct pf_xfer *t)
{
	struct pf_curl *c = e->f->curl;

	if (!t->easy)
		return;
	c->api.multi_remove_handle(c->multi, t->easy);
	t->easy = NULL;
	e->running_http--;
}

/* A stop signal came: the batch ends here; the caller keeps the partial
 * files of the transfers that were running. */
static int interrupted(struct pf_engine *e)
{
	struct pf_ctx *ctx = e->f->ctx;
	const char *url = NULL;

	for (size_t i = 0; i < e->f->opts.parallel && !url; i++)
		url = e->slots[i].x ? e->slots[i].shown : NULL;
	return pf_fail(ctx, PF_E_OTHER, "%s: download interrupted by %s", url ? url : "download",
		       strsignal(pf_interrupted(ctx)));
}

int pf_multi_step(struct pf_engine *e)
{
	struct pf_ctx *ctx = e->f->ctx;
	struct pf_curl *c = e->f->curl;
	struct curl_waitfd wfd = { .fd = ctx->signal_fd, .events = CURL_WAIT_POLLIN };
	CURLMcode mc;
	CURLMsg *msg;
	int still, left;

	mc = c->api.multi_perform(c->multi, &still);
	if (mc != CURLM_OK)
		return pf_fail(ctx, PF_E_OTHER, "libcurl: %s", c->api.multi_strerror(mc));
	/* What ended is taken first, also when a stop signal came: a file
	 * that came whole is verified and kept, not thrown away. */
	while ((msg = c->api.multi_info_read(c->multi, &left))) {
		struct pf_xfer *t = NULL;
		int r;

		if (msg->msg != CURLMSG_DONE)
			continue;
		c->api.easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		if (!t || t->easy != msg->easy_handle)
			continue;
		r = pf_http_ended(e, t, (int)msg->data.result);
		if (r == 1)
			continue; /* asked again: a redirect, a refused Range */
		pf_multi_remove(e, t);
		if (pf_engine_ended(e, t, r) < 0)
			return -1;
	}
	if (pf_interrupted(ctx))
		return interrupted(e);
	if (!e->running_http)
		return 0;
	mc = c->api.multi_poll(c->multi, ctx->signal_fd >= 0 ? &wfd : NULL,
			       ctx->signal_fd >= 0 ? 1 : 0, POLL_MS, NULL);
	if (mc != CURLM_OK)
		return pf_fail(ctx, PF_E_OTHER, "libcurl: %s", c->api.multi_strerror(mc));
	if (pf_interrupted(ctx))
		return interrupted(e);
	return 0;
}
