/* Signing the index with GPGME: see sign.h. */
#include <gpgme.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/context.h"
#include "base/error.h"
#include "sign.h"

bool sign_fpr_valid(const char *fpr)
{
	size_t n = strlen(fpr);

	return (n == 40 || n == 64) &&
	       strspn(fpr, "0123456789abcdefABCDEF") == n;
}

static int gpg_fail(struct pf_ctx *ctx, gpgme_error_t err, const char *what)
{
	return pf_fail(ctx, PF_E_OTHER, "gpgme: %s: %s", what, gpgme_strerror(err));
}

/* A context on GNUPGHOME that never talks to a pinentry. */
static int open_gpg(struct pf_ctx *ctx, const char *home, gpgme_ctx_t *out)
{
	gpgme_ctx_t g = NULL;
	gpgme_error_t err;

	/* Required once before any other call; also loads the locale-free
	 * defaults. Cheap to repeat. */
	if (!gpgme_check_version(NULL))
		return pf_fail(ctx, PF_E_OTHER, "gpgme: library initialisation failed");
	err = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP);
	if (err)
		return gpg_fail(ctx, err, "no usable gpg engine");
	err = gpgme_new(&g);
	if (err)
		return gpg_fail(ctx, err, "new context");
	if ((err = gpgme_set_protocol(g, GPGME_PROTOCOL_OpenPGP)) ||
	    (err = gpgme_ctx_set_engine_info(g, GPGME_PROTOCOL_OpenPGP, NULL, home)) ||
	    (err = gpgme_set_pinentry_mode(g, GPGME_PINENTRY_MODE_LOOPBACK))) {
		gpgme_release(g);
		return gpg_fail(ctx, err, home);
	}
	gpgme_set_armor(g, 0);
	gpgme_set_textmode(g, 0);
	*out = g;
	return 0;
}

/* The secret key FPR, usable for signing. */
static int find_key(struct pf_ctx *ctx, gpgme_ctx_t g, const char *home,
		    const char *fpr, gpgme_key_t *out)
{
	gpgme_key_t key = NULL;
	gpgme_error_t err = gpgme_get_key(g, fpr, &key, 1);

	if (gpgme_err_code(err) == GPG_ERR_EOF)
		return pf_fail(ctx, PF_E_OTHER, "no secret key %s in %s", fpr, home);
	if (err)
		return pf_fail(ctx, PF_E_OTHER, "gpgme: secret key %s in %s: %s",
			       fpr, home, gpgme_strerror(err));
	/* get_key matched a fingerprint we insist is complete; make sure it is
	 * the primary key's, so the clients' pin and our report agree. */
	if (!key->fpr || strcasecmp(key->fpr, fpr) != 0 ||
	    key->revoked || key->expired || key->disabled || key->invalid ||
	    !key->can_sign) {
		pf_fail(ctx, PF_E_OTHER,
			"key %s in %s is not a primary key that can sign (revoked, expired, disabled or a subkey fingerprint?)",
			fpr, home);
		gpgme_key_unref(key);
		return -1;
	}
	*out = key;
	return 0;
}

static bool key_has_fpr(gpgme_key_t key, const char *fpr)
{
	for (gpgme_subkey_t sk = key->subkeys; sk; sk = sk->next)
		if (sk->fpr && strcasecmp(sk->fpr, fpr) == 0)
			return true;
	return false;
}

/* Exactly one detached signature by each of the N KEYS (its primary key or
 * a signing subkey) and nothing else: anything else is not what the
 * clients will verify. */
static int check_result(struct pf_ctx *ctx, gpgme_ctx_t g, gpgme_key_t *keys, size_t n)
{
	gpgme_sign_result_t res = gpgme_op_sign_result(g);
	size_t count = 0;

	if (!res)
		return pf_fail(ctx, PF_E_OTHER, "gpgme: no signing result");
	if (res->invalid_signers)
		return pf_fail(ctx, PF_E_OTHER, "gpgme: key %s could not sign: %s",
			       res->invalid_signers->fpr ? res->invalid_signers->fpr : "(unknown)",
			       gpgme_strerror(res->invalid_signers->reason));
	for (gpgme_new_signature_t s = res->signatures; s; s = s->next)
		count++;
	if (count != n)
		return pf_fail(ctx, PF_E_OTHER, "gpgme: expected %zu signature%s, got %zu",
			       n, n == 1 ? "" : "s", count);
	for (size_t k = 0; k < n; k++) {
		size_t by_key = 0;

		for (gpgme_new_signature_t s = res->signatures; s; s = s->next)
			by_key += s->type == GPGME_SIG_MODE_DETACH && s->fpr &&
				  key_has_fpr(keys[k], s->fpr);
		if (by_key != 1)
			return pf_fail(ctx, PF_E_OTHER,
				       "gpgme: the signature holds %zu detached signatures by %s, not one",
				       by_key, keys[k]->fpr);
	}
	return 0;
}

