/* Paths shipped by two packages: see check.h. On a system, every path has
 * one owner. Core updates replace each other's files (that is what an
 * update is), so only an add-on's paths are looked for elsewhere: a file
 * or symlink of an add-on that a core update or another add-on also
 * ships would be taken from its owner by whichever comes last. One line
 * per pair of packages, with the first path: a package that overlaps
 * another usually does so by the hundred. */
#include <stdio.h>
#include <string.h>

#include "base/context.h"
#include "check.h"
#include "format/index.h"
#include "format/manifest.h"

/* Paths where A and B collide: a file or symlink of A that B ships in any
 * form, or a folder of A where B ships a file or symlink. Folders that
 * both make are shared, as on every system. *FIRST: the first such path. */
static size_t collisions(const struct pf_manifest *a, const struct pf_manifest *b,
			 const char **first)
{
	size_t n = 0;

	*first = NULL;
	for (size_t k = 0; k < a->n; k++) {
		const struct pf_entry *e = &a->entries[k], *o;

		if (e->type != PF_ENTRY_FILE && e->type != PF_ENTRY_SYMLINK &&
		    e->type != PF_ENTRY_DIR)
			continue;
		o = pf_manifest_find(b, e->path);
		if (!o || (e->type == PF_ENTRY_DIR && o->type == PF_ENTRY_DIR))
			continue;
		if (!*first)
			*first = e->path;
		n++;
	}
	return n;
}

static void check_pair(struct repo_check *c, size_t i, size_t j)
{
	const struct pf_index_entry *a = &c->idx->entries[i], *b = &c->idx->entries[j];
	char other[160];
	const char *first;
	size_t n = collisions(c->m[i], c->m[j], &first);

	if (n == 0)
		return;
	check_entry_name(c, j, other, sizeof(other));
	if (n == 1)
		check_error(c, "%s/%s: %s is also shipped by %s (%s/%s): two packages cannot own one path",
			    c->repo, a->manifest, first, other, c->repo, b->manifest);
	else
		check_error(c, "%s/%s: %zu paths (the first: %s) are also shipped by %s (%s/%s): two packages cannot own one path",
			    c->repo, a->manifest, n, first, other, c->repo, b->manifest);
}

int check_owners(struct repo_check *c)
{
	const struct pf_index *idx = c->idx;

	for (size_t i = 0; i < idx->n; i++) {
		const struct pf_index_entry *a = &idx->entries[i];

		if (a->type != PF_STANZA_ADDON || !c->m[i])
			continue;
		for (size_t j = 0; j < idx->n; j++) {
			const struct pf_index_entry *b = &idx->entries[j];

			if (j == i || !c->m[j])
				continue;
			/* Two add-ons once per pair; one listed twice is
			 * check-chain.c's finding. */
			if (b->type == PF_STANZA_ADDON && (j < i || !strcmp(a->name, b->name)))
				continue;
			check_pair(c, i, j);
		}
	}
	return 0;
}
