/* Inside verify/: the keys folder as one run reads it, and the stamp that
 * records in the home which folder (by digest) and which fingerprints the
 * home was made from (stamp.c); keyring.c builds and reuses the home with
 * them. Not for use outside verify/. */
#ifndef PF_STAMP_H
#define PF_STAMP_H

#include <stdbool.h>
#include <stddef.h>

#include "verify/signature.h" /* PF_FPR_MAX */

struct pf_ctx;

#define PF_KEYRING_DIR  "var/lib/pakfire"   /* inside the root */
#define PF_KEYRING_HOME "gnupg"             /* inside PF_KEYRING_DIR */
#define PF_GPG_CONF     "no-autostart\nno-auto-key-retrieve\nno-greeting\n"
#define MAX_KEYS 64
#define MAX_SUBKEYS 512

/* The keys of the folder: primary fingerprints, and every key or subkey
 * with the primary it belongs to. */
struct pf_trusted {
	char fpr[MAX_KEYS][PF_FPR_MAX];   /* primary fingerprints, from the folder */
	size_t n;
	struct {
		char fpr[PF_FPR_MAX];     /* a primary key or a subkey ... */
		size_t primary;           /* ... and its primary: index into fpr */
	} sub[MAX_SUBKEYS];
	size_t n_sub;
};

/* The *.asc files of the keys folder, read once per run. */
struct pf_keyfile {
	char *name;
	char *buf;
	size_t len;
};

struct pf_keyset {
	struct pf_keyfile *f;
	size_t n;
	char digest[65];                  /* what the stamp must say */
};

/* Read every *.asc of FOLDER (inside the root), in name order, and hash
 * them (with the home's make-up) into ks->digest. None is PF_E_USAGE. */
int pf_keyset_read(struct pf_ctx *ctx, const char *folder, struct pf_keyset *ks);
void pf_keyset_clear(struct pf_keyset *ks);

/* A fingerprint: 1 to PF_FPR_MAX - 1 hex digits. */
bool pf_fpr_ok(const char *s, size_t len);

/* The index of primary FPR in T, or SIZE_MAX. */
size_t pf_trusted_find(struct pf_trusted *t, const char *fpr);

/* Record that FPR (a key or subkey) belongs to primary PRIMARY; -1 when T
 * is full. */
int pf_trusted_add(struct pf_trusted *t, const char *primary, const char *fpr);

/* The home (PF_KEYRING_HOME below DFD) can be reused: a folder of ours,
 * private, whose stamp names KS's digest. Fills T from the stamp.
 * Anything unexpected means "rebuild", never an error. */
bool pf_stamp_current(int dfd, const struct pf_keyset *ks, struct pf_trusted *t);

/* Write the stamp into the home HFD, last, once every key is in. */
int pf_stamp_write(struct pf_ctx *ctx, int hfd, const struct pf_keyset *ks,
		   const struct pf_trusted *t);

#endif
