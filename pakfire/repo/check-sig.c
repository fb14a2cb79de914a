/* The signature of the index, judged as a client would judge it: see
 * check.h.
 *
 * The client's own check (verify/signature.h) is used, not a second one:
 * a maintainer's tool that accepted what appliances refuse (or the
 * reverse) would be worse than none. It works in a root: the keys folder
 * and the private GnuPG home live inside it. So the keys given are copied
 * into a throwaway root (a folder of its own under $TMPDIR, made with
 * mkdtemp and removed afterwards), whose home then holds exactly them.
 * Then every signature is looked at in that home (check_each). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gpgme.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/path.h"
#include "check.h"
#include "verify/keyring.h"
#include "verify/signature.h"

#define KEY_MAX (1024 * 1024)
/* Where the client keeps its private GnuPG home inside a root (DESIGN.md,
 * docs/formats.md). */
#define HOME_IN_ROOT "var/lib/pakfire/gnupg"

/* Copy the key file NAME of DIRFD (named LABEL in messages) into the
 * keys folder KEYSFD as AS. */
static int copy_key(struct pf_ctx *ctx, int dirfd, const char *name, const char *label,
		    int keysfd, const char *as)
{
	char *buf = NULL;
	size_t len = 0, done = 0;
	int fd, r = -1;

	if (pf_read_file_at(dirfd, name, KEY_MAX, &buf, &len) < 0)
		return pf_fail_errno(ctx, PF_E_USAGE, "key %s", label);
	fd = openat(keysfd, as, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "a copy of key %s", label);
		goto out;
	}
	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n < 0) {
			pf_fail_errno(ctx, PF_E_OTHER, "a copy of key %s", label);
			goto out;
		}
		done += (size_t)n;
	}
	r = 0;
out:
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = pf_fail_errno(ctx, PF_E_OTHER, "a copy of key %s", label);
	free(buf);
	return r;
}

static bool is_asc(const char *name)
{
	size_t len = strlen(name);

	return len > 4 && name[0] != '.' && !strcmp(name + len - 4, ".asc");
}

