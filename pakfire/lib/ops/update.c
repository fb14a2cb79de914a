/* The signed index: see update.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/config.h"
#include "base/context.h"
#include "state/db.h"
#include "fetch/fetch.h"
#include "base/hash.h"
#include "format/index.h"
#include "ops/downloader.h"
#include "ops/update.h"
#include "verify/signature.h"

/* Time is read in one place so that a test double could replace it. */
static time_t now(void)
{
	return time(NULL);
}

bool pf_index_expired(const struct pf_ctx *ctx, time_t valid_until)
{
	return now() > valid_until + ctx->config->valid_until_grace;
}

static int check_fresh(struct pf_ctx *ctx, const char *what, time_t valid_until)
{
	char when[21];

	if (!pf_index_expired(ctx, valid_until))
		return 0;
	pf_time_format(valid_until, when);
	return pf_fail(ctx, PF_E_VERIFY,
		       "%s expired: Valid-Until %s has passed (the mirror may be frozen"
		       " or stale; try another mirror)", what, when);
}

/* What one mirror served: the index, its signature, and where from. */
struct signed_index {
	char *url;
	char *body;
	size_t len;
	char *sig;
	size_t sig_len;
};

/* Fetch index and index.sig from one mirror. A mirror that cannot be reached
 * or has no index is a download failure (try the next one); a missing
 * signature next to an index is a verification failure (never go on
 * unsigned). */
static int try_index(struct pf_ctx *ctx, struct pf_fetch *f, const char *url, void *data)
{
	struct signed_index *si = data;
	char *sig_url = NULL;
	long status;
	int r = -1;

	free(si->url);
	si->url = strdup(url);
	if (!si->url || asprintf(&sig_url, "%s.sig", url) < 0) {
		sig_url = NULL;
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (pf_fetch_mem(f, url, PF_INDEX_MAX, &si->body, &si->len, &status) < 0)
		goto out;
	if (pf_fetch_mem(f, sig_url, PF_SIGNATURE_MAX, &si->sig, &si->sig_len, &status) < 0) {
		if (status == 404 || status == 410) {
			pf_clear_error(ctx);
			pf_fail(ctx, PF_E_VERIFY, "%s: no signature beside the index: refusing"
				" an unsigned index", sig_url);
		}
		free(si->body);
		si->body = NULL;
		goto out;
	}
	r = 0;
out:
	free(sig_url);
	return r;
}

int pf_update(struct pf_ctx *ctx)
{
	struct pf_system sys;
	struct pf_index *idx = NULL;
	struct pf_stored_index stored = { 0 };
	struct signed_index si = { 0 };
	struct pf_fetch *f;
	uint8_t sum[32];
	int64_t tx = 0;
	int r = -1;

	if (pf_db_get_system(ctx, &sys) < 0 || pf_db_tx_begin(ctx, "update", &tx) < 0)
		return -1;
	/* The first mirror that serves an index and its signature is the one
	 * we verify. */
	f = pf_downloader(ctx);
	if (!f || pf_fetch_mirrors(f, sys.series, sys.arch, "index", try_index, &si) < 0)
		goto out;
	/* Nothing of the index is parsed before its signature checks out. */
	if (pf_verify_signature(ctx, si.url, si.body, si.len, si.sig, si.sig_len, stored.signer) < 0 ||
	    pf_index_parse(ctx, si.url, si.body, si.len, &idx) < 0)
		goto out;
	if (strcmp(idx->series, sys.series) || strcmp(idx->arch, sys.arch)) {
		pf_fail(ctx, PF_E_VERIFY, "%s is for series %s/%s, but this system is %s/%s", si.url,
			idx->series, idx->arch, sys.series, sys.arch);
		goto out;
	}
	pf_sha256_buf(si.body, si.len, sum);
	pf_hex(sum, stored.sha256);
	if (idx->revision < sys.revision) {
		pf_fail(ctx, PF_E_VERIFY,
			"%s: Revision %llu is lower than Revision %llu already seen: refusing"
			" a rolled-back index", si.url, (unsigned long long)idx->revision,
			(unsigned long long)sys.revision);
		goto out;
	}
	if (idx->revision == sys.revision && strcmp(stored.sha256, sys.index_sha256)) {
		pf_fail(ctx, PF_E_VERIFY,
			"%s: Revision %llu was seen before with other content: refusing it",
			si.url, (unsigned long long)idx->revision);
		goto out;
	}
	if (check_fresh(ctx, si.url, idx->valid_until) < 0)
		goto out;
	stored.revision = idx->revision;
	stored.date = idx->date;
	stored.valid_until = idx->valid_until;
	stored.fetched_at = now();
	stored.body = si.body;
	stored.body_len = si.len;
	if (pf_db_store_index(ctx, sys.series, sys.arch, &stored, si.sig, si.sig_len) < 0)
		goto out;
	{
		const struct pf_index_entry **chain = NULL;
		size_t n = 0;

		if (pf_pending(ctx, idx, sys.core, 0, &chain, &n) < 0)
			goto out;
		free(chain);
		pf_emit(ctx, &(struct pf_event){
			.type = PF_EV_INDEX_VERIFIED, .series = idx->series,
			.revision = idx->revision, .date = idx->date,
			.valid_until = idx->valid_until, .name = stored.signer,
			.number = (unsigned)n,
		});
	}
	r = 0;
out:
	pf_db_tx_end(ctx, tx);
	pf_index_free(idx);
	free(si.url);
	free(si.body);
	free(si.sig);
	return r;
}

int pf_current_index(struct pf_ctx *ctx, const struct pf_system *sys, bool check_expiry,
		     struct pf_index **out)
{
	struct pf_stored_index stored;
	bool found;
	int r = -1;

	if (pf_db_load_index(ctx, sys->series, sys->arch, &stored, &found) < 0)
		return -1;
	if (!found)
		return pf_fail(ctx, PF_E_USAGE,
			       "no index for series %s/%s yet: run 'pakfire update' first",
			       sys->series, sys->arch);
	if (check_expiry && check_fresh(ctx, "the index kept from the last 'pakfire update'",
					stored.valid_until) < 0) {
		pf_fail_wrap(ctx, "run 'pakfire update'");
		goto out;
	}
	/* Verified when it was stored; parsed with the same parser. */
	r = pf_index_parse(ctx, "stored index", stored.body, stored.body_len, out);
out:
	pf_stored_index_clear(&stored);
	return r;
}

int pf_pending(struct pf_ctx *ctx, const struct pf_index *idx, unsigned core, unsigned to,
	       const struct pf_index_entry ***chain, size_t *n)
{
	const struct pf_index_entry **list = NULL;
	size_t count = 0;

	*chain = NULL;
	*n = 0;
	for (;;) {
		const struct pf_index_entry *next = NULL;

		for (size_t i = 0; i < idx->n; i++) {
			const struct pf_index_entry *e = &idx->entries[i];

			if (e->type != PF_STANZA_CORE || e->requires != core || e->number <= core)
				continue;
			if (next) {
				free(list);
				return pf_fail(ctx, PF_E_VERIFY,
					       "index offers both core %u and core %u on top of core %u",
					       next->number, e->number, core);
			}
			next = e;
		}
		if (!next || (to && next->number > to))
			break;
		{
			const struct pf_index_entry **p = realloc(list, (count + 1) * sizeof(*p));

			if (!p) {
				free(list);
				return pf_fail(ctx, PF_E_OTHER, "out of memory");
			}
			list = p;
		}
		list[count++] = next;
		core = next->number;
	}
	*chain = list;
	*n = count;
	return 0;
}
