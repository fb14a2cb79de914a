/* The verdict on a mount that an update does not fit (docs/space.md,
 * "Verdicts"): whether the owner can make room (and with what), whether a
 * cleanup update pakfire can apply first makes it, or whether the
 * partition can never hold the update. Computed from the plan, the
 * database's owned files and a bounded look at the disk; read-only and
 * without the lock, so that `status` can ask too. */
#ifndef PF_VERDICT_H
#define PF_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"

struct pf_ctx;
struct pf_db;
struct pf_index;
struct pf_space_check;

enum pf_verdict_kind {
	PF_VERDICT_FITS,           /* nothing to do (the row fits, or only
				    * its being read-only stops it) */
	PF_VERDICT_AFTER_FREEING,  /* the shortfall is at most what the owner can free */
	PF_VERDICT_AFTER_CLEANUP,  /* a cleanup update pakfire can apply first frees enough */
	PF_VERDICT_NEVER,          /* the partition can never hold it (or not in place) */
};

/* "fits", "fits-after-freeing", "fits-after-cleanup", "never-fits": the
 * words of the JSON document and the database. */
const char *pf_verdict_name(enum pf_verdict_kind k);

enum pf_freeable_kind {
	PF_FREEABLE_CACHE,    /* the download cache: `pakfire clean` */
	PF_FREEABLE_UNOWNED,  /* a file (or a folder of them) no update or add-on owns */
	PF_FREEABLE_CLEANUP,  /* a pending cleanup update's removals there */
};

/* "cache", "unowned", "cleanup". */
const char *pf_freeable_kind_name(enum pf_freeable_kind k);

struct pf_freeable {
	/* Unowned: relative to the root ("boot/vmlinuz-5.15.0"); the cache:
	 * the folder as configured ("/var/cache/pakfire"); a cleanup: its
	 * label ("core 142"). */
	char *path;
	uint64_t bytes;        /* what deleting it frees (blocks, not sizes) */
	uint64_t files;        /* and the inodes */
	enum pf_freeable_kind kind;
	bool folder;           /* unowned: a whole folder (lib/modules/RELEASE) */
	unsigned core;         /* cleanup: its number */
	bool first;            /* cleanup: pakfire can apply it before the
				* refused update (`pakfire upgrade --to N`);
				* else it comes after it, and is told only */
};

/* Unowned files listed at most (the total counts them all). */
#define PF_VERDICT_LISTED 10
/* How far the look at the disk goes on one file system: entries read
 * (files and folders) and folders deep. Beyond, nothing is counted, and
 * the verdict says so (bounded). */
#define PF_VERDICT_WALK_ENTRIES 50000
#define PF_VERDICT_WALK_DEPTH 24

struct pf_verdict {
	enum pf_verdict_kind kind;
	bool in_place;         /* never: the partition is big enough, but not
				* beside what stays there (even with every
				* freeable byte freed) */
	/* The row's own figures (bytes). */
	uint64_t shortfall;    /* needed + reserve - available, 0 when none */
	uint64_t inodes_short; /* inodes needed - available, 0 when none */
	/* What the file system could ever give: its size as df shows it
	 * (f_blocks * f_frsize; ext4's statfs subtracts its own overhead),
	 * less the blocks reserved for root (pakfire never uses them) and
	 * the configured reserve. */
	uint64_t total;
	uint64_t root_reserved;
	uint64_t capacity;
	/* The smallest partition the plan implies: what the update and the
	 * updates before it in the chain leave installed there, its package
	 * if it lies there, and the owned files there that it keeps. */
	uint64_t minimum;
	uint64_t written;      /* of it: the chain's files and the package */
	uint64_t kept;         /* of it: owned files kept */
	uint64_t recommended;  /* the index's Min-Partition for the mount, or 0 */
	uint64_t advised;      /* "at least": the minimum (in place: what
				* stays there beside the update's peak), with
				* the reserve and root's share, rounded up to a
				* power of two; the recommended size when it
				* is larger */
	/* What the owner can free there (cache and unowned files; not the
	 * cleanups, which pakfire applies itself or which come later). */
	uint64_t freeable;
	uint64_t freeable_inodes;
	size_t found;          /* unowned files and folders counted */
	bool bounded;          /* the look at the disk stopped at its bound:
				* there may be more */
	/* The cache (if it lies here and holds anything), the largest unowned
	 * items (at most PF_VERDICT_LISTED), then the pending cleanup
	 * updates that free something here, in chain order. */
	struct pf_freeable *items;
	size_t n_items;
	const struct pf_freeable *cleanup; /* AFTER_CLEANUP: the one, in items */
};

/* What the verdicts need besides the plan. */
struct pf_verdict_env {
	struct pf_space_check *sc;   /* the mounts and the probe the plan used */
	struct pf_db *db;            /* who owns what; NULL: nothing is owned */
	const struct pf_index *idx;  /* for Min-Partition; may be NULL */
	/* Folders never listed (absolute, as configured): pakfire's keys,
	 * cache and database folder. The cache (sc->cache) is counted as a
	 * whole. NULL entries are skipped. */
	const char *own[3];
	/* The units the plan was made from (plan update j is IN[j]), and the
	 * pending core updates after them that the plan does not hold, in
	 * chain order (beyond --to; or, for add-ons, the core chain), or
	 * NULL: only their cleanups are looked at. */
	const struct pf_plan_input *in;
	size_t n_in;
	const struct pf_plan_input *later;
	size_t n_later;
};

/* The verdict of each row of update I of P, in row order: *OUT has
 * P->updates[I].n_rows elements (pf_verdicts_free). A row that fits gets
 * PF_VERDICT_FITS and its file system's figures only. Reads the database
 * and the disk; changes nothing. */
int pf_verdicts(struct pf_ctx *ctx, const struct pf_verdict_env *env, const struct pf_plan *p,
		size_t i, struct pf_verdict **out);
void pf_verdicts_free(struct pf_verdict *v, size_t n);

/* The same, kept in P->updates[I].verdicts (replacing any), where the
 * refusal (plan/space.h: its events, its record, its error line) finds
 * them. */
int pf_plan_judge(struct pf_ctx *ctx, const struct pf_verdict_env *env, struct pf_plan *p,
		  size_t i);

/* Whether PATH (relative to the root) belongs to the running kernel of
 * release RELEASE (uname -r): boot/ *-RELEASE* and lib/modules/RELEASE
 * (and usr/lib/modules/RELEASE). Never listed as freeable. A NULL or
 * empty RELEASE (a --root other than /: the running kernel is not the
 * root's) matches nothing. */
bool pf_verdict_running_kernel(const char *path, const char *release);

#endif
