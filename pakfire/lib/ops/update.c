/* The signed index: see update.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "format/config.h"
#include "base/context.h"
#include "ops/mirror-list.h"
#include "ops/session.h"
#include "resolve/resolve.h"
#include "resolve/transaction.h"
#include "state/history.h"
#include "state/system.h"
#include "fetch/fetch.h"
#include "fetch/kept.h"
#include "fetch/units.h"
#include "ops/clean.h"
#include "base/hash.h"
#include "base/strings.h"
#include "format/index.h"
#include "ops/update.h"
#include "verify/signature.h"

/* Time is read in one place so that a test double could replace it. */
static time_t now(void)
{
	return time(NULL);
}

bool pf_index_expired(int64_t grace, time_t valid_until)
{
	return now() > valid_until + grace;
}

static int check_fresh(struct pf_session *s, const char *what, time_t valid_until)
{
	struct pf_ctx *ctx = s->ctx;
	char when[21];

	if (!pf_index_expired(s->config->valid_until_grace, valid_until))
		return 0;
	pf_time_format(valid_until, when);
	pf_fail(ctx, PF_E_VERIFY,
		"%s expired: Valid-Until %s has passed (the mirror may be frozen"
		" or stale; try another mirror)", what, when);
	return pf_fail_cause(ctx, "expired");
}

/* One mirror's try at the index: what it served, and what it is checked
 * against. Every check of the index is part of the try, so that a mirror
 * serving a bad signature, a garbled, foreign, rolled-back or expired
 * index makes the next one be tried; nothing is carried from one try to
 * the next but the bytes of the one that passed (apt's CVE-2018-0501). */
struct index_try {
	struct pf_session *s;
	const char *series, *arch;
	const struct pf_stored_index *seen; /* the newest index stored, or NULL */
	char *url;
	char *shown;  /* URL without credentials (pf_url_redact): for messages */
	char *body;
	size_t len;
	char *sig;
	size_t sig_len;
	struct pf_index *idx;
	char sha256[65];
	char signer[128];
	/* A mirror's index signed only by keys this system does not hold
	 * yet: who signed it (pf_index_refresh tells its caller, which may
	 * trust it once an update ships the key); "" if none was. Kept
	 * across tries; never set by an index that failed any other check. */
	char untrusted[128];
};

static void try_clear(struct index_try *t)
{
	free(t->url);
	free(t->shown);
	free(t->body);
	free(t->sig);
	pf_index_free(t->idx);
	t->url = t->shown = t->body = t->sig = NULL;
	t->idx = NULL;
	t->len = t->sig_len = 0;
}

/* Whether what a mirror served as the index looks like no index at all:
 * a captive portal's or a login page's HTML, which answers 200 for every
 * URL. Only asked when its signature failed: a signed index is read as
 * one, whatever it looks like. */
