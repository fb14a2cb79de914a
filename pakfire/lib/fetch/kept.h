/* Kept manifests: the verified manifests of pending core updates, kept in
 * the download cache by `update` and by the upgrade (a dry run too), so
 * that `status` can plan the pending chain without the network
 * (docs/space.md, "Before the upgrade: status").
 *
 * Where: <cache>/<series>/<arch>/manifests/<unit id>.manifest, the series
 * being the one whose index lists the update. Packages go to core/ and
 * addons/ beside it, and nothing but kept manifests goes to manifests/;
 * the name is pakfire's unit id ("core-141"), never a path the index
 * chooses: a kept manifest cannot be taken for a package or a download in
 * progress. The cache rather than the database: a dry run keeps them too,
 * and it holds no lock, so it must not write the database; and the cache
 * is what `clean` empties: everything there can be fetched again.
 *
 * Trust: the file is under the root, which is trusted no more than the
 * signed index says. It is used only when its size and SHA-256 are the
 * ones the index gives for that update now, re-hashed on every read;
 * anything else (missing, other bytes, too long, not a regular file) is
 * treated as missing. Only core updates are kept: status plans the pending
 * core chain. */
#ifndef PF_FETCH_KEPT_H
#define PF_FETCH_KEPT_H

#include <stddef.h>

struct pf_ctx;
struct pf_unit;

/* CACHE below is the configured cache folder (absolute, as in
 * pakfire.conf); the folder is taken inside the root. */

/* U's kept manifest when its size and SHA-256 are the ones U's index
 * entry gives: *BUF (malloc'd) and *LEN, and 1. 0 when there is none that
 * matches (a debug line says why), with *BUF NULL; -1 only when out of
 * memory. Nothing is parsed here. */
int pf_kept_read(struct pf_ctx *ctx, const char *cache, const char *arch, const struct pf_unit *u,
		 char **buf, size_t *len);

/* Whether a kept manifest of U matches U's index entry now: 1 or 0 (read
 * and hashed, then let go), -1 only when out of memory. */
int pf_kept_matches(struct pf_ctx *ctx, const char *cache, const char *arch,
		    const struct pf_unit *u);

/* Keep U's verified manifest (U->manifest): written under a temporary
 * name of this process and renamed, so that a reader (status, a dry run
 * beside an upgrade: neither takes the lock) sees the whole file or none.
 * Not synced: a file torn by a crash fails its hash and counts as missing.
 * -1 with the error set when it could not be written. */
int pf_kept_store(struct pf_ctx *ctx, const char *cache, const char *arch, const struct pf_unit *u);

/* Forget U's kept manifest (its update was applied). A missing one is no
 * error; -1 with the error set when it could not be deleted. */
int pf_kept_drop(struct pf_ctx *ctx, const char *cache, const char *arch, const struct pf_unit *u);

/* Delete every file in the kept folder of SERIES/ARCH but the manifests of
 * the N UNITS (what an applied update, an index that no longer lists an
 * update, or a killed writer left). A missing folder is no error; -1 with
 * the error set. */
int pf_kept_prune(struct pf_ctx *ctx, const char *cache, const char *series, const char *arch,
		  const struct pf_unit *units, size_t n);

#endif
