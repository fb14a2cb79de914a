/* The hooks of a package, read before anything of it is staged: see
 * pak.h. The member rules are pak-member.c's (pf_pak_hook_member), which
 * pakfire-repo check applies too. */
#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/hash.h"
#include "format/manifest.h"
#include "format/pak.h"

/* Scratch for comparing the manifest member with the published bytes. */
#define SCRATCH (64 * 1024)

/* The data of hook member NAME, whose header said SIZE bytes (at most
 * PF_PAK_HOOK_MAX), into H. */
static int read_hook(struct pf_ctx *ctx, struct archive *a, const char *pak,
		     const char *name, size_t size, struct pf_pak_hook *h)
{
	uint8_t sha[32];
	size_t got = 0;

	/* +1: a member that holds more than its header said is noticed. */
	h->bytes = malloc(size + 1);
	if (!h->bytes)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	for (;;) {
		la_ssize_t n = archive_read_data(a, h->bytes + got, size + 1 - got);

		if (n < 0)
			return pf_fail(ctx, PF_E_VERIFY, "%s: %s: %s", pak, name,
				       archive_error_string(a));
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > size)
			return pf_fail(ctx, PF_E_VERIFY, "%s: member '%s' holds more than its header says",
				       pak, name);
	}
	if (got != size)
		return pf_fail(ctx, PF_E_VERIFY, "%s: member '%s' is truncated", pak, name);
	h->len = size;
	pf_sha256_buf(h->bytes, size, sha);
	return pf_pak_hook_bytes_check(ctx, pak, h->e, size, sha);
}

/* The slot of OUT (N of them) for entry E. */
static struct pf_pak_hook *slot(struct pf_pak_hook *out, size_t n, const struct pf_entry *e)
{
	for (size_t i = 0; i < n; i++)
		if (out[i].e == e)
			return &out[i];
	return NULL;
}

static int read_members(struct pf_ctx *ctx, struct archive *a, const char *pak,
			const struct pf_manifest *m, const char *manifest, size_t len,
			struct pf_pak_hook *out, size_t n, bool *seen)
{
	struct archive_entry *ae;
	char *scratch = malloc(SCRATCH);
	bool first = true;
	int rc, r = -1;

	if (!scratch)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	while ((rc = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ae);
		const struct pf_entry *e;
		struct pf_pak_hook *h;

		if (first) {
			if (pf_pak_check_manifest(ctx, pak, a, ae, manifest, len, scratch,
						  SCRATCH) < 0)
				goto out;
			first = false;
			continue;
		}
		/* The payload starts: staging reads it, not this. */
		if (!pf_pak_is_hook(name))
			break;
		e = pf_pak_hook_member(ctx, pak, m, ae, seen, false);
		if (!e)
			goto out;
		h = slot(out, n, e);
		if (!h) {
			pf_fail(ctx, PF_E_OTHER, "%s: hook %s has no slot", pak, e->path);
			goto out;
		}
		if (read_hook(ctx, a, pak, name, (size_t)archive_entry_size(ae), h) < 0)
			goto out;
	}
	if (rc != ARCHIVE_OK && rc != ARCHIVE_EOF) {
		pf_fail(ctx, PF_E_VERIFY, "%s: damaged package: %s", pak, archive_error_string(a));
		goto out;
	}
	if (first) {
		pf_fail(ctx, PF_E_VERIFY, "%s: empty package", pak);
		goto out;
	}
	r = pf_pak_hooks_complete(ctx, pak, m, seen);
out:
	free(scratch);
	return r;
}

int pf_pak_read_hooks(struct pf_ctx *ctx, int fd, const char *pak, const struct pf_manifest *m,
		      const char *manifest, size_t len, struct pf_pak_hook **out, size_t *n)
{
	struct pf_pak_hook *hooks = NULL;
	struct archive *a = NULL;
	bool *seen = NULL;
	size_t count = 0, k = 0;
	int r = -1;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < m->n; i++)
		count += m->entries[i].type == PF_ENTRY_HOOK;
	if (count == 0)
		return 0;
	hooks = calloc(count, sizeof(*hooks));
	seen = calloc(m->n, sizeof(*seen));
	if (!hooks || !seen) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m->n; i++)
		if (m->entries[i].type == PF_ENTRY_HOOK)
			hooks[k++].e = &m->entries[i];
	a = pf_pak_open(ctx, fd, pak);
	if (!a || read_members(ctx, a, pak, m, manifest, len, hooks, count, seen) < 0)
		goto out;
	*out = hooks;
	*n = count;
	hooks = NULL;
	r = 0;
out:
	pf_pak_hooks_free(hooks, count);
	archive_read_free(a);
	free(seen);
	return r;
}

void pf_pak_hooks_free(struct pf_pak_hook *h, size_t n)
{
	if (!h)
		return;
	for (size_t i = 0; i < n; i++)
		free(h[i].bytes);
	free(h);
}
