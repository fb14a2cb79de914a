/* Partial files: see engine.h and fetch.h (struct pf_fetch_job). A partial
 * is named by the signed SHA-256 it is meant to become, so it can only be
 * resumed toward those bytes, and it lives in a folder of its own that
 * pf_fetch_cached never looks in. It holds a prefix of the file and nothing
 * else: no sidecar to trust. Whatever it holds is hashed again before a
 * resume, and the final check covers every byte, so a partial that a crash
 * or a bad mirror spoilt costs at most one fresh download. One that is
 * already whole and right (it came to its end just as a stop signal did)
 * is taken as it is, without a transfer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/hash.h"
#include "base/path.h"
#include "fetch/engine.h"
#include "fetch/units.h"

/* The prefix of FD (SIZE bytes) into S's hash; the offset left at its end. */
static int take_prefix(struct pf_ctx *ctx, int fd, const char *name, uint64_t size,
		       struct pf_sink *s)
{
	char buf[64 * 1024];
	uint64_t done = 0;

	while (done < size) {
		ssize_t n = read(fd, buf, size - done < sizeof(buf) ? size - done : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pf_fail_errno(ctx, PF_E_OTHER, "cache %s", name);
		if (n == 0)
			break; /* it shrank under us: keep what is there */
		if (s->sha)
			pf_sha256_update(s->sha, buf, (size_t)n);
		done += (uint64_t)n;
	}
	if (done < size && (ftruncate(fd, (off_t)done) < 0 || lseek(fd, (off_t)done, SEEK_SET) < 0))
		return pf_fail_errno(ctx, PF_E_OTHER, "cache %s", name);
	s->got = done;
	s->ev.offset = done;
	return 0;
}

/* Open the resumable partial P->name, or make it: anything there that is
 * not a regular file (a symlink, a folder, a FIFO) is removed first. */
static int open_resumable(struct pf_ctx *ctx, struct pf_part *p)
{
	struct stat st;
	int fd;

	fd = openat(p->dirfd, p->name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		return fd;
	if (fd >= 0)
		close(fd);
	else if (errno != ENOENT && errno != ELOOP && errno != ENXIO && errno != EISDIR)
		return pf_fail_errno(ctx, PF_E_OTHER, "cache %s/%s", PF_FETCH_PARTIAL_DIR, p->name);
	if (pf_rmtree_at(p->dirfd, p->name) < 0 && errno != ENOENT)
		return pf_fail_errno(ctx, PF_E_OTHER, "cache %s/%s", PF_FETCH_PARTIAL_DIR, p->name);
	fd = openat(p->dirfd, p->name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return pf_fail_errno(ctx, errno == ENOSPC ? PF_E_SPACE : PF_E_OTHER, "cache %s/%s",
				     PF_FETCH_PARTIAL_DIR, p->name);
	return fd;
}

int pf_part_open(struct pf_ctx *ctx, struct pf_part *p, const struct pf_fetch_job *job,
		 struct pf_sink *s)
{
	struct stat st;
	char hex[65];
	int n;

	p->fd = -1;
	p->resumable = job->partial_fd >= 0;
	p->dirfd = p->resumable ? job->partial_fd : job->dirfd;
	pf_hex(job->sha, hex);
	n = p->resumable ? snprintf(p->name, sizeof(p->name), "%s.part", hex)
			 : snprintf(p->name, sizeof(p->name), "%s.part", job->name);
	if (n < 0 || (size_t)n >= sizeof(p->name)) {
		p->name[0] = '\0';
		return pf_fail(ctx, PF_E_OTHER, "%s: name too long for the cache", job->name);
	}
	if (!p->resumable) {
		p->fd = openat(p->dirfd, p->name,
			       O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (p->fd < 0)
			return pf_fail_errno(ctx, errno == ENOSPC ? PF_E_SPACE : PF_E_OTHER,
					     "cache %s", p->name);
		s->fd = p->fd;
		return 0;
	}
	p->fd = open_resumable(ctx, p);
	if (p->fd < 0)
		return -1;
	s->fd = p->fd;
	if (fstat(p->fd, &st) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "cache %s/%s", PF_FETCH_PARTIAL_DIR, p->name);
	/* As long as the file or longer: it cannot be a prefix of it. */
	if ((uint64_t)st.st_size >= job->size) {
		if (ftruncate(p->fd, 0) < 0)
			return pf_fail_errno(ctx, PF_E_OTHER, "cache %s/%s", PF_FETCH_PARTIAL_DIR, p->name);
		return 0;
	}
	return take_prefix(ctx, p->fd, p->name, (uint64_t)st.st_size, s);
}

int pf_part_commit(struct pf_ctx *ctx, struct pf_part *p, const struct pf_fetch_job *job)
{
	int fd = p->fd, r;

	p->fd = -1;
	r = fsync(fd);
	if (close(fd) < 0)
		r = -1;
	if (r < 0)
		return pf_fail_errno(ctx, errno == ENOSPC ? PF_E_SPACE : PF_E_OTHER, "cache %s",
				     p->name);
	if (renameat(p->dirfd, p->name, job->dirfd, job->name) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "cache %s", job->name);
	p->name[0] = '\0';
	/* The new name survives a crash only once its folder is on disk. */
	if (fsync(job->dirfd) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "cache folder of %s", job->name);
	return 0;
}

int pf_part_take_whole(struct pf_ctx *ctx, const struct pf_fetch_job *job, bool *taken)
{
	struct stat st;
	uint8_t sum[32];
	uint64_t size;
	char name[NAME_MAX + 1], hex[65];
	int fd, r = -1;

	*taken = false;
	if (job->partial_fd < 0 || job->dirfd < 0)
		return 0;
	pf_hex(job->sha, hex);
	snprintf(name, sizeof(name), "%s.part", hex);
	fd = openat(job->partial_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0; /* none (or no file: pf_part_open replaces it) */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != job->size) {
		r = 0;
		goto out;
	}
	if (pf_sha256_fd(ctx, fd, name, sum, &size) < 0)
		goto out;
	r = 0;
	if (size != job->size || memcmp(sum, job->sha, sizeof(sum)) != 0)
		goto out; /* other bytes: pf_part_open starts it again */
	/* Written by an earlier run that may have died before its fsync. */
	if (fsync(fd) < 0 || renameat(job->partial_fd, name, job->dirfd, job->name) < 0 ||
	    fsync(job->dirfd) < 0) {
		r = pf_fail_errno(ctx, PF_E_OTHER, "cache %s", job->name);
		goto out;
	}
	*taken = true;
out:
	close(fd);
	return r;
}

void pf_part_close(struct pf_part *p, bool keep)
{
	struct stat st;

	/* An empty partial is worth nothing: no clutter for a mirror that
	 * never answered. */
	if (p->fd >= 0 && (fstat(p->fd, &st) < 0 || st.st_size == 0))
		keep = false;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	if (p->name[0] && !(keep && p->resumable))
		unlinkat(p->dirfd, p->name, 0);
	p->name[0] = '\0';
}
