/* The downloader's calls (fetch.h) as jobs of the engine (engine.h): a
 * batch over the mirrors (pf_fetch_files), or one URL into memory
 * (pf_fetch_mem: the index and its signature, through pf_fetch_mirrors) or
 * into a file (pf_fetch_file). */
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "fetch/engine.h"
#include "fetch/transfer.h"

int pf_fetch_files(struct pf_fetch *f, struct pf_fetch_job *jobs, size_t n)
{
	struct pf_xjob *x = calloc(n ? n : 1, sizeof(*x));
	int r;

	if (!x)
		return pf_fail(f->ctx, PF_E_OTHER, "out of memory");
	for (size_t i = 0; i < n; i++) {
		x[i].job = &jobs[i];
		x[i].max = jobs[i].size; /* the signed size is the cap */
		x[i].check = true;
		if (jobs[i].dirfd < 0)
			jobs[i].partial_fd = -1; /* memory never resumes */
	}
	r = pf_engine_run(f, x, n, true);
	free(x);
	return r;
}

/* One job on URL alone: no mirrors, no failover, no resume. */
static int one_url(struct pf_fetch *f, const char *url, struct pf_fetch_job *job,
		   uint64_t max, bool check, long *http_status)
{
	struct pf_xjob x = { .job = job, .url = url, .max = max, .check = check };

	if (http_status)
		*http_status = 0;
	if (pf_engine_run(f, &x, 1, false) < 0)
		return -1;
	if (http_status)
		*http_status = x.http_status;
	if (job->result < 0) {
		/* for pf_fetch_mirrors: what this failure was */
		f->try_outcome = x.outcome;
		return pf_fail(f->ctx, job->cls, "%s", job->error);
	}
	return 0;
}

int pf_fetch_mem(struct pf_fetch *f, const char *url, size_t max, char **buf, size_t *len,
		 long *http_status)
{
	struct pf_fetch_job job = { .dirfd = -1, .partial_fd = -1 };

	*buf = NULL;
	*len = 0;
	if (one_url(f, url, &job, max, false, http_status) < 0) {
		free(job.buf);
		return -1;
	}
	*buf = job.buf;
	*len = job.len;
	return 0;
}

int pf_fetch_file(struct pf_fetch *f, const char *url, int dirfd, const char *name,
		  uint64_t size, const uint8_t sha[32])
{
	struct pf_fetch_job job = { .size = size, .dirfd = dirfd, .name = name, .partial_fd = -1 };

	memcpy(job.sha, sha, sizeof(job.sha));
	return one_url(f, url, &job, size, true, NULL);
}
