/* tests/lib/vfat-shim.c: an LD_PRELOAD library for tests/e2e/space-fs.sh,
 * built by the test (cc -shared), never part of pakfire.
 *
 * A kernel without vfat (CONFIG_VFAT_FS unset, as on the test machines)
 * cannot mount the FAT image of the vfat check, and fusefat, which can,
 * takes a fifth of a second a file. The check then writes the image with
 * mtools and lets pakfire plan against it through this library: it adds
 * a mount of type "vfat" on MOUNTPOINT to /proc/self/mountinfo (device
 * 0:4095; files shown 0644, folders 0755, as mounted with fmask=0133,
 * dmask=0022) and answers statvfs there as the kernel's vfat answers for that
 * image: f_bsize = f_frsize = the cluster size, f_blocks its clusters,
 * f_bfree = f_bavail the free ones, no inode count (f_files = 0). Paths
 * below MOUNTPOINT stay what they are on the file system that holds them
 * (an empty folder: the plan finds nothing there). Nothing else changes.
 *
 *	PF_FAKE_VFAT=MOUNTPOINT:CLUSTER_BYTES:CLUSTERS:FREE_CLUSTERS \
 *	LD_PRELOAD=.../vfat-shim.so pakfire ...
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define MOUNTINFO "/proc/self/mountinfo"

struct fake {
	char point[4096];
	unsigned long cluster, clusters, free;
};

/* The fake mount, from PF_FAKE_VFAT. */
static int fake(struct fake *f)
{
	const char *v = getenv("PF_FAKE_VFAT");
	const char *colon = v ? strchr(v, ':') : NULL;

	if (!colon || (size_t)(colon - v) >= sizeof(f->point))
		return 0;
	memcpy(f->point, v, (size_t)(colon - v));
	f->point[colon - v] = '\0';
	return sscanf(colon + 1, "%lu:%lu:%lu", &f->cluster, &f->clusters, &f->free) == 3 &&
	       f->cluster > 0;
}

/* mountinfo with the fake mount last (it hides what is below it), in a
 * memfd. */
static int mountinfo(int (*real)(int, const char *, int, ...))
{
	char buf[1 << 16];
	size_t n = 0;
	ssize_t r;
	struct fake f;
	int fd = real(AT_FDCWD, MOUNTINFO, O_RDONLY | O_CLOEXEC), mfd;

	if (fd < 0)
		return -1;
	while (n < sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	if (fake(&f))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				      "4095 1 0:4095 / %s rw,relatime - vfat pakfire-test-fat rw,fmask=0133,dmask=0022\n",
				      f.point);
	mfd = memfd_create("mountinfo", MFD_CLOEXEC);
	if (mfd < 0 || write(mfd, buf, n) != (ssize_t)n || lseek(mfd, 0, SEEK_SET) < 0) {
		if (mfd >= 0)
			close(mfd);
		return -1;
	}
	return mfd;
}

static int do_openat(const char *sym, int dirfd, const char *path, int flags, mode_t mode)
{
	int (*real)(int, const char *, int, ...) =
		(int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, sym);

	if (path && !strcmp(path, MOUNTINFO))
		return mountinfo(real);
	return real(dirfd, path, flags, mode);
}

#define MODE_ARG(flags, mode)                                   \
	do {                                                    \
		if ((flags) & (O_CREAT | O_TMPFILE)) {          \
			va_list ap;                             \
			va_start(ap, flags);                    \
			mode = va_arg(ap, mode_t);              \
			va_end(ap);                             \
		}                                               \
	} while (0)

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return do_openat("openat", dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return do_openat("openat64", dirfd, path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return do_openat("openat", AT_FDCWD, path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return do_openat("openat64", AT_FDCWD, path, flags, mode);
}

/* TYPE is struct statvfs or struct statvfs64 (pakfire, built with
 * _FILE_OFFSET_BITS=64, calls statvfs64). */
#define FAKE_STATVFS(type)                                                             \
	int type(const char *path, struct type *b)                                     \
	{                                                                              \
		int (*real)(const char *, struct type *) =                             \
			(int (*)(const char *, struct type *))dlsym(RTLD_NEXT, #type); \
		struct fake f;                                                         \
		size_t n;                                                              \
		int r = real(path, b);                                                 \
                                                                                       \
		if (r < 0 || !fake(&f))                                                \
			return r;                                                      \
		n = strlen(f.point);                                                   \
		if (strncmp(path, f.point, n) || (path[n] != '/' && path[n]))          \
			return r;                                                      \
		b->f_bsize = b->f_frsize = f.cluster;                                  \
		b->f_blocks = f.clusters;                                              \
		b->f_bfree = b->f_bavail = f.free;                                     \
		b->f_files = b->f_ffree = b->f_favail = 0;                             \
		b->f_flag = 0;                                                         \
		return r;                                                              \
	}

FAKE_STATVFS(statvfs)
FAKE_STATVFS(statvfs64)
