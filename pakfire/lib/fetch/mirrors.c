/* The downloader's handle and its mirrors: see fetch.h. The failover
 * loop tries one mirror after the other; a download failure moves on, any
 * other failure is the answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "fetch/fetch.h"
#include "fetch/transfer.h"

struct pf_fetch *pf_fetch_new(struct pf_ctx *ctx, const char *const *mirrors,
			      size_t n_mirrors)
{
	struct pf_fetch *f = calloc(1, sizeof(*f));

	if (!f)
		goto oom;
	f->ctx = ctx;
	f->mirrors = calloc(n_mirrors + 1, sizeof(*f->mirrors));
	if (!f->mirrors)
		goto oom;
	for (; f->n_mirrors < n_mirrors; f->n_mirrors++) {
		f->mirrors[f->n_mirrors] = strdup(mirrors[f->n_mirrors]);
		if (!f->mirrors[f->n_mirrors])
			goto oom;
	}
	return f;
oom:
	pf_fetch_free(f);
	pf_fail(ctx, PF_E_OTHER, "out of memory");
	return NULL;
}

void pf_fetch_free(struct pf_fetch *f)
{
	if (!f)
		return;
	pf_curl_free(f->curl);
	for (size_t i = 0; f->mirrors && i < f->n_mirrors; i++)
		free(f->mirrors[i]);
	free(f->mirrors);
	free(f);
}

char *pf_fetch_url(const char *mirror, const char *series, const char *arch, const char *rel)
{
	char *url;

	if (asprintf(&url, "%s/%s/%s/%s", mirror, series, arch, rel) < 0)
		return NULL;
	return url;
}

int pf_fetch_mirrors(struct pf_fetch *f, const char *series, const char *arch,
		     const char *rel, pf_fetch_try_fn try, void *data)
{
	struct pf_ctx *ctx = f->ctx;
	int r = pf_fail(ctx, PF_E_USAGE, "no mirror configured");

	for (size_t i = 0; i < f->n_mirrors; i++) {
		char *url = pf_fetch_url(f->mirrors[i], series, arch, rel);

		if (i > 0) {
			pf_warn(ctx, "%s; trying the next mirror", pf_error_message(ctx));
			pf_clear_error(ctx);
		} else {
			pf_clear_error(ctx); /* the "no mirror" above */
		}
		if (!url)
			return pf_fail(ctx, PF_E_OTHER, "out of memory");
		r = try(ctx, f, url, data);
		free(url);
		if (r == 0 || pf_error_class(ctx) != PF_E_DOWNLOAD)
			break;
	}
	return r;
}
