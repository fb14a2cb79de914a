/* The Min-Client and the Min-Partition of the repository stanza that
 * publish writes: see publish-parts.h and docs/formats.md, "Client
 * levels" and "index". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "base/path.h"
#include "base/strings.h"
#include "format/index.h"
#include "publish-parts.h"
#include "repo.h"

#define INDEX_MAX (16 * 1024 * 1024)
/* The first client level that acts on a Series-Switch. */
#define LEVEL_SWITCH 2

/* Whether the index of series NAME beside this one, <mirror>/NAME/<arch>/
 * index, moves systems to p->series: its Successor (what bump writes), or
 * a core update's Series-Switch. An index that cannot be read says
 * nothing: it is that series' own publish and check that refuse it. */
static bool moves_here(struct pf_ctx *ctx, const char *repo, const char *series,
		       const char *arch, int mirrorfd, const char *name, unsigned *provides)
{
	struct pf_index *idx = NULL;
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	bool found = false;

	snprintf(path, sizeof(path), "%s/%s/index", name, arch);
	if (pf_read_file_at(mirrorfd, path, INDEX_MAX, &buf, &len) < 0)
		return false;
	if (pf_index_parse(ctx, path, buf, len, &idx) < 0) {
		pf_debug(ctx, "%s (beside %s): %s", path, repo, pf_error_message(ctx));
		pf_clear_error(ctx);
		free(buf);
		return false;
	}
	found = idx->successor && strcmp(idx->successor, series) == 0;
	for (size_t i = 0; i < idx->n; i++)
		if (idx->entries[i].series_switch &&
		    strcmp(idx->entries[i].series_switch, series) == 0) {
			found = true;
			if (idx->entries[i].provides_client > *provides)
				*provides = idx->entries[i].provides_client;
		}
	pf_index_free(idx);
	free(buf);
	return found;
}

int repo_reached_from(struct pf_ctx *ctx, const char *repo, const char *series,
		      const char *arch, char *from, size_t size, unsigned *provides)
{
	char *real = realpath(repo, NULL), *slash;
	struct dirent *de;
	DIR *d = NULL;
	int r = -1;

	from[0] = '\0';
	*provides = 0;
	if (!real)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", repo);
	/* <mirror>/<series>/<arch>: cut the arch, then the series */
	slash = strrchr(real, '/');
	if (!slash || strcmp(slash + 1, arch) != 0)
		goto none;
	*slash = '\0';
	slash = strrchr(real, '/');
	if (!slash || strcmp(slash + 1, series) != 0)
		goto none;
	*slash = '\0';
	d = opendir(*real ? real : "/");
	if (!d) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", *real ? real : "/");
		goto out;
	}
	for (;;) {
		errno = 0;
		if (!(de = readdir(d))) {
			if (errno) {
				pf_fail_errno(ctx, PF_E_OTHER, "%s: readdir", real);
				goto out;
			}
			break;
		}
		if (!repo_name_valid(de->d_name) || strcmp(de->d_name, series) == 0)
			continue;
		if (moves_here(ctx, repo, series, arch, dirfd(d), de->d_name, provides)) {
			snprintf(from, size, "%s", de->d_name);
			break;
		}
	}
none:
	r = 0;
out:
	if (d)
		closedir(d);
	free(real);
	return r;
}

int publish_min_client(struct pf_ctx *ctx, const struct publish_params *p,
		       const struct pf_index *cur, unsigned *out)
{
	char from[NAME_MAX + 1];
	unsigned provides;

	if (p->min_client) {
		/* A client below the new level that is on this series already
		 * would be refused every index from now on: stranded. */
		if (cur && p->min_client > cur->min_client)
			return pf_fail(ctx, PF_E_USAGE,
				       "%s: Min-Client %u is above the %u of the index published now:"
				       " clients below level %u already on series %s would be stranded"
				       " (from level 2 on they refuse every index from now on; level 1"
				       " ignores Min-Client and would misread it); publish what needs"
				       " level %u in a series they reach through a switch", p->repo,
				       p->min_client, cur->min_client, p->min_client, p->series,
				       p->min_client);
		if (cur && cur->min_client > p->min_client)
			pf_warn(ctx, "%s: Min-Client lowered from %u to %u, as --min-client says",
				p->repo, cur->min_client, p->min_client);
		*out = p->min_client;
		return 0;
	}
	if (cur) {
		*out = cur->min_client;
		return 0;
	}
	if (repo_reached_from(ctx, p->repo, p->series, p->arch, from, sizeof(from), &provides) < 0)
		return -1;
	*out = 1;
	if (from[0]) {
		/* Reached only through a switch, which level-1 clients never
		 * make: what needs a newer client can go here. */
		*out = LEVEL_SWITCH;
		pf_info(ctx, "%s: Min-Client %u, as series %s moves systems to %s (give --min-client to say otherwise)",
			p->repo, *out, from, p->series);
	}
	return 0;
}

int publish_min_partition(struct pf_ctx *ctx, const struct publish_params *p,
			  const struct pf_index *cur, struct pf_index *idx)
{
	const char *v = p->min_partition ? p->min_partition : cur ? cur->min_partition : NULL;

	if (!v || !*v)
		return 0;
	idx->min_partition = strdup(v);
	/* The key is advice: clients that do not know it may ignore it. */
	idx->optional_keys = strdup("Min-Partition");
	if (!idx->min_partition || !idx->optional_keys)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	return 0;
}
