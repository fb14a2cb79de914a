/* Detached OpenPGP signatures with GPGME, for the index (DESIGN.md). */
#ifndef PF_REPO_SIGN_H
#define PF_REPO_SIGN_H

#include <stdbool.h>
#include <stddef.h>

struct pf_ctx;

/* FPR: a full fingerprint (40 or 64 hex digits): a user ID or short key ID
 * could pick another key than the one the clients pin. */
bool sign_fpr_valid(const char *fpr);

/* Sign BUF with each of the N secret keys FPRS from GNUPGHOME: one binary
 * detached signature in *sig (malloc'd, *sig_len bytes) holding one
 * signature packet per key (what `gpg --detach-sign` makes with several
 * --local-user), checked to be exactly one signature by each key and no
 * other: during a key rotation old and new clients each find the key they
 * trust. Two fingerprints of one key are refused. *signers gets the keys'
 * primary fingerprints, ", "-separated in the order given (malloc'd), for
 * the report. No passphrase is asked for: a protected key fails instead of
 * waiting for a pinentry. */
int sign_detached(struct pf_ctx *ctx, const char *gnupghome,
		  const char *const *fprs, size_t n, const char *buf, size_t len,
		  char **sig, size_t *sig_len, char **signers);

#endif
