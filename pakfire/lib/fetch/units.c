/* Fetching units: see units.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/context.h"
#include "base/hash.h"
#include "base/path.h"
#include "base/strings.h"
#include "fetch/fetch.h"
#include "fetch/kept.h"
#include "fetch/units.h"
#include "format/index.h"
#include "format/manifest.h"
#include "format/pak.h"
#include "resolve/transaction.h"

const char *pf_fetch_unit_pak_name(const struct pf_unit *u)
{
	return pf_basename(u->entry->package);
}

int pf_fetch_unit_cache_dir(struct pf_ctx *ctx, const char *cache, const struct pf_transaction *t,
			    const struct pf_unit *u, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/%s/%s/%s", cache + 1, u->series, t->arch,
			 u->kind == PF_UNIT_CORE ? "core" : "addons");

	return n < 0 || (size_t)n >= size ? pf_fail(ctx, PF_E_USAGE, "cache path too long") : 0;
}

int pf_fetch_open_cache(struct pf_ctx *ctx, const char *dir, bool peek)
{
	int fd;

	if (!peek && pf_root_mkdirs(ctx, dir) < 0)
		return -1;
	fd = pf_root_open(ctx, dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0 && !peek)
		pf_fail_errno(ctx, PF_E_OTHER, "cache %s/%s", pf_ctx_root_prefix(ctx), dir);
	return fd;
}

/* U's manifest from the mirrors: one memory job, so that its signed size
 * is the cap, the final check and the progress total; its size and hash
 * match the signed index before the parser sees a byte. */
static int fetch_manifest(struct pf_ctx *ctx, struct pf_fetch *f, const struct pf_transaction *t,
			  struct pf_unit *u)
{
	const struct pf_index_entry *ie = u->entry;
	struct pf_fetch_job job = {
		.series = u->series, .arch = t->arch, .rel = ie->manifest,
		.size = ie->manifest_size, .dirfd = -1, .partial_fd = -1, .unit = u->id,
	};

	memcpy(job.sha, ie->manifest_sha256, sizeof(job.sha));
	if (pf_fetch_files(f, &job, 1) < 0)
		return -1;
	if (job.result < 0)
		return pf_fail(ctx, job.cls, "%s", job.error);
	free(u->manifest);
	u->manifest = job.buf;
	u->manifest_len = job.len;
	return pf_manifest_parse(ctx, ie->manifest, u->manifest, u->manifest_len, &u->m);
}

/* A package already in the download cache whose size and SHA-256 match the
 * signed index carries the published manifest as its first member. Returns
 * 1 when U got its manifest there, 0 when the package is not there, -1 on
 * error: a verified package with a bad first member is a bad publication
 * (deleted unless DRY_RUN, as a package that fails its checks is). */
static int cached_manifest(struct pf_ctx *ctx, int cache_fd, struct pf_unit *u, bool dry_run)
{
	const struct pf_index_entry *ie = u->entry;
	const char *name = pf_fetch_unit_pak_name(u);
	int fd;

	if (cache_fd < 0)
		return 0;
	if (pf_fetch_cached(ctx, cache_fd, name, ie->package_size, ie->package_sha256, &fd) < 0)
		return -1;
	if (fd < 0)
		return 0;
	if (pf_pak_read_manifest(ctx, fd, name, ie->manifest_size, &u->manifest,
				 &u->manifest_len) < 0)
		goto bad;
	if (!pf_sha256_matches(u->manifest, u->manifest_len, ie->manifest_size,
			       ie->manifest_sha256)) {
		pf_fail(ctx, PF_E_VERIFY, "%s: %s differs from the published manifest %s", name,
			PF_PAK_MANIFEST, ie->manifest);
		goto bad;
	}
	if (pf_manifest_parse(ctx, ie->manifest, u->manifest, u->manifest_len, &u->m) < 0)
		goto bad;
	pf_debug(ctx, "%s: manifest taken from the verified package in the cache", name);
	u->pak_fd = fd;
	return 1;
bad:
	close(fd);
	if (!dry_run && pf_error_class(ctx) == PF_E_VERIFY)
		unlinkat(cache_fd, name, 0);
	return -1;
}

int pf_fetch_unit_kept(struct pf_ctx *ctx, const char *cache, const struct pf_transaction *t,
		       struct pf_unit *u)
{
	char *buf;
	size_t len;
	int got;

	if (u->kind != PF_UNIT_CORE)
		return 0;
	got = pf_kept_read(ctx, cache, t->arch, u, &buf, &len);
	if (got <= 0)
		return got;
	free(u->manifest);
	u->manifest = buf;
	u->manifest_len = len;
	if (pf_manifest_parse(ctx, u->entry->manifest, u->manifest, u->manifest_len, &u->m) < 0)
		return -1;
	pf_debug(ctx, "%s: the kept manifest, verified again", u->id);
	return 1;
}

