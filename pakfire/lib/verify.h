/* OpenPGP signatures with GPGME, in a private GnuPG home that holds only the
 * keys of the configured keys folder. */
#ifndef PF_VERIFY_H
#define PF_VERIFY_H

#include <stddef.h>

struct pf_ctx;

#define PF_FPR_MAX 128

/* Verify the detached signature SIG over DATA. WHAT names the signed file in
 * messages (its URL). Succeeds only for a good and valid signature
 * (GPGME_SIGSUM_VALID) whose key's primary fingerprint is one of the keys in
 * the configured folder; SIGNER receives that fingerprint. Anything else,
 * including an empty or malformed signature, is PF_E_VERIFY. The private home
 * is <root>/var/lib/pakfire/gnupg, rebuilt from the keys folder on each call
 * so that a key removed from the folder is no longer trusted. */
int pf_verify_signature(struct pf_ctx *ctx, const char *what, const void *data,
			size_t len, const void *sig, size_t sig_len,
			char signer[PF_FPR_MAX]);

#endif
