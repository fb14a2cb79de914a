/* Signatures: see verify.h.
 *
 * GPGME's per-signature status GPG_ERR_NO_ERROR only says the maths holds;
 * it says nothing about whose key made it. Validity needs trust, so every key
 * imported from the keys folder gets ultimate ownertrust in a GnuPG home that
 * holds nothing else, and we then require GPGME_SIGSUM_VALID *and* a primary
 * fingerprint from the folder.
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
 * reused home is retried once in a rebuilt one, so that a home damaged
 * behind our back (a lost write, a power cut) costs time, never a wrong
 * refusal; it can never make a signature count that would not count in a
 * fresh home, because both the keys and the list of pinned fingerprints
 * come from the same, current keys folder. */
#include <dirent.h>
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

#include "format/config.h"
#include "base/context.h"
#include "base/hash.h"
#include "base/path.h"
#include "verify/signature.h"

#define STATE_DIR "var/lib/pakfire"
#define HOME_NAME "gnupg"
#define STAMP_NAME "pakfire-keys"
#define STAMP_TMP "pakfire-keys.tmp"
/* Bump when the home's make-up changes (gpg.conf, trust): old homes are
 * then rebuilt. */
#define STAMP_MAGIC "pakfire-gnupg-home 1"
#define STAMP_MAX (256 * 1024)
#define KEY_FILE_MAX (1024 * 1024)
#define MAX_KEYS 64
#define MAX_SUBKEYS 512

static const char gpg_conf[] = "no-autostart\nno-auto-key-retrieve\nno-greeting\n";

struct trusted {
	char fpr[MAX_KEYS][PF_FPR_MAX];   /* primary fingerprints, from the folder */
	size_t n;
	struct {
		char fpr[PF_FPR_MAX];     /* a primary key or a subkey ... */
		size_t primary;           /* ... and its primary: index into fpr */
	} sub[MAX_SUBKEYS];
	size_t n_sub;
};

/* The *.asc files of the keys folder, read once per run. */
struct keyfile {
	char *name;
	char *buf;
	size_t len;
};

struct keyset {
	struct keyfile *f;
	size_t n;
	char digest[65];                  /* what the stamp must say */
};

static int gpg_fail(struct pf_ctx *ctx, gpgme_error_t err, const char *what)
{
	return pf_fail(ctx, PF_E_OTHER, "GnuPG: %s: %s", what, gpgme_strerror(err));
}

static void keyset_clear(struct keyset *ks)
{
	for (size_t i = 0; i < ks->n; i++) {
		free(ks->f[i].name);
		free(ks->f[i].buf);
	}
	free(ks->f);
	memset(ks, 0, sizeof(*ks));
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

/* Read every *.asc of the keys folder, in name order, and hash them (with
 * the home's make-up) into ks->digest. */
static int read_keys(struct pf_ctx *ctx, struct keyset *ks)
{
	const char *folder = ctx->config->keys;
	struct dirent **names = NULL;
	struct pf_sha256 *h = NULL;
	uint8_t sum[32];
	int n = -1, fd, r = -1;

	memset(ks, 0, sizeof(*ks));
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
	h = pf_sha256_new();
	ks->f = calloc((size_t)n + 1, sizeof(*ks->f));
	if (!h || !ks->f) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	pf_sha256_update(h, STAMP_MAGIC, sizeof(STAMP_MAGIC));
	pf_sha256_update(h, gpg_conf, sizeof(gpg_conf));
	for (int i = 0; i < n; i++) {
		struct keyfile *k = &ks->f[ks->n];
		char len[32];

		if (!has_suffix(names[i]->d_name, ".asc"))
			continue;
		k->name = strdup(names[i]->d_name);
		if (!k->name) {
			pf_fail(ctx, PF_E_OTHER, "out of memory");
			goto out;
		}
		ks->n++;
		if (pf_read_file_at(fd, k->name, KEY_FILE_MAX, &k->buf, &k->len) < 0) {
			pf_fail_errno(ctx, PF_E_USAGE, "trusted key %s/%s", folder, k->name);
			goto out;
		}
		/* Name, length, bytes: no two folders hash alike by shifting
		 * bytes from one file to the next. */
		snprintf(len, sizeof(len), "%zu", k->len);
		pf_sha256_update(h, k->name, strlen(k->name) + 1);
		pf_sha256_update(h, len, strlen(len) + 1);
		pf_sha256_update(h, k->buf, k->len);
	}
	if (ks->n == 0) {
		pf_fail(ctx, PF_E_USAGE, "no trusted keys (*.asc) in %s%s: nothing can be verified",
			pf_ctx_root_prefix(ctx), folder);
		goto out;
	}
	pf_sha256_final(h, sum);
	pf_hex(sum, ks->digest);
	r = 0;
out:
	if (r < 0)
		keyset_clear(ks);
	pf_sha256_free(h);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	close(fd);
	return r;
}

static bool fpr_ok(const char *s, size_t len)
{
	if (len == 0 || len >= PF_FPR_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr("0123456789ABCDEFabcdef", s[i]) || !s[i])
			return false;
	return true;
}

static size_t primary_index(struct trusted *t, const char *fpr)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcasecmp(t->fpr[i], fpr))
			return i;
	return SIZE_MAX;
}

