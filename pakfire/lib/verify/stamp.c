/* The keys folder and the stamp: see stamp.h.
 *
 * The stamp is the home's first line "MAGIC DIGEST" (DIGEST: the SHA-256
 * of the keys folder's *.asc files, names, lengths and bytes in name
 * order, and of the home's make-up), then one line "PRIMARY FPR" per key
 * and subkey imported, a primary listed with itself. A home whose stamp
 * names today's folder is reused; keyring.c rebuilds any other. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/hash.h"
#include "base/path.h"
#include "verify/stamp.h"

#define STAMP_NAME "pakfire-keys"
#define STAMP_TMP "pakfire-keys.tmp"
/* Bump when the home's make-up changes (gpg.conf, trust): old homes are
 * then rebuilt. */
#define STAMP_MAGIC "pakfire-gnupg-home 1"
#define STAMP_MAX (256 * 1024)
#define KEY_FILE_MAX (1024 * 1024)

void pf_keyset_clear(struct pf_keyset *ks)
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

int pf_keyset_read(struct pf_ctx *ctx, const char *folder, struct pf_keyset *ks)
{
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
	pf_sha256_update(h, PF_GPG_CONF, sizeof(PF_GPG_CONF));
	for (int i = 0; i < n; i++) {
		struct pf_keyfile *k = &ks->f[ks->n];
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
		pf_keyset_clear(ks);
	pf_sha256_free(h);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	close(fd);
	return r;
}

bool pf_fpr_ok(const char *s, size_t len)
{
	if (len == 0 || len >= PF_FPR_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr("0123456789ABCDEFabcdef", s[i]) || !s[i])
			return false;
	return true;
}

size_t pf_trusted_find(struct pf_trusted *t, const char *fpr)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcasecmp(t->fpr[i], fpr))
			return i;
	return SIZE_MAX;
}

int pf_trusted_add(struct pf_trusted *t, const char *primary, const char *fpr)
{
	size_t p = pf_trusted_find(t, primary);

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

bool pf_stamp_current(int dfd, const struct pf_keyset *ks, struct pf_trusted *t)
{
	struct stat st;
	char *buf = NULL, *line, *next;
	size_t len;
	bool ok = false;
	int hfd;

	memset(t, 0, sizeof(*t));
	hfd = openat(dfd, PF_KEYRING_HOME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
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
		if (!pf_fpr_ok(line, strlen(line)) || !pf_fpr_ok(space + 1, strlen(space + 1)) ||
		    pf_trusted_add(t, line, space + 1) < 0)
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

/* Write the stamp beside the keys: written whole under a temporary name,
 * then renamed, so a reader sees all of it or nothing. No fsync: a stamp
 * lost to a power cut only costs a rebuild. */
int pf_stamp_write(struct pf_ctx *ctx, int hfd, const struct pf_keyset *ks,
		       const struct pf_trusted *t)
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
		pf_fail_errno(ctx, PF_E_OTHER, "%s/%s/%s/%s", pf_ctx_root_prefix(ctx), PF_KEYRING_DIR,
			      PF_KEYRING_HOME, STAMP_NAME);
		goto out;
	}
	r = 0;
	goto out;
fail:
	pf_fail_errno(ctx, PF_E_OTHER, "%s/%s/%s/%s", pf_ctx_root_prefix(ctx), PF_KEYRING_DIR,
		      PF_KEYRING_HOME, STAMP_TMP);
out:
	if (fd >= 0)
		close(fd);
	free(text);
	return r;
}
