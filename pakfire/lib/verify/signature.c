/* Signatures: see signature.h.
 *
 * GPGME's per-signature status GPG_ERR_NO_ERROR only says the maths holds;
 * it says nothing about whose key made it. Validity needs trust, so every key
 * imported from the keys folder gets ultimate ownertrust in a GnuPG home that
 * holds nothing else (keyring.c), and we then require GPGME_SIGSUM_VALID
 * *and* a primary fingerprint from the folder.
 *
 * index.sig may hold several signatures: during a key rotation the
 * maintainers sign with the old and the new key (docs/key-rotation.md), so
 * that clients that trust either accept the index. The rule, one signature
 * at a time (classify()), then for the whole (check_signature()):
 *   - a good and valid signature by a key of the folder (a primary key, or
 *     a signing subkey of one) counts;
 *   - a signature by a key the home does not hold is ignored: it is the
 *     other half of an overlap, and GnuPG cannot even check its maths
 *     without the key, so it can neither help nor be judged;
 *   - a signature by a key of the folder whose maths holds but which is not
 *     valid (the key expired or was revoked, the signature expired) does
 *     not count, and refuses nothing by itself: an old key that expires
 *     during the overlap must not take the new key's signature down;
 *   - a bad signature (it does not match the index, or a key of the folder
 *     cannot check it at all) refuses the index whoever made it, even beside
 *     a good one: the maintainers sign one index with every key at once, so
 *     a file in which one signature fails is not what they published;
 *   - so does a signature packet GnuPG passed over without a word (packets.h
 *     counts them);
 *   - at least one signature must count. */
#include <gpgme.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "verify/keyring.h"
#include "verify/packets.h"
#include "verify/signature.h"

/* Signers named in one refusal, at most (the rest are counted). */
#define NAMED_MAX 4

enum sig_kind {
	SIG_GOOD,       /* counts */
	SIG_UNKNOWN,    /* by a key the home does not hold: ignored */
	SIG_NOT_VALID,  /* a key of the folder, but expired or revoked: does not count */
	SIG_BAD,        /* refuses the index */
};

/* One signature as GPGME reported it, copied: the verify result lives only
 * until the next operation on the context, and looking a key up is one. */
struct sig {
	char fpr[PF_FPR_MAX]; /* as reported: a fingerprint, a subkey's, or a key ID */
	gpgme_error_t status;
	gpgme_sigsum_t summary;
	enum sig_kind kind;
	char primary[PF_FPR_MAX]; /* of a key of the folder, else "" */
	char signer[PF_FPR_MAX + 8]; /* the name in messages: the primary when known */
	char why[160];
};

/* Sort S into its kind; S->signer and S->why say who and why. */
static void classify(const struct pf_keyring *kr, gpgme_ctx_t g, struct sig *s)
{
	gpg_err_code_t code = gpgme_err_code(s->status);
	/* A key of the folder: the home holds nothing else (keyring.h). */
	bool known = code != GPG_ERR_NO_PUBKEY && s->fpr[0] &&
		     pf_keyring_primary(kr, g, s->fpr, s->primary) == 0 &&
		     pf_keyring_trusts(kr, s->primary);

	if (known)
		snprintf(s->signer, sizeof(s->signer), "%s", s->primary);
	else if (s->fpr[0])
		snprintf(s->signer, sizeof(s->signer), "%s%s", strlen(s->fpr) < 40 ? "key ID " : "",
			 s->fpr);
	else
		snprintf(s->signer, sizeof(s->signer), "an unknown key");
	if (code == GPG_ERR_BAD_SIGNATURE) {
		/* GnuPG says BAD only when it held the key: the maths fails. */
		s->kind = SIG_BAD;
		snprintf(s->why, sizeof(s->why), "bad signature: it does not match the index"
			 " (the index or its signature was modified after signing)");
	} else if (code == GPG_ERR_NO_PUBKEY || !known) {
		s->kind = SIG_UNKNOWN;
		snprintf(s->why, sizeof(s->why), "which is not a trusted key");
	} else if (code == GPG_ERR_NO_ERROR && (s->summary & GPGME_SIGSUM_VALID)) {
		s->kind = SIG_GOOD;
	} else if (code == GPG_ERR_NO_ERROR || code == GPG_ERR_KEY_EXPIRED ||
		   code == GPG_ERR_SIG_EXPIRED || code == GPG_ERR_CERT_REVOKED) {
		s->kind = SIG_NOT_VALID;
		snprintf(s->why, sizeof(s->why), "%s",
			 s->summary & GPGME_SIGSUM_KEY_EXPIRED ? "with an expired key" :
			 s->summary & GPGME_SIGSUM_KEY_REVOKED ? "with a revoked key" :
			 s->summary & GPGME_SIGSUM_SIG_EXPIRED ? "with an expired signature" :
			 "but the signature is not valid");
	} else {
		/* A trusted key cannot check it: a damaged packet (an algorithm
		 * byte) reads as this, and cannot be told from anything else. */
		s->kind = SIG_BAD;
		snprintf(s->why, sizeof(s->why), "a signature that cannot be checked (%s)",
			 gpgme_strerror(s->status));
	}
}

/* No signature counts: say who signed and why none counts, and, when a key
 * is not trusted, how a key becomes trusted. */