/* Record that FPR (a key or subkey) belongs to primary PRIMARY. */
static int add_sub(struct trusted *t, const char *primary, const char *fpr)
{
	size_t p = primary_index(t, primary);

	if (p == SIZE_MAX) {
		if (t->n == MAX_KEYS)
			return -1;
		p = t->n++;
		snprintf(t->fpr[p], PF_FPR_MAX, "%s", primary);
	}
	if (t->n_sub == MAX_SUBKEYS)
		return -1;
	snprintf(t->sub[t->n_sub].fpr, PF_FPR_MAX, "%s", fpr);
	t->sub[t->n_sub++].primary = p;
	return 0;
}

/* The home can be reused when it is a folder of ours, private, and its
 * stamp names the digest of today's keys folder. Fills T from the stamp.
 * Anything unexpected means "rebuild", never an error. */
static bool home_current(int dfd, const struct keyset *ks, struct trusted *t)
{
	struct stat st;
	char *buf = NULL, *line, *next;
	size_t len;
	bool ok = false;
	int hfd;

	memset(t, 0, sizeof(*t));
	hfd = openat(dfd, HOME_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (hfd < 0)
		return false;
	if (fstat(hfd, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) || pf_read_file_at(hfd, STAMP_NAME, STAMP_MAX, &buf, &len) < 0)
		goto out;
	/* First line: magic and digest; then "PRIMARY FPR" per key and
	 * subkey, a primary listed with itself. */
	next = strchr(buf, '\n');
	if (!next)
		goto out;
	*next++ = '\0';
	if (strncmp(buf, STAMP_MAGIC " ", sizeof(STAMP_MAGIC)) ||
	    strcmp(buf + sizeof(STAMP_MAGIC), ks->digest))
		goto out;
	for (line = next; *line; line = next) {
		char *space = strchr(line, ' ');

		next = strchr(line, '\n');
		if (!next || !space || space > next)
			goto out;
		*space = '\0';
		*next++ = '\0';
		if (!fpr_ok(line, strlen(line)) || !fpr_ok(space + 1, strlen(space + 1)) ||
		    add_sub(t, line, space + 1) < 0)
			goto out;
	}
	ok = t->n > 0;
out:
	if (!ok)
		memset(t, 0, sizeof(*t));
	free(buf);
	close(hfd);
	return ok;
}

/* A GPGME context on the home HOME (a path: gpg runs as a child process
 * that does not share our fds). */
static int gpg_context(struct pf_ctx *ctx, const char *home, gpgme_ctx_t *out)
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
static int import_key(struct pf_ctx *ctx, gpgme_ctx_t g, const struct keyfile *k,
		      struct trusted *t)
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
		if (primary_index(t, imported[i]) == SIZE_MAX) {
			for (gpgme_subkey_t sk = key->subkeys; sk; sk = sk->next) {
				if (!sk->fpr || !fpr_ok(sk->fpr, strlen(sk->fpr)) ||
				    add_sub(t, imported[i], sk->fpr) < 0) {
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

/* Write the stamp beside the keys: written whole under a temporary name,
 * then renamed, so a reader sees all of it or nothing. No fsync: a stamp
 * lost to a power cut only costs a rebuild. */
static int write_stamp(struct pf_ctx *ctx, int hfd, const struct keyset *ks,
		       const struct trusted *t)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ssize_t w;
	int fd = -1, r = -1;

	if (!f)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	fprintf(f, "%s %s\n", STAMP_MAGIC, ks->digest);
	for (size_t i = 0; i < t->n_sub; i++)
		fprintf(f, "%s %s\n", t->fpr[t->sub[i].primary], t->sub[i].fpr);
	if (fclose(f) != 0) {
		free(text);
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	fd = openat(hfd, STAMP_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	w = write(fd, text, len);
	if (w != (ssize_t)len) {
		if (w >= 0)
			errno = EIO; /* a short write */
		goto fail;
	}
	r = close(fd);
	fd = -1;
	if (r < 0)
		goto fail;
	r = -1;
	if (renameat(hfd, STAMP_TMP, hfd, STAMP_NAME) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s/%s/%s/%s", pf_ctx_root_prefix(ctx), STATE_DIR,
			      HOME_NAME, STAMP_NAME);
		goto out;
	}
	r = 0;
	goto out;
fail:
	pf_fail_errno(ctx, PF_E_OTHER, "%s/%s/%s/%s", pf_ctx_root_prefix(ctx), STATE_DIR, HOME_NAME,
		      STAMP_TMP);
out:
	if (fd >= 0)
		close(fd);
	free(text);
	return r;
}

/* Make the home from nothing: an empty private folder, gpg.conf, every key
 * of KS imported and trusted, then the stamp. */
static int rebuild_home(struct pf_ctx *ctx, int dfd, const char *home, const struct keyset *ks,
			struct trusted *t)
{
	gpgme_ctx_t g = NULL;
	int hfd = -1, fd = -1, r = -1;

	memset(t, 0, sizeof(*t));
	if ((pf_rmtree_at(dfd, HOME_NAME) < 0 && errno != ENOENT) ||
	    mkdirat(dfd, HOME_NAME, 0700) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", home);
		goto out;
	}
	hfd = openat(dfd, HOME_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (hfd < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", home);
		goto out;
	}
	fd = openat(hfd, "gpg.conf", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, gpg_conf, sizeof(gpg_conf) - 1) != (ssize_t)sizeof(gpg_conf) - 1) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s/gpg.conf", home);
		goto out;
	}
	if (gpg_context(ctx, home, &g) < 0)
		goto out;
	for (size_t i = 0; i < ks->n; i++)
		if (import_key(ctx, g, &ks->f[i], t) < 0)
			goto out;
	if (t->n == 0) {
		pf_fail(ctx, PF_E_USAGE, "no trusted keys (*.asc) in %s%s: nothing can be verified",
			pf_ctx_root_prefix(ctx), ctx->config->keys);
		goto out;
	}
	if (write_stamp(ctx, hfd, ks, t) < 0)
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

/* The primary fingerprint of the key that made a signature (it may be a
 * subkey): from the fingerprints recorded at import, else (a signature
 * that names its key by a short id) by asking the home, which holds only
 * the folder's keys. */
static int primary_fpr(gpgme_ctx_t g, const struct trusted *t, const char *fpr,
		       char out[PF_FPR_MAX])
{
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

static bool is_trusted(const struct trusted *t, const char *fpr)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcasecmp(t->fpr[i], fpr))
			return true;
	return false;
}

/* Verify in the home HOME whose keys are T. */
static int check_signature(struct pf_ctx *ctx, const char *home, const struct trusted *t,
			   const char *what, const void *data, size_t len, const void *sig,
			   size_t sig_len, char signer[PF_FPR_MAX])
{
	gpgme_ctx_t g = NULL;
	gpgme_data_t dsig = NULL, dtext = NULL;
	gpgme_verify_result_t res;
	gpgme_error_t err;
	const char *why = "no signature in it";
	char fpr[PF_FPR_MAX] = "";
	int r = -1;

	if (gpg_context(ctx, home, &g) < 0)
		return -1;
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
		if (!s->fpr || primary_fpr(g, t, s->fpr, fpr) < 0 || !is_trusted(t, fpr)) {
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

int pf_verify_signature(struct pf_ctx *ctx, const char *what, const void *data, size_t len,
			const void *sig, size_t sig_len, char signer[PF_FPR_MAX])
{
	struct keyset ks = { 0 };
	struct trusted *t = NULL;
	char *home = NULL;
	bool reused;
	int dfd = -1, r = -1;

	if (sig_len == 0)
		return pf_fail(ctx, PF_E_VERIFY, "%s.sig is empty: the index is not signed", what);
	t = calloc(1, sizeof(*t));
	if (!t)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	if (read_keys(ctx, &ks) < 0 || pf_root_mkdirs(ctx, STATE_DIR) < 0)
		goto out;
	dfd = pf_root_open(ctx, STATE_DIR, O_RDONLY | O_DIRECTORY, 0);
	if (dfd < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(ctx), STATE_DIR);
		goto out;
	}
	if (asprintf(&home, "%s/%s/%s", pf_ctx_root_prefix(ctx), STATE_DIR, HOME_NAME) < 0) {
		home = NULL;
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	reused = home_current(dfd, &ks, t);
	if (!reused && rebuild_home(ctx, dfd, home, &ks, t) < 0)
		goto out;
	r = check_signature(ctx, home, t, what, data, len, sig, sig_len, signer);
	if (r < 0 && reused) {
		/* Never let a damaged home refuse a good signature: the same
		 * check again in a home made from nothing. */
		if (rebuild_home(ctx, dfd, home, &ks, t) < 0)
			goto out;
		r = check_signature(ctx, home, t, what, data, len, sig, sig_len, signer);
	}
out:
	if (dfd >= 0)
		close(dfd);
	free(home);
	keyset_clear(&ks);
	free(t);
	return r;
}
