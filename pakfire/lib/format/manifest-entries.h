/* Inside format/manifest-*.c: adding entries, and the rules on them that
 * the parser, pf_manifest_check and the writer share. Not for use outside
 * format/manifest-*.c. */
#ifndef PF_MANIFEST_ENTRIES_H
#define PF_MANIFEST_ENTRIES_H

#include <stddef.h>

#include "format/manifest.h"

struct pf_ctx;

#define QUOTE_MAX 200

/* Entry i of a manifest is always on line i + 2 (the magic line is line 1
 * and nothing else may appear), so that the rules on the whole manifest
 * name lines for built manifests too. */
static inline size_t pf_manifest_line_of(size_t idx)
{
	return idx + 2;
}

/* Room for at least MORE more entries. The entries may move: the sorted
 * view is dropped until the next check. */
int pf_manifest_reserve(struct pf_ctx *ctx, struct pf_manifest *m, size_t more);

/* Append E, taking PATH (and TARGET, for symlinks) as PLEN and TLEN bytes,
 * and keeping only the fields its type has, so that parse(write(m)) gives
 * back exactly m. */
int pf_manifest_append(struct pf_ctx *ctx, struct pf_manifest *m, const struct pf_entry *e,
		       const char *path, size_t plen, const char *target, size_t tlen);

/* The rules on one entry's values (the parser has already checked the
 * syntax). NAME and LINE are for the message. */
int pf_manifest_validate_entry(struct pf_ctx *ctx, const char *name, size_t line,
			       const struct pf_entry *e);

/* Build the sorted view (*out, malloc'd) and apply the rules on the whole
 * manifest: no path (or hook name) twice, no path through a symlink or file
 * of this manifest. When both are broken, the earlier line is reported. */
int pf_manifest_sort(struct pf_ctx *ctx, const char *name, const struct pf_manifest *m,
		     struct pf_entry ***out);

#endif
