/* The set of file systems to syncfs: see fsset.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "apply/fsset.h"
#include "apply/keep.h"

int pf_fsset_add(struct pf_ctx *ctx, struct pf_fsset *s, int fd)
{
	struct stat sb;
	int dfd;

	if (fstat(fd, &sb) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "fstat");
	for (size_t i = 0; i < s->n; i++)
		if (s->fs[i].dev == sb.st_dev)
			return 0;
	if (s->n == PF_FSSET_MAX)
		return pf_fail(ctx, PF_E_OTHER, "an update spanning more than %d file systems",
			       PF_FSSET_MAX);
	/* syncfs refuses O_PATH fds: open the directory itself (or, for a
	 * file's fd, reuse it as it is). */
	if (S_ISDIR(sb.st_mode))
		dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else
		dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dfd < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "open for syncfs");
	s->fs[s->n].dev = sb.st_dev;
	s->fs[s->n].flush = pf_keep_on_vfat(dfd);
	s->fs[s->n++].fd = dfd;
	return 0;
}

int pf_fsset_sync(struct pf_ctx *ctx, struct pf_fsset *s, const char *what)
{
	/* vfat has no sync_fs: syncfs writes its data, FAT and folders out but
	 * leaves them in the device's write cache; its fsync (of any file or
	 * folder) ends with a cache flush. */
	for (size_t i = 0; i < s->n; i++)
		if (syncfs(s->fs[i].fd) < 0 || (s->fs[i].flush && fsync(s->fs[i].fd) < 0))
			return pf_fail_errno(ctx, errno == ENOSPC ? PF_E_SPACE : PF_E_OTHER,
					     "%s: syncing to disk failed", what);
	return 0;
}

void pf_fsset_clear(struct pf_fsset *s)
{
	for (size_t i = 0; i < s->n; i++)
		close(s->fs[i].fd);
	s->n = 0;
}
