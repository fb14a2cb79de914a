/* The original of a replaced path, kept until the commit point: see keep.h.
 *
 * A hard link costs nothing and appears in one step, so the backup name
 * always holds the whole original. A file system without hard links (vfat,
 * the EFI system partition: linkat fails with EPERM) gets a copy under the
 * same name instead. A copy appears byte by byte, which is safe because of
 * the order of things: the copy is written, fsync'd, and its folder
 * fsync'd, while the journal says "staging"; a run killed then is rolled
 * back by deleting temporaries and backups (a half-made copy among them),
 * never by renaming a backup. Only once every copy is whole and on disk does
 * the journal say "committing", from which on a backup may be renamed back
 * over its target. So recovery treats a copy exactly as a link, and the
 * journal needs nothing new. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "apply/keep.h"
#include "apply/stage.h"
#include "base/context.h"
#include "format/manifest.h"

bool pf_keep_on_vfat(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && sf.f_type == MSDOS_SUPER_MAGIC;
}

/* The errors of a file system that cannot make this hard link, while a
 * copy can still keep the original (vfat and its FUSE drivers: EPERM). */
static bool no_links(int err)
{
	return err == EPERM || err == EOPNOTSUPP || err == ENOSYS || err == EMLINK;
}

/* What a copy cannot carry over on a file system that has no owners, modes
 * or settable times (vfat presents its mount's; a FUSE driver may answer
 * ENOSYS): the copy keeps the bytes, which is what the rollback restores. */
static bool not_held(int err)
{
	return err == EPERM || err == EOPNOTSUPP || err == ENOSYS;
}

static int copy_fail(struct stage *st, const struct pf_entry *e, const char *bak)
{
	int err = errno;

	errno = err;
	return pf_fail_errno(st->ctx, err == ENOSPC || err == EDQUOT ? PF_E_SPACE : PF_E_OTHER,
			     "%s: cannot keep a copy of the original of %s/%s as %s", st->label,
			     pf_ctx_root_prefix(st->ctx), e->path, bak);
}

static int copy_symlink(struct stage *st, int pfd, const char *base, const char *bak,
			const struct pf_entry *e)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(pfd, base, target, sizeof(target) - 1);
	int rc;

	if (n < 0)
		return copy_fail(st, e, bak);
	target[n] = '\0';
	rc = symlinkat(target, pfd, bak);
	if (rc < 0 && errno == EEXIST && unlinkat(pfd, bak, 0) == 0)
		rc = symlinkat(target, pfd, bak); /* left by an interrupted run */
	return rc < 0 || fsync(pfd) < 0 ? copy_fail(st, e, bak) : 0;
}

/* BAK as a copy of the regular file BASE (SB its lstat), on disk before
 * this returns: the data and the name (fsync of the file, then of the
 * folder; on vfat only fsync also flushes the device's write cache). */
static int copy_file(struct stage *st, int pfd, const char *base, const char *bak,
		     const struct stat *sb, const struct pf_entry *e)
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	const struct timespec times[2] = { sb->st_atim, sb->st_mtim };
	int in = openat(pfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1, r = -1;

	if (in < 0)
		return copy_fail(st, e, bak);
	out = openat(pfd, bak, flags, 0600);
	if (out < 0 && errno == EEXIST && unlinkat(pfd, bak, 0) == 0)
		out = openat(pfd, bak, flags, 0600); /* left by an interrupted run */
	if (out < 0)
		goto fail;
	for (;;) {
		ssize_t n = read(in, st->buf, IO_BUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n > 0 && pf_stage_write_all(out, st->buf, (size_t)n) < 0))
			goto fail;
		if (n == 0)
			break;
	}
	/* chown first: it clears set-user-ID bits that fchmod then sets. */
	if ((st->as_root && fchown(out, sb->st_uid, sb->st_gid) < 0 && !not_held(errno)) ||
	    (fchmod(out, sb->st_mode & 07777) < 0 && !not_held(errno)) ||
	    (futimens(out, times) < 0 && !not_held(errno)) ||
	    fsync(out) < 0)
		goto fail;
	r = close(out);
	out = -1;
	if (r < 0 || fsync(pfd) < 0)
		goto fail;
	close(in);
	return 0;
fail:
	r = copy_fail(st, e, bak);
	if (out >= 0)
		close(out);
	close(in);
	return r;
}

int pf_keep_original(struct stage *st, int pfd, const char *base, const struct pf_entry *e,
		     size_t idx)
{
	char bak[PF_NAME_MAX];
	struct stat sb;
	int rc = -1;

	if (fstatat(pfd, base, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return pf_fail_errno(st->ctx, PF_E_OTHER, "%s", e->path);
		st->fresh[idx] = '1';
		return 0;
	}
	if (S_ISDIR(sb.st_mode))
		return pf_fail(st->ctx, PF_E_OTHER,
			       "%s: %s/%s is a directory, but the update installs a %s there",
			       st->label, pf_ctx_root_prefix(st->ctx), e->path,
			       pf_entry_type_name(e->type));
	pf_backup_name(bak, st->u->id, idx);
	st->fresh[idx] = '0';
	if (!st->parent_vfat) {
		rc = linkat(pfd, base, pfd, bak, 0);
		if (rc < 0 && errno == EEXIST && unlinkat(pfd, bak, 0) == 0)
			rc = linkat(pfd, base, pfd, bak, 0); /* left by an interrupted run */
		if (rc == 0)
			return 0;
		if (!no_links(errno))
			return pf_fail_errno(st->ctx, errno == ENOSPC ? PF_E_SPACE : PF_E_OTHER,
					     "%s: cannot keep the original of %s/%s as %s", st->label,
					     pf_ctx_root_prefix(st->ctx), e->path, bak);
	}
	if (S_ISLNK(sb.st_mode))
		return copy_symlink(st, pfd, base, bak, e);
	if (!S_ISREG(sb.st_mode))
		return pf_fail(st->ctx, PF_E_OTHER,
			       "%s: %s/%s is neither a file nor a symlink, and its file system has"
			       " no hard links to keep it by until the update commits", st->label,
			       pf_ctx_root_prefix(st->ctx), e->path);
	return copy_file(st, pfd, base, bak, &sb, e);
}
