/* The checks of a repository folder, put together: see check.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "check.h"
#include "format/index.h"
#include "format/manifest.h"

static void finding(struct repo_check *c, const char *severity, const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	pf_info(c->ctx, "%s: %s", severity, msg);
}

void check_error(struct repo_check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	finding(c, "error", fmt, ap);
	va_end(ap);
	c->errors++;
}

void check_warning(struct repo_check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	finding(c, "warning", fmt, ap);
	va_end(ap);
	c->warnings++;
}

void check_failed(struct repo_check *c)
{
	check_error(c, "%s", pf_error_message(c->ctx));
	pf_clear_error(c->ctx);
}

void check_entry_name(const struct repo_check *c, size_t i, char *buf, size_t size)
{
	const struct pf_index_entry *e = &c->idx->entries[i];

	if (e->type == PF_STANZA_CORE)
		snprintf(buf, size, "core %u", e->number);
	else
		snprintf(buf, size, "addon %s", e->name);
}

void check_stanza(const struct repo_check *c, size_t i, char *buf, size_t size)
{
	char name[160];

	check_entry_name(c, i, name, sizeof(name));
	snprintf(buf, size, "%s/index stanza %zu (%s)", c->repo, i + 2, name);
}

void repo_check_clear(struct repo_check *c)
{
	for (size_t i = 0; c->idx && i < c->idx->n; i++) {
		if (c->mbuf)
			free(c->mbuf[i]);
		if (c->m)
			pf_manifest_free(c->m[i]);
	}
	free(c->mbuf);
	free(c->mlen);
	free(c->m);
	c->mbuf = NULL;
	c->mlen = NULL;
	c->m = NULL;
}

void repo_check_init(struct repo_check *c, struct pf_ctx *ctx, const char *repo, int repofd)
{
	*c = (struct repo_check){ .ctx = ctx, .repo = repo, .repofd = repofd };
}

int repo_check_run(struct repo_check *c, const struct pf_index *idx, bool publishing)
{
	size_t n = idx->n ? idx->n : 1;

	c->idx = idx;
	c->publishing = publishing;
	c->mbuf = calloc(n, sizeof(*c->mbuf));
	c->mlen = calloc(n, sizeof(*c->mlen));
	c->m = calloc(n, sizeof(*c->m));
	if (!c->mbuf || !c->mlen || !c->m)
		return pf_fail(c->ctx, PF_E_OTHER, "out of memory");
	/* The index's own rules first: they need no file. The files then,
	 * whose manifests the owners and levels checks need. */
	if (check_series(c) < 0 || check_chain(c) < 0 || check_depends(c) < 0 ||
	    check_files(c) < 0 || check_owners(c) < 0 || check_levels(c) < 0 ||
	    check_mirrors(c) < 0)
		return -1;
	return 0;
}

int repo_check_before_signing(struct pf_ctx *ctx, const char *repo, int repofd,
			      const struct pf_index *idx)
{
	struct repo_check c;
	int r;

	repo_check_init(&c, ctx, repo, repofd);
	r = repo_check_run(&c, idx, true);
	repo_check_clear(&c);
	if (r < 0)
		return -1;
	if (c.errors)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s: %u error%s found (one line each): nothing was signed, the index and index.sig are as they were",
			       repo, c.errors, c.errors == 1 ? "" : "s");
	return 0;
}
