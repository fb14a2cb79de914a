/* Manifests: parse, check and write (see manifest.h and DESIGN.md).
 *
 * The parser is the security boundary for every path an update touches, so
 * it is strict: one grammar, one tab between fields, "\n" after every line,
 * canonical numbers, lowercase hashes. Entry i of a manifest is always on
 * line i + 2 (the magic line is line 1 and nothing else may appear), so the
 * rules that look at the whole manifest (duplicates, paths through symlinks)
 * can name lines for built manifests too. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/hash.h"
#include "format/manifest.h"
#include "base/path.h"

#define QUOTE_MAX 200
#define MAX_FIELDS 7

static size_t line_of(size_t idx)
{
	return idx + 2;
}

static const char *quote(const char *s, char q[QUOTE_MAX])
{
	return pf_quote(s, strlen(s), q, QUOTE_MAX);
}

const char *pf_entry_type_name(enum pf_entry_type t)
{
	switch (t) {
	case PF_ENTRY_FILE: return "file";
	case PF_ENTRY_DIR: return "dir";
	case PF_ENTRY_SYMLINK: return "symlink";
	case PF_ENTRY_REMOVE: return "remove";
	case PF_ENTRY_HOOK: return "hook";
	}
	return "unknown";
}

static bool has_path(enum pf_entry_type t)
{
	return t == PF_ENTRY_FILE || t == PF_ENTRY_DIR || t == PF_ENTRY_SYMLINK ||
	       t == PF_ENTRY_REMOVE;
}

/* The rules on one entry's values, shared by the parser and
 * pf_manifest_check (the parser has already checked the syntax). */
static int validate_entry(struct pf_ctx *ctx, const char *name, size_t line,
			  const struct pf_entry *e)
{
	char q[QUOTE_MAX];
	const char *why;
	size_t n;

	if (!has_path(e->type) && e->type != PF_ENTRY_HOOK)
		return pf_fail(ctx, PF_E_VERIFY, "%s line %zu: unknown entry type %d",
			       name, line, (int)e->type);
	if (!e->path)
		return pf_fail(ctx, PF_E_VERIFY, "%s line %zu: %s entry without a %s",
			       name, line, pf_entry_type_name(e->type),
			       e->type == PF_ENTRY_HOOK ? "name" : "path");
	n = strlen(e->path);
	if (e->type == PF_ENTRY_HOOK) {
		if (n == 0 || n > NAME_MAX ||
		    strspn(e->path, "abcdefghijklmnopqrstuvwxyz"
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n ||
		    strcmp(e->path, ".") == 0 || strcmp(e->path, "..") == 0)
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s line %zu: hook name '%s' is not made of [A-Za-z0-9._-] (at most %d)",
				       name, line, quote(e->path, q), NAME_MAX);
		if (e->phase != PF_HOOK_PRE && e->phase != PF_HOOK_POST)
			return pf_fail(ctx, PF_E_VERIFY, "%s line %zu: hook '%s': bad phase %d",
				       name, line, e->path, (int)e->phase);
		return 0;
	}
	if (!pf_path_valid(e->path, n, &why))
		return pf_fail(ctx, PF_E_VERIFY, "%s line %zu: path '%s': %s",
			       name, line, quote(e->path, q), why);
	if (strncmp(e->path, ".pakfire", 8) == 0 &&
	    (e->path[8] == '\0' || e->path[8] == '/'))
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %zu: path '%s': .pakfire/ is reserved for the package's metadata",
			       name, line, quote(e->path, q));
	if (e->type == PF_ENTRY_FILE || e->type == PF_ENTRY_DIR) {
		if (e->mode > 07777)
			return pf_fail(ctx, PF_E_VERIFY, "%s line %zu: mode %o of '%s' is above 07777",
				       name, line, (unsigned)e->mode, quote(e->path, q));
		if (e->uid == (uid_t)-1 || e->gid == (gid_t)-1)
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s line %zu: '%s': UID/GID %u is reserved",
				       name, line, quote(e->path, q), (unsigned)-1);
	}
	if (e->type == PF_ENTRY_SYMLINK) {
		char qt[QUOTE_MAX];
		size_t tn = e->target ? strlen(e->target) : 0;

		if (tn == 0)
			return pf_fail(ctx, PF_E_VERIFY, "%s line %zu: symlink '%s' has an empty target",
				       name, line, quote(e->path, q));
		if (tn >= PATH_MAX)
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s line %zu: symlink '%s': target longer than PATH_MAX",
				       name, line, quote(e->path, q));
		for (size_t i = 0; i < tn; i++) {
			unsigned char c = (unsigned char)e->target[i];
			if (c < 0x20 || c == 0x7f)
				return pf_fail(ctx, PF_E_VERIFY,
					       "%s line %zu: symlink '%s': control character in target '%s'",
					       name, line, quote(e->path, q),
					       pf_quote(e->target, tn, qt, sizeof(qt)));
		}
	}
	return 0;
}

