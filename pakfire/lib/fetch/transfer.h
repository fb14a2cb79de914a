/* Inside fetch/: the downloader's state, and the mirrors' bookkeeping
 * (mirrors.c) that the batch engine (engine.h) asks. Not for use outside
 * fetch/. */
#ifndef PF_TRANSFER_H
#define PF_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include "fetch/fetch.h"

struct pf_ctx;
struct pf_curl; /* libcurl's calls and its handles (curl.h) */

struct pf_fetch {
	struct pf_ctx *ctx;     /* errors, events, the interrupt check, the root */
	struct pf_fetch_opts opts; /* its strings copied at pf_fetch_new */
	char *ca_bundle, *proxy;   /* the copies opts points to */
	struct pf_mirror *mirrors; /* in failover order (mirrors.c) */
	size_t n_mirrors;
	struct pf_curl *curl;   /* NULL until the first network transfer */
	/* What the failure of a pf_fetch_mirrors try was, as the transport
	 * (or pf_fetch_note_outcome) said it: PF_MIRROR_UNTRIED when none
	 * did. Never guessed from a message, which holds the URL. */
	enum pf_mirror_outcome try_outcome;
	size_t trying;          /* the mirror of that try, or PF_NO_TRY */
};

#define PF_NO_TRY ((size_t)-1)

/* Unload libcurl's handle (NULL is fine). */
void pf_curl_free(struct pf_curl *c);

/* mirrors.c: the mirrors a file is tried on, in order, as indices into
 * f->mirrors (ORDER has room for f->n_mirrors): skipped ones left out,
 * stale ones last. Returns how many. */
size_t pf_mirror_order(const struct pf_fetch *f, size_t *order);

/* mirrors.c: mirror I did OUTCOME (DETAIL: its failure, or NULL); counts
 * failures in a row and skips it after PF_MIRROR_MAX_ERRORS. */
void pf_mirror_note(struct pf_fetch *f, size_t i, enum pf_mirror_outcome outcome,
		    const char *detail);

/* The outcome a failure of class CLS stands for when nothing more precise
 * is known (the transport sets one for each of its failures). */
enum pf_mirror_outcome pf_mirror_outcome_of(int cls);

#endif
