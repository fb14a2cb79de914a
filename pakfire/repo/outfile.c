/* Atomic output files: see outfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "outfile.h"

/* Published files are read by a web server and rsync, whatever our umask. */
#define OUTFILE_MODE 0644

static void tmp_name(char buf[64], unsigned attempt)
{
	uint64_t rnd = 0;

	/* The name only has to be unlikely to exist; O_EXCL decides. A failed
	 * getrandom leaves rnd 0 and the attempt counter still varies it. */
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
		rnd = 0;
	snprintf(buf, 64, ".pakfire-repo.%ld.%u.%016llx.tmp", (long)getpid(),
		 attempt, (unsigned long long)rnd);
}

int outfile_open(struct pf_ctx *ctx, struct outfile *of, int dirfd,
		 const char *dir, const char *name)
{
	*of = (struct outfile){ .dirfd = dirfd, .dir = dir, .fd = -1 };
	of->name = strdup(name);
	if (!of->name)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", dir, name);
	for (unsigned attempt = 0; attempt < 100; attempt++) {
		tmp_name(of->tmp, attempt);
		of->fd = openat(dirfd, of->tmp,
				O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				OUTFILE_MODE);
		if (of->fd >= 0)
			break;
		if (errno != EEXIST) {
			of->tmp[0] = '\0';
			return pf_fail_errno(ctx, PF_E_OTHER,
					     "%s: cannot create a temporary file", dir);
		}
	}
	if (of->fd < 0) {
		of->tmp[0] = '\0';
		return pf_fail(ctx, PF_E_OTHER,
			       "%s: cannot find a free temporary name", dir);
	}
	if (fchmod(of->fd, OUTFILE_MODE) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", dir, of->tmp);
	return 0;
}

int outfile_write(struct pf_ctx *ctx, struct outfile *of, const void *buf,
		  size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(of->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", of->dir,
					     of->name);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int outfile_finish(struct pf_ctx *ctx, struct outfile *of)
{
	int fd = of->fd;

	of->fd = -1;
	if (fsync(fd) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s/%s: fsync", of->dir, of->name);
		close(fd);
		return -1;
	}
	/* close can report a deferred write error (NFS): it counts. */
	if (close(fd) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s/%s: close", of->dir,
				     of->name);
	return 0;
}

int outfile_rename(struct pf_ctx *ctx, struct outfile *of)
{
	if (renameat(of->dirfd, of->tmp, of->dirfd, of->name) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s/%s: rename", of->dir,
				     of->name);
	of->tmp[0] = '\0';
	return 0;
}

void outfile_discard(struct outfile *of)
{
	if (!of->name)
		return; /* zeroed, or never opened */
	if (of->fd >= 0)
		close(of->fd);
	of->fd = -1;
	/* Best effort: this runs on a failure path whose error is already
	 * recorded, and a stray ".pakfire-repo.*.tmp" is harmless. */
	if (of->tmp[0] != '\0')
		(void)unlinkat(of->dirfd, of->tmp, 0);
	of->tmp[0] = '\0';
	free(of->name);
	of->name = NULL;
}

int outfile_sync_dir(struct pf_ctx *ctx, int dirfd, const char *dir)
{
	if (fsync(dirfd) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s: fsync", dir);
	return 0;
}
