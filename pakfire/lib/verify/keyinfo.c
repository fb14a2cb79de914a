/* The trusted keys as GnuPG lists them: see keyinfo.h. */
#include <fcntl.h>
#include <gpgme.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/context.h"
#include "base/path.h"
#include "verify/keyinfo.h"
#include "verify/keyring.h"
#include "verify/stamp.h"

/* Add the keys GnuPG lists from one file's bytes. */
static int list_file(struct pf_ctx *ctx, gpgme_ctx_t g, const struct pf_keyfile *f,
		     struct pf_key_info **keys, size_t *n, size_t *cap)
{
	gpgme_data_t data = NULL;
	gpgme_key_t key = NULL;
	gpgme_error_t err;

	err = gpgme_data_new_from_mem(&data, f->buf, f->len, 0);
	if (!err)
		err = gpgme_op_keylist_from_data_start(g, data, 0);
	while (!err && !(err = gpgme_op_keylist_next(g, &key))) {
		struct pf_key_info *k;

		if (*n == *cap) {
			struct pf_key_info *m = realloc(*keys, (*cap = *cap ? *cap * 2 : 4) * sizeof(*m));

			if (!m) {
				gpgme_key_unref(key);
				gpgme_op_keylist_end(g);
				gpgme_data_release(data);
				return pf_fail(ctx, PF_E_OTHER, "out of memory");
			}
			*keys = m;
		}
		k = &(*keys)[(*n)++];
		memset(k, 0, sizeof(*k));
		snprintf(k->fingerprint, sizeof(k->fingerprint), "%s", key->fpr ? key->fpr : "");
		snprintf(k->uid, sizeof(k->uid), "%s",
			 key->uids && key->uids->uid ? key->uids->uid : "");
		snprintf(k->file, sizeof(k->file), "%s", f->name);
		if (key->subkeys) {
			k->created = key->subkeys->timestamp > 0 ? key->subkeys->timestamp : 0;
			k->expires = key->subkeys->expires > 0 ? key->subkeys->expires : 0;
		}
		k->expired = key->expired || (k->expires && k->expires < time(NULL));
		k->revoked = key->revoked;
		gpgme_key_unref(key);
	}
	gpgme_data_release(data);
	if (gpgme_err_code(err) != GPG_ERR_EOF)
		return pf_fail(ctx, PF_E_USAGE, "%s: GnuPG cannot list its keys: %s", f->name,
			       gpgme_strerror(err));
	return 0;
}

int pf_keys_describe(struct pf_ctx *ctx, const char *folder, struct pf_key_info **out, size_t *n)
{
	struct pf_keyset ks = { 0 };
	struct pf_key_info *keys = NULL;
	const char *tmp = getenv("TMPDIR");
	char home[4096];
	gpgme_ctx_t g = NULL;
	size_t cap = 0;
	int r = -1;

	*out = NULL;
	*n = 0;
	snprintf(home, sizeof(home), "%s/pakfire-keys-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (pf_keyset_read(ctx, folder, &ks) < 0)
		return -1;
	if (!mkdtemp(home)) {
		pf_fail_errno(ctx, PF_E_OTHER, "cannot make a temporary GnuPG home %s", home);
		goto out_keys;
	}
	if (pf_gpg_context(ctx, home, &g) < 0)
		goto out;
	for (size_t i = 0; i < ks.n; i++)
		if (list_file(ctx, g, &ks.f[i], &keys, n, &cap) < 0)
			goto out;
	*out = keys;
	keys = NULL;
	r = 0;
out:
	gpgme_release(g);
	pf_rmtree_at(AT_FDCWD, home); /* the host's, never the root's */
out_keys:
	free(keys);
	if (r < 0)
		*n = 0;
	pf_keyset_clear(&ks);
	return r;
}
