/* The private GnuPG home: see keyring.h.
 *
 * Building that home costs a gpg process per import, per key to trust and
 * per key listed: a quarter of a second on a slow machine, on every
 * 'pakfire update'. So the home is kept between runs, with a stamp file
 * (written last, after every import and trust succeeded) holding the
 * SHA-256 of the keys folder's *.asc files (names and bytes, in name order)
 * and the fingerprints imported from them. A run whose keys folder hashes to
 * the stamp's value reuses the home; anything else (a key added, removed or
 * changed, no stamp, a malformed stamp, a home that is not a private
 * folder of ours) rebuilds it from nothing. A verification that fails in a
 * reused home is retried once in a rebuilt one (signature.c), so that a
 * home damaged behind our back (a lost write, a power cut) costs time,
 * never a wrong refusal; it can never make a signature count that would
 * not count in a fresh home, because both the keys and the list of pinned
 * fingerprints come from the same, current keys folder. */
#include <errno.h>
#include <fcntl.h>
#include <gpgme.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/path.h"
#include "verify/keyring.h"
#include "verify/stamp.h"

struct pf_keyring {
	struct pf_ctx *ctx;
	char *keys;                       /* the keys folder, inside the root */
	char *home;                       /* the home's path, for gpg */
	int dfd;                          /* PF_KEYRING_DIR, which holds the home */
	bool reused;
	struct pf_keyset ks;
	struct pf_trusted t;
};

static int gpg_fail(struct pf_ctx *ctx, gpgme_error_t err, const char *what)
{
	return pf_fail(ctx, PF_E_OTHER, "GnuPG: %s: %s", what, gpgme_strerror(err));
}

int pf_gpg_context(struct pf_ctx *ctx, const char *home, gpgme_ctx_t *out)
{
	gpgme_ctx_t g = NULL;
	gpgme_error_t err;

	/* GPGME asks gpgconf where GnuPG lives (two more processes on every
	 * start); the compiled-in paths are the distribution's. Only possible
	 * before GPGME is initialised: later calls fail, harmlessly. */
	(void)gpgme_set_global_flag("disable-gpgconf", "1");
	gpgme_check_version(NULL);
	err = gpgme_new(&g);
	if (!err)
		err = gpgme_set_protocol(g, GPGME_PROTOCOL_OpenPGP);
	if (!err)
		err = gpgme_ctx_set_engine_info(g, GPGME_PROTOCOL_OpenPGP, NULL, home);
	if (err) {
		gpgme_release(g);
		return gpg_fail(ctx, err, "cannot set up a private home");
	}
	*out = g;
	return 0;
}

/* Answers gpg's "--edit-key trust" dialogue: ownertrust 5 (ultimate). */
static gpgme_error_t trust_cb(void *opaque, const char *keyword, const char *args, int fd)
{
	int *step = opaque;
	const char *reply = NULL;

	if (fd < 0 || !args)
		return 0;
	if (!strcmp(keyword, "GET_LINE") && !strcmp(args, "keyedit.prompt"))
		reply = (*step)++ == 0 ? "trust\n" : "quit\n";
	else if (!strcmp(keyword, "GET_LINE") && !strcmp(args, "edit_ownertrust.value"))
		reply = "5\n";
	else if (!strcmp(keyword, "GET_BOOL"))
		reply = "y\n";
	else
		return gpgme_error(GPG_ERR_GENERAL); /* a question we did not expect */
	if (gpgme_io_writen(fd, reply, strlen(reply)) < 0)
		return gpgme_error_from_syserror();
	return 0;
}

/* Import one key file, give its keys ultimate ownertrust, and record their
 * primary and subkey fingerprints in T. */
static int import_key(struct pf_ctx *ctx, gpgme_ctx_t g, const struct pf_keyfile *k,
		      struct pf_trusted *t)
{
	char imported[MAX_KEYS][PF_FPR_MAX];
	size_t n = 0;
	gpgme_data_t d = NULL;
	gpgme_import_result_t res;
	gpgme_error_t err;
	int r = -1;

	err = gpgme_data_new_from_mem(&d, k->buf, k->len, 0);
	if (!err)
		err = gpgme_op_import(g, d);
	if (err) {
		pf_fail(ctx, PF_E_USAGE, "trusted key %s: %s", k->name, gpgme_strerror(err));
		goto out;
	}
	res = gpgme_op_import_result(g);
	if (!res || !res->imports) {
		pf_fail(ctx, PF_E_USAGE, "trusted key %s holds no OpenPGP public key", k->name);
		goto out;
	}
	/* Collect first: the next operation on G frees the import result. */
	for (gpgme_import_status_t s = res->imports; s; s = s->next) {
		if (s->result || !s->fpr)
			continue;
		if (n == MAX_KEYS || t->n + n >= MAX_KEYS) {
			pf_fail(ctx, PF_E_USAGE, "more than %d trusted keys", MAX_KEYS);
			goto out;
		}
		snprintf(imported[n++], PF_FPR_MAX, "%s", s->fpr);
	}
	for (size_t i = 0; i < n; i++) {
		gpgme_key_t key = NULL;
		gpgme_data_t sink = NULL;
		int step = 0;

		err = gpgme_get_key(g, imported[i], &key, 0);
		if (!err)
			err = gpgme_data_new(&sink); /* gpg's chatter; interact needs one */
		if (!err)
			err = gpgme_op_interact(g, key, 0, trust_cb, &step, sink);
		gpgme_data_release(sink);
		if (err) {
			gpgme_key_unref(key);
			gpg_fail(ctx, err, "cannot trust imported key");
			goto out;
		}
		/* The same key listed twice in the folder: once is enough. */
		if (pf_trusted_find(t, imported[i]) == SIZE_MAX) {
			for (gpgme_subkey_t sk = key->subkeys; sk; sk = sk->next) {
				if (!sk->fpr || !pf_fpr_ok(sk->fpr, strlen(sk->fpr)) ||
				    pf_trusted_add(t, imported[i], sk->fpr) < 0) {
					gpgme_key_unref(key);
					pf_fail(ctx, PF_E_USAGE, "trusted key %s: too many keys or a bad fingerprint",
						k->name);
					goto out;
				}
			}
		}
		gpgme_key_unref(key);
	}
	r = 0;
out:
	gpgme_data_release(d);
	return r;
}

