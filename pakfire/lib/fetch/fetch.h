/* The downloader: http and https (and file:// for a local folder, such as
 * a USB stick), certificate checks on, size caps, timeouts, hashing on the
 * way in, failover over mirrors, resumed partial files, several transfers
 * at once. Everything fetched is hostile until its signature or its signed
 * hash says otherwise, so nothing here parses.
 *
 * A handle of its own: it is given its options and mirrors (and copies
 * them), and uses the context only for errors, events, the interrupt check
 * and the root (the CA bundle is read inside it). libcurl is loaded with
 * its first network transfer, so a command that downloads nothing never
 * maps it (curl.c says why; a file:// mirror never loads it). */
#ifndef PF_FETCH_H
#define PF_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pf_ctx;
struct pf_fetch;

/* Caps for files whose size is not known in advance. */
#define PF_INDEX_MAX       (16u * 1024 * 1024)
#define PF_SIGNATURE_MAX   (64u * 1024)
#define PF_MIRROR_LIST_MAX (64u * 1024)

/* A mirror skipped for the rest of the run after this many failures in a
 * row (a TLS failure or a refused redirect skips it at once). */
#define PF_MIRROR_MAX_ERRORS 3
/* At most this many transfers from one mirror at once. */
#define PF_MIRROR_MAX_ACTIVE 2

/* How to download: pakfire.conf's download keys (format/config.h says
 * what each means and its default). Never from the environment. */
struct pf_fetch_opts {
	int64_t connect_timeout;  /* seconds */
	int64_t transfer_timeout; /* seconds, a whole transfer */
	uint64_t low_speed_limit; /* bytes/s ... */
	int64_t low_speed_time;   /* ... for this many seconds aborts */
	unsigned parallel;        /* transfers at once (>= 1) */
	const char *ca_bundle;    /* PEM file inside the root */
	const char *proxy;        /* NULL: no proxy at all */
};

enum pf_mirror_origin {
	PF_MIRROR_CONFIG,   /* a `mirror` line of pakfire.conf */
	PF_MIRROR_LIST,     /* the repository's signed mirror list */
	PF_MIRROR_DIR,      /* --from-dir, or a file:// mirror */
};

/* The last thing a mirror did this run (state/mirrors.h records it). */
enum pf_mirror_outcome {
	PF_MIRROR_UNTRIED,
	PF_MIRROR_OK,
	PF_MIRROR_UNREACHABLE,    /* no connection, reset, DNS */
	PF_MIRROR_HTTP_ERROR,     /* 404, 500 ... */
	PF_MIRROR_TIMEOUT,        /* connect or transfer-timeout */
	PF_MIRROR_TOO_SLOW,       /* below low-speed-limit */
	PF_MIRROR_TLS,            /* certificate or host name */
	PF_MIRROR_REDIRECT,       /* a redirect refused */
	PF_MIRROR_VERIFY,         /* served bytes that failed a signed check */
	PF_MIRROR_NOT_REPOSITORY, /* a captive portal or login page */
	PF_MIRROR_STALE,          /* its index is behind the newest seen */
};

struct pf_mirror {
	char *url;                 /* base URL, no trailing slash */
	char *shown;               /* URL without credentials (pf_url_redact): what
				    * messages, events and the database say */
	enum pf_mirror_origin origin;
	unsigned errors;           /* failures in a row this run */
	bool skipped;              /* not tried again this run */
	bool stale;                /* tried last, never for an index */
	uint64_t revision;         /* the index Revision it served, 0 unknown */
	enum pf_mirror_outcome last;
	char detail[256];          /* the last failure, for diagnose */
	unsigned active;           /* transfers running now */
	bool touched;              /* tried this run: recorded at the end */
};

const char *pf_mirror_outcome_name(enum pf_mirror_outcome o);

/* A downloader with OPTS for MIRRORS (base URLs, in failover order; N may
 * be 0, then every fetch says that none is configured). NULL after pf_fail
 * when out of memory. CTX must outlive the handle. */