/* Every *.asc of DIR, as the client reads its keys folder. */
static int copy_key_dir(struct pf_ctx *ctx, const char *dir, int keysfd, size_t *n)
{
	struct dirent **names = NULL;
	int count = scandir(dir, &names, NULL, alphasort), dfd = -1, r = -1;
	char label[PATH_MAX];

	if (count < 0)
		return pf_fail_errno(ctx, PF_E_USAGE, "--keys %s", dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		pf_fail_errno(ctx, PF_E_USAGE, "--keys %s", dir);
		goto out;
	}
	for (int i = 0; i < count; i++) {
		if (!is_asc(names[i]->d_name))
			continue;
		snprintf(label, sizeof(label), "%s/%s", dir, names[i]->d_name);
		if (copy_key(ctx, dfd, names[i]->d_name, label, keysfd, names[i]->d_name) < 0)
			goto out;
		(*n)++;
	}
	r = 0;
out:
	if (dfd >= 0)
		close(dfd);
	for (int i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return r;
}

/* The keys folder "keys" of the throwaway root TMP, holding KEYS. */
static int make_root(struct pf_ctx *ctx, const char *tmp, const struct check_keys *keys)
{
	char path[PATH_MAX];
	size_t n = 0;
	int keysfd, r = -1;

	snprintf(path, sizeof(path), "%s/keys", tmp);
	if (mkdir(path, 0700) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", path);
	keysfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (keysfd < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", path);
	if (keys->dir && copy_key_dir(ctx, keys->dir, keysfd, &n) < 0)
		goto out;
	for (size_t i = 0; i < keys->n_files; i++) {
		char as[32];

		snprintf(as, sizeof(as), "key-%zu.asc", i + 1);
		if (copy_key(ctx, AT_FDCWD, keys->files[i], keys->files[i], keysfd, as) < 0)
			goto out;
		n++;
	}
	if (n == 0) {
		pf_fail(ctx, PF_E_USAGE, "--keys %s holds no *.asc: no signature can be checked",
			keys->dir ? keys->dir : "");
		goto out;
	}
	r = 0;
out:
	close(keysfd);
	return r;
}

/* Every signature of SIG, judged in the home that the client's check has
 * just built (it holds exactly the keys given, trusted). The client needs
 * one good signature by a trusted key; a maintainer wants no other to be
 * wrong: a signature that does not match the index is an error whoever
 * made it. One by a key that was not given cannot be judged here (during
 * a key rotation, give both keys): a warning. */
static int check_each(struct repo_check *c, const char *home, const char *what,
		      const char *data, size_t len, const char *sig, size_t sig_len)
{
	gpgme_ctx_t g = NULL;
	gpgme_data_t dsig = NULL, dtext = NULL;
	gpgme_verify_result_t res;
	gpgme_error_t err;
	int r = -1;

	if (pf_gpg_context(c->ctx, home, &g) < 0)
		return -1;
	err = gpgme_data_new_from_mem(&dsig, sig, sig_len, 0);
	if (!err)
		err = gpgme_data_new_from_mem(&dtext, data, len, 0);
	if (!err)
		err = gpgme_op_verify(g, dsig, dtext, NULL);
	if (err) {
		pf_fail(c->ctx, PF_E_OTHER, "GnuPG: %s.sig: %s", what, gpgme_strerror(err));
		goto out;
	}
	res = gpgme_op_verify_result(g);
	for (gpgme_signature_t s = res ? res->signatures : NULL; s; s = s->next) {
		const char *by = s->fpr ? s->fpr : "an unknown key";

		if (gpgme_err_code(s->status) == GPG_ERR_NO_PUBKEY)
			check_warning(c, "%s.sig: the signature by %s, a key not given, was not checked",
				      what, by);
		else if (gpgme_err_code(s->status) != GPG_ERR_NO_ERROR)
			check_error(c, "%s.sig: the signature by %s is not good (%s)", what, by,
				    gpgme_strerror(s->status));
	}
	r = 0;
out:
	gpgme_data_release(dsig);
	gpgme_data_release(dtext);
	gpgme_release(g);
	return r;
}

int check_signature(struct repo_check *c, const struct check_keys *keys,
		    const char *data, size_t len, const char *sig, size_t sig_len)
{
	const char *base = getenv("TMPDIR");
	char tmp[PATH_MAX / 2], what[PATH_MAX], signer[PF_FPR_MAX], home[PATH_MAX];
	struct pf_ctx *vctx = pf_ctx_new();
	int r = -1;

	if (!vctx)
		return pf_fail(c->ctx, PF_E_OTHER, "out of memory");
	snprintf(tmp, sizeof(tmp), "%s/pakfire-check.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmp)) {
		pf_fail_errno(c->ctx, PF_E_OTHER, "a temporary folder %s", tmp);
		pf_ctx_free(vctx);
		return -1;
	}
	if (make_root(c->ctx, tmp, keys) < 0)
		goto out;
	if (pf_ctx_set_root(vctx, tmp) < 0) {
		pf_fail(c->ctx, pf_error_class(vctx), "%s", pf_error_message(vctx));
		goto out;
	}
	snprintf(what, sizeof(what), "%s/index", c->repo);
	if (pf_verify_signature(vctx, "/keys", what, data, len, sig, sig_len, signer) == 0) {
		pf_debug(c->ctx, "%s: signed by %s", what, signer);
		snprintf(home, sizeof(home), "%s/%s", tmp, HOME_IN_ROOT);
		r = check_each(c, home, what, data, len, sig, sig_len);
	} else if (pf_error_class(vctx) == PF_E_VERIFY) {
		check_error(c, "%s", pf_error_message(vctx));
		r = 0;
	} else {
		/* Not the signature's fault (a key that does not import, gpg
		 * missing): the check could not be made. */
		pf_fail(c->ctx, pf_error_class(vctx), "%s", pf_error_message(vctx));
	}
out:
	pf_ctx_free(vctx);
	if (pf_rmtree_at(AT_FDCWD, tmp) < 0)
		pf_warn(c->ctx, "%s: could not remove it: %s", tmp, strerror(errno));
	return r;
}
