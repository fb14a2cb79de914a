/* The published mirror list (docs/formats.md, "mirrors"): see check.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/hash.h"
#include "base/path.h"
#include "format/index.h"
#include "format/mirrors.h"
#include "check.h"

int check_mirrors(struct repo_check *c)
{
	const struct pf_index *idx = c->idx;
	struct pf_mirror_list *l = NULL;
	char *buf = NULL, label[4096];
	size_t len = 0;
	uint8_t sum[32];

	if (!idx->mirrors)
		return 0;
	if (!pf_index_optional_lists(idx->optional_keys, "Mirrors") ||
	    !pf_index_optional_lists(idx->optional_keys, "Mirrors-Size") ||
	    !pf_index_optional_lists(idx->optional_keys, "Mirrors-SHA256"))
		check_error(c, "%s/index stanza 1 (repository): Mirrors, Mirrors-Size and"
			    " Mirrors-SHA256 are not all listed in Optional-Keys: clients of level 2"
			    " and 3 that do not know them would refuse the whole index", c->repo);
	/* publish hashed the bytes it is about to put in place itself. */
	if (c->publishing)
		return 0;
	if (pf_read_file_at(c->repofd, idx->mirrors, PF_MIRRORS_SIZE_MAX, &buf, &len) < 0) {
		check_error(c, "%s/%s: %s", c->repo, idx->mirrors,
			    errno == EFBIG ? "larger than a mirror list may be" : strerror(errno));
		return 0;
	}
	snprintf(label, sizeof(label), "%s/%s", c->repo, idx->mirrors);
	pf_sha256_buf(buf, len, sum);
	if (pf_check_signed_size_hash(c->ctx, label, len, sum, idx->mirrors_size,
				      idx->mirrors_sha256) < 0 ||
	    pf_mirror_list_parse(c->ctx, label, buf, len, &l) < 0)
		check_failed(c);
	pf_mirror_list_free(l);
	free(buf);
	return 0;
}
