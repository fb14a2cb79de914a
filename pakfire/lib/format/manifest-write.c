/* Manifests, written (pakfire-repo build): the exact bytes that get
 * published, after the same rules the parser applies, so that a maintainer
 * can only ever publish what the client accepts. See manifest.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/context.h"
#include "base/error.h"
#include "base/hash.h"
#include "format/manifest.h"
#include "format/manifest-entries.h"

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
		if (pf_manifest_validate_entry(ctx, name, pf_manifest_line_of(i), &m->entries[i]) < 0)
			return -1;
	if (pf_manifest_sort(ctx, name, m, &sorted) < 0)
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
				pf_hook_phase_name(e->phase), hex, e->path);
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
