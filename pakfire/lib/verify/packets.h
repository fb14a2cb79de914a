/* How many signatures a detached OpenPGP signature holds, read from its
 * packets (RFC 4880, section 4) rather than from GnuPG's answer. GnuPG
 * passes over a signature packet it cannot parse (an unknown version, or a
 * second signature of another class: "only the first will be checked")
 * without a word in what GPGME reports, so a damaged signature beside a
 * good one would go unseen; signature.c compares this count with the
 * signatures GPGME reports. For signature.c. */
#ifndef PF_PACKETS_H
#define PF_PACKETS_H

#include <stddef.h>

struct pf_ctx;

/* SIG (LEN bytes) is a detached signature: binary OpenPGP packets, or
 * the same ASCII-armored ("-----BEGIN PGP SIGNATURE-----"), holding only
 * signature packets (and marker packets, which OpenPGP says to ignore),
 * at least one. *N receives how many signature packets. Anything else
 * (another packet type, a length running past the end, a partial or
 * indeterminate length, bytes after the last packet or the armor) is
 * PF_E_VERIFY: "WHAT.sig is not a valid detached signature (why)". */
int pf_sig_count(struct pf_ctx *ctx, const char *what, const void *sig, size_t len, size_t *n);

#endif
