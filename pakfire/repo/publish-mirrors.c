/* The published mirror list of an index (docs/formats.md, "mirrors"): see
 * publish-parts.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/path.h"
#include "format/index.h"
#include "format/mirrors.h"
#include "publish-parts.h"

#define MIRRORS_NAME "mirrors"
#define MIRRORS_KEYS "Mirrors, Mirrors-Size, Mirrors-SHA256"

/* The list's bytes: --mirrors FILE (on the host), else REPO/mirrors;
 * *BUF NULL when neither is there. */
static int read_list(struct pf_ctx *ctx, const struct publish_params *p, int repofd,
		     char **buf, size_t *len)
{
	const char *what = p->mirrors ? p->mirrors : MIRRORS_NAME;

	if (pf_read_file_at(p->mirrors ? AT_FDCWD : repofd, what, PF_MIRRORS_SIZE_MAX, buf,
			    len) == 0)
		return 0;
	*buf = NULL;
	if (errno == ENOENT && !p->mirrors)
		return 0;
	if (errno == EFBIG)
		return pf_fail(ctx, PF_E_USAGE, "%s%s%s: more than %u bytes (the limit of a mirror"
			       " list)", p->mirrors ? "--mirrors " : p->repo, p->mirrors ? "" : "/",
			       what, PF_MIRRORS_SIZE_MAX);
	return pf_fail_errno(ctx, PF_E_USAGE, "%s%s%s", p->mirrors ? "--mirrors " : p->repo,
			     p->mirrors ? "" : "/", what);
}

int publish_mirrors(struct pf_ctx *ctx, const struct publish_params *p, int repofd,
		    struct pf_index *idx, char **out, size_t *out_len)
{
	struct pf_mirror_list *l = NULL;
	char *buf = NULL, *keys = NULL, label[4096];
	size_t len = 0;
	int r = -1;

	*out = NULL;
	*out_len = 0;
	if (read_list(ctx, p, repofd, &buf, &len) < 0)
		return -1;
	if (!buf)
		return 0;
	snprintf(label, sizeof(label), "%s%s%s", p->mirrors ? "" : p->repo,
		 p->mirrors ? "" : "/", p->mirrors ? p->mirrors : MIRRORS_NAME);
	/* The client's own parser: what it would refuse is never listed. */
	if (pf_mirror_list_parse(ctx, label, buf, len, &l) < 0) {
		char why[sizeof(ctx->err_msg)];

		snprintf(why, sizeof(why), "%s", pf_error_message(ctx));
		pf_clear_error(ctx);
		pf_fail(ctx, PF_E_USAGE, "%s: not a mirror list a client accepts: %s", p->command,
			why);
		goto out;
	}
	/* Optional: clients that do not know the keys may ignore them, and
	 * lose nothing but the list (no client level needed). */
	if (idx->optional_keys ? asprintf(&keys, "%s, %s", idx->optional_keys, MIRRORS_KEYS) < 0
			       : !(keys = strdup(MIRRORS_KEYS))) {
		keys = NULL;
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	free(idx->optional_keys);
	idx->optional_keys = keys;
	idx->mirrors = strdup(MIRRORS_NAME);
	if (!idx->mirrors) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	idx->mirrors_size = len;
	pf_sha256_buf(buf, len, idx->mirrors_sha256);
	pf_info(ctx, "%s: %zu mirror%s listed", label, l->n, l->n == 1 ? "" : "s");
	if (p->mirrors) {
		*out = buf;
		*out_len = len;
		buf = NULL;
	}
	r = 0;
out:
	pf_mirror_list_free(l);
	free(buf);
	return r;
}
