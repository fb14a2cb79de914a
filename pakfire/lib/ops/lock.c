/* The lock: see lock.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/context.h"
#include "ops/lock.h"
#include "base/numbers.h"
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

/* The next blank-separated word of *S (advanced past it), LEN its length. */
static const char *word(const char **s, size_t *len)
{
	const char *w = *s + strspn(*s, " \t");

	*len = strcspn(w, " \t\n");
	*s = w + *len;
	return *len ? w : NULL;
}

/* A hexadecimal device number ("fe", "00") of at most 8 digits. */
static int hex_u32(const char *s, size_t len, unsigned *out)
{
	unsigned v = 0;

	if (len == 0 || len > 8)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int d = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' :
			s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10 : -1;

		if (d < 0)
			return -1;
		v = v * 16 + (unsigned)d;
	}
	*out = v;
	return 0;
}

int pf_locks_parse_line(const char *line, struct pf_locks_entry *e)
{
	const char *w, *c1, *c2;
	size_t len;
	uint64_t v;

	memset(e, 0, sizeof(*e));
	/* "N:" */
	if (!(w = word(&line, &len)) || w[len - 1] != ':')
		return -1;
	if (!(w = word(&line, &len)))
		return -1;
	if (len == 2 && !memcmp(w, "->", 2)) {
		e->waiting = true;
		if (!(w = word(&line, &len)))
			return -1;
	}
	e->flock = len == 5 && !memcmp(w, "FLOCK", 5);
	/* ADVISORY|MANDATORY, then READ|WRITE|UNLCK|... */
	if (!word(&line, &len) || !word(&line, &len) || !(w = word(&line, &len)))
		return -1;
	/* the pid: -1 for a lock without one (OFD) */
	if (len == 2 && !memcmp(w, "-1", 2))
		e->pid = -1;
	else if (pf_parse_u64(w, len, &v) == 0 && v <= INT32_MAX)
		e->pid = (long)v;
	else
		return -1;
	if (!(w = word(&line, &len)) || !(c1 = memchr(w, ':', len)) ||
	    !(c2 = memchr(c1 + 1, ':', (size_t)(w + len - c1 - 1))) ||
	    hex_u32(w, (size_t)(c1 - w), &e->major) < 0 ||
	    hex_u32(c1 + 1, (size_t)(c2 - c1 - 1), &e->minor) < 0 ||
	    pf_parse_u64(c2 + 1, (size_t)(w + len - c2 - 1), &e->ino) < 0)
		return -1;
	return 0;
}

/* Whether E is the lock of FILE held by its owner. Some file systems
 * (btrfs subvolumes, overlayfs) show another device in /proc/locks than
 * stat(2) says: then the inode and the pid the holder wrote must both
 * agree. */
static bool holds(const struct pf_locks_entry *e, const struct stat *file, long written)
{
	if (!e->flock || e->waiting || e->ino != (uint64_t)file->st_ino)
		return false;
	if (e->major == major(file->st_dev) && e->minor == minor(file->st_dev))
		return true;
	return written > 0 && e->pid == written;
}

int pf_lock_holder(struct pf_ctx *ctx, bool *held, long *pid)
{
	struct pf_locks_entry e;
	struct stat st;
	char *line = NULL;
	size_t cap = 0;
	FILE *f = NULL;
	long written;
	int dfd, r = -1;

	*held = false;
	*pid = 0;
	dfd = pf_root_open(ctx, STATE_DIR, O_PATH | O_DIRECTORY, 0);
	if (dfd < 0) {
		if (errno != ENOENT)
			return pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(ctx), STATE_DIR);
		return 1; /* no state folder: nothing ever took the lock */
	}
	if (fstatat(dfd, LOCK_NAME, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = errno == ENOENT ? 1 : pf_fail_errno(ctx, PF_E_OTHER, "%s/%s/%s",
							pf_ctx_root_prefix(ctx), STATE_DIR,
							LOCK_NAME);
		goto out;
	}
	written = holder(dfd);
	f = fopen("/proc/locks", "re");
	if (!f) {
		r = 0;
		goto out;
	}
	while (getline(&line, &cap, f) > 0) {
		if (pf_locks_parse_line(line, &e) == 0 && holds(&e, &st, written)) {
			*held = true;
			*pid = e.pid > 0 ? e.pid : written;
			break;
		}
	}
	r = ferror(f) ? 0 : 1;
	if (r == 0) {
		*held = false;
		*pid = 0;
	}
out:
	if (f)
		fclose(f);
	free(line);
	close(dfd);
	return r;
}
