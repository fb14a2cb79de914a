/* Manifests, parsed (see manifest.h and DESIGN.md).
 *
 * The parser is the security boundary for every path an update touches, so
 * it is strict: one grammar, one tab between fields, "\n" after every line,
 * canonical numbers, lowercase hashes. Each entry is checked as it is read
 * and the whole manifest at the end (manifest-check.c). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/numbers.h"
#include "base/path.h"
#include "format/manifest.h"
#include "format/manifest-entries.h"

#define MAX_FIELDS 7

/* Fields are (pointer, length) into the caller's buffer. */
struct field {
	const char *s;
	size_t len;
};

static bool field_is(struct field f, const char *word)
{
	return f.len == strlen(word) && memcmp(f.s, word, f.len) == 0;
}

static const char *fquote(struct field f, char q[QUOTE_MAX])
{
	return pf_quote(f.s, f.len, q, QUOTE_MAX);
}

static int field_mode(struct pf_ctx *ctx, const char *name, size_t line,
		      struct field f, mode_t *out)
{
	char q[QUOTE_MAX];
	unsigned v = 0;

	if (f.len != 3 && f.len != 4)
		goto bad;
	for (size_t i = 0; i < f.len; i++) {
		if (f.s[i] < '0' || f.s[i] > '7')
			goto bad;
		v = v * 8 + (unsigned)(f.s[i] - '0');
	}
	*out = (mode_t)v;
	return 0;
bad:
	return pf_fail(ctx, PF_E_VERIFY,
		       "%s line %zu: mode '%s' is not 3 or 4 octal digits (at most 7777)",
		       name, line, fquote(f, q));
}

static int field_id(struct pf_ctx *ctx, const char *name, size_t line,
		    const char *what, struct field f, uint32_t *out)
{
	char q[QUOTE_MAX];
	uint64_t v;

	if (pf_parse_u64(f.s, f.len, &v) < 0 || v >= UINT32_MAX)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %zu: %s '%s' is not a decimal number below %" PRIu32,
			       name, line, what, fquote(f, q), UINT32_MAX);
	*out = (uint32_t)v;
	return 0;
}

static int field_hash(struct pf_ctx *ctx, const char *name, size_t line,
		      struct field f, uint8_t out[32])
{
	char q[QUOTE_MAX];

	if (pf_unhex(f.s, f.len, out) < 0)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %zu: SHA256 '%s' is not 64 lowercase hex digits",
			       name, line, fquote(f, q));
	return 0;
}

static const struct {
	const char *word;
	enum pf_entry_type type;
	unsigned fields;
	const char *syntax;
} grammar[] = {
	{ "file", PF_ENTRY_FILE, 7, "file<TAB>MODE<TAB>UID<TAB>GID<TAB>SIZE<TAB>SHA256<TAB>PATH" },
	{ "dir", PF_ENTRY_DIR, 5, "dir<TAB>MODE<TAB>UID<TAB>GID<TAB>PATH" },
	{ "symlink", PF_ENTRY_SYMLINK, 3, "symlink<TAB>TARGET<TAB>PATH" },
	{ "remove", PF_ENTRY_REMOVE, 2, "remove<TAB>PATH" },
	{ "hook", PF_ENTRY_HOOK, 4, "hook<TAB>PHASE<TAB>SHA256<TAB>NAME" },
};

/* One entry line, split into NF fields (only the first MAX_FIELDS stored):
 * append it to m and check it. */
