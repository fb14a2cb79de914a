/* The lock: see lock.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "ops/lock.h"
#include "base/path.h"

#define STATE_DIR "var/lib/pakfire"
#define LOCK_NAME "lock"

/* The pid the holder wrote, for the message; 0 if unknown. */
static long holder(int dfd)
{
	char *buf = NULL;
	long pid = 0;

	if (pf_read_file_at(dfd, LOCK_NAME, 64, &buf, NULL) == 0)
		pid = strtol(buf, NULL, 10);
	free(buf);
	return pid;
}

int pf_lock_adopt(struct pf_ctx *ctx, int fd, int *lock_fd)
{
	struct stat held, lock;
	int dfd, flags;
	bool ours;

	if (fd < 0 || (flags = fcntl(fd, F_GETFD)) < 0)
		return 0;
	dfd = pf_root_open(ctx, STATE_DIR, O_PATH | O_DIRECTORY, 0);
	ours = dfd >= 0 && fstat(fd, &held) == 0 &&
	       fstatat(dfd, LOCK_NAME, &lock, AT_SYMLINK_NOFOLLOW) == 0 &&
	       held.st_dev == lock.st_dev && held.st_ino == lock.st_ino &&
	       fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == 0 &&
	       /* the same open file: held already, so this cannot wait */
	       flock(fd, LOCK_EX | LOCK_NB) == 0;
	if (dfd >= 0)
		close(dfd);
	if (!ours) {
		close(fd);
		return 0;
	}
	*lock_fd = fd;
	return 1;
}

int pf_lock(struct pf_ctx *ctx, int *lock_fd)
{
	char pid[32];
	int dfd = -1, fd = -1, r = -1, n;

	if (pf_root_mkdirs(ctx, STATE_DIR) < 0)
		return -1;
	dfd = pf_root_open(ctx, STATE_DIR, O_PATH | O_DIRECTORY, 0);
	if (dfd < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(ctx), STATE_DIR);
	fd = openat(dfd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s/%s/%s", pf_ctx_root_prefix(ctx), STATE_DIR, LOCK_NAME);
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			long p = holder(dfd);

			if (p > 0)
				pf_fail(ctx, PF_E_LOCKED, "another pakfire (pid %ld) is working on %s;"
					" try again when it has finished", p, ctx->root);
			else
				pf_fail(ctx, PF_E_LOCKED, "another pakfire is working on %s;"
					" try again when it has finished", ctx->root);
		} else {
			pf_fail_errno(ctx, PF_E_OTHER, "lock %s/%s", STATE_DIR, LOCK_NAME);
		}
		goto out;
	}
	/* Ours: say who holds it (for the message of the next one). */
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		pf_fail_errno(ctx, PF_E_OTHER, "lock %s/%s", STATE_DIR, LOCK_NAME);
		goto out;
	}
	*lock_fd = fd;
	fd = -1;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return r;
}