/* Keep U's verified manifest for status when no kept copy matches the
 * index yet. */
static int keep(struct pf_ctx *ctx, const char *cache, const struct pf_transaction *t,
		const struct pf_unit *u)
{
	int got = u->kind == PF_UNIT_CORE ? pf_kept_matches(ctx, cache, t->arch, u) : 1;

	return got == 0 ? pf_kept_store(ctx, cache, t->arch, u) : got < 0 ? -1 : 0;
}

/* Keep U's manifest for status, unless it came from the kept copy: not
 * being able to is no error (the upgrade goes on without it). */
static void keep_quietly(struct pf_ctx *ctx, const char *cache, const struct pf_transaction *t,
			 const struct pf_unit *u)
{
	if (keep(ctx, cache, t, u) < 0) {
		pf_debug(ctx, "%s: its manifest is not kept for 'pakfire status': %s", u->id,
			 pf_error_message(ctx));
		pf_clear_error(ctx);
	}
}

/* U's manifest without a request: from its verified package in the cache,
 * else the kept copy. 1 got it, 0 not there, -1 error. */
static int local_manifest(struct pf_ctx *ctx, int cache_fd, const char *cache,
			  const struct pf_transaction *t, struct pf_unit *u, bool dry_run)
{
	int got = cached_manifest(ctx, cache_fd, u, dry_run);

	if (got == 1)
		keep_quietly(ctx, cache, t, u);
	return got == 0 ? pf_fetch_unit_kept(ctx, cache, t, u) : got;
}

int pf_fetch_unit_manifest(struct pf_ctx *ctx, struct pf_fetch *f, int cache_fd, const char *cache,
			   const struct pf_transaction *t, struct pf_unit *u, bool dry_run)
{
	int got = local_manifest(ctx, cache_fd, cache, t, u, dry_run);

	if (got != 0)
		return got < 0 ? -1 : 0;
	if (!f)
		return -1; /* the downloader could not be made: the error is set */
	if (fetch_manifest(ctx, f, t, u) < 0)
		return -1;
	keep_quietly(ctx, cache, t, u);
	return 0;
}

int pf_fetch_unit_manifests(struct pf_ctx *ctx, struct pf_fetch *f, const int *cache_fds,
			    const char *cache, const struct pf_transaction *t, bool dry_run)
{
	struct pf_fetch_job *jobs = calloc(t->n ? t->n : 1, sizeof(*jobs));
	size_t *idx = calloc(t->n ? t->n : 1, sizeof(*idx)), n = 0;
	int r = -1;

	if (!jobs || !idx) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		struct pf_unit *u = &t->units[i];
		const struct pf_index_entry *ie = u->entry;
		int got;

		if (u->op != PF_UNIT_APPLY || u->m)
			continue;
		got = local_manifest(ctx, cache_fds[i], cache, t, u, dry_run);
		if (got < 0)
			goto out;
		if (got)
			continue;
		jobs[n] = (struct pf_fetch_job){
			.series = u->series, .arch = t->arch, .rel = ie->manifest,
			.size = ie->manifest_size, .dirfd = -1, .partial_fd = -1, .unit = u->id,
		};
		memcpy(jobs[n].sha, ie->manifest_sha256, sizeof(jobs[n].sha));
		idx[n++] = i;
	}
	/* The rest from the mirrors, all at once: the engine checks each
	 * against its signed size and hash before the parser sees it. */
	if (n && (!f || pf_fetch_files(f, jobs, n) < 0))
		goto out;
	for (size_t k = 0; k < n; k++) {
		struct pf_unit *u = &t->units[idx[k]];

		if (jobs[k].result < 0) {
			pf_fail(ctx, jobs[k].cls, "%s", jobs[k].error);
			goto out;
		}
		free(u->manifest);
		u->manifest = jobs[k].buf;
		u->manifest_len = jobs[k].len;
		jobs[k].buf = NULL;
		if (pf_manifest_parse(ctx, u->entry->manifest, u->manifest, u->manifest_len, &u->m) < 0)
			goto out;
		keep_quietly(ctx, cache, t, u);
	}
	r = 0;
out:
	for (size_t k = 0; jobs && k < n; k++)
		free(jobs[k].buf);
	free(jobs);
	free(idx);
	return r;
}

int pf_fetch_unit_keep_manifest(struct pf_ctx *ctx, struct pf_fetch *f, const char *cache,
				const struct pf_transaction *t, struct pf_unit *u)
{
	int got = pf_kept_matches(ctx, cache, t->arch, u);

	if (got != 0)
		return got < 0 ? -1 : 0;
	if (!f || fetch_manifest(ctx, f, t, u) < 0)
		return -1;
	return pf_kept_store(ctx, cache, t->arch, u);
}

