/* The space plan: simulate the whole chain of pending updates, in order, on
 * the file systems they touch, before anything is downloaded or written.
 *
 * Per update and file system: the space and inodes needed at the peak (every
 * new file staged while the files it replaces still exist, plus the package
 * in the download cache), what is available before (after the earlier
 * updates of the chain), the configured reserve, and what is left after the
 * update commits (replaced and removed files freed, package deleted). */
#ifndef PF_PLAN_H
#define PF_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/config.h"
#include "plan/mounts.h"

struct pf_strmap;
struct pf_db;
struct pf_fs_dir;

struct pf_ctx;
struct pf_manifest;

/* ext4 keeps a symlink target shorter than this in the inode: no block. */
#define PF_FAST_SYMLINK 60

/* What is at a path now, as far as the plan cares. */
struct pf_existing {
	bool exists;
	bool is_dir;
	bool shared;        /* other hard links to it (st_nlink > 1): replacing
			     * or removing this path frees nothing */
	bool estimated;     /* from the database, not the disk: alloc is unknown
			     * and the planner rounds size up to the file
			     * system's block size */
	uint64_t alloc;     /* bytes allocated (st_blocks * 512) */
	uint64_t size;      /* st_size; when estimated: a file's recorded size, a
			     * symlink's target length if it needs a block, else 0 */
};

/* How the planner sees the world; plan-probe.c answers for a real root,
 * unit tests and the benchmark answer from tables. */
struct pf_plan_probe {
	/* The host path of PATH (relative to the root), symlinks of the root
	 * resolved inside it; the missing tail is appended as it is. */
	int (*resolve)(void *data, const char *path, char *host, size_t size);
	int (*existing)(void *data, const char *path, struct pf_existing *out);
	/* Whether a 'remove' of PATH will delete it: an earlier update
	 * installed it and its size is as recorded. NOW: what the disk holds
	 * at PATH (never the database's view: apply checks the disk). */
	int (*removable)(void *data, const char *path, struct pf_existing *now, bool *out);
	int (*space)(void *data, const struct pf_mount *m, struct pf_space *out);
	void *data;
	/* Optional (NULL: a folder that exists is taken as full): folder DIR
	 * (resolved, relative to the root) as it is now: the bytes of its
	 * entries, as pf_fs_name_bytes and pf_fs_name_bytes_least count them
	 * on S, and the bytes allocated to it (used_known is the caller's). */
	int (*dir_usage)(void *data, const char *dir, const struct pf_space *s,
			 struct pf_fs_dir *out);
};

/* One unit of the transaction, as the planner needs it. */
struct pf_plan_input {
	unsigned number;         /* core: its number (the planner's order) */
	const struct pf_manifest *m;
	uint64_t package_size;   /* 0 when already in the cache */
	uint64_t package_cached; /* the size of its package when it is in the
				  * cache already (the verdicts do not count
				  * it as freeable: it would be downloaded
				  * again), else 0 */
	const char *unit;        /* its id, "core-141": the space checks' key */
	const char *label;       /* for messages: "core 141" */
	uint64_t package_partial; /* bytes of it already in the cache's partial/
				  * folder: package_size counts only the rest */
	bool held;               /* downloaded ahead (a download window, or
				  * --download-only): its package lies in the
				  * cache from the start of the plan until its
				  * own unit commits */
};

struct pf_plan_fs {
	const struct pf_mount *mount;
	char name[256];          /* as the user knows it: "/boot" inside --root */
	struct pf_space space;
	uint64_t reserve;
};

struct pf_plan_row {
	size_t fs;               /* index into plan->fs */
	uint64_t needed;         /* bytes at the peak */
	uint64_t inodes_needed;
	uint64_t available;      /* bytes available before this update */
	uint64_t inodes_available;
	uint64_t after;          /* bytes available after it commits */
	/* For the verdicts (plan/verdict.h): what the chain up to and with
	 * this update leaves installed here (files, symlinks, folders it made,
	 * as the plan counts them), and its package, if it lies here. */
	uint64_t chain_bytes;
	uint64_t package_bytes;
	bool fits;               /* needed + reserve <= available, inodes too, writable */
};

struct pf_plan_update {
	unsigned number;
	const char *unit;        /* from the input */
	const char *label;
	struct pf_plan_row *rows;  /* one per file system it touches */
	size_t n_rows;
	bool fits;
	bool reached;            /* false after an update that does not fit */
	/* One per row once pf_plan_judge judged it (plan/verdict.h), else
	 * NULL; freed with the plan. */
	struct pf_verdict *verdicts;
};

struct pf_plan {
	struct pf_plan_fs *fs;
	size_t n_fs;
	struct pf_plan_update *updates;
	size_t n;
	size_t first_refused;    /* index of the first update that does not fit, or n */
};

/* ROOT_HOST: the real host path of the root, for naming mounts as the user
 * knows them; CACHE: the download cache folder (relative to the root);
 * RESERVES: from pakfire.conf, keyed by those names. */
struct pf_plan_env {
	const struct pf_mount_table *mounts;
	const struct pf_plan_probe *probe;
	const char *root_host;
	const char *cache;
	const struct pf_reserve *reserves;
	size_t n_reserves;
};

int pf_plan_chain(struct pf_ctx *ctx, const struct pf_plan_env *env,
		  const struct pf_plan_input *in, size_t n, struct pf_plan **out);
void pf_plan_free(struct pf_plan *p);

/* The probe for a real root (plan-probe.c): resolves through ctx->root_fd
 * with RESOLVE_IN_ROOT, asks the database who owns what, and statvfs.
 *
 * What is at a path: for a path the database owns (the files table, read
 * in one query per plan), its recorded type and size; for any other path,
 * lstat. The database's word saves one lstat per owned path (most of a
 * chain: updates replace what earlier updates installed); docs/space.md
 * says why that is safe enough and what backs it up. Folders are still
 * resolved on the disk, so a path maps to the mount it really lives on. */
struct pf_owned_rec;
struct pf_root_probe {
	struct pf_ctx *ctx;
	struct pf_db *db;        /* who owns what; NULL: nothing is owned */
	struct pf_strmap *dirs;  /* folder (relative) -> its host path (malloc'd) */
	struct pf_strmap *owned; /* owned path -> index + 1 into recs; NULL until read */
	struct pf_owned_rec *recs;
	size_t n_recs, cap_recs;
};
int pf_root_probe_init(struct pf_root_probe *rp, struct pf_ctx *ctx, struct pf_db *db,
		       struct pf_plan_probe *probe);
/* Forget the folders seen (before the next plan: the disk moved on). */
void pf_root_probe_clear(struct pf_root_probe *rp);
void pf_root_probe_free(struct pf_root_probe *rp);

/* The host path of the root itself (for naming mounts). */
int pf_root_host_path(struct pf_ctx *ctx, char *out, size_t size);

#endif
