/* What the running pakfire runs from, so that an update replacing it ends
 * its segment and pakfire restarts itself before it goes on
 * (docs/formats.md, "Self-update and re-exec"): a process that goes on
 * with an old binary and a new C library, or loads a new NSS module or
 * libcurl into an old process, is what must never happen mid-upgrade. */
#ifndef PF_OPS_SELF_H
#define PF_OPS_SELF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pf_ctx;
struct pf_manifest;

struct pf_self_file {
	dev_t dev;
	ino_t ino;
};

struct pf_self {
	/* The executable and every file mapped (libraries), by identity:
	 * read before anything changed, so a path that is replaced later
	 * still names the file the process runs from. */
	struct pf_self_file *files;
	size_t n;
	/* The root is the running system ('/'): libraries loaded later
	 * (NSS modules, libcurl, the C library) come from it. */
	bool live_root;
	/* What the process runs from was replaced after it started (a
	 * recovery finished an update of pakfire): it must restart before
	 * it changes anything. STALE names it. */
	char stale[256];
};

/* The path the running pakfire was started from (what a restart runs):
 * /proc/self/exe, resolved. */
int pf_self_exe(struct pf_ctx *ctx, char *buf, size_t size);

/* Read what the process runs from (the context's root decides live_root),
 * and whether any of it was replaced since it was loaded. */
int pf_self_load(struct pf_ctx *ctx, struct pf_self *self);
void pf_self_clear(struct pf_self *self);

/* Whether applying M replaces what the process runs from: a file or
 * symlink entry at a path (under the context's root) that is one of
 * SELF's files, or, on the live root, a library loaded later. WHAT gets
 * the first paths, for the message. */
bool pf_self_replaced_by(struct pf_ctx *ctx, const struct pf_self *self,
			 const struct pf_manifest *m, char *what, size_t size);

#endif
