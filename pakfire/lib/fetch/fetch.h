/* The downloader: http and https only, certificate checks on, size caps,
 * timeouts, hashing on the way in, failover over a list of mirrors.
 * Everything fetched is hostile until its signature or its signed hash
 * says otherwise, so nothing here parses.
 *
 * A handle of its own: it is given its mirror list (and copies it), and
 * uses the context only for errors, events and the interrupt check.
 * libcurl is loaded with its first transfer, so a command that downloads
 * nothing never maps it (transfer.c says why). */
#ifndef PF_FETCH_H
#define PF_FETCH_H

#include <stddef.h>
#include <stdint.h>

struct pf_ctx;
struct pf_fetch;

/* Caps for files whose size is not known in advance. */
#define PF_INDEX_MAX     (16u * 1024 * 1024)
#define PF_SIGNATURE_MAX (64u * 1024)

/* A downloader for MIRRORS (base URLs, in failover order; N_MIRRORS may be
 * 0, then pf_fetch_mirrors says that none is configured). NULL after
 * pf_fail when out of memory. CTX must outlive the handle. */
struct pf_fetch *pf_fetch_new(struct pf_ctx *ctx, const char *const *mirrors,
			      size_t n_mirrors);
void pf_fetch_free(struct pf_fetch *f);

/* The URL of REL (a path relative to the series/arch folder) on MIRROR. */
char *pf_fetch_url(const char *mirror, const char *series, const char *arch,
		   const char *rel);

/* Try REL (relative to the series/arch folder) on each mirror in order: TRY
 * is called with its URL. A download failure (PF_E_DOWNLOAD: no server,
 * HTTP error) moves on to the next mirror with a warning; success or any
 * other failure (a verification failure is the mirror's content, not its
 * availability) stops. When every mirror failed, the last error stands. */
typedef int (*pf_fetch_try_fn)(struct pf_ctx *ctx, struct pf_fetch *f, const char *url,
			       void *data);
int pf_fetch_mirrors(struct pf_fetch *f, const char *series, const char *arch,
		     const char *rel, pf_fetch_try_fn try, void *data);

/* Fetch URL into memory, at most MAX bytes (more is PF_E_VERIFY: a mirror
 * does not get to make us buffer without bound). A transport failure or an
 * HTTP error status is PF_E_DOWNLOAD, with *http_status set (0 when no HTTP
 * answer came) so callers can tell "no such file" from "no server". */
int pf_fetch_mem(struct pf_fetch *f, const char *url, size_t max, char **buf,
		 size_t *len, long *http_status);

/* NAME below DIRFD when it is a regular file of exactly SIZE bytes with
 * SHA-256 SHA: *FD is then open on it (read-only, at offset 0); otherwise
 * *FD is -1 (missing or different: to be downloaded). -1 on an error.
 * Needs no downloader: a cache check transfers nothing. */
int pf_fetch_cached(struct pf_ctx *ctx, int dirfd, const char *name, uint64_t size,
		    const uint8_t sha[32], int *fd);

/* Fetch URL into NAME below DIRFD, which must come out exactly SIZE bytes
 * with SHA-256 SHA (hashed while downloading: no second pass). Written to
 * NAME.part and renamed to NAME only once verified; on any failure the part
 * file is removed. An existing NAME with the right size and hash is kept
 * without downloading. Size or hash mismatch: PF_E_VERIFY. */
int pf_fetch_file(struct pf_fetch *f, const char *url, int dirfd,
		  const char *name, uint64_t size, const uint8_t sha[32]);

#endif