static int refuse_untrusted(struct pf_ctx *ctx, const char *keys, const char *what,
			    const struct sig *sigs, size_t n)
{
	char msg[1024];
	size_t len = 0;
	bool unknown = false;

	for (size_t i = 0; i < n && i < NAMED_MAX; i++) {
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s%s, %s", i ? ", and by " : "",
					sigs[i].signer, sigs[i].why);
		if (len >= sizeof(msg))
			break;
	}
	for (size_t i = 0; i < n; i++)
		unknown |= sigs[i].kind == SIG_UNKNOWN;
	if (n > NAMED_MAX && len < sizeof(msg))
		snprintf(msg + len, sizeof(msg) - len, ", and %zu more", n - NAMED_MAX);
	if (!unknown)
		return pf_fail(ctx, PF_E_VERIFY, "%s: signed by %s", what, msg);
	return pf_fail(ctx, PF_E_VERIFY,
		       "%s: signed by %s; a key becomes trusted when its public key (*.asc) is in"
		       " %s%s (shipped by a core update, or placed there by the administrator)",
		       what, msg, pf_ctx_root_prefix(ctx), keys);
}

/* Verify in the keyring's home. */
static int check_signature(struct pf_ctx *ctx, struct pf_keyring *kr, const char *keys,
			   const char *what, const void *data, size_t len, const void *sig,
			   size_t sig_len, char signer[PF_FPR_MAX])
{
	gpgme_ctx_t g = NULL;
	gpgme_data_t dsig = NULL, dtext = NULL;
	gpgme_verify_result_t res;
	gpgme_error_t err;
	struct sig *sigs = NULL;
	size_t packets, n = 0, good = SIZE_MAX;
	int r = -1;

	if (pf_sig_count(ctx, what, sig, sig_len, &packets) < 0 || pf_keyring_gpg(kr, &g) < 0)
		return -1;
	err = gpgme_data_new_from_mem(&dsig, sig, sig_len, 0);
	if (!err)
		err = gpgme_data_new_from_mem(&dtext, data, len, 0);
	if (err) {
		pf_fail(ctx, PF_E_OTHER, "GnuPG: out of memory: %s", gpgme_strerror(err));
		goto out;
	}
	err = gpgme_op_verify(g, dsig, dtext, NULL);
	res = gpgme_op_verify_result(g);
	if (err || !res || !res->signatures) {
		pf_fail(ctx, PF_E_VERIFY, "%s.sig is not a valid detached signature (%s)", what,
			err ? gpgme_strerror(err) : "no signature in it");
		goto out;
	}
	for (gpgme_signature_t s = res->signatures; s; s = s->next)
		n++;
	if (n != packets) {
		pf_fail(ctx, PF_E_VERIFY, "%s.sig holds %zu signatures, but GnuPG read only %zu of"
			" them: a damaged signature refuses the index, even beside a good one", what,
			packets, n);
		goto out;
	}
	sigs = calloc(n, sizeof(*sigs));
	if (!sigs) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	n = 0;
	for (gpgme_signature_t s = res->signatures; s; s = s->next, n++) {
		snprintf(sigs[n].fpr, sizeof(sigs[n].fpr), "%s", s->fpr ? s->fpr : "");
		sigs[n].status = s->status;
		sigs[n].summary = s->summary;
	}
	for (size_t i = 0; i < n; i++) {
		classify(kr, g, &sigs[i]);
		if (sigs[i].kind == SIG_BAD) {
			pf_fail(ctx, PF_E_VERIFY, "%s: signed by %s, %s; a bad signature refuses the"
				" index, even beside a good one", what, sigs[i].signer, sigs[i].why);
			goto out;
		}
		if (sigs[i].kind == SIG_GOOD && good == SIZE_MAX)
			good = i;
	}
	if (good == SIZE_MAX) {
		bool all_unknown = n > 0;

		for (size_t i = 0; i < n; i++)
			all_unknown &= sigs[i].kind == SIG_UNKNOWN;
		/* Only keys this system does not know yet: the caller may know
		 * that one is on its way (a switching update that ships it). */
		if (all_unknown)
			snprintf(signer, PF_FPR_MAX, "%s", sigs[0].fpr);
		refuse_untrusted(ctx, keys, what, sigs, n);
		goto out;
	}
	snprintf(signer, PF_FPR_MAX, "%s", sigs[good].primary);
	r = 0;
out:
	free(sigs);
	gpgme_data_release(dsig);
	gpgme_data_release(dtext);
	gpgme_release(g);
	return r;
}

int pf_verify_signature(struct pf_ctx *ctx, const char *keys, const char *what, const void *data,
			size_t len, const void *sig, size_t sig_len, char signer[PF_FPR_MAX])
{
	struct pf_keyring *kr = NULL;
	int r;

	signer[0] = '\0';
	if (sig_len == 0)
		return pf_fail(ctx, PF_E_VERIFY, "%s.sig is empty: the index is not signed", what);
	if (pf_keyring_open(ctx, keys, &kr) < 0)
		return -1;
	r = check_signature(ctx, kr, keys, what, data, len, sig, sig_len, signer);
	if (r < 0 && pf_keyring_reused(kr)) {
		/* Never let a damaged home refuse a good signature: the same
		 * check again in a home made from nothing, whose answer is the
		 * one that counts (the first error is dropped, not kept beside
		 * a success). */
		pf_clear_error(ctx);
		signer[0] = '\0';
		r = pf_keyring_rebuild(kr);
		if (r == 0)
			r = check_signature(ctx, kr, keys, what, data, len, sig, sig_len, signer);
	}
	pf_keyring_free(kr);
	return r;
}