/* Make the home from nothing: an empty private folder, gpg.conf, every key
 * of KS imported and trusted, then the stamp. */
static int rebuild_home(struct pf_ctx *ctx, const char *keys, int dfd, const char *home,
			const struct pf_keyset *ks, struct pf_trusted *t)
{
	gpgme_ctx_t g = NULL;
	int hfd = -1, fd = -1, r = -1;

	memset(t, 0, sizeof(*t));
	if ((pf_rmtree_at(dfd, PF_KEYRING_HOME) < 0 && errno != ENOENT) ||
	    mkdirat(dfd, PF_KEYRING_HOME, 0700) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", home);
		goto out;
	}
	hfd = openat(dfd, PF_KEYRING_HOME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (hfd < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", home);
		goto out;
	}
	fd = openat(hfd, "gpg.conf", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 ||
	    write(fd, PF_GPG_CONF, sizeof(PF_GPG_CONF) - 1) != (ssize_t)sizeof(PF_GPG_CONF) - 1) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s/gpg.conf", home);
		goto out;
	}
	if (pf_gpg_context(ctx, home, &g) < 0)
		goto out;
	for (size_t i = 0; i < ks->n; i++)
		if (import_key(ctx, g, &ks->f[i], t) < 0)
			goto out;
	if (t->n == 0) {
		pf_fail(ctx, PF_E_USAGE, "no trusted keys (*.asc) in %s%s: nothing can be verified",
			pf_ctx_root_prefix(ctx), keys);
		goto out;
	}
	if (pf_stamp_write(ctx, hfd, ks, t) < 0)
		goto out;
	r = 0;
out:
	gpgme_release(g);
	if (fd >= 0)
		close(fd);
	if (hfd >= 0)
		close(hfd);
	return r;
}

/* From the fingerprints recorded at import, else (a signature that names
 * its key by a short id) by asking the home, which holds only the folder's
 * keys. */
int pf_keyring_primary(const struct pf_keyring *kr, gpgme_ctx_t g, const char *fpr,
		       char out[PF_FPR_MAX])
{
	const struct pf_trusted *t = &kr->t;
	gpgme_key_t key = NULL;

	for (size_t i = 0; i < t->n_sub; i++)
		if (!strcasecmp(t->sub[i].fpr, fpr)) {
			snprintf(out, PF_FPR_MAX, "%s", t->fpr[t->sub[i].primary]);
			return 0;
		}
	if (gpgme_get_key(g, fpr, &key, 0) || !key || !key->fpr) {
		gpgme_key_unref(key);
		return -1;
	}
	snprintf(out, PF_FPR_MAX, "%s", key->fpr);
	gpgme_key_unref(key);
	return 0;
}

bool pf_keyring_trusts(const struct pf_keyring *kr, const char *fpr)
{
	const struct pf_trusted *t = &kr->t;

	for (size_t i = 0; i < t->n; i++)
		if (!strcasecmp(t->fpr[i], fpr))
			return true;
	return false;
}

void pf_keyring_free(struct pf_keyring *kr)
{
	if (!kr)
		return;
	if (kr->dfd >= 0)
		close(kr->dfd);
	pf_keyset_clear(&kr->ks);
	free(kr->home);
	free(kr->keys);
	free(kr);
}

int pf_keyring_open(struct pf_ctx *ctx, const char *keys, struct pf_keyring **out)
{
	struct pf_keyring *kr = calloc(1, sizeof(*kr));

	*out = NULL;
	if (!kr)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	kr->ctx = ctx;
	kr->dfd = -1;
	kr->keys = strdup(keys);
	if (!kr->keys) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto fail;
	}
	if (pf_keyset_read(ctx, keys, &kr->ks) < 0 || pf_root_mkdirs(ctx, PF_KEYRING_DIR) < 0)
		goto fail;
	kr->dfd = pf_root_open(ctx, PF_KEYRING_DIR, O_RDONLY | O_DIRECTORY, 0);
	if (kr->dfd < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(ctx), PF_KEYRING_DIR);
		goto fail;
	}
	if (asprintf(&kr->home, "%s/%s/%s", pf_ctx_root_prefix(ctx), PF_KEYRING_DIR,
		     PF_KEYRING_HOME) < 0) {
		kr->home = NULL;
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto fail;
	}
	kr->reused = pf_stamp_current(kr->dfd, &kr->ks, &kr->t);
	if (!kr->reused && pf_keyring_rebuild(kr) < 0)
		goto fail;
	*out = kr;
	return 0;
fail:
	pf_keyring_free(kr);
	return -1;
}

bool pf_keyring_reused(const struct pf_keyring *kr)
{
	return kr->reused;
}

int pf_keyring_rebuild(struct pf_keyring *kr)
{
	kr->reused = false;
	return rebuild_home(kr->ctx, kr->keys, kr->dfd, kr->home, &kr->ks, &kr->t);
}

int pf_keyring_gpg(struct pf_keyring *kr, gpgme_ctx_t *out)
{
	return pf_gpg_context(kr->ctx, kr->home, out);
}
