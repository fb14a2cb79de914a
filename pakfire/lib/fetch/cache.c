/* The download cache: a file is there when its size and SHA-256 are the
 * signed ones, and a download lands in it only once it has proved to be
 * (a partial file, checked, renamed: partial.c). See fetch.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/hash.h"
#include "fetch/fetch.h"

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
