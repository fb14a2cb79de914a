/* A batch of files: see fetch.h, pf_fetch_files. Each job goes through the
 * mirrors in pf_mirror_order; a failure of one mirror, a bad copy included,
 * moves on to the next, and nothing counts as verified but the bytes that
 * passed the signed size and SHA-256 in this attempt (apt's CVE-2018-0501:
 * a retry never inherits a verdict).
 *
 * This is the serial engine (one transfer at a time); the parallel one
 * with curl's multi interface takes its place behind the same call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/hash.h"
#include "fetch/fetch.h"
#include "fetch/transfer.h"

static int attempt(struct pf_fetch *f, struct pf_fetch_job *job, const char *url)
{
	struct pf_ctx *ctx = f->ctx;
	uint8_t sum[32];
	long status;

	if (job->dirfd >= 0)
		return pf_fetch_file(f, url, job->dirfd, job->name, job->size, job->sha);
	free(job->buf);
	job->buf = NULL;
	if (pf_fetch_mem(f, url, job->size, &job->buf, &job->len, &status) < 0)
		return -1;
	pf_sha256_buf(job->buf, job->len, sum);
	if (pf_check_signed_size_hash(ctx, url, job->len, sum, job->size, job->sha) < 0) {
		free(job->buf);
		job->buf = NULL;
		return -1;
	}
	return 0;
}

static int one_job(struct pf_fetch *f, struct pf_fetch_job *job, size_t *order)
{
	struct pf_ctx *ctx = f->ctx;
	size_t n = pf_mirror_order(f, order);
	bool bad = false;

	job->result = -1;
	job->cls = PF_E_DOWNLOAD;
	job->error[0] = '\0';
	if (n == 0)
		snprintf(job->error, sizeof(job->error), "%s",
			 f->n_mirrors ? "every mirror was skipped after repeated failures"
				      : "no mirror configured");
	for (size_t k = 0; k < n; k++) {
		char *url = pf_fetch_url(f->mirrors[order[k]].url, job->series, job->arch, job->rel);
		size_t len = strlen(job->error);
		int cls;

		if (!url)
			return pf_fail(ctx, PF_E_OTHER, "out of memory");
		if (attempt(f, job, url) == 0) {
			free(url);
			pf_mirror_note(f, order[k], PF_MIRROR_OK, NULL);
			job->result = 0;
			job->cls = PF_E_OK;
			job->error[0] = '\0';
			return 0;
		}
		free(url);
		cls = pf_error_class(ctx);
		if (cls != PF_E_DOWNLOAD && cls != PF_E_VERIFY)
			return -1; /* out of memory, no space, interrupted: the batch stops */
		pf_mirror_note(f, order[k], pf_mirror_outcome_of(cls, pf_error_message(ctx)),
			       pf_error_message(ctx));
		bad |= cls == PF_E_VERIFY;
		if (len + 3 < sizeof(job->error))
			snprintf(job->error + len, sizeof(job->error) - len, "%s%s",
				 len ? "; " : "", pf_error_message(ctx));
		pf_emit_download_failed(ctx, job->rel, f->mirrors[order[k]].url, cls,
					pf_error_message(ctx), k + 1 < n);
		pf_clear_error(ctx);
	}
	job->cls = bad ? PF_E_VERIFY : PF_E_DOWNLOAD;
	return 0;
}

int pf_fetch_files(struct pf_fetch *f, struct pf_fetch_job *jobs, size_t n)
{
	size_t *order = calloc(f->n_mirrors + 1, sizeof(*order));
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		jobs[i].result = -1;
		jobs[i].cls = PF_E_DOWNLOAD;
		snprintf(jobs[i].error, sizeof(jobs[i].error), "not fetched");
	}
	if (!order)
		return pf_fail(f->ctx, PF_E_OTHER, "out of memory");
	for (size_t i = 0; i < n && r == 0; i++)
		r = one_job(f, &jobs[i], order);
	free(order);
	return r;
}
