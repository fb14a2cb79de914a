/* The core stanzas of an index: see publish-parts.h. Everything the index
 * says about an update is taken from core/core-N.manifest and .pak as they
 * are on disk and from UPDATES/N/update.conf (Requires, Summary, Reboot,
 * Series-Switch, Min-Client, Provides-Client). */
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
#include "base/numbers.h"
#include "format/index.h"
#include "publish-parts.h"
#include "update-conf.h"

/* "core-141.manifest" -> 141; 0 for names that are not manifests; -1 (after
 * pf_fail) for a manifest whose number is not canonical, which a client
 * could never be pointed at unambiguously. */
static int manifest_number(struct pf_ctx *ctx, const char *dir,
			   const char *name, unsigned *out)
{
	static const char prefix[] = "core-", suffix[] = ".manifest";
	size_t len = strlen(name), pl = sizeof(prefix) - 1, sl = sizeof(suffix) - 1;
	char digits[16];
	uint64_t v;

	if (len <= pl + sl || strncmp(name, prefix, pl) != 0 ||
	    strcmp(name + len - sl, suffix) != 0)
		return 0;
	if (len - pl - sl >= sizeof(digits))
		goto bad;
	memcpy(digits, name + pl, len - pl - sl);
	digits[len - pl - sl] = '\0';
	if (pf_parse_uint(digits, UINT_MAX - 1, &v) < 0 || v == 0)
		goto bad;
	*out = (unsigned)v;
	return 1;
bad:
	return pf_fail(ctx, PF_E_VERIFY, "%s/%s: not core-N.manifest with a number N",
		       dir, name);
}

static int uint_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x > y) - (x < y);
}

/* The numbers of every core-N.manifest in the core folder, ascending. */
static int scan_core(struct pf_ctx *ctx, int corefd, const char *dir,
		     unsigned **out, size_t *n_out)
{
	unsigned *nums = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = NULL;
	int fd = dup(corefd), r = -1;

	if (fd < 0 || !(d = fdopendir(fd))) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", dir);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (;;) {
		unsigned num = 0;
		int k;

		errno = 0;
		if (!(de = readdir(d))) {
			if (errno) {
				pf_fail_errno(ctx, PF_E_OTHER, "%s: readdir", dir);
				goto out;
			}
			break;
		}
		k = manifest_number(ctx, dir, de->d_name, &num);
		if (k < 0)
			goto out;
		if (k == 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			unsigned *grown = realloc(nums, ncap * sizeof(*nums));
			if (!grown) {
				pf_fail(ctx, PF_E_OTHER, "out of memory");
				goto out;
			}
			nums = grown;
			cap = ncap;
		}
		nums[n++] = num;
	}
	if (n > 1)
		qsort(nums, n, sizeof(*nums), uint_cmp);
	*out = nums;
	*n_out = n;
	nums = NULL;
	r = 0;
out:
	free(nums);
	closedir(d);
	return r;
}

/* Requires, Summary, Reboot, Series-Switch, Min-Client and Provides-Client
 * from UPDATESDIR/N/update.conf,
 * which must belong to this update and this series. */
