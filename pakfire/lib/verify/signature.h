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
 * is <root>/var/lib/pakfire/gnupg. It is kept between calls with a stamp of
 * the keys folder's contents (the SHA-256 of every *.asc's name and bytes)
 * and rebuilt from the folder whenever the folder hashes otherwise (a key
 * removed from the folder is no longer trusted at the next call), the stamp
 * is missing or malformed, or a verification in the kept home fails (the
 * same check is then repeated in a rebuilt one). */
int pf_verify_signature(struct pf_ctx *ctx, const char *keys, const char *what,
			const void *data, size_t len, const void *sig, size_t sig_len,
			char signer[PF_FPR_MAX]);

#endif
