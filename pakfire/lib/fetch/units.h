/* Fetching the units of a transaction: each one's manifest (before
 * anything is planned) and package (when its turn comes), from the
 * download cache when a verified copy is there, else from the mirrors.
 * Nothing is parsed before its size and SHA-256 match the signed index. */
#ifndef PF_FETCH_UNITS_H
#define PF_FETCH_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pf_ctx;
struct pf_fetch;
struct pf_transaction;
struct pf_unit;

/* The download cache folder of unit U, relative to the root (CACHE: the
 * configured cache, absolute): <cache>/<series>/<arch>/core or addons, the
 * series being the one whose index lists U, as on the mirrors. */
int pf_fetch_unit_cache_dir(struct pf_ctx *ctx, const char *cache, const struct pf_transaction *t,
			    const struct pf_unit *u, char *out, size_t size);

/* Open the cache folder DIR, creating it unless PEEK (then -1 if missing,
 * without an error). */
int pf_fetch_open_cache(struct pf_ctx *ctx, const char *dir, bool peek);

/* U's verified, parsed manifest: from its package when a verified copy is
 * in the cache (then U->pak_fd keeps it open: no request, no second hash),
 * else the kept manifest when it matches the index (fetch/kept.h), else
 * from the first mirror that has it. A verified package with a bad
 * manifest member is deleted from the cache, unless DRY_RUN. CACHE_FD may
 * be -1 (no cache yet); CACHE is the configured cache folder. A core
 * update's manifest is then kept for status (a dry run too: see kept.h);
 * not being able to keep it is no error. */
int pf_fetch_unit_manifest(struct pf_ctx *ctx, struct pf_fetch *f, int cache_fd, const char *cache,
			   const struct pf_transaction *t, struct pf_unit *u, bool dry_run);

/* The manifests of every unit of T that applies a package and has none
 * yet, each as pf_fetch_unit_manifest gets it (CACHE_FDS: each unit's
 * cache folder, or -1), but those that must come from the mirrors in one
 * batch (pf_fetch_files, memory jobs). The first that fails is the error. */
int pf_fetch_unit_manifests(struct pf_ctx *ctx, struct pf_fetch *f, const int *cache_fds,
			    const char *cache, const struct pf_transaction *t, bool dry_run);

/* Core update U's kept manifest (fetch/kept.h), verified against the index
 * and parsed into U: 1 when it is there, 0 when none matches the index
 * (U unchanged), -1 on error (one with the signed size and hash that does
 * not parse: the publication is bad). Transfers nothing. */
int pf_fetch_unit_kept(struct pf_ctx *ctx, const char *cache, const struct pf_transaction *t,
		       struct pf_unit *u);

/* Make sure core update U's manifest is kept for status (`update`): nothing
 * when a kept copy matches the index, else fetched from the mirrors,
 * verified, parsed (a malformed one is not kept) and kept. Never reads a
 * package. */
int pf_fetch_unit_keep_manifest(struct pf_ctx *ctx, struct pf_fetch *f, const char *cache,
				const struct pf_transaction *t, struct pf_unit *u);

/* The room U's package still needs in the cache (CACHE_FD: its cache
 * folder, or -1): none when it is there whole, else its signed size less
 * what a broken-off download left in partial/ (pf_fetch_unit_partial). */
uint64_t pf_fetch_unit_need(int cache_fd, const struct pf_unit *u);

/* The bytes of U's package that partial/ holds already (a download that
 * broke off, resumed next time), 0 when none: what the plan does not
 * count again (struct pf_plan_input, package_partial). */
uint64_t pf_fetch_unit_partial(int cache_fd, const struct pf_unit *u);

struct pf_fetch_job;
/* The packages of units IDX[0..N-1] of T, each into its cache folder
 * CACHE_FDS[k] (through partial/), in one batch of JOBS (N, the caller's:
 * each one's outcome stays there, a failure is not an error here). Each
 * verified package is opened into its unit's pak_fd, as one found
 * verified in the cache is. -1 only when the batch could not run (out of
 * memory, interrupted, no downloader). */
int pf_fetch_unit_packages(struct pf_ctx *ctx, struct pf_fetch *f, const struct pf_transaction *t,
			   const size_t *idx, const int *cache_fds, size_t n, struct pf_fetch_job *jobs);

/* U's package, verified: *FD is U->pak_fd, open on it (its manifest came
 * from it, or it was downloaded ahead, else it is downloaded into the
 * cache now with F). It stays the unit's (closed with the transaction). */
int pf_fetch_unit_package(struct pf_ctx *ctx, struct pf_fetch *f, int cache_fd,
			  const struct pf_transaction *t, struct pf_unit *u, int *fd);

/* Downloads in progress are kept in <cache>/<series>/<arch>/partial/,
 * named by their signed SHA-256 (fetch.h, struct pf_fetch_job): never
 * mistaken for a verified package, resumed only toward the same bytes. */
#define PF_FETCH_PARTIAL_DIR "partial"
/* "<64 hex digits>.part" */
#define PF_FETCH_PARTIAL_NAME_MAX 70

/* The partial/ folder beside the cache folder CACHE_FD (core/ or addons/),
 * created if missing; an fd on it, or -1 after pf_fail. */
int pf_fetch_unit_partial_dir(struct pf_ctx *ctx, int cache_fd);

/* The package's file name in the cache. */
const char *pf_fetch_unit_pak_name(const struct pf_unit *u);

#endif
