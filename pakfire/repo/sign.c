/* Signing the index with GPGME: see sign.h. */
#include <gpgme.h>
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

/* Exactly one signature, made by KEY (its primary key or a signing subkey),
 * detached: anything else is not what the clients will verify. */
static int check_result(struct pf_ctx *ctx, gpgme_ctx_t g, gpgme_key_t key)
{
	gpgme_sign_result_t res = gpgme_op_sign_result(g);
	gpgme_new_signature_t s;

	if (!res)
		return pf_fail(ctx, PF_E_OTHER, "gpgme: no signing result");
	if (res->invalid_signers)
		return pf_fail(ctx, PF_E_OTHER, "gpgme: key %s could not sign: %s",
			       res->invalid_signers->fpr ? res->invalid_signers->fpr : key->fpr,
			       gpgme_strerror(res->invalid_signers->reason));
	s = res->signatures;
	if (!s || s->next)
		return pf_fail(ctx, PF_E_OTHER, "gpgme: expected exactly one signature");
	if (s->type != GPGME_SIG_MODE_DETACH || !s->fpr || !key_has_fpr(key, s->fpr))
		return pf_fail(ctx, PF_E_OTHER,
			       "gpgme: the signature is not a detached one by %s",
			       key->fpr);
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

int sign_detached(struct pf_ctx *ctx, const char *gnupghome, const char *fpr,
		  const char *buf, size_t len, char **sig, size_t *sig_len,
		  char **signer)
{
	gpgme_ctx_t g = NULL;
	gpgme_key_t key = NULL;
	gpgme_data_t in = NULL, out = NULL;
	gpgme_error_t err;
	int r = -1;

	*sig = NULL;
	*signer = NULL;
	if (open_gpg(ctx, gnupghome, &g) < 0)
		return -1;
	if (find_key(ctx, g, gnupghome, fpr, &key) < 0)
		goto out;
	if ((err = gpgme_signers_add(g, key))) {
		gpg_fail(ctx, err, "adding the signer");
		goto out;
	}
	if ((err = gpgme_data_new_from_mem(&in, buf, len, 0)) ||
	    (err = gpgme_data_new(&out))) {
		gpg_fail(ctx, err, "data buffer");
		goto out;
	}
	if ((err = gpgme_op_sign(g, in, out, GPGME_SIG_MODE_DETACH))) {
		gpg_fail(ctx, err, "signing the index");
		goto out;
	}
	if (check_result(ctx, g, key) < 0)
		goto out;
	r = take_output(ctx, out, sig, sig_len);
	out = NULL; /* released by take_output */
	if (r == 0) {
		*signer = strdup(key->fpr);
		if (!*signer) {
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
	if (key)
		gpgme_key_unref(key);
	gpgme_release(g);
	return r;
}