/* The sorted view: every entry, path entries first ordered by path, hooks
 * last ordered by name. Ties (duplicates, refused anyway) by file order. */
static int entry_cmp(const void *a, const void *b)
{
	const struct pf_entry *ea = *(const struct pf_entry *const *)a;
	const struct pf_entry *eb = *(const struct pf_entry *const *)b;
	int ha = ea->type == PF_ENTRY_HOOK, hb = eb->type == PF_ENTRY_HOOK;
	int c;

	if (ha != hb)
		return ha - hb;
	c = strcmp(ea->path, eb->path);
	if (c)
		return c;
	return ea < eb ? -1 : ea > eb;
}

/* A path given as a string, in entry_cmp's order (before every hook). */
static int key_cmp(const void *key, const void *elem)
{
	const struct pf_entry *e = *(const struct pf_entry *const *)elem;

	if (e->type == PF_ENTRY_HOOK)
		return -1;
	return strcmp(key, e->path);
}

/* The first entry in file order (below LIMIT) whose path passes through a
 * file or symlink of the same manifest; *through is what it passes through.
 *
 * One walk over the sorted view: all paths that start with "a" follow each
 * other there, so a stack holds the files and symlinks that are leading
 * parts of the current path, and a path below one of them ("a" + "/" + ...)
 * shows up while it is on the stack. Returns -1 when out of memory. */
static int find_through(const struct pf_manifest *m, struct pf_entry *const *sorted,
			size_t limit, size_t *bad, const struct pf_entry **through)
{
	const struct pf_entry **stack;
	size_t *lens, depth = 0;

	*through = NULL;
	stack = malloc((m->n + 1) * sizeof(*stack));
	lens = malloc((m->n + 1) * sizeof(*lens));
	if (!stack || !lens) {
		free(stack);
		free(lens);
		return -1;
	}
	for (size_t i = 0; i < m->n && sorted[i]->type != PF_ENTRY_HOOK; i++) {
		const struct pf_entry *x = sorted[i];

		while (depth > 0 && strncmp(x->path, stack[depth - 1]->path, lens[depth - 1]) != 0)
			depth--;
		/* Every entry on the stack is a leading part of x's path, the
		 * longer the higher: look up each '/' of x among their lengths. */
		for (const char *c = depth ? strchr(x->path, '/') : NULL; c; c = strchr(c + 1, '/')) {
			size_t j = (size_t)(c - x->path), lo = 0, hi = depth;
			size_t xi = (size_t)(x - m->entries);

			if (j > lens[depth - 1])
				break;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (lens[mid] < j)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo < depth && lens[lo] == j && xi < limit && (!*through || xi < *bad)) {
				*bad = xi;
				*through = stack[lo];
			}
		}
		if (x->type == PF_ENTRY_FILE || x->type == PF_ENTRY_SYMLINK) {
			stack[depth] = x;
			lens[depth] = strlen(x->path);
			depth++;
		}
	}
	free(stack);
	free(lens);
	return 0;
}

/* Build the sorted view and apply the rules on the whole manifest: no path
 * (or hook name) twice, no path through a symlink or file of this manifest.
 * When both are broken, the error on the earlier line is reported. */
