/* OpenPGP signatures with GPGME, in a private GnuPG home that holds only the
 * keys of the configured keys folder. */
#ifndef PF_VERIFY_H
#define PF_VERIFY_H

#include <stddef.h>

struct pf_ctx;

#define PF_FPR_MAX 128

/* Verify the detached signature SIG over DATA. WHAT names the signed file in
 * messages (its URL). SIG may hold several signatures (a key rotation's
 * overlap). Succeeds when at least one is good and valid
 * (GPGME_SIGSUM_VALID) and made by a key whose primary fingerprint is one of
 * the keys in the configured folder (the primary or a signing subkey), and
 * none is bad; signatures by keys not in the folder are ignored (the rule
 * and its reasons: signature.c). SIGNER receives the primary fingerprint of
 * the first good one. Anything else, including an empty or malformed
 * signature, is PF_E_VERIFY; a refusal for want of a trusted signer names
 * every signer and says how a key becomes trusted; when no signature is bad
 * and every signer is a key the folder does not hold, SIGNER then receives
 * the first one's fingerprint (else ""), so that a caller expecting that
 * key (a switching update that ships it) can tell. The private home
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
