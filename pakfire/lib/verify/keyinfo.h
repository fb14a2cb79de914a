/* What the trusted keys are, for diagnose: each *.asc of the keys folder
 * read as GnuPG lists it (fingerprint, user id, created, expires, expired,
 * revoked), without importing it anywhere under the root: the listing runs
 * in a throw-away home on the host (TMPDIR), removed afterwards. */
#ifndef PF_KEYINFO_H
#define PF_KEYINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct pf_ctx;

struct pf_key_info {
	char fingerprint[64];
	char uid[256];
	time_t created;
	time_t expires;        /* 0: never */
	bool expired, revoked;
	char file[256];        /* its file in the keys folder */
};

/* Every key of every *.asc in FOLDER (inside the root), in file order
 * (*OUT malloc'd, the caller's). A folder without keys is PF_E_USAGE. */
int pf_keys_describe(struct pf_ctx *ctx, const char *folder, struct pf_key_info **out, size_t *n);

#endif