static int build_sorted(struct pf_ctx *ctx, const char *name,
			const struct pf_manifest *m, struct pf_entry ***out)
{
	struct pf_entry **sorted;
	const struct pf_entry *through;
	size_t dup = SIZE_MAX, dup_first = 0, bad = 0;
	char q[QUOTE_MAX], q2[QUOTE_MAX];

	*out = NULL;
	sorted = malloc((m->n + 1) * sizeof(*sorted));
	if (!sorted)
		return pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
	for (size_t i = 0; i < m->n; i++)
		sorted[i] = &m->entries[i];
	sorted[m->n] = NULL;
	qsort(sorted, m->n, sizeof(*sorted), entry_cmp);

	for (size_t i = 1; i < m->n; i++) {
		const struct pf_entry *a = sorted[i - 1], *b = sorted[i];
		size_t later = (size_t)(b - m->entries);

		if ((a->type == PF_ENTRY_HOOK) != (b->type == PF_ENTRY_HOOK) ||
		    strcmp(a->path, b->path) != 0)
			continue;
		if (later < dup) {
			dup = later;
			dup_first = (size_t)(a - m->entries);
		}
	}
	if (find_through(m, sorted, dup, &bad, &through) < 0) {
		free(sorted);
		return pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
	}
	if (through) {
		free(sorted);
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %zu: path '%s' passes through %s '%s' that this manifest creates (line %zu)",
			       name, line_of(bad), quote(m->entries[bad].path, q),
			       pf_entry_type_name(through->type), quote(through->path, q2),
			       line_of((size_t)(through - m->entries)));
	}
	if (dup != SIZE_MAX) {
		const struct pf_entry *e = &m->entries[dup];
		free(sorted);
		return pf_fail(ctx, PF_E_VERIFY, "%s line %zu: %s '%s' is listed twice (first on line %zu)",
			       name, line_of(dup),
			       e->type == PF_ENTRY_HOOK ? "hook" : "path",
			       quote(e->path, q), line_of(dup_first));
	}
	*out = sorted;
	return 0;
}

struct pf_manifest *pf_manifest_new(void)
{
	return calloc(1, sizeof(struct pf_manifest));
}

void pf_manifest_free(struct pf_manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->entries[i].path);
		free(m->entries[i].target);
	}
	free(m->entries);
	free(m->sorted);
	free(m);
}

/* Room for at least one more entry. The entries may move: the sorted view
 * is dropped until the next check. */
static int reserve(struct pf_ctx *ctx, struct pf_manifest *m, size_t more)
{
	struct pf_entry *p;
	size_t cap;

	free(m->sorted);
	m->sorted = NULL;
	if (m->cap - m->n >= more)
		return 0;
	cap = m->cap ? m->cap : 64;
	while (cap - m->n < more) {
		if (cap > SIZE_MAX / 2 / sizeof(*p))
			return pf_fail(ctx, PF_E_OTHER, "manifest: too many entries");
		cap *= 2;
	}
	p = realloc(m->entries, cap * sizeof(*p));
	if (!p)
		return pf_fail(ctx, PF_E_OTHER, "manifest: out of memory");
	m->entries = p;
	m->cap = cap;
	return 0;
}

/* Append e, taking PATH (and TARGET, for symlinks) as PLEN and TLEN bytes,
 * and keeping only the fields its type has, so that parse(write(m)) gives
 * back exactly m. */
static int append(struct pf_ctx *ctx, struct pf_manifest *m, const struct pf_entry *e,
		  const char *path, size_t plen, const char *target, size_t tlen)
{
	struct pf_entry c = { .type = e->type };

	if (reserve(ctx, m, 1) < 0)
		return -1;
	switch (e->type) {
	case PF_ENTRY_FILE:
		c.size = e->size;
		memcpy(c.sha256, e->sha256, sizeof(c.sha256));
		/* fall through */
	case PF_ENTRY_DIR:
		c.mode = e->mode;
		c.uid = e->uid;
		c.gid = e->gid;
		break;
	case PF_ENTRY_HOOK:
		c.phase = e->phase;
		memcpy(c.sha256, e->sha256, sizeof(c.sha256));
		break;
	case PF_ENTRY_SYMLINK:
	case PF_ENTRY_REMOVE:
		break;
	}
	c.path = strndup(path, plen);
	if (!c.path)
		return pf_fail(ctx, PF_E_OTHER, "manifest: out of memory");
	if (e->type == PF_ENTRY_SYMLINK && target) {
		c.target = strndup(target, tlen);
		if (!c.target) {
			free(c.path);
			return pf_fail(ctx, PF_E_OTHER, "manifest: out of memory");
		}
	}
	m->entries[m->n++] = c;
	return 0;
}

int pf_manifest_add(struct pf_ctx *ctx, struct pf_manifest *m,
		    const struct pf_entry *e)
{
	if (!e->path)
		return pf_fail(ctx, PF_E_VERIFY, "manifest: %s entry without a %s",
			       pf_entry_type_name(e->type),
			       e->type == PF_ENTRY_HOOK ? "name" : "path");
	return append(ctx, m, e, e->path, strlen(e->path), e->target,
		      e->target ? strlen(e->target) : 0);
}

int pf_manifest_check(struct pf_ctx *ctx, const char *name,
		      struct pf_manifest *m)
{
	struct pf_entry **sorted;

