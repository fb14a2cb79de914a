/* The add-on stanzas of an index: see publish-parts.h. An add-on is in a
 * series when its files are in REPO/addons; everything its stanza says
 * comes from those files and from UPDATES/addons/NAME/addon.conf, whose
 * version and release for the series name the files. A file that no source
 * names is refused rather than left out: an add-on must never vanish from
 * an index because its addon.conf moved on (rebuild it, or delete it). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addon-conf.h"
#include "base/context.h"
#include "base/error.h"
#include "format/index.h"
#include "publish-parts.h"

#define SUFFIX ".manifest"

/* What one folder holds, by name (scandirat's list, sorted). */
struct listing {
	struct dirent **v;
	int n;
};

static void listing_free(struct listing *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Hidden names are never ours: ".pakfire-repo.*.tmp" are a build's
 * temporaries. */
static int is_manifest(const struct dirent *de)
{
	size_t len = strlen(de->d_name), sl = sizeof(SUFFIX) - 1;

	return de->d_name[0] != '.' && len > sl && strcmp(de->d_name + len - sl, SUFFIX) == 0;
}

static int is_visible(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* DIR's names that FILTER keeps; a folder that does not exist has none. */
static int list_dir(struct pf_ctx *ctx, const char *dir,
		    int (*filter)(const struct dirent *), struct listing *out)
{
	out->v = NULL;
	out->n = scandir(dir, &out->v, filter, alphasort);
	if (out->n >= 0)
		return 0;
	out->n = 0;
	if (errno == ENOENT)
		return 0;
	return pf_fail_errno(ctx, PF_E_OTHER, "%s", dir);
}

/* An add-on source and the stem of its build for the series. */
struct source {
	struct addon_conf *ac;
	char *stem;
};

struct sources {
	struct source *v;
	size_t n;
};

static void sources_free(struct sources *s)
{
	for (size_t i = 0; i < s->n; i++) {
		addon_conf_free(s->v[i].ac);
		free(s->v[i].stem);
	}
	free(s->v);
}

/* Every folder of UPDATES/addons is an add-on source: one that does not
 * read is an error, not a silent gap. */
static int load_sources(struct pf_ctx *ctx, const struct publish_params *p,
			struct sources *out)
{
	struct listing l;
	char *dir = NULL, *sub = NULL;
	int r = -1;

	if (asprintf(&dir, "%s/addons", p->updates) < 0)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	if (list_dir(ctx, dir, is_visible, &l) < 0)
		goto out;
	out->v = calloc((size_t)l.n + 1, sizeof(*out->v));
	if (!out->v) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	for (int i = 0; i < l.n; i++) {
		struct source *s = &out->v[out->n];

		free(sub);
		if (asprintf(&sub, "%s/%s", dir, l.v[i]->d_name) < 0) {
			sub = NULL;
			pf_fail(ctx, PF_E_OTHER, "out of memory");
			goto out;
		}
		if (addon_conf_load(ctx, sub, &s->ac) < 0)
			goto out;
		out->n++;
		if (!(s->stem = addon_conf_stem(ctx, s->ac, p->series)))
			goto out;
	}
	r = 0;
out:
	listing_free(&l);
	free(sub);
	free(dir);
	return r;
}

static struct source *find_source(struct sources *s, const char *stem, size_t len)
{
	for (size_t i = 0; i < s->n; i++)
		if (strlen(s->v[i].stem) == len && strncmp(s->v[i].stem, stem, len) == 0)
			return &s->v[i];
	return NULL;
}

static int describe_addon(struct pf_ctx *ctx, const struct publish_params *p,
			  int addonsfd, const char *dir, const struct source *s,
			  struct pf_index_entry *e)
{
	const struct addon_conf *ac = s->ac;
	char mname[300], pname[300];

	snprintf(mname, sizeof(mname), "%s" SUFFIX, s->stem);
	snprintf(pname, sizeof(pname), "%s.pak", s->stem);
	e->type = PF_STANZA_ADDON;
	e->reboot = ac->reboot;
	e->min_client = addon_conf_min_client(ac, p->series);
	if (!(e->name = strdup(ac->name)) ||
	    !(e->version = strdup(addon_conf_version(ac, p->series))) ||
	    !(e->release = strdup(addon_conf_release(ac, p->series))) ||
	    !(e->summary = strdup(ac->summary)) ||
	    asprintf(&e->manifest, "addons/%s", mname) < 0 ||
	    asprintf(&e->package, "addons/%s", pname) < 0)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	if (addon_conf_depends(ctx, ac, &e->depends) < 0 ||
	    publish_describe_files(ctx, addonsfd, dir, mname, pname, e) < 0)
		return pf_fail_wrap(ctx, "add-on %s", ac->name);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	const struct source *x = *(const struct source *const *)a;
	const struct source *y = *(const struct source *const *)b;

	return strcmp(x->ac->name, y->ac->name);
}

/* The source of each manifest in the folder, sorted by add-on name. */
static int match(struct pf_ctx *ctx, const struct publish_params *p, const char *dir,
		 const struct listing *l, struct sources *src, struct source ***out)
{
	struct source **found = calloc((size_t)l->n + 1, sizeof(*found));

	if (!found)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	for (int i = 0; i < l->n; i++) {
		const char *name = l->v[i]->d_name;
		struct source *s = find_source(src, name, strlen(name) - strlen(SUFFIX));

		if (!s) {
			free(found);
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s/%s: no add-on in %s/addons is NAME-VERSION-RELEASE for series %s: build it again from its addon.conf, or delete the old files",
				       dir, name, p->updates, p->series);
		}
		found[i] = s;
	}
	qsort(found, (size_t)l->n, sizeof(*found), name_cmp);
	*out = found;
	return 0;
}

int publish_addons(struct pf_ctx *ctx, const struct publish_params *p, int repofd,
		   struct pf_index *idx)
{
	struct sources src = { 0 };
	struct listing l = { 0 };
	struct source **found = NULL;
	char *dir = NULL;
	int addonsfd = -1, r = -1;

	if (asprintf(&dir, "%s/addons", p->repo) < 0)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	if (list_dir(ctx, dir, is_manifest, &l) < 0)
		goto out;
	if (l.n == 0) {
		r = 0;
		goto out;
	}
	addonsfd = openat(repofd, "addons", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (addonsfd < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", dir);
		goto out;
	}
	if (load_sources(ctx, p, &src) < 0 || match(ctx, p, dir, &l, &src, &found) < 0)
		goto out;
	for (int i = 0; i < l.n; i++) {
		struct pf_index_entry *e = publish_add_entry(ctx, idx);

		if (!e || describe_addon(ctx, p, addonsfd, dir, found[i], e) < 0)
			goto out;
	}
	r = 0;
out:
	if (addonsfd >= 0)
		close(addonsfd);
	free(found);
	listing_free(&l);
	sources_free(&src);
	free(dir);
	return r;
}