static int parse_entry(struct pf_ctx *ctx, const char *name, size_t line,
		       const struct field *f, unsigned nf, struct pf_manifest *m)
{
	struct pf_entry e = { 0 };
	struct field path, target = { NULL, 0 };
	char q[QUOTE_MAX];
	unsigned g;
	uint32_t id;

	for (g = 0; g < sizeof(grammar) / sizeof(grammar[0]); g++)
		if (field_is(f[0], grammar[g].word))
			break;
	if (g == sizeof(grammar) / sizeof(grammar[0]))
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %zu: unknown entry type '%s' (file, dir, symlink, remove or hook)",
			       name, line, fquote(f[0], q));
	if (nf != grammar[g].fields)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %zu: %u fields where '%s' has %u (%s)",
			       name, line, nf, grammar[g].word, grammar[g].fields,
			       grammar[g].syntax);
	e.type = grammar[g].type;
	path = f[nf - 1];
	switch (e.type) {
	case PF_ENTRY_FILE:
		if (pf_parse_u64(f[4].s, f[4].len, &e.size) < 0)
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s line %zu: SIZE '%s' is not a decimal number below 2^64",
				       name, line, fquote(f[4], q));
		if (field_hash(ctx, name, line, f[5], e.sha256) < 0)
			return -1;
		/* fall through */
	case PF_ENTRY_DIR:
		if (field_mode(ctx, name, line, f[1], &e.mode) < 0)
			return -1;
		if (field_id(ctx, name, line, "UID", f[2], &id) < 0)
			return -1;
		e.uid = id;
		if (field_id(ctx, name, line, "GID", f[3], &id) < 0)
			return -1;
		e.gid = id;
		break;
	case PF_ENTRY_SYMLINK:
		target = f[1];
		break;
	case PF_ENTRY_REMOVE:
		break;
	case PF_ENTRY_HOOK:
		if (pf_hook_phase_parse(f[1].s, f[1].len, &e.phase) < 0)
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s line %zu: hook phase '%s' is not pre, post, pre-install,"
				       " post-install, pre-remove or post-remove",
				       name, line, fquote(f[1], q));
		if (field_hash(ctx, name, line, f[2], e.sha256) < 0)
			return -1;
		break;
	}
	if (pf_manifest_append(ctx, m, &e, path.s, path.len, target.s, target.len) < 0)
		return -1;
	return pf_manifest_validate_entry(ctx, name, line, &m->entries[m->n - 1]);
}

int pf_manifest_parse(struct pf_ctx *ctx, const char *name, const char *buf,
		      size_t len, struct pf_manifest **out)
{
	static const char magic[] = PF_MANIFEST_MAGIC;
	struct pf_manifest *m = NULL;
	const char *p, *end = buf + len, *nl;
	size_t line = 1, lines = 0;
	int r = -1;

	*out = NULL;
	p = memchr(buf, '\0', len);
	if (p) {
		for (const char *s = buf; s < p; s++)
			line += *s == '\n';
		return pf_fail(ctx, PF_E_VERIFY, "%s line %zu: NUL byte", name, line);
	}
	if (len == 0)
		return pf_fail(ctx, PF_E_VERIFY, "%s: empty file, not a pakfire manifest", name);
	nl = memchr(buf, '\n', len);
	if (!nl)
		return pf_fail(ctx, PF_E_VERIFY, "%s line 1: no newline at the end of the last line",
			       name);
	if ((size_t)(nl - buf) != sizeof(magic) - 1 || memcmp(buf, magic, sizeof(magic) - 1) != 0) {
		char q[QUOTE_MAX];
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line 1: '%s' is not 'pakfire-manifest<TAB>1' (not a pakfire manifest, or an unsupported version)",
			       name, pf_quote(buf, (size_t)(nl - buf), q, sizeof(q)));
	}
	/* One allocation for the entries: one a line. No entry line is shorter
	 * than "remove\tx\n", so a flood of empty lines cannot make it huge. */
	for (p = nl + 1; p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++)
		lines++;
	if (lines > len / 9)
		lines = len / 9;
	m = pf_manifest_new();
	if (!m || pf_manifest_reserve(ctx, m, lines + 1) < 0) {
		if (!m)
			pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
		goto out;
	}

	for (p = nl + 1; p < end; p = nl + 1) {
		struct field f[MAX_FIELDS];
		unsigned nf = 0;
		const char *s;

		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			pf_fail(ctx, PF_E_VERIFY, "%s line %zu: no newline at the end of the last line",
				name, line);
			goto out;
		}
		if (nl == p) {
			pf_fail(ctx, PF_E_VERIFY, "%s line %zu: empty line", name, line);
			goto out;
		}
		if (nl[-1] == '\r') {
			pf_fail(ctx, PF_E_VERIFY,
				"%s line %zu: carriage return at the end of the line (CRLF line endings are not allowed)",
				name, line);
			goto out;
		}
		for (s = p; ; ) {
			const char *tab = memchr(s, '\t', (size_t)(nl - s));
			const char *fe = tab ? tab : nl;

			if (fe == s) {
				pf_fail(ctx, PF_E_VERIFY,
					"%s line %zu: field %u is empty (fields are separated by exactly one tab)",
					name, line, nf + 1);
				goto out;
			}
			if (nf < MAX_FIELDS)
				f[nf] = (struct field){ s, (size_t)(fe - s) };
			nf++;
			if (!tab)
				break;
			s = tab + 1;
		}
		if (parse_entry(ctx, name, line, f, nf, m) < 0)
			goto out;
	}
	if (pf_manifest_sort(ctx, name, m, &m->sorted) < 0)
		goto out;
	*out = m;
	m = NULL;
	r = 0;
out:
	pf_manifest_free(m);
	return r;
}
