/* addon.conf: see addon-conf.h. The syntax is pf_kv_parse's, as for
 * update.conf; this file gives the keys their meaning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon-conf.h"
#include "base/context.h"
#include "base/error.h"
#include "base/strings.h"
#include "conf-util.h"
#include "format/kv.h"
#include "format/names.h"
#include "repo.h"

#define VERSION_MAX 64

struct conf_state {
	struct addon_conf *ac;
	unsigned line_name, line_version, line_release, line_summary, line_reboot,
		line_min_client;
};

/* A version or release: it becomes part of file names and URLs. */
static int set_version(struct pf_ctx *ctx, const char *name, unsigned line,
		       const char *key, const char *value, char **out)
{
	size_t len = strlen(value);

	if (len > VERSION_MAX ||
	    strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789._+") != len ||
	    strchr("._+", value[0]))
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %u: %s '%s' is not 1 to %d characters of [A-Za-z0-9._+] starting with a letter or digit",
			       name, line, key, value, VERSION_MAX);
	return conf_set_string(ctx, name, out, value);
}

/* A client level, kept as its text (min-client.SERIES). */
static int set_level(struct pf_ctx *ctx, const char *name, unsigned line,
		     const char *key, const char *value, char **out)
{
	unsigned level;

	if (conf_set_level(ctx, name, line, key, value, &level) < 0)
		return -1;
	return conf_set_string(ctx, name, out, value);
}

typedef int set_fn(struct pf_ctx *ctx, const char *name, unsigned line,
		   const char *key, const char *value, char **out);

/* version.SERIES / release.SERIES / min-client.SERIES: once per series,
 * the value checked by SET. */
static int add_override(struct pf_ctx *ctx, const char *name, unsigned line,
			const char *key, const char *series, const char *value,
			set_fn *set, struct addon_override **list, size_t *n)
{
	struct addon_override *grown, *o;

	if (!repo_name_valid(series))
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %u: '%s': '%s' is not a valid series name",
			       name, line, key, series);
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i].series, series) == 0)
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s line %u: '%s' given twice (first on line %u)",
				       name, line, key, (*list)[i].line);
	grown = realloc(*list, (*n + 1) * sizeof(*grown));
	if (!grown)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", name);
	*list = grown;
	o = &grown[*n];
	*o = (struct addon_override){ .line = line };
	o->series = strdup(series);
	if (!o->series)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", name);
	(*n)++; /* owned by the list from here, for addon_conf_free */
	return set(ctx, name, line, key, value, &o->value);
}

static int dep_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* depends = a, b c: each a valid add-on name, not this one, once. */
static int add_depends(struct pf_ctx *ctx, const char *name, unsigned line,
		       struct addon_conf *ac, const char *value)
{
	const char *p = value, *sep = ", \t";

	while (*(p += strspn(p, sep))) {
		size_t len = strcspn(p, sep);
		char *dep = strndup(p, len), **grown;
		const char *why;

		if (!dep)
			return pf_fail_errno(ctx, PF_E_OTHER, "%s", name);
		why = pf_addon_name_problem(dep);
		if (why) {
			pf_fail(ctx, PF_E_VERIFY, "%s line %u: depends: '%s' %s",
				name, line, dep, why);
			free(dep);
			return -1;
		}
		for (size_t i = 0; i < ac->n_depends; i++)
			if (strcmp(ac->depends[i], dep) == 0) {
				pf_fail(ctx, PF_E_VERIFY, "%s line %u: depends: '%s' given twice",
					name, line, dep);
				free(dep);
				return -1;
			}
		grown = realloc(ac->depends, (ac->n_depends + 1) * sizeof(*grown));
		if (!grown) {
			free(dep);
			return pf_fail_errno(ctx, PF_E_OTHER, "%s", name);
		}
		ac->depends = grown;
		ac->depends[ac->n_depends++] = dep;
		p += len;
	}
	return 0;
}