	for (size_t i = 0; i < m->n; i++)
		if (validate_entry(ctx, name, line_of(i), &m->entries[i]) < 0)
			return -1;
	if (build_sorted(ctx, name, m, &sorted) < 0)
		return -1;
	free(m->sorted);
	m->sorted = sorted;
	return 0;
}

const struct pf_entry *pf_manifest_find(const struct pf_manifest *m,
					const char *path)
{
	const struct pf_entry *e;

	struct pf_entry *const *hit;

	if (!m->sorted)
		return NULL;
	hit = bsearch(path, m->sorted, m->n, sizeof(*m->sorted), key_cmp);
	e = hit ? *hit : NULL;
	if (!e || e->type == PF_ENTRY_REMOVE)
		return NULL;
	return e;
}

/* Field syntax. Fields are (pointer, length) into the caller's buffer. */

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

static int parse_u64(struct field f, uint64_t *out)
{
	uint64_t v = 0;

	if (f.len == 0)
		return -1;
	for (size_t i = 0; i < f.len; i++) {
		unsigned d;
		if (f.s[i] < '0' || f.s[i] > '9')
			return -1;
		d = (unsigned)(f.s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
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

	if (parse_u64(f, &v) < 0 || v >= UINT32_MAX)
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
		if (parse_u64(f[4], &e.size) < 0)
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
		if (field_is(f[1], "pre"))
			e.phase = PF_HOOK_PRE;
		else if (field_is(f[1], "post"))
			e.phase = PF_HOOK_POST;
		else
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s line %zu: hook phase '%s' is not pre or post",
				       name, line, fquote(f[1], q));
		if (field_hash(ctx, name, line, f[2], e.sha256) < 0)
			return -1;
		break;
	}
	if (append(ctx, m, &e, path.s, path.len, target.s, target.len) < 0)
		return -1;
	return validate_entry(ctx, name, line, &m->entries[m->n - 1]);
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
	if (!m || reserve(ctx, m, lines + 1) < 0) {
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
	if (build_sorted(ctx, name, m, &m->sorted) < 0)
		goto out;
	*out = m;
	m = NULL;
	r = 0;
out:
	pf_manifest_free(m);
	return r;
}

int pf_manifest_write(struct pf_ctx *ctx, const struct pf_manifest *m,
		      char **buf, size_t *len)
{
	static const char name[] = "manifest";
	struct pf_entry **sorted = NULL;
	char *data = NULL, hex[65];
	size_t size = 0;
	FILE *f;

	*buf = NULL;
	*len = 0;
	/* Write only what the parser accepts. */
	for (size_t i = 0; i < m->n; i++)
		if (validate_entry(ctx, name, line_of(i), &m->entries[i]) < 0)
			return -1;
	if (build_sorted(ctx, name, m, &sorted) < 0)
		return -1;
	free(sorted);

	f = open_memstream(&data, &size);
	if (!f)
		return pf_fail_errno(ctx, PF_E_OTHER, "manifest: open_memstream");
	fputs(PF_MANIFEST_MAGIC "\n", f);
	for (size_t i = 0; i < m->n; i++) {
		const struct pf_entry *e = &m->entries[i];

		switch (e->type) {
		case PF_ENTRY_FILE:
			pf_hex(e->sha256, hex);
			fprintf(f, "file\t%04o\t%u\t%u\t%" PRIu64 "\t%s\t%s\n",
				(unsigned)e->mode, (unsigned)e->uid, (unsigned)e->gid,
				e->size, hex, e->path);
			break;
		case PF_ENTRY_DIR:
			fprintf(f, "dir\t%04o\t%u\t%u\t%s\n", (unsigned)e->mode,
				(unsigned)e->uid, (unsigned)e->gid, e->path);
			break;
		case PF_ENTRY_SYMLINK:
			fprintf(f, "symlink\t%s\t%s\n", e->target, e->path);
			break;
		case PF_ENTRY_REMOVE:
			fprintf(f, "remove\t%s\n", e->path);
			break;
		case PF_ENTRY_HOOK:
			pf_hex(e->sha256, hex);
			fprintf(f, "hook\t%s\t%s\t%s\n",
				e->phase == PF_HOOK_PRE ? "pre" : "post", hex, e->path);
			break;
		}
	}
	if (ferror(f)) {
		fclose(f);
		free(data);
		errno = ENOMEM;
		return pf_fail_errno(ctx, PF_E_OTHER, "manifest: write");
	}
	if (fclose(f) != 0) {
		free(data);
		return pf_fail_errno(ctx, PF_E_OTHER, "manifest: write");
	}
	*buf = data;
	*len = size;
	return 0;
}