struct pf_fetch *pf_fetch_new(struct pf_ctx *ctx, const struct pf_fetch_opts *opts,
			      const char *const *mirrors, size_t n_mirrors);
void pf_fetch_free(struct pf_fetch *f);

/* Add the repository's published mirror list (URLS, verified against the
 * signed index by the caller) after the configured mirrors: those already
 * configured are left out, and the rest is rotated to start at SEED % n,
 * so that machines spread over the list while one machine always starts
 * at the same place. */
int pf_fetch_add_list(struct pf_fetch *f, const char *const *urls, size_t n, uint32_t seed);

/* The mirror of the pf_fetch_mirrors try under way, which served URL (a
 * file right below its base URL), served a verified index of REVISION
 * (recorded with its results). STALE: behind the newest seen, so from now
 * on it is tried last for files (which the newest index vouches for by
 * hash), never again for an index this run, and its failure is recorded
 * as stale. */
void pf_fetch_mirror_revision(struct pf_fetch *f, const char *url, uint64_t revision,
			      bool stale);

/* The mirrors in their order and what each did this run. */
const struct pf_mirror *pf_fetch_mirror_list(const struct pf_fetch *f, size_t *n);

/* The URL of REL (a path relative to the series/arch folder) on MIRROR. */
char *pf_fetch_url(const char *mirror, const char *series, const char *arch,
		   const char *rel);

/* Try REL on each mirror in order: TRY is called with its URL. A failure
 * of one mirror (PF_E_DOWNLOAD: no server, HTTP error; PF_E_VERIFY: what
 * it served failed a check) moves on to the next; when every mirror
 * failed, the error names each one's failure, with PF_E_VERIFY if any
 * served bad bytes, else PF_E_DOWNLOAD. Any other class stops at once. */
typedef int (*pf_fetch_try_fn)(struct pf_ctx *ctx, struct pf_fetch *f, const char *url,
			       void *data);
/* The failure of the try under way is OUTCOME, which the transport could
 * not see (a captive portal's page came whole): what the mirror's result
 * records. A transport failure of pf_fetch_mem or pf_fetch_file in the
 * try is recorded as the transport says, without this. */
void pf_fetch_note_outcome(struct pf_fetch *f, enum pf_mirror_outcome outcome);
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

/* One file of a batch: REL on the mirrors, exactly SIZE bytes with SHA-256
 * SHA (both from the signed index: the cap and the final check).
 *
 * DIRFD >= 0: it lands as NAME below DIRFD, and only once verified. While
 * it comes it is <hex of SHA>.part in PARTIAL_FD (the cache's partial/
 * folder, on the same file system), kept there when a transfer breaks off
 * and resumed with a Range request next time. DIRFD < 0: into memory
 * (BUF, LEN: the caller frees BUF), for manifests. */
struct pf_fetch_job {
	const char *series, *arch, *rel;
	uint64_t size;
	uint8_t sha[32];
	int dirfd;
	const char *name;
	int partial_fd;
	const char *unit;          /* for progress: "core-141", or NULL */
	/* out */
	int result;                /* 0 verified and in place, -1 failed */
	int cls;                   /* enum pf_errclass of a failure */
	char error[1024];          /* every mirror's failure, "; " between */
	char *buf;                 /* memory jobs */
	size_t len;
	uint64_t resumed_from;     /* bytes a partial file already had */
};

/* Fetch JOBS, several at once (opts.parallel, PF_MIRROR_MAX_ACTIVE per
 * mirror), each from the first mirror that serves it whole and correct.
 * Every job gets its own result; the return is -1 only when the batch
 * could not run at all (out of memory, interrupted: the context's error),
 * else 0. A job whose file is already verified in place transfers nothing. */
int pf_fetch_files(struct pf_fetch *f, struct pf_fetch_job *jobs, size_t n);

/* Fetch URL into NAME below DIRFD, exactly SIZE bytes with SHA-256 SHA:
 * one job on one URL, no failover and no resume (PARTIAL_FD -1). */
int pf_fetch_file(struct pf_fetch *f, const char *url, int dirfd,
		  const char *name, uint64_t size, const uint8_t sha[32]);

#endif
