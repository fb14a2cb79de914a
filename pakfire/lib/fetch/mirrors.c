/* The downloader's handle and its mirrors: see fetch.h. Mirrors are tried
 * in order; one that fails is noted, and the next is tried; every mirror's
 * failure is part of the final message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/strings.h"
#include "fetch/fetch.h"
#include "fetch/transfer.h"

static const char *const outcome_names[] = {
	[PF_MIRROR_UNTRIED] = "untried",
	[PF_MIRROR_OK] = "ok",
	[PF_MIRROR_UNREACHABLE] = "unreachable",
	[PF_MIRROR_HTTP_ERROR] = "http-error",
	[PF_MIRROR_TIMEOUT] = "timeout",
	[PF_MIRROR_TOO_SLOW] = "too-slow",
	[PF_MIRROR_TLS] = "tls",
	[PF_MIRROR_REDIRECT] = "redirect",
	[PF_MIRROR_VERIFY] = "verify",
	[PF_MIRROR_NOT_REPOSITORY] = "not-repository",
	[PF_MIRROR_STALE] = "stale",
};

const char *pf_mirror_outcome_name(enum pf_mirror_outcome o)
{
	return (size_t)o < sizeof(outcome_names) / sizeof(outcome_names[0]) ? outcome_names[o] : "?";
}

static int copy_opt(const char *src, char **dst)
{
	*dst = NULL;
	if (src && !(*dst = strdup(src)))
		return -1;
	return 0;
}

static int add_mirror(struct pf_fetch *f, const char *url, enum pf_mirror_origin origin)
{
	struct pf_mirror *m = realloc(f->mirrors, (f->n_mirrors + 1) * sizeof(*m));

	if (!m)
		return -1;
	f->mirrors = m;
	m = &f->mirrors[f->n_mirrors];
	memset(m, 0, sizeof(*m));
	m->url = strdup(url);
	m->shown = pf_url_redact(url);
	if (!m->url || !m->shown) {
		free(m->url);
		free(m->shown);
		return -1;
	}
	m->origin = origin;
	f->n_mirrors++;
	return 0;
}

struct pf_fetch *pf_fetch_new(struct pf_ctx *ctx, const struct pf_fetch_opts *opts,
			      const char *const *mirrors, size_t n_mirrors)
{
	struct pf_fetch *f = calloc(1, sizeof(*f));

	if (!f)
		goto oom;
	f->ctx = ctx;
	f->opts = *opts;
	if (f->opts.parallel < 1)
		f->opts.parallel = 1;
	if (copy_opt(opts->ca_bundle, &f->ca_bundle) < 0 || copy_opt(opts->proxy, &f->proxy) < 0)
		goto oom;
	f->opts.ca_bundle = f->ca_bundle;
	f->trying = PF_NO_TRY;
	f->opts.proxy = f->proxy;
	for (size_t i = 0; i < n_mirrors; i++) {
		bool dir = strncmp(mirrors[i], "file://", 7) == 0;

		if (add_mirror(f, mirrors[i], dir ? PF_MIRROR_DIR : PF_MIRROR_CONFIG) < 0)
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
	{
		free(f->mirrors[i].url);
		free(f->mirrors[i].shown);
	}
	free(f->mirrors);
	free(f->ca_bundle);
	free(f->proxy);
	free(f);
}

/* Whether URL is one of F's mirrors already (a configured one: the
 * admin's place for it wins). */
static bool known(const struct pf_fetch *f, const char *url)
{
	for (size_t i = 0; i < f->n_mirrors; i++)
		if (strcmp(f->mirrors[i].url, url) == 0)
			return true;
	return false;
}

int pf_fetch_add_list(struct pf_fetch *f, const char *const *urls, size_t n, uint32_t seed)
{
	size_t *fresh = calloc(n + 1, sizeof(*fresh)), k = 0;
	int r = 0;

	if (!fresh)
		return pf_fail(f->ctx, PF_E_OTHER, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (!known(f, urls[i]))
			fresh[k++] = i;
	/* One machine always starts at the same place; machines spread
	 * over the list. */
	for (size_t i = 0; i < k && r == 0; i++)
		if (add_mirror(f, urls[fresh[(seed % k + i) % k]], PF_MIRROR_LIST) < 0)
			r = pf_fail(f->ctx, PF_E_OTHER, "out of memory");
	free(fresh);
	return r;
}

void pf_fetch_mirror_revision(struct pf_fetch *f, const char *url, uint64_t revision,
			      bool stale)
{
	/* The mirror of the try under way: URL is a file below its very base
	 * (a mirror whose base is a prefix of another's must not take the
	 * other's revision). */
	struct pf_mirror *m = f->trying < f->n_mirrors ? &f->mirrors[f->trying] : NULL;
	size_t n = m ? strlen(m->url) : 0;

	if (!m || strncmp(url, m->url, n) != 0 || url[n] != '/')
		return;
	m->stale |= stale;
	m->revision = revision;
}

const struct pf_mirror *pf_fetch_mirror_list(const struct pf_fetch *f, size_t *n)
{
	*n = f->n_mirrors;
	return f->mirrors;
}

char *pf_fetch_url(const char *mirror, const char *series, const char *arch, const char *rel)
{
	char *url;

	if (asprintf(&url, "%s/%s/%s/%s", mirror, series, arch, rel) < 0)
		return NULL;
	return url;
}

size_t pf_mirror_order(const struct pf_fetch *f, size_t *order)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n_mirrors; i++)
		if (!f->mirrors[i].skipped && !f->mirrors[i].stale)
			order[n++] = i;
	for (size_t i = 0; i < f->n_mirrors; i++)
		if (!f->mirrors[i].skipped && f->mirrors[i].stale)
			order[n++] = i;
	return n;
}

