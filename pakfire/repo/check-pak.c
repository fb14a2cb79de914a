/* A package against its published manifest, member by member: see
 * check.h. The members are checked by the code the client stages with
 * (format/pak.h), so a package that passes here is one the client
 * accepts, hooks included (their rule is pf_pak_hook_member's). One
 * finding per package: after the first difference, what follows says
 * nothing more. */
#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/path.h"
#include "check.h"
#include "format/manifest.h"
#include "format/pak.h"

#define BUF_SIZE (256 * 1024)

struct pak_read {
	struct pf_ctx *ctx;
	const char *label;
	const struct pf_manifest *m;
	struct archive *a;
	bool *seen;          /* per manifest entry: payload members and hooks met */
	bool payload;        /* a payload member came: no hook may follow */
	char *buf;
};

static int member_fail(struct pak_read *p, const char *name, const char *what)
{
	char q[256];

	pf_quote(name, strlen(name), q, sizeof(q));
	return pf_fail(p->ctx, PF_E_VERIFY, "%s: member '%s' %s", p->label, q, what);
}

/* Read the current member's data: its size and SHA-256. */
static int hash_data(struct pak_read *p, const char *name, uint64_t *size, uint8_t sha[32])
{
	struct pf_sha256 *h = pf_sha256_new();
	int r = -1;

	*size = 0;
	if (!h)
		return pf_fail(p->ctx, PF_E_OTHER, "out of memory");
	for (;;) {
		la_ssize_t n = archive_read_data(p->a, p->buf, BUF_SIZE);

		if (n == 0)
			break;
		if (n < 0) {
			pf_fail(p->ctx, PF_E_VERIFY, "%s: %s: %s", p->label, name,
				archive_error_string(p->a));
			goto out;
		}
		pf_sha256_update(h, p->buf, (size_t)n);
		*size += (uint64_t)n;
	}
	pf_sha256_final(h, sha);
	r = 0;
out:
	pf_sha256_free(h);
	return r;
}

/* .pakfire/hooks/NAME: by the client's rule (pf_pak_hook_member), its
 * bytes hashed here as they stream. */
static int hook_member(struct pak_read *p, struct archive_entry *ae, const char *name)
{
	const struct pf_entry *e = pf_pak_hook_member(p->ctx, p->label, p->m, ae, p->seen,
						      p->payload);
	uint8_t sha[32];
	uint64_t size;

	if (!e || hash_data(p, name, &size, sha) < 0)
		return -1;
	return pf_pak_hook_bytes_check(p->ctx, p->label, e, size, sha);
}

static int payload_member(struct pak_read *p, struct archive_entry *ae)
{
	const struct pf_entry *e = pf_pak_member(p->ctx, p->label, p->m, ae, p->seen);
	uint8_t sha[32];
	uint64_t size;

	p->payload = true;
	if (!e)
		return -1;
	if (e->type != PF_ENTRY_FILE)
		return 0;
	if (hash_data(p, e->path, &size, sha) < 0)
		return -1;
	if (size != e->size)
		return member_fail(p, e->path, size > e->size ? "is larger than its manifest says"
							      : "is shorter than its manifest says");
	if (memcmp(sha, e->sha256, 32))
		return member_fail(p, e->path, "does not match the SHA-256 in its manifest");
	return 0;
}

static int read_members(struct pak_read *p, const char *manifest, size_t len)
{
	struct archive_entry *ae;
	bool first = true;
	int rc;

	while ((rc = archive_read_next_header(p->a, &ae)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ae);
		int r;

		if (first)
			r = pf_pak_check_manifest(p->ctx, p->label, p->a, ae, manifest, len,
						  p->buf, BUF_SIZE);
		else if (pf_pak_is_hook(name))
			r = hook_member(p, ae, name);
		else
			r = payload_member(p, ae);
		if (r < 0)
			return -1;
		first = false;
	}
	if (rc != ARCHIVE_EOF)
		return pf_fail(p->ctx, PF_E_VERIFY, "%s: damaged package: %s", p->label,
			       archive_error_string(p->a));
	if (first)
		return pf_fail(p->ctx, PF_E_VERIFY, "%s: empty package", p->label);
	if (pf_pak_complete(p->ctx, p->label, p->m, p->seen) < 0 || pf_pak_hooks_complete(p->ctx, p->label, p->m, p->seen) < 0)
		return -1;
	return 0;
}

int check_package(struct repo_check *c, size_t i, int fd, const char *label)
{
	struct pak_read p = { .ctx = c->ctx, .label = label, .m = c->m[i] };
	int r = 0;

	p.seen = calloc(p.m->n ? p.m->n : 1, sizeof(*p.seen));
	p.buf = malloc(BUF_SIZE);
	if (!p.seen || !p.buf) {
		r = pf_fail(c->ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	p.a = pf_pak_open(c->ctx, fd, label);
	if (!p.a || read_members(&p, c->mbuf[i], c->mlen[i]) < 0)
		check_failed(c);
out:
	archive_read_free(p.a);
	free(p.buf);
	free(p.seen);
	return r;
}
