/* The files an index lists, against what it says of them: see check.h.
 *
 * As on the client, nothing of a manifest or a package is parsed before
 * its size and SHA-256 matched the index: a file that does not match is
 * one finding, and what it holds is not looked at. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/hash.h"
#include "check.h"
#include "format/index.h"
#include "format/manifest.h"

/* REL (a path of the index, checked by its parser: relative, no "..")
 * opened in the folder as a regular file of SIZE bytes (the index's: the
 * size alone says that a file is not the one listed, no hash needed);
 * -1 after a finding. No symlink as the last component: the mirrors serve
 * what is there, and rsync copies a symlink as a symlink. */
static const uint8_t no_hash[32];

static int open_listed(struct repo_check *c, size_t i, const char *rel, const char *label,
		       uint64_t size, int *fd)
{
	char stanza[256];
	struct stat st;

	*fd = openat(c->repofd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (*fd < 0) {
		int err = errno;

		check_stanza(c, i, stanza, sizeof(stanza));
		if (err == ENOENT)
			check_error(c, "%s: missing (listed by %s)", label, stanza);
		else if (err == ELOOP)
			check_error(c, "%s: a symlink, not a regular file", label);
		else
			check_error(c, "%s: %s (listed by %s)", label, strerror(err), stanza);
		return -1;
	}
	if (fstat(*fd, &st) < 0) {
		check_error(c, "%s: %s", label, strerror(errno));
		goto bad;
	}
	if (!S_ISREG(st.st_mode)) {
		check_error(c, "%s: not a regular file", label);
		goto bad;
	}
	/* The size alone: the same words as wherever sizes meet the index. */
	if (pf_check_signed_size_hash(c->ctx, label, (uint64_t)st.st_size, no_hash, size,
				      no_hash) < 0) {
		check_failed(c);
		goto bad;
	}
	return 0;
bad:
	close(*fd);
	*fd = -1;
	return -1;
}

/* The hooks of a core update run in its phases (pre, post), an add-on's in
 * its own (pre-install, ...): a client would never run one of the other
 * kind's. */
static void check_hook_phases(struct repo_check *c, size_t i, const char *label)
{
	bool addon = c->idx->entries[i].type == PF_STANZA_ADDON;

	for (size_t k = 0; k < c->m[i]->n; k++) {
		const struct pf_entry *h = &c->m[i]->entries[k];

		if (h->type == PF_ENTRY_HOOK && pf_hook_phase_is_addon(h->phase) != addon)
			check_error(c, "%s: hook %s runs in phase %s, which is not one of %s (%s)",
				    label, h->path, pf_hook_phase_name(h->phase),
				    addon ? "an add-on's" : "a core update's",
				    addon ? "pre-install, post-install, pre-remove, post-remove"
					  : "pre, post");
	}
}

/* The manifest of entry I: size, hash, then the client's parser. */
static int check_manifest(struct repo_check *c, size_t i)
{
	const struct pf_index_entry *e = &c->idx->entries[i];
	char label[PATH_MAX], *buf = NULL;
	uint8_t sha[32];
	size_t got = 0, size = (size_t)e->manifest_size; /* at most 64 MiB (index.h) */
	int fd, r = 0;

	snprintf(label, sizeof(label), "%s/%s", c->repo, e->manifest);
	if (open_listed(c, i, e->manifest, label, e->manifest_size, &fd) < 0)
		return 0;
	buf = malloc(size + 1);
	if (!buf) {
		r = pf_fail(c->ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n <= 0) {
			check_error(c, "%s: %s", label, n < 0 ? strerror(errno) : "shorter than it was");
			goto out;
		}
		got += (size_t)n;
	}
	buf[size] = '\0';
	pf_sha256_buf(buf, size, sha);
	if (pf_check_signed_size_hash(c->ctx, label, size, sha, e->manifest_size,
				      e->manifest_sha256) < 0) {
		check_failed(c);
		goto out;
	}
	if (pf_manifest_parse(c->ctx, label, buf, size, &c->m[i]) < 0) {
		check_failed(c);
		goto out;
	}
	c->mbuf[i] = buf;
	c->mlen[i] = size;
	buf = NULL;
	check_hook_phases(c, i, label);
out:
	free(buf);
	close(fd);
	return r;
}

/* The package of entry I: size, hash, then its members when its manifest
 * could be read. */
static int check_pak(struct repo_check *c, size_t i)
{
	const struct pf_index_entry *e = &c->idx->entries[i];
	char label[PATH_MAX];
	uint8_t sha[32];
	uint64_t size = 0;
	int fd, r = 0;

	snprintf(label, sizeof(label), "%s/%s", c->repo, e->package);
	if (open_listed(c, i, e->package, label, e->package_size, &fd) < 0)
		return 0;
	if (pf_sha256_fd(c->ctx, fd, label, sha, &size) < 0 ||
	    pf_check_signed_size_hash(c->ctx, label, size, sha, e->package_size,
				      e->package_sha256) < 0) {
		check_failed(c);
		goto out;
	}
	/* Without a verified manifest there is nothing to hold it against:
	 * that was a finding of its own. */
	if (c->m[i])
		r = check_package(c, i, fd, label);
out:
	close(fd);
	return r;
}

int check_files(struct repo_check *c)
{
	for (size_t i = 0; i < c->idx->n; i++)
		if (check_manifest(c, i) < 0 || check_pak(c, i) < 0)
			return -1;
	return 0;
}