static int describe_update(struct pf_ctx *ctx, const struct publish_params *p,
			   unsigned number, struct pf_index_entry *e)
{
	struct update_conf *uc = NULL;
	char *dir = NULL;
	int r = -1;

	if (asprintf(&dir, "%s/%u", p->updates, number) < 0) {
		dir = NULL;
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	if (update_conf_load(ctx, dir, &uc) < 0)
		goto out;
	if (uc->number != number) {
		pf_fail(ctx, PF_E_VERIFY, "%s: number is %u, not %u", uc->file,
			uc->number, number);
		goto out;
	}
	if (strcmp(uc->series, p->series) != 0) {
		pf_fail(ctx, PF_E_VERIFY, "%s: series is %s, but this is %s",
			uc->file, uc->series, p->series);
		goto out;
	}
	e->requires = uc->requires;
	e->reboot = uc->reboot;
	e->min_client = uc->min_client;
	e->provides_client = uc->provides_client;
	/* moved into the index entry */
	e->summary = uc->summary;
	uc->summary = NULL;
	e->series_switch = uc->series_switch;
	uc->series_switch = NULL;
	r = 0;
out:
	update_conf_free(uc);
	free(dir);
	return r;
}

static int describe_core(struct pf_ctx *ctx, const struct publish_params *p,
			 int corefd, const char *dir, unsigned number,
			 struct pf_index_entry *e)
{
	char mname[64], pname[64];

	snprintf(mname, sizeof(mname), "core-%u.manifest", number);
	snprintf(pname, sizeof(pname), "core-%u.pak", number);
	e->type = PF_STANZA_CORE;
	e->number = number;
	if (asprintf(&e->manifest, "core/%s", mname) < 0) {
		e->manifest = NULL;
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	if (asprintf(&e->package, "core/%s", pname) < 0) {
		e->package = NULL;
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	if (describe_update(ctx, p, number, e) < 0 ||
	    publish_describe_files(ctx, corefd, dir, mname, pname, e) < 0)
		return pf_fail_wrap(ctx, "core %u", number);
	return 0;
}

/* A system that applied a switching update is on the next series: an
 * update after it in this one could never be applied. And bump closes a
 * series only once the update that carries systems across is in it. */
static int check_switch(struct pf_ctx *ctx, const struct publish_params *p,
			const char *dir, const unsigned *nums,
			const struct pf_index_entry *first, size_t n)
{
	const struct pf_index_entry *last = n ? &first[n - 1] : NULL;

	for (size_t i = 0; i + 1 < n; i++)
		if (first[i].series_switch)
			return pf_fail(ctx, PF_E_VERIFY,
				       "core %u moves systems to series %s (series-switch), but core %u comes after it in %s: a switching update must be the last of its series",
				       nums[i], first[i].series_switch, nums[n - 1], p->series);
	if (!p->switch_to || (last && last->series_switch &&
			      strcmp(last->series_switch, p->switch_to) == 0))
		return 0;
	if (last && last->series_switch)
		return pf_fail(ctx, PF_E_OTHER,
			       "%s: core %u moves systems to series %s, not %s",
			       dir, nums[n - 1], last->series_switch, p->switch_to);
	char what[64] = "it holds no core update";

	if (last)
		snprintf(what, sizeof(what), "its last core update is %u", nums[n - 1]);
	return pf_fail(ctx, PF_E_OTHER,
		       "%s holds no update that moves systems to %s (%s): build it first, an update whose update.conf says 'series = %s' and 'series-switch = %s', into %s",
		       dir, p->switch_to, what, p->series, p->switch_to, dir);
}

int publish_core(struct pf_ctx *ctx, const struct publish_params *p, int repofd,
		 struct pf_index *idx)
{
	unsigned *nums = NULL;
	size_t n = 0, base = idx->n;
	char *dir = NULL;
	int corefd, r = -1;

	if (asprintf(&dir, "%s/core", p->repo) < 0)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	corefd = openat(repofd, "core", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (corefd < 0 && errno != ENOENT) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", dir);
		goto out;
	}
	if (corefd >= 0 && scan_core(ctx, corefd, dir, &nums, &n) < 0)
		goto out;
	if (n == 0)
		pf_warn(ctx, "%s has no core-N.manifest: the index lists no core updates", dir);
	for (size_t i = 0; i < n; i++) {
		struct pf_index_entry *e = publish_add_entry(ctx, idx);

		if (!e || describe_core(ctx, p, corefd, dir, nums[i], e) < 0)
			goto out;
	}
	r = check_switch(ctx, p, dir, nums, n ? idx->entries + base : NULL, n);
out:
	if (corefd >= 0)
		close(corefd);
	free(nums);
	free(dir);
	return r;
}
