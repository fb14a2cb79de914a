/* Writing a .pak: see pak.h. */
#include <archive.h>
#include <archive_entry.h>
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
#include "format/manifest.h"
#include "format/pak.h"
#include "pak-write.h"
#include "base/path.h"

/* Large enough that syscalls and compressor calls are few, small enough that
 * no file is ever held in memory whole. */
#define PAK_CHUNK (256 * 1024)

/* Where libarchive's compressed output goes: our fd, counting bytes. */
struct sink {
	int fd;
	uint64_t written;
};

static la_ssize_t sink_write(struct archive *a, void *data, const void *buf,
			     size_t len)
{
	struct sink *s = data;
	const char *p = buf;
	size_t left = len;

	while (left > 0) {
		ssize_t n = write(s->fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			archive_set_error(a, errno, "write: %s", strerror(errno));
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	s->written += len;
	return (la_ssize_t)len;
}

/* libarchive reports problems as a status and a string on the handle. A
 * warning counts as a failure too: it means the member was not stored
 * exactly as asked (a name that could not be converted, for instance). */
static int archive_fail(struct pf_ctx *ctx, struct archive *a, const char *name,
			const char *what)
{
	const char *msg = archive_error_string(a);

	return pf_fail(ctx, PF_E_OTHER, "%s: %s: %s", name, what,
		       msg ? msg : "libarchive error");
}

static struct archive *pak_open(struct pf_ctx *ctx, const char *name,
				struct sink *sink)
{
	struct archive *a = archive_write_new();

	if (!a) {
		pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
		return NULL;
	}
	/* pax_restricted: plain ustar headers unless a member needs a pax
	 * extension (long name, large size), so the output stays small and
	 * readable by any tar. Level 3 is zstd's default: a good ratio at
	 * several hundred MB/s. bytes_in_last_block 1: no zero padding after
	 * the compressed stream. */
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_zstd(a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(a, "zstd", "compression-level", "3") != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open(a, sink, NULL, sink_write, NULL) != ARCHIVE_OK) {
		archive_fail(ctx, a, name, "cannot set up the archive");
		archive_write_free(a);
		return NULL;
	}
	return a;
}

/* The header fields every member shares: owner, group and time are fixed
 * so the bytes depend on the content only. */
static void member_init(struct archive_entry *ae, const char *path,
			mode_t type, mode_t perm, time_t mtime)
{
	archive_entry_clear(ae);
	archive_entry_copy_pathname(ae, path);
	archive_entry_set_filetype(ae, type);
	archive_entry_set_perm(ae, perm);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_copy_uname(ae, "root");
	archive_entry_copy_gname(ae, "root");
	archive_entry_set_mtime(ae, mtime, 0);
}

static int write_header(struct pf_ctx *ctx, struct archive *a,
			struct archive_entry *ae, const char *name,
			const char *path)
{
	char q[512];

	if (archive_write_header(a, ae) != ARCHIVE_OK)
		return pf_fail(ctx, PF_E_OTHER, "%s: member '%s': %s", name,
			       pf_quote(path, strlen(path), q, sizeof(q)),
			       archive_error_string(a) ? archive_error_string(a)
						       : "libarchive error");
	return 0;
}

static int write_data(struct pf_ctx *ctx, struct archive *a, const char *name,
		      const char *buf, size_t len)
{
	while (len > 0) {
		la_ssize_t n = archive_write_data(a, buf, len);

		if (n <= 0)
			return archive_fail(ctx, a, name, "write");
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Stream one file from the build root into the archive, hashing it on the
 * way: the manifest promises a size and a hash, and what we archive must be
 * exactly that, even if the build root changed since the manifest was made. */
static int write_file_data(struct pf_ctx *ctx, struct archive *a,
			   const char *name, const struct pf_entry *e,
			   int fd, char *buf)
{
	struct pf_sha256 *h = pf_sha256_new();
	uint8_t digest[32];
	uint64_t done = 0;
	char q[512];
	int r = -1;

	pf_quote(e->path, strlen(e->path), q, sizeof(q));
	if (!h)
		return pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
	for (;;) {
		/* Ask for one byte more than is left, to notice a file that
		 * grew. */
		uint64_t left = e->size - done;
		size_t want = left >= PAK_CHUNK ? PAK_CHUNK : (size_t)left + 1;
		ssize_t n = read(fd, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pf_fail_errno(ctx, PF_E_OTHER, "'%s': read", q);
			goto out;
		}
		if (n == 0)
			break;
		if ((uint64_t)n > left) {
			pf_fail(ctx, PF_E_OTHER,
				"'%s' grew while it was being archived", q);
			goto out;
		}
		pf_sha256_update(h, buf, (size_t)n);
		if (write_data(ctx, a, name, buf, (size_t)n) < 0)
			goto out;
		done += (uint64_t)n;
	}
	pf_sha256_final(h, digest);
	if (done != e->size) {
		pf_fail(ctx, PF_E_OTHER, "'%s' shrank while it was being archived", q);
		goto out;
	}
	if (memcmp(digest, e->sha256, sizeof(digest)) != 0) {
		pf_fail(ctx, PF_E_OTHER,
			"'%s' changed since its hash was taken for the manifest", q);
		goto out;
	}
	r = 0;
out:
	pf_sha256_free(h);
	return r;
}

static int open_payload(struct pf_ctx *ctx, const struct pf_entry *e)
{
	struct stat st;
	char q[512];
	int fd;

	pf_quote(e->path, strlen(e->path), q, sizeof(q));
	/* Through the build root like the first pass; O_NOFOLLOW because a
	 * file that became a symlink is not the file we hashed. */
	fd = pf_root_open(ctx, e->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	if (fd < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "'%s': open in the build root", q);
	if (fstat(fd, &st) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "'%s': fstat", q);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != e->size) {
		pf_fail(ctx, PF_E_OTHER,
			"'%s' changed since the manifest was made (now %s, %llu bytes; manifest: %llu)",
			q, S_ISREG(st.st_mode) ? "a file" : "not a regular file",
			(unsigned long long)st.st_size, (unsigned long long)e->size);
		close(fd);
		return -1;
	}
	return fd;
}

static int write_member(struct pf_ctx *ctx, struct archive *a,
			struct archive_entry *ae, const char *name,
			const struct pf_entry *e, time_t mtime, char *buf,
			struct pak_stats *stats)
{
	int fd, r;

	switch (e->type) {
	case PF_ENTRY_DIR:
		member_init(ae, e->path, AE_IFDIR, e->mode, mtime);
		break;
	case PF_ENTRY_SYMLINK:
		member_init(ae, e->path, AE_IFLNK, 0777, mtime);
		archive_entry_copy_symlink(ae, e->target);
		break;
	case PF_ENTRY_FILE:
		fd = open_payload(ctx, e);
		if (fd < 0)
			return -1;
		member_init(ae, e->path, AE_IFREG, e->mode, mtime);
		archive_entry_set_size(ae, (la_int64_t)e->size);
		r = write_header(ctx, a, ae, name, e->path);
		if (r == 0)
			r = write_file_data(ctx, a, name, e, fd, buf);
		close(fd);
		if (r < 0)
			return -1;
		stats->members++;
		stats->bytes_in += e->size;
		return 0;
	case PF_ENTRY_REMOVE:
		return 0; /* nothing to ship */
	case PF_ENTRY_HOOK:
		return 0; /* written right after the manifest: write_hooks */
	}
	if (write_header(ctx, a, ae, name, e->path) < 0)
		return -1;
	stats->members++;
	return 0;
}

/* .pakfire/hooks/NAME for each hook entry of M, in manifest order. */
static int write_hooks(struct pf_ctx *ctx, struct archive *a, struct archive_entry *ae,
		       const char *name, const struct pf_manifest *m,
		       const struct pf_pak_hook *hooks, size_t n, time_t mtime)
{
	char member[PATH_MAX];

	for (size_t i = 0; i < m->n; i++) {
		const struct pf_entry *e = &m->entries[i];
		const struct pf_pak_hook *h = NULL;

		if (e->type != PF_ENTRY_HOOK)
			continue;
		for (size_t k = 0; k < n && !h; k++)
			if (!strcmp(hooks[k].e->path, e->path))
				h = &hooks[k];
		if (!h || memcmp(h->e->sha256, e->sha256, 32))
			return pf_fail(ctx, PF_E_OTHER, "%s: no script for hook %s", name, e->path);
		snprintf(member, sizeof(member), "%s%s", PF_PAK_HOOKS_DIR, e->path);
		member_init(ae, member, AE_IFREG, 0755, mtime);
		archive_entry_set_size(ae, (la_int64_t)h->len);
		if (write_header(ctx, a, ae, name, member) < 0 ||
		    write_data(ctx, a, name, h->bytes, h->len) < 0)
			return -1;
	}
	return 0;
}

int pak_write(struct pf_ctx *ctx, const char *name, const struct pf_manifest *m,
	      const char *mbuf, size_t mlen, const struct pf_pak_hook *hooks,
	      size_t n_hooks, time_t mtime, int fd, struct pak_stats *stats)
{
	struct sink sink = { .fd = fd };
	struct archive *a = NULL;
	struct archive_entry *ae = NULL;
	char *buf = NULL;
	int r = -1;

	*stats = (struct pak_stats){ 0 };
	a = pak_open(ctx, name, &sink);
	if (!a)
		return -1;
	ae = archive_entry_new();
	buf = malloc(PAK_CHUNK);
	if (!ae || !buf) {
		pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
		goto out;
	}
	member_init(ae, ".pakfire/manifest", AE_IFREG, 0644, mtime);
	archive_entry_set_size(ae, (la_int64_t)mlen);
	if (write_header(ctx, a, ae, name, ".pakfire/manifest") < 0 ||
	    write_data(ctx, a, name, mbuf, mlen) < 0 ||
	    write_hooks(ctx, a, ae, name, m, hooks, n_hooks, mtime) < 0)
		goto out;
	for (size_t i = 0; i < m->n; i++)
		if (write_member(ctx, a, ae, name, &m->entries[i], mtime, buf,
				 stats) < 0)
			goto out;
	/* close flushes the compressor and writes the end-of-archive blocks:
	 * its failure is a failed package. */
	if (archive_write_close(a) != ARCHIVE_OK) {
		archive_fail(ctx, a, name, "finishing the archive");
		goto out;
	}
	stats->bytes_out = sink.written;
	r = 0;
out:
	free(buf);
	archive_entry_free(ae);
	archive_write_free(a);
	return r;
}
