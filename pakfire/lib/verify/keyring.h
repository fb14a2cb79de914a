/* The private GnuPG home that signatures are checked in: it holds exactly
 * the keys of the configured keys folder, each with ultimate ownertrust,
 * and lives at <root>/var/lib/pakfire/gnupg. Kept between runs with a
 * stamp of the folder's contents (see keyring.c); for signature.c. */
#ifndef PF_KEYRING_H
#define PF_KEYRING_H

#include <gpgme.h>
#include <stdbool.h>

#include "verify/signature.h" /* PF_FPR_MAX */

struct pf_ctx;
struct pf_keyring;

/* Read the *.asc files of KEYS (a folder inside the root) and make the
 * home ready: reused when its stamp names today's folder, else rebuilt
 * from nothing. A folder without keys, or a key that does not import, is
 * PF_E_USAGE. *out is the caller's (pf_keyring_free). */
int pf_keyring_open(struct pf_ctx *ctx, const char *keys, struct pf_keyring **out);
void pf_keyring_free(struct pf_keyring *kr);

/* The home was kept from an earlier run (not built by this one). */
bool pf_keyring_reused(const struct pf_keyring *kr);

/* Build the home again from nothing: after a check failed in a reused home,
 * which may have been damaged behind our back. */
int pf_keyring_rebuild(struct pf_keyring *kr);

/* A GPGME context on the home (pf_fail when it cannot be made). */
int pf_keyring_gpg(struct pf_keyring *kr, gpgme_ctx_t *out);

/* A GPGME context on any GnuPG home HOME (a path: gpg runs as a child
 * process that does not share our fds), for OpenPGP; pf_fail when it
 * cannot be made. pakfire-repo check uses it on the home it builds. */
int pf_gpg_context(struct pf_ctx *ctx, const char *home, gpgme_ctx_t *out);

/* The primary fingerprint of the key that made a signature (FPR may name
 * a subkey, or be a short id; G is a context on the home): -1 when the
 * home does not know it. */
int pf_keyring_primary(const struct pf_keyring *kr, gpgme_ctx_t g, const char *fpr,
		       char out[PF_FPR_MAX]);

/* FPR is the primary fingerprint of a key from the folder. */
bool pf_keyring_trusts(const struct pf_keyring *kr, const char *fpr);

#endif