static bool not_an_index(const char *body, size_t len)
{
	size_t n = len < 512 ? len : 512;

	if (len < 8 || memcmp(body, "Format: ", 8) != 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if ((n - i >= 9 && strncasecmp(body + i, "<!doctype", 9) == 0) ||
		    (n - i >= 5 && strncasecmp(body + i, "<html", 5) == 0))
			return true;
	return false;
}

/* The signature failed on URL: a portal is a mirror that cannot serve
 * (PF_E_DOWNLOAD: the next mirror, exit 5 when none can), anything else
 * stays the verification failure it is. */
static int bad_signature(struct pf_ctx *ctx, struct pf_fetch *f, const struct index_try *t)
{
	if (pf_error_class(ctx) != PF_E_VERIFY || !not_an_index(t->body, t->len))
		return -1;
	pf_clear_error(ctx);
	pf_fetch_note_outcome(f, PF_MIRROR_NOT_REPOSITORY);
	return pf_fail(ctx, PF_E_DOWNLOAD, "%s: mirror returned something that is not a pakfire"
		       " repository (a captive portal or login page?)", t->shown);
}

/* Fetch index and index.sig from one mirror. A mirror that cannot be reached
 * or has no index is a download failure (try the next one); a missing
 * signature next to an index is a verification failure (never go on
 * unsigned). */
static int fetch_pair(struct pf_ctx *ctx, struct pf_fetch *f, struct index_try *t)
{
	char *sig_url = NULL;
	long status;
	int r = -1;

	if (asprintf(&sig_url, "%s.sig", t->url) < 0)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	if (pf_fetch_mem(f, t->url, PF_INDEX_MAX, &t->body, &t->len, &status) < 0)
		goto out;
	if (pf_fetch_mem(f, sig_url, PF_SIGNATURE_MAX, &t->sig, &t->sig_len, &status) < 0) {
		if (status == 404 || status == 410) {
			pf_clear_error(ctx);
			pf_fail(ctx, PF_E_VERIFY, "%s.sig: no signature beside the index: refusing"
				" an unsigned index", t->shown);
			pf_fail_cause(ctx, "signature");
			bad_signature(ctx, f, t);
		}
		goto out;
	}
	r = 0;
out:
	free(sig_url);
	return r;
}

/* The verified index of T's try against the newest stored one: a lower
 * Revision marks the mirror stale (it is behind, not hostile: it stays in
 * use, last, for files the newest index vouches for by hash). */
static int check_revision(struct pf_ctx *ctx, struct pf_fetch *f, struct index_try *t)
{
	const struct pf_stored_index *seen = t->seen;

	pf_fetch_mirror_revision(f, t->url, t->idx->revision,
				 seen && t->idx->revision < seen->revision);
	if (!seen)
		return 0;
	if (t->idx->revision < seen->revision) {
		pf_fail(ctx, PF_E_VERIFY,
			"%s: Revision %llu is lower than Revision %llu already seen: refusing"
			" a rolled-back index (the mirror is stale)", t->shown,
			(unsigned long long)t->idx->revision,
			(unsigned long long)seen->revision);
		return pf_fail_cause(ctx, "rollback");
	}
	if (t->idx->revision == seen->revision && strcmp(t->sha256, seen->sha256)) {
		pf_fail(ctx, PF_E_VERIFY,
			"%s: Revision %llu was seen before with other content: refusing it",
			t->shown, (unsigned long long)t->idx->revision);
		return pf_fail_cause(ctx, "rollback");
	}
	return 0;
}

static int try_index(struct pf_ctx *ctx, struct pf_fetch *f, const char *url, void *data)
{
	struct index_try *t = data;
	uint8_t sum[32];

	try_clear(t);
	t->url = strdup(url);
	t->shown = pf_url_redact(url);
	if (!t->url || !t->shown)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	if (fetch_pair(ctx, f, t) < 0)
		return -1;
	/* Nothing of the index is parsed before its signature checks out. */
	t->signer[0] = '\0';
	if (pf_verify_signature(ctx, t->s->config->keys, t->shown, t->body, t->len, t->sig,
				t->sig_len, t->signer) < 0) {
		if (t->signer[0])
			snprintf(t->untrusted, sizeof(t->untrusted), "%s", t->signer);
		pf_fail_cause(ctx, "signature");
		return bad_signature(ctx, f, t);
	}
	if (pf_index_parse(ctx, t->shown, t->body, t->len, &t->idx) < 0)
		return -1;
	if (strcmp(t->idx->series, t->series) || strcmp(t->idx->arch, t->arch))
		return pf_fail(ctx, PF_E_VERIFY, "%s is for series %s/%s, but it was fetched as the"
			       " index of %s/%s", t->shown, t->idx->series, t->idx->arch, t->series,
			       t->arch);
	pf_sha256_buf(t->body, t->len, sum);
	pf_hex(sum, t->sha256);
	/* Revisions are counted per series: each series has its own. */
	if (check_revision(ctx, f, t) < 0)
		return -1;
	return check_fresh(t->s, t->shown, t->idx->valid_until);
}

void pf_warn_series_config(struct pf_session *s, const struct pf_system *sys)
{
	if (s->config->series && strcmp(s->config->series, sys->series))
		pf_warn(s->ctx, "pakfire.conf says series %s, but this system is on series %s"
			" (the database says so: set by 'pakfire init', moved only by an update"
			" that switches series); pakfire follows the database, and the series"
			" key of pakfire.conf is only what 'pakfire init' starts from",
			s->config->series, sys->series);
}

void pf_warn_successor(struct pf_ctx *ctx, const struct pf_index *idx, bool switch_pending)
{
	if (!idx->successor || switch_pending)
		return;
	pf_warn(ctx, "series %s is closed: its successor is series %s, and no update in the"
		" index of %s moves this system there yet; this system gets no more updates"
		" until one does: run 'pakfire update' again later, and tell the maintainers"
		" if it stays so", idx->series, idx->successor, idx->series);
}

/* --from-dir on a folder that holds no repository for this system (the
 * wrong folder, or a stick made for another series): said as such rather
 * than as a file:// URL that is missing, as a mirror's would be. */
static void no_repository(struct pf_session *s, const char *series, const char *arch)
{
	const char *dir = s->from_dir + strlen("file://");
	char path[4096];
	struct stat st;
	int n;

	if (pf_error_class(s->ctx) != PF_E_DOWNLOAD)
		return;
	n = snprintf(path, sizeof(path), "%s/%s/%s/index", dir, series, arch);
	if (n < 0 || (size_t)n >= sizeof(path) || stat(path, &st) == 0)
		return;
	pf_clear_error(s->ctx);
	pf_fail(s->ctx, PF_E_USAGE, "%s holds no pakfire repository for %s/%s (expected %s)", dir,
		series, arch, path);
}

int pf_index_refresh(struct pf_session *s, const char *series, const char *arch, bool store,
		     struct pf_index **out, char signer[128])
{
	struct pf_stored_index stored = { 0 }, seen = { 0 };
	struct index_try t = { .s = s, .series = series, .arch = arch };
	struct pf_fetch *f;
	bool found;
	int r = -1;

	*out = NULL;
	if (signer)
		signer[0] = '\0';
	if (pf_db_load_index(s->db, series, arch, &seen, &found) < 0)
		goto out;
	t.seen = found ? &seen : NULL;
	/* The first mirror whose index passes every check is the one kept. */
	f = pf_session_fetch(s);
	if (!f || pf_fetch_mirrors(f, series, arch, "index", try_index, &t) < 0) {
		/* Who signed it, when it is only a key not trusted yet. */
		if (signer)
			snprintf(signer, 128, "%s", t.untrusted);
		if (f && s->from_dir)
			no_repository(s, series, arch);
		goto out;
	}
	snprintf(stored.sha256, sizeof(stored.sha256), "%s", t.sha256);
	snprintf(stored.signer, sizeof(stored.signer), "%s", t.signer);
	stored.revision = t.idx->revision;
	stored.date = t.idx->date;
	stored.valid_until = t.idx->valid_until;
	stored.fetched_at = now();
	stored.body = t.body;
	stored.body_len = t.len;
	/* A dry run verifies the index of the next series, and keeps it only
	 * when it may write; the mirror list goes with the index it belongs to. */
	if (store && (pf_db_store_index(s->db, series, arch, &stored, t.sig, t.sig_len) < 0 ||
		      pf_mirror_list_refresh(s, t.idx) < 0))
		goto out;
	if (signer)
		snprintf(signer, 128, "%s", stored.signer);
	*out = t.idx;
	t.idx = NULL;
	r = 0;
out:
	pf_stored_index_clear(&seen);
	try_clear(&t);
	return r;
}

/* The manifests of the pending core updates, kept for status (fetch/kept.h):
 * they are small, and they let status plan the chain without the network.
 * One that cannot be fetched or kept is a warning, not a failure: the
 * index is what update is for, and the upgrade fetches the manifest again
 * (and refuses it if it is bad). */
static int keep_manifests(struct pf_session *s, struct pf_transaction *t)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_fetch *f = pf_session_fetch(s);
	char label[PF_UNIT_ID_MAX];

	for (size_t i = 0; f && i < t->n; i++) {
		struct pf_unit *u = &t->units[i];

		if (pf_fetch_unit_keep_manifest(ctx, f, s->config->cache, t, u) == 0)
			continue;
		/* Asked to stop: the run ends here (the index stays kept). */
		if (pf_interrupted(ctx))
			return -1;
		pf_warn(ctx, "%s: its manifest was not kept for 'pakfire status' (%s); status shows"
			" the space the pending updates need once it is", pf_unit_label(u, label),
			pf_error_message(ctx));
		pf_clear_error(ctx);
	}
	if (!f || pf_kept_prune(ctx, s->config->cache, t->series, t->arch, t->units, t->n) < 0) {
		pf_warn(ctx, "%s", pf_error_message(ctx));
		pf_clear_error(ctx);
	}
	return 0;
}