static int on_key(struct pf_ctx *ctx, const char *name, unsigned line,
		  const char *key, const char *value, void *data)
{
	struct conf_state *st = data;
	struct addon_conf *ac = st->ac;
	const char *why;

	if (strcmp(key, "name") == 0) {
		if (conf_once(ctx, name, line, key, &st->line_name) < 0)
			return -1;
		if ((why = pf_addon_name_problem(value)))
			return pf_fail(ctx, PF_E_VERIFY, "%s line %u: name '%s' %s",
				       name, line, value, why);
		return conf_set_string(ctx, name, &ac->name, value);
	}
	if (strcmp(key, "version") == 0)
		return conf_once(ctx, name, line, key, &st->line_version) < 0 ? -1 :
		       set_version(ctx, name, line, key, value, &ac->version);
	if (strcmp(key, "release") == 0)
		return conf_once(ctx, name, line, key, &st->line_release) < 0 ? -1 :
		       set_version(ctx, name, line, key, value, &ac->release);
	if (strncmp(key, "version.", 8) == 0)
		return add_override(ctx, name, line, key, key + 8, value, set_version,
				    &ac->versions, &ac->n_versions);
	if (strncmp(key, "release.", 8) == 0)
		return add_override(ctx, name, line, key, key + 8, value, set_version,
				    &ac->releases, &ac->n_releases);
	/* docs/formats.md, "Client levels"; a rebuild for a new series may
	 * use what an older client cannot honour. */
	if (strcmp(key, "min-client") == 0)
		return conf_once(ctx, name, line, key, &st->line_min_client) < 0 ? -1 :
		       conf_set_level(ctx, name, line, key, value, &ac->min_client);
	if (strncmp(key, "min-client.", 11) == 0)
		return add_override(ctx, name, line, key, key + 11, value, set_level,
				    &ac->min_clients, &ac->n_min_clients);
	if (strcmp(key, "summary") == 0)
		return conf_once(ctx, name, line, key, &st->line_summary) < 0 ? -1 :
		       conf_set_string(ctx, name, &ac->summary, value);
	if (strcmp(key, "reboot") == 0)
		return conf_once(ctx, name, line, key, &st->line_reboot) < 0 ? -1 :
		       conf_set_bool(ctx, name, line, key, value, &ac->reboot);
	if (strcmp(key, "depends") == 0)
		return add_depends(ctx, name, line, ac, value);
	if (strcmp(key, "remove") == 0)
		return conf_add_remove(ctx, name, line, &ac->removes, &ac->n_removes, value);
	if (strcmp(key, "hook") == 0)
		return conf_add_hook(ctx, name, line, true, value, &ac->hooks, &ac->n_hooks);
	return pf_fail(ctx, PF_E_VERIFY, "%s line %u: unknown key '%s'", name, line, key);
}

static int check_required(struct pf_ctx *ctx, const struct conf_state *st)
{
	const struct addon_conf *ac = st->ac;
	const char *missing = !st->line_name ? "name"
			    : !st->line_version ? "version"
			    : !st->line_release ? "release"
			    : !st->line_summary ? "summary" : NULL;

	if (missing)
		return pf_fail(ctx, PF_E_VERIFY, "%s: '%s' is missing", ac->file, missing);
	for (size_t i = 0; i < ac->n_depends; i++)
		if (strcmp(ac->depends[i], ac->name) == 0)
			return pf_fail(ctx, PF_E_VERIFY, "%s: %s depends on itself",
				       ac->file, ac->name);
	return 0;
}

int addon_conf_parse(struct pf_ctx *ctx, const char *file, const char *buf,
		     size_t len, struct addon_conf **out)
{
	struct addon_conf *ac = calloc(1, sizeof(*ac));
	struct conf_state st = { .ac = ac };
	int r = -1;

	if (!ac || !(ac->file = strdup(file))) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", file);
		goto out;
	}
	ac->min_client = 1;
	if (pf_kv_parse(ctx, ac->file, buf, len, on_key, &st) < 0 ||
	    check_required(ctx, &st) < 0)
		goto out;
	if (ac->n_depends > 1)
		qsort(ac->depends, ac->n_depends, sizeof(*ac->depends), dep_cmp);
	*out = ac;
	ac = NULL;
	r = 0;
