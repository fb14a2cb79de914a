/* Inside the verdicts (verdict.c, verdict-load.c, verdict-walk.c): what
 * the rows of one plan share, and the bounded look at one file system for
 * what its owner may delete. Not for use elsewhere. */
#ifndef PF_VERDICT_PARTS_H
#define PF_VERDICT_PARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "plan/verdict.h"

struct pf_ctx;
struct pf_strmap;

/* No unit, no file system. */
#define PF_JUDGE_NONE ((size_t)-1)

enum pf_owned_kind { PF_OWNED_FILE, PF_OWNED_DIR, PF_OWNED_SYMLINK };

/* An owned path: what the database says, and the plan's file system that
 * holds it (PF_JUDGE_NONE: one the plan does not touch). */
struct pf_owned_path {
	char *path;
	enum pf_owned_kind kind;
	uint64_t size;         /* a file's size, a symlink's target length */
	size_t fs;
};

/* A path the pending units name: the first (in chain order: IN, then
 * LATER) that writes it, and the first that removes it; PF_JUDGE_NONE when none. */
struct pf_named {
	size_t write, remove;
};

/* The rows' shared state (verdict-load.c). */
struct pf_judge {
	struct pf_ctx *ctx;
	const struct pf_verdict_env *env;
	const struct pf_plan *p;
	bool loaded;
	struct pf_strmap *owned_map;   /* path -> index + 1 into owned */
	struct pf_owned_path *owned;
	size_t n_owned, cap_owned;
	struct pf_strmap *named_map;   /* path -> index + 1 into named */
	struct pf_named *named;
	size_t n_named, cap_named;
	char (*kernels)[65];           /* releases of the kernels kept: owned, or */
	size_t n_kernels, cap_kernels; /*   written by a pending update */
	char release[65];              /* the running kernel, "" with --root */
	char never[3][4096];           /* pakfire's folders, relative to the root */
};

/* Unit G in chain order: J->env->in, then J->env->later. */
const struct pf_plan_input *pf_judge_unit(const struct pf_judge *j, size_t g);
/* Read what the rows share, once (J->loaded); -1 after pf_fail. */
int pf_judge_load(struct pf_judge *j);
/* PATH as the file system sees it (symlinks of the root resolved, as the
 * walk spells what it finds) into OUT; "" when it is the root itself. */
int pf_judge_resolved(struct pf_judge *j, const char *path, char *out, size_t size);
/* What the pending units do to PATH, or NULL when they do not name it. */
const struct pf_named *pf_judge_named(const struct pf_judge *j, const char *path);
void pf_judge_clear(struct pf_judge *j);

#define PF_WALK_ENTRIES PF_VERDICT_WALK_ENTRIES
#define PF_WALK_DEPTH PF_VERDICT_WALK_DEPTH

struct pf_walk {
	struct pf_ctx *ctx;
	dev_t dev;                       /* the file system looked at */
	const struct pf_strmap *owned;   /* paths the database owns */
	const struct pf_strmap *named;   /* paths a pending update writes or removes */
	const char *release;             /* the running kernel, or NULL */
	const char (*kernels)[65];       /* the kernels kept (pf_judge) */
	size_t n_kernels;
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
