/* Signatures: see signature.h.
 *
 * GPGME's per-signature status GPG_ERR_NO_ERROR only says the maths holds;
 * it says nothing about whose key made it. Validity needs trust, so every key
 * imported from the keys folder gets ultimate ownertrust in a GnuPG home that
 * holds nothing else (keyring.c), and we then require GPGME_SIGSUM_VALID
 * *and* a primary fingerprint from the folder. */
#include <gpgme.h>
#include <stdio.h>

#include "base/context.h"
#include "verify/keyring.h"
#include "verify/signature.h"

/* Verify in the keyring's home. */
static int check_signature(struct pf_ctx *ctx, struct pf_keyring *kr, const char *what,
			   const void *data, size_t len, const void *sig, size_t sig_len,
			   char signer[PF_FPR_MAX])
{
	gpgme_ctx_t g = NULL;
	gpgme_data_t dsig = NULL, dtext = NULL;
	gpgme_verify_result_t res;
	gpgme_error_t err;
	const char *why = "no signature in it";
	char fpr[PF_FPR_MAX] = "";
	int r = -1;

	if (pf_keyring_gpg(kr, &g) < 0)
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
			err ? gpgme_strerror(err) : why);
		goto out;
	}
	for (gpgme_signature_t s = res->signatures; s; s = s->next) {
		if (gpgme_err_code(s->status) == GPG_ERR_NO_PUBKEY) {
			snprintf(fpr, sizeof(fpr), "%s", s->fpr ? s->fpr : "?");
			why = "which is not a trusted key";
			continue;
		}
		if (gpgme_err_code(s->status) == GPG_ERR_BAD_SIGNATURE) {
			why = "bad signature: the index was modified after signing";
			continue;
		}
		if (!s->fpr || pf_keyring_primary(kr, g, s->fpr, fpr) < 0 ||
		    !pf_keyring_trusts(kr, fpr)) {
			why = "which is not a trusted key";
			continue;
		}
		if (gpgme_err_code(s->status) != GPG_ERR_NO_ERROR || !(s->summary & GPGME_SIGSUM_VALID)) {
			why = s->summary & GPGME_SIGSUM_KEY_EXPIRED ? "with an expired key" :
			      s->summary & GPGME_SIGSUM_KEY_REVOKED ? "with a revoked key" :
			      s->summary & GPGME_SIGSUM_SIG_EXPIRED ? "with an expired signature" :
			      "but the signature is not valid";
			continue;
		}
		snprintf(signer, PF_FPR_MAX, "%s", fpr);
		r = 0;
		goto out;
	}
	pf_fail(ctx, PF_E_VERIFY, "%s: signed by %s, %s", what, fpr[0] ? fpr : "an unknown key", why);
out:
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

	if (sig_len == 0)
		return pf_fail(ctx, PF_E_VERIFY, "%s.sig is empty: the index is not signed", what);
	if (pf_keyring_open(ctx, keys, &kr) < 0)
		return -1;
	r = check_signature(ctx, kr, what, data, len, sig, sig_len, signer);
	if (r < 0 && pf_keyring_reused(kr)) {
		/* Never let a damaged home refuse a good signature: the same
		 * check again in a home made from nothing, whose answer is the
		 * one that counts (the first error is dropped, not kept beside
		 * a success). */
		pf_clear_error(ctx);
		r = pf_keyring_rebuild(kr);
		if (r == 0)
			r = check_signature(ctx, kr, what, data, len, sig, sig_len, signer);
	}
	pf_keyring_free(kr);
	return r;
}