int pf_update(struct pf_session *s)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_transaction *t = NULL;
	struct pf_system sys;
	struct pf_index *idx = NULL;
	char signer[128];
	int64_t tx = 0;
	int r = -1;

	if (pf_db_get_system(s->db, &sys) < 0 || pf_db_tx_begin(s->db, "update", &tx) < 0)
		return -1;
	s->tx = tx;
	pf_warn_series_config(s, &sys);
	if (pf_index_refresh(s, sys.series, sys.arch, true, &idx, signer) < 0)
		goto out;
	t = pf_transaction_new(ctx, sys.series, sys.arch, sys.core);
	if (!t || pf_resolve_core_chain(ctx, idx, t, 0) < 0)
		goto out;
	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_INDEX_VERIFIED,
		.index = {
			.series = idx->series, .revision = idx->revision,
			.date = idx->date, .valid_until = idx->valid_until,
			.signer = signer, .pending = (unsigned)t->n,
		},
	});
	if (t->blocked) {
		char text[768];

		pf_resolve_blocked_text(t, sys.core, text, sizeof(text));
		pf_warn(ctx, "%s: 'pakfire upgrade' stops before it", text);
	}
	pf_warn_successor(ctx, idx, pf_resolve_switch_above(idx, sys.core) != NULL);
	if (keep_manifests(s, t) < 0)
		goto out;
	/* Partial downloads toward what the index no longer lists: never
	 * resumed, only in the way. */
	if (pf_clean_partial(ctx, s->config->cache, idx) < 0) {
		pf_warn(ctx, "%s", pf_error_message(ctx));
		pf_clear_error(ctx);
	}
	r = 0;
out:
	pf_transaction_free(t);
	pf_db_tx_end(s->db, tx);
	pf_index_free(idx);
	return r;
}

int pf_current_index(struct pf_session *s, const struct pf_system *sys, bool check_expiry,
		     struct pf_index **out)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_stored_index stored;
	bool found;
	int r = -1;

	if (pf_db_load_index(s->db, sys->series, sys->arch, &stored, &found) < 0)
		return -1;
	if (!found)
		return pf_fail(ctx, PF_E_USAGE,
			       "no index for series %s/%s yet: run 'pakfire update' first",
			       sys->series, sys->arch);
	if (check_expiry && check_fresh(s, "the index kept from the last 'pakfire update'",
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