void pf_mirror_note(struct pf_fetch *f, size_t i, enum pf_mirror_outcome outcome,
		    const char *detail)
{
	struct pf_mirror *m = &f->mirrors[i];

	m->touched = true;
	m->last = outcome;
	snprintf(m->detail, sizeof(m->detail), "%s", detail ? detail : "");
	if (outcome == PF_MIRROR_OK) {
		m->errors = 0;
		return;
	}
	m->errors++;
	if (m->errors >= PF_MIRROR_MAX_ERRORS || outcome == PF_MIRROR_TLS ||
	    outcome == PF_MIRROR_REDIRECT)
		m->skipped = true;
}

enum pf_mirror_outcome pf_mirror_outcome_of(int cls)
{
	return cls == PF_E_VERIFY ? PF_MIRROR_VERIFY : PF_MIRROR_UNREACHABLE;
}

void pf_fetch_note_outcome(struct pf_fetch *f, enum pf_mirror_outcome outcome)
{
	f->try_outcome = outcome;
}

/* Append MSG to the failures so far ("; " between). */
static void add_failure(char *all, size_t size, const char *msg)
{
	size_t n = strlen(all);

	if (n + 3 < size)
		snprintf(all + n, size - n, "%s%s", n ? "; " : "", msg);
}

int pf_fetch_mirrors(struct pf_fetch *f, const char *series, const char *arch,
		     const char *rel, pf_fetch_try_fn try, void *data)
{
	struct pf_ctx *ctx = f->ctx;
	size_t *order = calloc(f->n_mirrors + 1, sizeof(*order)), n;
	char all[2048] = "";
	bool bad = false;
	char bad_cause[24] = "hash";
	int r = -1;

	if (!order)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	n = pf_mirror_order(f, order);
	/* An index never comes from a mirror found stale this run: it was
	 * behind already (pf_mirror_order keeps stale ones last for files,
	 * which the newest index vouches for by hash). */
	while (n > 0 && strcmp(pf_basename(rel), "index") == 0 && f->mirrors[order[n - 1]].stale)
		n--;
	if (n == 0) {
		r = pf_fail(ctx, f->n_mirrors ? PF_E_DOWNLOAD : PF_E_USAGE,
			    f->n_mirrors ? "every mirror was skipped after repeated failures or"
					   " found stale" : "no mirror configured");
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		char *url = pf_fetch_url(f->mirrors[order[k]].url, series, arch, rel);
		bool was_stale = f->mirrors[order[k]].stale;
		enum pf_mirror_outcome outcome;
		int cls;

		if (!url) {
			r = pf_fail(ctx, PF_E_OTHER, "out of memory");
			goto out;
		}
		f->try_outcome = PF_MIRROR_UNTRIED;
		f->trying = order[k];
		r = try(ctx, f, url, data);
		f->trying = PF_NO_TRY;
		free(url);
		if (r == 0) {
			pf_mirror_note(f, order[k], PF_MIRROR_OK, NULL);
			goto out;
		}
		cls = pf_error_class(ctx);
		if (cls != PF_E_DOWNLOAD && cls != PF_E_VERIFY)
			goto out;
		/* Stale just now (the try found its index behind), bad
		 * bytes, or what the transport (or the try) said. */
		outcome = !was_stale && f->mirrors[order[k]].stale ? PF_MIRROR_STALE
			: cls == PF_E_VERIFY || f->try_outcome == PF_MIRROR_UNTRIED
			? pf_mirror_outcome_of(cls) : f->try_outcome;
		pf_mirror_note(f, order[k], outcome, pf_error_message(ctx));
		if (cls == PF_E_VERIFY && !bad)
			snprintf(bad_cause, sizeof(bad_cause), "%s",
				 pf_error_cause(ctx)[0] ? pf_error_cause(ctx) : "hash");
		bad |= cls == PF_E_VERIFY;
		add_failure(all, sizeof(all), pf_error_message(ctx));
		pf_emit_download_failed(ctx, rel, f->mirrors[order[k]].shown, cls,
					pf_error_message(ctx), k + 1 < n);
		pf_clear_error(ctx);
	}
	r = pf_fail(ctx, bad ? PF_E_VERIFY : PF_E_DOWNLOAD, "%s", all);
	/* One mirror served bad bytes: that is the cause (signature, hash,
	 * expired, rollback), not the others' silence. */
	pf_fail_cause(ctx, bad ? bad_cause : "download");
out:
	free(order);
	return r;
}
