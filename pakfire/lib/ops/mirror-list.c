/* The published mirror list and the mirrors' results: see mirror-list.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/hash.h"
#include "base/strings.h"
#include "fetch/fetch.h"
#include "format/index.h"
#include "format/mirrors.h"
#include "ops/mirror-list.h"
#include "ops/session.h"
#include "state/mirrors.h"
#include "state/system.h"

_Static_assert(PF_MIRROR_LIST_MAX == PF_MIRRORS_SIZE_MAX,
	       "the downloader's cap is the format's limit");

/* The list as a mirror served it, checked against the index. */
struct list_try {
	const struct pf_index *idx;
	char *buf;
	size_t len;
	char *url;    /* where it came from, without credentials: for messages */
};

static int try_list(struct pf_ctx *ctx, struct pf_fetch *f, const char *url, void *data)
{
	struct list_try *t = data;
	uint8_t sum[32];
	long status;

	free(t->buf);
	free(t->url);
	t->buf = NULL;
	t->url = pf_url_redact(url);
	if (!t->url)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	if (pf_fetch_mem(f, url, t->idx->mirrors_size, &t->buf, &t->len, &status) < 0)
		return -1;
	pf_sha256_buf(t->buf, t->len, sum);
	return pf_check_signed_size_hash(ctx, t->url, t->len, sum, t->idx->mirrors_size,
					 t->idx->mirrors_sha256);
}

/* Whether a session may write what it learnt about the mirrors. */
static bool may_write(const struct pf_session *s)
{
	return s->db && s->lock_fd >= 0 && !s->dry_command && s->dry_started == 0;
}

/* Add the verified list LIST (BUF, LEN bytes; NAME for messages) to F.
 * With --from-dir it is only parsed: the folder is the one source of the
 * run, and a list of network mirrors must never be tried behind it (a
 * flipped byte on the stick would else be fetched again from the net). */
static int add_list(struct pf_session *s, struct pf_fetch *f, const char *name,
		    const char *buf, size_t len)
{
	struct pf_mirror_list *l = NULL;
	uint32_t seed;
	int r = -1;

	if (pf_mirror_list_parse(s->ctx, name, buf, len, &l) == 0 && s->from_dir)
		r = 0;
	else if (l && pf_db_mirror_seed(s->db, may_write(s), &seed) == 0)
		r = pf_fetch_add_list(f, (const char *const *)l->urls, l->n, seed);
	pf_mirror_list_free(l);
	return r;
}

int pf_mirror_list_refresh(struct pf_session *s, const struct pf_index *idx)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_fetch *f = pf_session_fetch(s);
	struct list_try t = { .idx = idx };
	int r = -1;

	if (!idx->mirrors)
		return 0;
	if (!f)
		return -1;
	if (pf_fetch_mirrors(f, idx->series, idx->arch, idx->mirrors, try_list, &t) == 0) {
		if (add_list(s, f, t.url, t.buf, t.len) == 0) {
			r = pf_db_mirror_list_store(s->db, idx->series, idx->arch, t.buf, t.len);
			goto out;
		}
	}
	/* Asked to stop, or out of memory: the run ends here. */
	if (pf_interrupted(ctx) || (pf_error_class(ctx) != PF_E_DOWNLOAD &&
				    pf_error_class(ctx) != PF_E_VERIFY))
		goto out;
	pf_warn(ctx, "the mirror list of the index (%s) is not used: %s; going on with the"
		" configured mirrors only", idx->mirrors, pf_error_message(ctx));
	pf_clear_error(ctx);
	r = 0;
out:
	free(t.buf);
	free(t.url);
	return r;
}

/* The stored list of the system's series, checked against the stored
 * index, into F. */
static int use_stored(struct pf_session *s, struct pf_fetch *f)
{
	struct pf_ctx *ctx = s->ctx;
	struct pf_stored_index stored = { 0 };
	struct pf_index *idx = NULL;
	struct pf_system sys;
	char *buf = NULL;
	size_t len = 0;
	uint8_t sum[32];
	bool found;
	int r = -1;

	if (pf_db_get_system(s->db, &sys) < 0 ||
	    pf_db_mirror_list_load(s->db, sys.series, sys.arch, &buf, &len) < 0)
		goto out;
	r = 0;
	if (!buf)
		goto out;
	r = -1;
	if (pf_db_load_index(s->db, sys.series, sys.arch, &stored, &found) < 0)
		goto out;
	if (!found || pf_index_parse(ctx, "stored index", stored.body, stored.body_len, &idx) < 0 ||
	    !idx->mirrors) {
		if (pf_error_class(ctx) == PF_E_OK)
			pf_fail(ctx, PF_E_VERIFY, "the stored index names no mirror list");
		goto out;
	}
	pf_sha256_buf(buf, len, sum);
	if (pf_check_signed_size_hash(ctx, "the stored mirror list", len, sum, idx->mirrors_size,
				      idx->mirrors_sha256) < 0)
		goto out;
	r = add_list(s, f, "the stored mirror list", buf, len);
out:
	pf_index_free(idx);
	pf_stored_index_clear(&stored);
	free(buf);
	return r;
}

void pf_mirror_list_use(struct pf_session *s, struct pf_fetch *f)
{
	if (!s->db || use_stored(s, f) == 0)
		return;
	pf_warn(s->ctx, "the published mirror list is not used: %s; going on with the configured"
		" mirrors only", pf_error_message(s->ctx));
	pf_clear_error(s->ctx);
}

void pf_mirror_results_record(struct pf_session *s)
{
	struct pf_ctx *ctx = s->ctx;
	enum pf_errclass cls = pf_error_class(ctx);
	char first[sizeof(ctx->err_msg)];
	const struct pf_mirror *m;
	size_t n;

	if (!s->fetch || !may_write(s))
		return;
	m = pf_fetch_mirror_list(s->fetch, &n);
	/* The command's own error stays the one it ends with. */
	snprintf(first, sizeof(first), "%s", pf_error_message(ctx));
	pf_clear_error(ctx);
	if (pf_db_mirror_record(s->db, m, n, s->tx) < 0) {
		pf_warn(ctx, "what the mirrors did could not be recorded: %s", pf_error_message(ctx));
		pf_clear_error(ctx);
	}
	if (cls != PF_E_OK)
		pf_fail(ctx, cls, "%s", first);
}
