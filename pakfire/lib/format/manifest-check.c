/* The rules on a manifest (see manifest.h): on each entry's values, and on
 * the whole manifest through its sorted view (no path twice, no path
 * through a file or symlink of the same manifest), which also serves
 * pf_manifest_find. The parser and the writer apply the same rules, so
 * that the client and pakfire-repo can never disagree. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/path.h"
#include "format/manifest.h"
#include "format/manifest-entries.h"

static const char *quote(const char *s, char q[QUOTE_MAX])
{
	return pf_quote(s, strlen(s), q, QUOTE_MAX);
}

static bool has_path(enum pf_entry_type t)
{
	return t == PF_ENTRY_FILE || t == PF_ENTRY_DIR || t == PF_ENTRY_SYMLINK ||
	       t == PF_ENTRY_REMOVE;
}

int pf_manifest_validate_entry(struct pf_ctx *ctx, const char *name, size_t line,
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
		if (!pf_hook_name_valid(e->path))
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s line %zu: hook name '%s' is not made of [A-Za-z0-9._-] (at most %d)",
				       name, line, quote(e->path, q), NAME_MAX);
		if ((unsigned)e->phase >= PF_HOOK__COUNT)
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

int pf_manifest_sort(struct pf_ctx *ctx, const char *name, const struct pf_manifest *m,
		     struct pf_entry ***out)
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
			       name, pf_manifest_line_of(bad), quote(m->entries[bad].path, q),
			       pf_entry_type_name(through->type), quote(through->path, q2),
			       pf_manifest_line_of((size_t)(through - m->entries)));
	}
	if (dup != SIZE_MAX) {
		const struct pf_entry *e = &m->entries[dup];
		free(sorted);
		return pf_fail(ctx, PF_E_VERIFY, "%s line %zu: %s '%s' is listed twice (first on line %zu)",
			       name, pf_manifest_line_of(dup),
			       e->type == PF_ENTRY_HOOK ? "hook" : "path",
			       quote(e->path, q), pf_manifest_line_of(dup_first));
	}
	*out = sorted;
	return 0;
}

int pf_manifest_check(struct pf_ctx *ctx, const char *name,
		      struct pf_manifest *m)
{
	struct pf_entry **sorted;

	for (size_t i = 0; i < m->n; i++)
		if (pf_manifest_validate_entry(ctx, name, pf_manifest_line_of(i), &m->entries[i]) < 0)
			return -1;
	if (pf_manifest_sort(ctx, name, m, &sorted) < 0)
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
