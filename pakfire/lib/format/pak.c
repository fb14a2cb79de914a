/* Reading a .pak: see pak.h. */
#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "format/pak.h"

#define READ_BLOCK (128 * 1024)

struct archive *pf_pak_open(struct pf_ctx *ctx, int fd, const char *name)
{
	struct archive *a;

	if (lseek(fd, 0, SEEK_SET) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", name);
		return NULL;
	}
	a = archive_read_new();
	if (!a) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	/* Only what a .pak may be: tar, zstd (or xz) compressed. */
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(a) != ARCHIVE_OK ||
	    archive_read_open_fd(a, fd, READ_BLOCK) != ARCHIVE_OK) {
		pf_fail(ctx, PF_E_VERIFY, "%s: not a package: %s", name, archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

int pf_pak_read_manifest(struct pf_ctx *ctx, int fd, const char *name, size_t max,
			 char **buf, size_t *len)
{
	struct archive *a = pf_pak_open(ctx, fd, name);
	struct archive_entry *ae;
	const char *member;
	char *data = NULL;
	size_t size, got = 0;
	int r = -1;

	*buf = NULL;
	*len = 0;
	if (!a)
		return -1;
	if (archive_read_next_header(a, &ae) != ARCHIVE_OK) {
		pf_fail(ctx, PF_E_VERIFY, "%s: damaged package: %s", name, archive_error_string(a));
		goto out;
	}
	member = archive_entry_pathname(ae);
	if (!member || strcmp(member, PF_PAK_MANIFEST) || archive_entry_filetype(ae) != AE_IFREG ||
	    !archive_entry_size_is_set(ae) || archive_entry_size(ae) < 0) {
		pf_fail(ctx, PF_E_VERIFY, "%s: first member is not %s", name, PF_PAK_MANIFEST);
		goto out;
	}
	if ((uint64_t)archive_entry_size(ae) > max) {
		pf_fail(ctx, PF_E_VERIFY, "%s: %s is larger than the published manifest"
			" (%lld bytes, at most %zu)", name, PF_PAK_MANIFEST,
			(long long)archive_entry_size(ae), max);
		goto out;
	}
	size = (size_t)archive_entry_size(ae);
	data = malloc(size + 1);
	if (!data) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	while (got < size) {
		la_ssize_t n = archive_read_data(a, data + got, size - got);

		if (n <= 0) {
			pf_fail(ctx, PF_E_VERIFY, "%s: %s is truncated%s%s", name, PF_PAK_MANIFEST,
				n < 0 ? ": " : "", n < 0 ? archive_error_string(a) : "");
			goto out;
		}
		got += (size_t)n;
	}
	data[size] = '\0';
	*buf = data;
	*len = size;
	data = NULL;
	r = 0;
out:
	free(data);
	archive_read_free(a);
	return r;
}
