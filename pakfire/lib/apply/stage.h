/* Staging a unit (inside apply/ only): the state shared by stage.c, which
 * streams the package into temporaries beside their targets, and apply.c,
 * which commits them. */
#ifndef PF_APPLY_STAGE_H
#define PF_APPLY_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apply/fsset.h"
#include "apply/hashq.h"
#include "apply/journal.h"
#include "resolve/transaction.h"

struct pf_ctx;
struct pf_db;
struct pf_entry;
struct pf_manifest;
struct removals;

#define IO_BUF PF_HASHQ_BLOCK

struct staged {
	const struct pf_entry *e;
	char tmp[PF_NAME_MAX];  /* temporary name beside the target */
};

struct stage {
	struct pf_ctx *ctx;
	int64_t tx;
	struct pf_db *db;
	const struct pf_unit *u;
	char label[PF_UNIT_ID_MAX]; /* "core 141" for messages */
	const struct pf_manifest *m;
	const char *pak;        /* package name for messages */
	struct staged *items;   /* in archive order */
	size_t n_items;
	bool *seen;             /* per manifest entry */
	char *fresh;            /* per manifest entry: '1' if the path did not exist */
	bool renaming;          /* renames may have started: undo restores backups */
	char *parent;           /* cached parent directory (relative path) */
	int parent_fd;
	bool parent_vfat;       /* it is on vfat: no hard links, owners or modes */
	struct pf_fsset fss;    /* every file system written to */
	struct pf_hashq *hq;    /* hashes file contents beside the writes */
	char *buf;
	bool as_root;
	struct removals *removals; /* apply.c's, while it decides them */
	const char *keys;       /* the keys folder (absolute), or NULL */
	/* ACTIVITY events (pf_stage_tick): members staged of how many, and
	 * when the last was sent. */
	uint64_t staged, to_stage;
	int64_t activity_ns;
};

/* How often a long step says how far it got: 5 times a second. */
#define PF_STAGE_TICK_NS 200000000LL

/* Stream the package PAK_FD: every member checked against the manifest
 * (whose verified bytes MANIFEST the first member must equal) and written
 * beside its target; any mismatch is PF_E_VERIFY. */
int pf_stage_package(struct stage *st, int pak_fd, const char *manifest, size_t len);

/* The parent folder of PATH, opened (cached) without following symlinks
 * that leave the root; *BASE its last component. */
int pf_stage_parent(struct stage *st, const char *path, const char **base);

/* Give FD (a staged file, or a folder) the owner (when we are root) and
 * mode of E. Where the file system cannot change them (vfat), it is enough
 * that FD shows them already; else PF_E_OTHER naming the path. */
int pf_stage_owner_mode(struct stage *st, int fd, const struct pf_entry *e);

/* write(2) all of P, retrying on EINTR; -1 with errno set. */
int pf_stage_write_all(int fd, const char *p, size_t n);

/* Tell how far WHAT ("staging", "committing") got: DONE of TOTAL items,
 * at most 5 times a second (the first call always). */
void pf_stage_tick(struct stage *st, const char *what, uint64_t done, uint64_t total);

/* syncfs every file system the stage wrote to ("syncing" said first: on a
 * slow disk it is the longest wait of an update). */
int pf_stage_sync(struct stage *st);

void pf_stage_clear(struct stage *st);

#endif
