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

int pf_fetch_unit_manifest(struct pf_ctx *ctx, struct pf_fetch *f, int cache_fd, const char *cache,
			   const struct pf_transaction *t, struct pf_unit *u, bool dry_run)
{
	int got = cached_manifest(ctx, cache_fd, u, dry_run);
	bool from_kept = false;

	if (got == 0) {
		got = pf_fetch_unit_kept(ctx, cache, t, u);
		from_kept = got == 1;
	}
	if (got < 0)
		return -1;
	if (got == 0) {
		if (!f)
			return -1; /* the downloader could not be made: the error is set */
		if (fetch_manifest(ctx, f, t, u) < 0)
			return -1;
	}
	/* Only for status: the upgrade goes on without it. */
	if (!from_kept && keep(ctx, cache, t, u) < 0) {
		pf_debug(ctx, "%s: its manifest is not kept for 'pakfire status': %s", u->id,
			 pf_error_message(ctx));
		pf_clear_error(ctx);
	}
	return 0;
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

uint64_t pf_fetch_unit_need(int cache_fd, const struct pf_unit *u)
{
	struct stat st;

	if (cache_fd >= 0 &&
	    fstatat(cache_fd, pf_fetch_unit_pak_name(u), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && (uint64_t)st.st_size == u->entry->package_size)
		return 0;
	return u->entry->package_size;
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

int pf_fetch_unit_package(struct pf_ctx *ctx, struct pf_fetch *f, int cache_fd,
			  const struct pf_transaction *t, struct pf_unit *u, int *fd)
{
	const struct pf_index_entry *ie = u->entry;
	struct pf_fetch_job job = {
		.series = u->series, .arch = t->arch, .rel = ie->package,
		.size = ie->package_size, .dirfd = cache_fd, .name = pf_fetch_unit_pak_name(u),
		.partial_fd = -1, .unit = u->id,
	};
	int r = -1;

	if (u->pak_fd >= 0) {
		/* Verified in the cache when its manifest was read there. */
		*fd = u->pak_fd;
		return 0;
	}
	if (!f)
		return -1; /* the downloader could not be made: the error is set */
	memcpy(job.sha, ie->package_sha256, sizeof(job.sha));
	job.partial_fd = pf_fetch_unit_partial_dir(ctx, cache_fd);
	if (job.partial_fd < 0 || pf_fetch_files(f, &job, 1) < 0)
		goto out;
	if (job.result < 0) {
		pf_fail(ctx, job.cls, "%s", job.error);
		goto out;
	}
	*fd = openat(cache_fd, job.name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "cache %s", job.name);
		goto out;
	}
	r = 0;
out:
	if (job.partial_fd >= 0)
		close(job.partial_fd);
	return r;
}
