/* The mount table and free space: which file system a path under the root
 * lives on, and how much room it has. */
#ifndef PF_MOUNTS_H
#define PF_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pf_ctx;

struct pf_mount {
	char *point;        /* host path, unescaped ("/", "/tmp/r/boot") */
	unsigned major;     /* the device: two bind mounts of one file system */
	unsigned minor;     /*   share one major:minor, and so one budget */
	char *fstype;
	char *source;       /* the mount source ("/dev/sda1", "tmpfs"), unescaped */
	char *options;      /* the super options ("rw,fmask=0022,..."), or "" */
	bool readonly;
};

struct pf_mount_table {
	struct pf_mount *mounts; /* in mountinfo order */
	size_t n;
};

/* Parse the text of /proc/self/mountinfo (proc(5)). Malformed lines are
 * PF_E_OTHER naming the line. */
int pf_mounts_parse(struct pf_ctx *ctx, const char *text, size_t len,
		    struct pf_mount_table **out);
int pf_mounts_load(struct pf_ctx *ctx, struct pf_mount_table **out);
void pf_mounts_free(struct pf_mount_table *t);

/* The mount that holds HOST_PATH (absolute, no symlinks): the longest
 * mount point that is a prefix of it at a '/' boundary; of two mounts on one
 * point, the later (it hides the earlier). NULL only for a relative path. */
const struct pf_mount *pf_mounts_find(const struct pf_mount_table *t,
				      const char *host_path);

/* The kinds of file system whose allocation the planner models
 * (plan/fsmodel.c); any other is planned as PF_FS_OTHER (blocks rounded). */
enum pf_fs_kind { PF_FS_OTHER, PF_FS_EXT, PF_FS_TMPFS, PF_FS_VFAT };
enum pf_fs_kind pf_fs_kind_of(const char *fstype);

/* Free space as df shows it: bytes and inodes available to unprivileged
 * users (f_bavail, f_favail), the block size used for rounding; and the
 * file system's size, for telling "full" from "too small". */
struct pf_space {
	enum pf_fs_kind kind;
	uint64_t bsize;
	uint64_t avail;
	uint64_t total;     /* f_blocks * f_frsize: the size df shows */
	uint64_t free;      /* f_bfree * f_frsize: with the blocks reserved for root */
	uint64_t inodes;    /* 0 with inodes_unlimited: btrfs and friends */
	bool inodes_unlimited;
	bool readonly;
};
int pf_space_of(struct pf_ctx *ctx, const struct pf_mount *m, struct pf_space *out);

#endif
