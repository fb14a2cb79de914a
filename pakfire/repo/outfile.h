/* Publishing a file atomically: write it under a temporary name in its final
 * directory (O_EXCL, so nothing that exists is ever overwritten or followed),
 * fsync it, then rename it over the final name. A build or publish that
 * fails half-way leaves the old file or none, never a half one.
 *
 * Committing is two steps so that a command can finish writing all of its
 * files before it renames any of them (outfile_finish, then outfile_rename
 * in the order that keeps the repository consistent for a mirror). */
#ifndef PF_REPO_OUTFILE_H
#define PF_REPO_OUTFILE_H

#include <stddef.h>

struct pf_ctx;

struct outfile {
	int dirfd;         /* borrowed: the final directory */
	const char *dir;   /* borrowed: its name, for messages */
	char *name;        /* final name inside dir */
	char tmp[64];      /* temporary name inside dir, "" when none */
	int fd;            /* open while writing, else -1 */
};

/* Create a temporary file for NAME in DIRFD (mode 0644). */
int outfile_open(struct pf_ctx *ctx, struct outfile *of, int dirfd,
		 const char *dir, const char *name);

/* Write all of buf (retrying short writes). */
int outfile_write(struct pf_ctx *ctx, struct outfile *of, const void *buf,
		  size_t len);

/* fsync and close; the file is complete under its temporary name. */
int outfile_finish(struct pf_ctx *ctx, struct outfile *of);

/* Rename the finished file over its final name. */
int outfile_rename(struct pf_ctx *ctx, struct outfile *of);

/* Close and remove whatever is left under the temporary name; frees the
 * name. Safe to call on a zeroed, opened, finished or renamed outfile. */
void outfile_discard(struct outfile *of);

/* fsync the directory, so that renames survive a crash. */
int outfile_sync_dir(struct pf_ctx *ctx, int dirfd, const char *dir);

#endif
