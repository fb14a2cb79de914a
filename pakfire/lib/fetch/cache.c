/* The download cache: a file is there when its size and SHA-256 are the
 * signed ones, and a download lands in it only once it has proved to be
 * (NAME.part, checked, renamed). See fetch.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/hash.h"
#include "fetch/fetch.h"
#include "fetch/transfer.h"

/* Is NAME below dirfd already the verified file? */
int pf_fetch_cached(struct pf_ctx *ctx, int dirfd, const char *name, uint64_t size,
		    const uint8_t sha[32], int *fd)
{
	uint8_t got[32];
	uint64_t got_size;
	struct stat st;
	int f;

	*fd = -1;
	f = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (f < 0)
		return errno == ENOENT || errno == ELOOP ? 0 :
			pf_fail_errno(ctx, PF_E_OTHER, "cache %s", name);
	if (fstat(f, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != size) {
		close(f);
		return 0;
	}
	if (pf_sha256_fd(ctx, f, name, got, &got_size) < 0) {
		close(f);
		return -1;
	}
	if (got_size != size || memcmp(got, sha, 32) != 0 || lseek(f, 0, SEEK_SET) < 0) {
		close(f);
		return 0;
	}
	*fd = f;
	return 0;
}

int pf_fetch_file(struct pf_fetch *f, const char *url, int dirfd, const char *name,
		  uint64_t size, const uint8_t sha[32])
{
	struct pf_ctx *ctx = f->ctx;
	char *part = NULL;
	uint8_t got[32];
	uint64_t got_size = 0;
	int fd = -1, cached, r = -1;

	if (pf_fetch_cached(ctx, dirfd, name, size, sha, &cached) < 0)
		return -1;
	if (cached >= 0) {
		close(cached);
		pf_debug(ctx, "%s: already downloaded and verified", name);
		return 0;
	}
	if (asprintf(&part, "%s.part", name) < 0) {
		part = NULL;
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	fd = openat(dirfd, part, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "cache %s", part);
		goto out;
	}
	/* The cap is the signed size: a mirror cannot make us store more. */
	if (pf_transfer_fd(f, url, fd, size, size, &got_size, got) < 0 ||
	    pf_check_signed_size_hash(ctx, url, got_size, got, size, sha) < 0)
		goto out;
	if (close(fd) < 0) {
		fd = -1;
		pf_fail_errno(ctx, PF_E_OTHER, "cache %s", part);
		goto out;
	}
	fd = -1;
	if (renameat(dirfd, part, dirfd, name) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "cache %s", name);
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (r < 0 && part)
		unlinkat(dirfd, part, 0);
	free(part);
	return r;
}
