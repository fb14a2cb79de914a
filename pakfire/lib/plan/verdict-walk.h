/* Inside the verdicts (verdict.c, verdict-walk.c): the bounded look at one
 * file system for what its owner may delete. Not for use elsewhere. */
#ifndef PF_VERDICT_WALK_H
#define PF_VERDICT_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "plan/verdict.h"

struct pf_ctx;
struct pf_strmap;

#define PF_WALK_ENTRIES PF_VERDICT_WALK_ENTRIES
#define PF_WALK_DEPTH PF_VERDICT_WALK_DEPTH

struct pf_walk {
	struct pf_ctx *ctx;
	dev_t dev;                       /* the file system looked at */
	const struct pf_strmap *owned;   /* paths the database owns */
	const struct pf_strmap *named;   /* paths a pending update writes or removes */
	const char *release;             /* the running kernel, or NULL */
	const char *never[4];            /* pakfire's folders, relative to the root */
	size_t budget;                   /* entries left */
	bool bounded;                    /* the budget or the depth ran out */
	struct pf_strmap *seen;          /* folders looked at ("dev:ino") */
	/* what was found */
	struct pf_freeable top[PF_VERDICT_LISTED]; /* largest first */
	size_t n_top;
	uint64_t bytes, files;
	size_t found;
};

int pf_walk_init(struct pf_walk *w, struct pf_ctx *ctx, dev_t dev);
void pf_walk_clear(struct pf_walk *w);

/* Unowned regular files below REL (a folder relative to the root, resolved
 * inside it), each counted and the largest kept; with RECURSIVE, the
 * folders below too (never following a symlink, never into another file
 * system). A folder not on W's file system, or missing, is no error. */
int pf_walk_tree(struct pf_walk *w, const char *rel, bool recursive);

/* Each folder below REL (lib/modules) as one item when nothing in it is
 * owned or named by an update, else its files one by one. */
int pf_walk_folders(struct pf_walk *w, const char *rel);

/* The bytes and files below REL (the download cache), everything counted,
 * on W's file system only; *HERE: REL is on it. */
int pf_walk_sum(struct pf_walk *w, const char *rel, bool *here, uint64_t *bytes,
		uint64_t *files);

#endif
