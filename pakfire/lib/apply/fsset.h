/* The file systems an operation wrote to, so that it can make exactly those
 * durable with syncfs(2) instead of sync(2), which would wait for every
 * file system of the machine (and any other writer on it). An update below
 * the root may span several (/boot, /). */
#ifndef PF_FSSET_H
#define PF_FSSET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pf_ctx;

#define PF_FSSET_MAX 16

struct pf_fsset {
	size_t n;
	struct {
		dev_t dev;
		int fd;         /* a directory on it, open for syncfs */
		bool flush;     /* vfat: fsync too, for the device's cache flush */
	} fs[PF_FSSET_MAX];
};

#define PF_FSSET_INIT { 0 }

/* Remember the file system of FD (any fd, O_PATH too). pf_fail on error. */
int pf_fsset_add(struct pf_ctx *ctx, struct pf_fsset *s, int fd);

/* syncfs every remembered file system; pf_fail names WHAT on error. */
int pf_fsset_sync(struct pf_ctx *ctx, struct pf_fsset *s, const char *what);

void pf_fsset_clear(struct pf_fsset *s);

#endif