out:
	addon_conf_free(ac);
	return r;
}

int addon_conf_load(struct pf_ctx *ctx, const char *dir, struct addon_conf **out)
{
	struct addon_conf *ac = NULL;
	char *file = NULL, *buf = NULL, *folder = strdup(dir);
	size_t len = 0, n;
	int r = -1;

	if (!folder)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", dir);
	/* "updates/addons/foo/" names the folder foo too */
	for (n = strlen(folder); n > 1 && folder[n - 1] == '/'; n--)
		folder[n - 1] = '\0';
	if (conf_read(ctx, folder, "addon.conf", &file, &buf, &len) < 0 ||
	    addon_conf_parse(ctx, file, buf, len, &ac) < 0)
		goto out;
	if (strcmp(pf_basename(folder), ac->name) != 0) {
		pf_fail(ctx, PF_E_VERIFY, "%s: name is %s, but the folder is %s",
			ac->file, ac->name, pf_basename(folder));
		goto out;
	}
	*out = ac;
	ac = NULL;
	r = 0;
out:
	addon_conf_free(ac);
	free(buf);
	free(file);
	free(folder);
	return r;
}

static void free_overrides(struct addon_override *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(list[i].series);
		free(list[i].value);
	}
	free(list);
}

void addon_conf_free(struct addon_conf *ac)
{
	if (!ac)
		return;
	for (size_t i = 0; i < ac->n_depends; i++)
		free(ac->depends[i]);
	free(ac->depends);
	for (size_t i = 0; i < ac->n_removes; i++)
		free(ac->removes[i]);
	free(ac->removes);
	free_overrides(ac->versions, ac->n_versions);
	free_overrides(ac->releases, ac->n_releases);
	free_overrides(ac->min_clients, ac->n_min_clients);
	conf_hooks_free(ac->hooks, ac->n_hooks);
	free(ac->file);
	free(ac->name);
	free(ac->version);
	free(ac->release);
	free(ac->summary);
	free(ac);
}

static const char *for_series(const struct addon_override *list, size_t n,
			      const char *series, const char *fallback)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].series, series) == 0)
			return list[i].value;
	return fallback;
}

const char *addon_conf_version(const struct addon_conf *ac, const char *series)
{
	return for_series(ac->versions, ac->n_versions, series, ac->version);
}

const char *addon_conf_release(const struct addon_conf *ac, const char *series)
{
	return for_series(ac->releases, ac->n_releases, series, ac->release);
}

unsigned addon_conf_min_client(const struct addon_conf *ac, const char *series)
{
	const char *v = for_series(ac->min_clients, ac->n_min_clients, series, NULL);

	/* checked by set_level: digits, from 1, at most UINT_MAX */
	return v ? (unsigned)strtoul(v, NULL, 10) : ac->min_client;
}

char *addon_conf_stem(struct pf_ctx *ctx, const struct addon_conf *ac,
		      const char *series)
{
	char *stem = NULL;

	if (asprintf(&stem, "%s-%s-%s", ac->name, addon_conf_version(ac, series),
		     addon_conf_release(ac, series)) < 0) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	return stem;
}

int addon_conf_depends(struct pf_ctx *ctx, const struct addon_conf *ac, char **out)
{
	size_t size = 0;
	FILE *f;

	*out = NULL;
	if (ac->n_depends == 0)
		return 0;
	f = open_memstream(out, &size);
	if (!f)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s: depends", ac->file);
	for (size_t i = 0; i < ac->n_depends; i++)
		fprintf(f, "%s%s", i ? ", " : "", ac->depends[i]);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return pf_fail_errno(ctx, PF_E_OTHER, "%s: depends", ac->file);
	}
	return 0;
}
