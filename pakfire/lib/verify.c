/* Signatures: see verify.h.
 *
 * GPGME's per-signature status GPG_ERR_NO_ERROR only says the maths holds;
 * it says nothing about whose key made it. Validity needs trust, so every key
 * imported from the keys folder gets ultimate ownertrust in a GnuPG home that
 * holds nothing else, and we then require GPGME_SIGSUM_VALID *and* a primary
 * fingerprint from the folder. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gpgme.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "context.h"
#include "path.h"
#include "verify.h"

#define STATE_DIR "var/lib/pakfire"
#define HOME_NAME "gnupg"
#define KEY_FILE_MAX (1024 * 1024)
#define MAX_KEYS 64

struct trusted {
	char fpr[MAX_KEYS][PF_FPR_MAX];
	size_t n;
};

static int gpg_fail(struct pf_ctx *ctx, gpgme_error_t err, const char *what)
{
	return pf_fail(ctx, PF_E_OTHER, "GnuPG: %s: %s", what, gpgme_strerror(err));
}

/* Make an empty private home and point a GPGME context at it. */
static int private_home(struct pf_ctx *ctx, gpgme_ctx_t *out)
{
	static const char conf[] = "no-autostart\nno-auto-key-retrieve\nno-greeting\n";
	char *home = NULL;
	gpgme_ctx_t g = NULL;
	gpgme_error_t err;
	int dfd = -1, fd = -1, r = -1;

	if (pf_root_mkdirs(ctx, STATE_DIR) < 0)
		return -1;
	dfd = pf_root_open(ctx, STATE_DIR, O_RDONLY | O_DIRECTORY, 0);
	if (dfd < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(ctx), STATE_DIR);
		goto out;
	}
	if ((pf_rmtree_at(dfd, HOME_NAME) < 0 && errno != ENOENT) ||
	    mkdirat(dfd, HOME_NAME, 0700) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s/%s/%s", pf_ctx_root_prefix(ctx), STATE_DIR,
			      HOME_NAME);
		goto out;
	}
	fd = openat(dfd, HOME_NAME "/gpg.conf", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0 || write(fd, conf, sizeof(conf) - 1) != (ssize_t)sizeof(conf) - 1) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s/%s/%s/gpg.conf", pf_ctx_root_prefix(ctx),
			      STATE_DIR, HOME_NAME);
		goto out;
	}
	/* gpg runs as a child process that does not share our fds, so it
	 * needs the home by name. */
	if (asprintf(&home, "%s/%s/%s", pf_ctx_root_prefix(ctx), STATE_DIR, HOME_NAME) < 0) {
		home = NULL;
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	gpgme_check_version(NULL);
	err = gpgme_new(&g);
	if (!err)
		err = gpgme_set_protocol(g, GPGME_PROTOCOL_OpenPGP);
	if (!err)
		err = gpgme_ctx_set_engine_info(g, GPGME_PROTOCOL_OpenPGP, NULL, home);
	if (err) {
		gpg_fail(ctx, err, "cannot set up a private home");
		goto out;
	}
	*out = g;
	g = NULL;
	r = 0;
out:
	gpgme_release(g);
	free(home);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return r;
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

static int import_key(struct pf_ctx *ctx, gpgme_ctx_t g, const char *file, const char *buf,
		      size_t len, struct trusted *t)
{
	gpgme_data_t d = NULL;
	gpgme_import_result_t res;
	gpgme_error_t err;
	size_t first;
	int r = -1;

	err = gpgme_data_new_from_mem(&d, buf, len, 0);
	if (!err)
		err = gpgme_op_import(g, d);
	if (err) {
		pf_fail(ctx, PF_E_USAGE, "trusted key %s: %s", file, gpgme_strerror(err));
		goto out;
	}
	res = gpgme_op_import_result(g);
	if (!res || !res->imports) {
		pf_fail(ctx, PF_E_USAGE, "trusted key %s holds no OpenPGP public key", file);
		goto out;
	}
	/* Collect first: the next operation on G frees the import result. */
	first = t->n;
	for (gpgme_import_status_t s = res->imports; s; s = s->next) {
		if (s->result || !s->fpr)
			continue;
		if (t->n == MAX_KEYS) {
			pf_fail(ctx, PF_E_USAGE, "more than %d trusted keys", MAX_KEYS);
			goto out;
		}
		snprintf(t->fpr[t->n++], PF_FPR_MAX, "%s", s->fpr);
	}
	for (size_t i = first; i < t->n; i++) {
		gpgme_key_t key = NULL;
		gpgme_data_t sink = NULL;
		int step = 0;

		err = gpgme_get_key(g, t->fpr[i], &key, 0);
		if (!err)
			err = gpgme_data_new(&sink); /* gpg's chatter; interact needs one */
		if (!err)
			err = gpgme_op_interact(g, key, 0, trust_cb, &step, sink);
		gpgme_data_release(sink);
		gpgme_key_unref(key);
		if (err) {
			gpg_fail(ctx, err, "cannot trust imported key");
			goto out;
		}
	}
	r = 0;
out:
	gpgme_data_release(d);
	return r;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

/* Import every *.asc of the keys folder, in name order. */
static int import_keys(struct pf_ctx *ctx, gpgme_ctx_t g, struct trusted *t)
{
	const char *folder = ctx->config->keys;
	struct dirent **names = NULL;
	int n = -1, fd, r = -1;

	fd = pf_root_open(ctx, folder[0] == '/' ? folder + 1 : folder, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return pf_fail_errno(ctx, PF_E_USAGE, "keys folder %s%s", pf_ctx_root_prefix(ctx),
				     folder);
	/* scandir needs a path; the fd's magic link names the folder that was
	 * resolved inside the root. */
	{
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = scandir(path, &names, NULL, alphasort);
	}
	if (n < 0) {
		pf_fail_errno(ctx, PF_E_USAGE, "keys folder %s%s", pf_ctx_root_prefix(ctx), folder);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		char *buf = NULL;
		size_t len;

		if (!has_suffix(names[i]->d_name, ".asc"))
			continue;
		if (pf_read_file_at(fd, names[i]->d_name, KEY_FILE_MAX, &buf, &len) < 0) {
			pf_fail_errno(ctx, PF_E_USAGE, "trusted key %s/%s", folder, names[i]->d_name);
			goto out;
		}
		r = import_key(ctx, g, names[i]->d_name, buf, len, t);
		free(buf);
		if (r < 0)
			goto out;
		r = -1;
	}
	if (t->n == 0) {
		pf_fail(ctx, PF_E_USAGE, "no trusted keys (*.asc) in %s%s: nothing can be verified",
			pf_ctx_root_prefix(ctx), folder);
		goto out;
	}
	r = 0;
out:
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	close(fd);
	return r;
}

static bool is_trusted(const struct trusted *t, const char *fpr)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcasecmp(t->fpr[i], fpr))
			return true;
	return false;
}

/* The primary fingerprint of the key that made SIG (it may be a subkey). */
static int primary_fpr(gpgme_ctx_t g, const char *fpr, char out[PF_FPR_MAX])
{
	gpgme_key_t key = NULL;

	if (gpgme_get_key(g, fpr, &key, 0) || !key || !key->fpr) {
		gpgme_key_unref(key);
		return -1;
	}
	snprintf(out, PF_FPR_MAX, "%s", key->fpr);
	gpgme_key_unref(key);
	return 0;
}

int pf_verify_signature(struct pf_ctx *ctx, const char *what, const void *data, size_t len,
			const void *sig, size_t sig_len, char signer[PF_FPR_MAX])
{
	struct trusted *t = NULL;
	gpgme_ctx_t g = NULL;
	gpgme_data_t dsig = NULL, dtext = NULL;
	gpgme_verify_result_t res;
	gpgme_error_t err;
	const char *why = "no signature in it";
	char fpr[PF_FPR_MAX] = "";
	int r = -1;

	if (sig_len == 0)
		return pf_fail(ctx, PF_E_VERIFY, "%s.sig is empty: the index is not signed", what);
	t = calloc(1, sizeof(*t));
	if (!t)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	if (private_home(ctx, &g) < 0 || import_keys(ctx, g, t) < 0)
		goto out;
	err = gpgme_data_new_from_mem(&dsig, sig, sig_len, 0);
	if (!err)
		err = gpgme_data_new_from_mem(&dtext, data, len, 0);
	if (err) {
		gpg_fail(ctx, err, "out of memory");
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
		if (!s->fpr || primary_fpr(g, s->fpr, fpr) < 0 || !is_trusted(t, fpr)) {
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
	free(t);
	return r;
}