/* Move the signature out of GPGME's memory into ours (one owner, free()). */
static int take_output(struct pf_ctx *ctx, gpgme_data_t out, char **sig,
		       size_t *sig_len)
{
	size_t n = 0;
	char *mem = gpgme_data_release_and_get_mem(out, &n);

	if (!mem || n == 0) {
		gpgme_free(mem);
		return pf_fail(ctx, PF_E_OTHER, "gpgme: empty signature");
	}
	*sig = malloc(n);
	if (!*sig) {
		gpgme_free(mem);
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	memcpy(*sig, mem, n);
	*sig_len = n;
	gpgme_free(mem);
	return 0;
}

/* "FPR1, FPR2": the primary fingerprints of the N KEYS. */
static char *signer_list(gpgme_key_t *keys, size_t n)
{
	char *list = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&list, &size);

	if (!f)
		return NULL;
	for (size_t k = 0; k < n; k++)
		fprintf(f, "%s%s", k ? ", " : "", keys[k]->fpr);
	if (fclose(f) != 0) {
		free(list);
		return NULL;
	}
	return list;
}

/* The N keys, each a usable primary key, no key twice (two spellings of one
 * fingerprint would make one signature, not two), each added as a signer. */
static int add_signers(struct pf_ctx *ctx, gpgme_ctx_t g, const char *home,
		       const char *const *fprs, size_t n, gpgme_key_t *keys)
{
	gpgme_error_t err;

	for (size_t k = 0; k < n; k++) {
		if (find_key(ctx, g, home, fprs[k], &keys[k]) < 0)
			return -1;
		for (size_t j = 0; j < k; j++)
			if (strcasecmp(keys[j]->fpr, keys[k]->fpr) == 0)
				return pf_fail(ctx, PF_E_USAGE, "key %s is given twice",
					       keys[k]->fpr);
		if ((err = gpgme_signers_add(g, keys[k])))
			return gpg_fail(ctx, err, "adding a signer");
	}
	return 0;
}

int sign_detached(struct pf_ctx *ctx, const char *gnupghome,
		  const char *const *fprs, size_t n, const char *buf, size_t len,
		  char **sig, size_t *sig_len, char **signers)
{
	gpgme_ctx_t g = NULL;
	gpgme_key_t *keys = NULL;
	gpgme_data_t in = NULL, out = NULL;
	gpgme_error_t err;
	int r = -1;

	*sig = NULL;
	*signers = NULL;
	if (n == 0)
		return pf_fail(ctx, PF_E_USAGE, "no signing key given");
	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	if (open_gpg(ctx, gnupghome, &g) < 0)
		goto out;
	if (add_signers(ctx, g, gnupghome, fprs, n, keys) < 0)
		goto out;
	if ((err = gpgme_data_new_from_mem(&in, buf, len, 0)) ||
	    (err = gpgme_data_new(&out))) {
		gpg_fail(ctx, err, "data buffer");
		goto out;
	}
	if ((err = gpgme_op_sign(g, in, out, GPGME_SIG_MODE_DETACH))) {
		gpg_fail(ctx, err, "signing the index");
		goto out;
	}
	if (check_result(ctx, g, keys, n) < 0)
		goto out;
	r = take_output(ctx, out, sig, sig_len);
	out = NULL; /* released by take_output */
	if (r == 0) {
		*signers = signer_list(keys, n);
		if (!*signers) {
			free(*sig);
			*sig = NULL;
			r = pf_fail(ctx, PF_E_OTHER, "out of memory");
		}
	}
out:
	if (in)
		gpgme_data_release(in);
	if (out)
		gpgme_data_release(out);
	for (size_t k = 0; keys && k < n; k++)
		if (keys[k])
			gpgme_key_unref(keys[k]);
	free(keys);
	if (g)
		gpgme_release(g);
	return r;
}