/* U's partial file, as the folder beside CACHE_FD names it. */
static void partial_path(const struct pf_unit *u, char out[PF_FETCH_PARTIAL_NAME_MAX + 16])
{
	char hex[65];

	pf_hex(u->entry->package_sha256, hex);
	snprintf(out, PF_FETCH_PARTIAL_NAME_MAX + 16, "../" PF_FETCH_PARTIAL_DIR "/%s.part", hex);
}

uint64_t pf_fetch_unit_partial(int cache_fd, const struct pf_unit *u)
{
	char path[PF_FETCH_PARTIAL_NAME_MAX + 16];
	struct stat st;

	if (cache_fd < 0 || !u->entry)
		return 0;
	partial_path(u, path);
	/* As big as the whole file or more, it is no prefix of it: the
	 * download starts again (fetch.h). */
	if (fstatat(cache_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size < u->entry->package_size)
		return (uint64_t)st.st_size;
	return 0;
}

uint64_t pf_fetch_unit_need(int cache_fd, const struct pf_unit *u)
{
	struct stat st;

	if (cache_fd >= 0 &&
	    fstatat(cache_fd, pf_fetch_unit_pak_name(u), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && (uint64_t)st.st_size == u->entry->package_size)
		return 0;
	return u->entry->package_size - pf_fetch_unit_partial(cache_fd, u);
}

int pf_fetch_unit_partial_dir(struct pf_ctx *ctx, int cache_fd)
{
	int parent = openat(cache_fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -1;

	if (parent < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "cache folder");
	if (mkdirat(parent, PF_FETCH_PARTIAL_DIR, 0700) < 0 && errno != EEXIST)
		pf_fail_errno(ctx, PF_E_OTHER, "cache %s", PF_FETCH_PARTIAL_DIR);
	else if ((fd = openat(parent, PF_FETCH_PARTIAL_DIR,
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		pf_fail_errno(ctx, PF_E_OTHER, "cache %s", PF_FETCH_PARTIAL_DIR);
	close(parent);
	return fd;
}

int pf_fetch_unit_packages(struct pf_ctx *ctx, struct pf_fetch *f, const struct pf_transaction *t,
			   const size_t *idx, const int *cache_fds, size_t n, struct pf_fetch_job *jobs)
{
	int r = -1;

	for (size_t k = 0; k < n; k++)
		jobs[k].partial_fd = -1;
	if (!f)
		return -1; /* the downloader could not be made: the error is set */
	for (size_t k = 0; k < n; k++) {
		const struct pf_unit *u = &t->units[idx[k]];
		const struct pf_index_entry *ie = u->entry;

		jobs[k] = (struct pf_fetch_job){
			.series = u->series, .arch = t->arch, .rel = ie->package,
			.size = ie->package_size, .dirfd = cache_fds[k],
			.name = pf_fetch_unit_pak_name(u), .unit = u->id,
		};
		memcpy(jobs[k].sha, ie->package_sha256, sizeof(jobs[k].sha));
		jobs[k].partial_fd = pf_fetch_unit_partial_dir(ctx, jobs[k].dirfd);
		if (jobs[k].partial_fd < 0)
			goto out;
	}
	if (pf_fetch_files(f, jobs, n) < 0)
		goto out;
	/* Each verified package stays open from now on, as one found
	 * verified in the cache does. */
	for (size_t k = 0; k < n; k++) {
		struct pf_unit *u = &t->units[idx[k]];

		if (jobs[k].result < 0)
			continue;
		u->pak_fd = openat(jobs[k].dirfd, jobs[k].name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (u->pak_fd < 0) {
			pf_fail_errno(ctx, PF_E_OTHER, "cache %s", jobs[k].name);
			goto out;
		}
	}
	r = 0;
out:
	for (size_t k = 0; k < n; k++)
		if (jobs[k].partial_fd >= 0)
			close(jobs[k].partial_fd);
	return r;
}

int pf_fetch_unit_package(struct pf_ctx *ctx, struct pf_fetch *f, int cache_fd,
			  const struct pf_transaction *t, struct pf_unit *u, int *fd)
{
	size_t i = (size_t)(u - t->units);
	struct pf_fetch_job job;

	if (u->pak_fd < 0) {
		if (pf_fetch_unit_packages(ctx, f, t, &i, &cache_fd, 1, &job) < 0)
			return -1;
		if (job.result < 0)
			return pf_fail(ctx, job.cls, "%s", job.error);
	}
	*fd = u->pak_fd;
	return 0;
}
