/* Kept manifests: see kept.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/context.h"
#include "base/hash.h"
#include "base/path.h"
#include "fetch/kept.h"
#include "format/index.h"
#include "resolve/transaction.h"

#define KEPT_SUFFIX ".manifest"

/* The folder of the kept manifests of SERIES/ARCH, relative to the root
 * (CACHE: the configured cache folder, absolute). */
static int kept_dir(struct pf_ctx *ctx, const char *cache, const char *series, const char *arch,
		    char *out, size_t size)
{
	int n = snprintf(out, size, "%s/%s/%s/manifests", cache + 1, series, arch);

	return n < 0 || (size_t)n >= size ? pf_fail(ctx, PF_E_USAGE, "cache path too long") : 0;
}

/* U's file name in the folder: "core-141.manifest". */
static void kept_name(const struct pf_unit *u, char out[PF_UNIT_ID_MAX + 16])
{
	snprintf(out, PF_UNIT_ID_MAX + 16, "%s" KEPT_SUFFIX, u->id);
}

/* The folder, opened inside the root (made first with CREATE): *FD, or -1
 * when it does not exist. -1 with the error set on any other failure. */
static int open_dir(struct pf_ctx *ctx, const char *cache, const char *series, const char *arch,
		    bool create, int *fd)
{
	char dir[4096];

	*fd = -1;
	if (kept_dir(ctx, cache, series, arch, dir, sizeof(dir)) < 0 ||
	    (create && pf_root_mkdirs(ctx, dir) < 0))
		return -1;
	*fd = pf_root_open(ctx, dir, O_RDONLY | O_DIRECTORY, 0);
	if (*fd < 0 && errno != ENOENT)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(ctx), dir);
	return 0;
}

int pf_kept_read(struct pf_ctx *ctx, const char *cache, const char *arch, const struct pf_unit *u,
		 char **buf, size_t *len)
{
	const struct pf_index_entry *ie = u->entry;
	char name[PF_UNIT_ID_MAX + 16];
	int dfd, r, e;

	*buf = NULL;
	*len = 0;
	kept_name(u, name);
	if (open_dir(ctx, cache, u->series, arch, false, &dfd) < 0) {
		/* A folder that cannot be opened holds no kept manifest. */
		pf_debug(ctx, "kept manifest %s: %s: treated as missing", name,
			 pf_error_message(ctx));
		pf_clear_error(ctx);
		return 0;
	}
	if (dfd < 0)
		return 0;
	/* At most the signed size: a longer file is not the manifest. */
	r = pf_read_file_at(dfd, name, ie->manifest_size, buf, len);
	e = errno;
	close(dfd);
	if (r < 0) {
		if (e == ENOMEM)
			return pf_fail(ctx, PF_E_OTHER, "out of memory");
		if (e != ENOENT)
			pf_debug(ctx, "kept manifest %s: %s: treated as missing", name, strerror(e));
		return 0;
	}
	if (!pf_sha256_matches(*buf, *len, ie->manifest_size, ie->manifest_sha256)) {
		pf_debug(ctx, "kept manifest %s: not the size and SHA-256 the signed index gives"
			 " for %s: treated as missing", name, ie->manifest);
		free(*buf);
		*buf = NULL;
		*len = 0;
		return 0;
	}
	return 1;
}

int pf_kept_matches(struct pf_ctx *ctx, const char *cache, const char *arch,
		    const struct pf_unit *u)
{
	char *buf;
	size_t len;
	int got = pf_kept_read(ctx, cache, arch, u, &buf, &len);

	free(buf);
	return got;
}

int pf_kept_store(struct pf_ctx *ctx, const char *cache, const char *arch, const struct pf_unit *u)
{
	char name[PF_UNIT_ID_MAX + 16], tmp[PF_UNIT_ID_MAX + 48];
	size_t done = 0;
	int dfd, fd = -1, r = -1;

	kept_name(u, name);
	/* Of this process: a dry run may keep the same manifest meanwhile. */
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", name, (long)getpid());
	if (open_dir(ctx, cache, u->series, arch, true, &dfd) < 0)
		return -1;
	if (dfd < 0) /* made a moment ago, gone already */
		return pf_fail_errno(ctx, PF_E_OTHER, "the folder of kept manifests");
	/* A new file, never one found at that name (a hard link planted
	 * there would be written through). */
	if (unlinkat(dfd, tmp, 0) < 0 && errno != ENOENT) {
		pf_fail_errno(ctx, PF_E_OTHER, "kept manifest %s", tmp);
		goto out;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "kept manifest %s", tmp);
		goto out;
	}
	while (done < u->manifest_len) {
		ssize_t w = write(fd, u->manifest + done, u->manifest_len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			pf_fail_errno(ctx, errno == ENOSPC ? PF_E_SPACE : PF_E_OTHER,
				      "kept manifest %s", tmp);
			goto out;
		}
		done += (size_t)w;
	}
	if (close(fd) < 0) {
		fd = -1;
		pf_fail_errno(ctx, PF_E_OTHER, "kept manifest %s", tmp);
		goto out;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, name) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "kept manifest %s", name);
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (r < 0)
		unlinkat(dfd, tmp, 0);
	close(dfd);
	return r;
}

int pf_kept_drop(struct pf_ctx *ctx, const char *cache, const char *arch, const struct pf_unit *u)
{
	char name[PF_UNIT_ID_MAX + 16];
	int dfd, r = 0;

	if (open_dir(ctx, cache, u->series, arch, false, &dfd) < 0)
		return -1;
	if (dfd < 0)
		return 0;
	kept_name(u, name);
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		r = pf_fail_errno(ctx, PF_E_OTHER, "kept manifest %s", name);
	close(dfd);
	return r;
}

static bool is_kept(const char *name, const struct pf_unit *units, size_t n)
{
	char want[PF_UNIT_ID_MAX + 16];

	for (size_t i = 0; i < n; i++) {
		kept_name(&units[i], want);
		if (!strcmp(name, want))
			return true;
	}
	return false;
}

int pf_kept_prune(struct pf_ctx *ctx, const char *cache, const char *series, const char *arch,
		  const struct pf_unit *units, size_t n)
{
	struct dirent *de;
	DIR *d;
	int dfd, r = 0;

	if (open_dir(ctx, cache, series, arch, false, &dfd) < 0)
		return -1;
	if (dfd < 0)
		return 0;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return pf_fail_errno(ctx, PF_E_OTHER, "the folder of kept manifests");
	}
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    is_kept(de->d_name, units, n))
			continue;
		/* Only files are ever written here; anything else stays. */
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT && errno != EISDIR) {
			r = pf_fail_errno(ctx, PF_E_OTHER, "kept manifest %s", de->d_name);
			break;
		}
	}
	if (r == 0 && errno)
		r = pf_fail_errno(ctx, PF_E_OTHER, "the folder of kept manifests");
	closedir(d);
	return r;
}
