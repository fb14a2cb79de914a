/* Inside fetch/: the downloader's state, and one transfer with libcurl
 * (transfer.c) for mirrors.c and cache.c. Not for use outside fetch/. */
#ifndef PF_TRANSFER_H
#define PF_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

struct pf_ctx;
struct pf_curl; /* libcurl's calls and one easy handle (transfer.c) */

struct pf_fetch {
	struct pf_ctx *ctx;     /* errors, events, the interrupt check */
	char **mirrors;         /* copied at pf_fetch_new */
	size_t n_mirrors;
	struct pf_curl *curl;   /* NULL until the first transfer */
};

/* Unload libcurl's handle (NULL is fine). */
void pf_curl_free(struct pf_curl *c);

/* Fetch URL into FD (open for writing), at most MAX bytes, announced as
 * EXPECTED bytes (0: unknown) in progress events. *GOT and SHA receive
 * what came and its SHA-256. Failures are mapped as for pf_fetch_mem;
 * more than MAX is PF_E_VERIFY. */
int pf_transfer_fd(struct pf_fetch *f, const char *url, int fd, uint64_t max,
		   uint64_t expected, uint64_t *got, uint8_t sha[32]);

#endif
