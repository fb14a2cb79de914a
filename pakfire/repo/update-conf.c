/* update.conf: see update-conf.h. The syntax is pf_kv_parse's (shared with
 * pakfire.conf); this file only gives the keys their meaning. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/numbers.h"
#include "format/kv.h"
#include "base/path.h"
#include "repo.h"
#include "update-conf.h"

/* update.conf is a handful of lines; anything this big is not one. */
#define UPDATE_CONF_MAX (1024 * 1024)

struct conf_state {
	struct update_conf *uc;
	unsigned line_number, line_series, line_summary, line_reboot,
		line_requires;
};

/* Single-valued keys may appear once: a second value would silently win. */
static int once(struct pf_ctx *ctx, const char *name, unsigned line,
		const char *key, unsigned *seen)
{
	if (*seen)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %u: '%s' given twice (first on line %u)",
			       name, line, key, *seen);
	*seen = line;
	return 0;
}

static int set_number(struct pf_ctx *ctx, const char *name, unsigned line,
		      const char *key, const char *value, unsigned *out)
{
	uint64_t v;

	if (pf_parse_uint(value, UINT_MAX - 1, &v) < 0)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %u: %s '%s' is not a decimal number",
			       name, line, key, value);
	*out = (unsigned)v;
	return 0;
}

static int set_string(struct pf_ctx *ctx, char **out, const char *value)
{
	char *s = strdup(value);

	if (!s)
		return pf_fail_errno(ctx, PF_E_OTHER, "update.conf");
	free(*out);
	*out = s;
	return 0;
}

static int add_remove(struct pf_ctx *ctx, const char *name, unsigned line,
		      struct update_conf *uc, const char *value)
{
	const char *why = NULL;
	char **grown;

	if (!pf_path_valid(value, strlen(value), &why))
		return pf_fail(ctx, PF_E_VERIFY, "%s line %u: remove '%s': %s",
			       name, line, value, why ? why : "invalid path");
	for (size_t i = 0; i < uc->n_removes; i++)
		if (strcmp(uc->removes[i], value) == 0)
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s line %u: remove '%s' given twice",
				       name, line, value);
	grown = realloc(uc->removes, (uc->n_removes + 1) * sizeof(*grown));
	if (!grown)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", name);
	uc->removes = grown;
	uc->removes[uc->n_removes] = strdup(value);
	if (!uc->removes[uc->n_removes])
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", name);
	uc->n_removes++;
	return 0;
}

static int on_key(struct pf_ctx *ctx, const char *name, unsigned line,
		  const char *key, const char *value, void *data)
{
	struct conf_state *st = data;
	struct update_conf *uc = st->uc;

	if (strcmp(key, "number") == 0) {
		if (once(ctx, name, line, key, &st->line_number) < 0)
			return -1;
		return set_number(ctx, name, line, key, value, &uc->number);
	}
	if (strcmp(key, "requires") == 0) {
		if (once(ctx, name, line, key, &st->line_requires) < 0)
			return -1;
		return set_number(ctx, name, line, key, value, &uc->requires);
	}
	if (strcmp(key, "series") == 0) {
		if (once(ctx, name, line, key, &st->line_series) < 0)
			return -1;
		if (!repo_name_valid(value))
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s line %u: series '%s' is not a valid series name",
				       name, line, value);
		return set_string(ctx, &uc->series, value);
	}
	if (strcmp(key, "summary") == 0) {
		if (once(ctx, name, line, key, &st->line_summary) < 0)
			return -1;
		if (value[0] == '\0')
			return pf_fail(ctx, PF_E_VERIFY, "%s line %u: empty summary",
				       name, line);
		return set_string(ctx, &uc->summary, value);
	}
	if (strcmp(key, "reboot") == 0) {
		if (once(ctx, name, line, key, &st->line_reboot) < 0)
			return -1;
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s line %u: reboot must be yes or no, not '%s'",
				       name, line, value);
		uc->reboot = strcmp(value, "yes") == 0;
		return 0;
	}
	if (strcmp(key, "remove") == 0)
		return add_remove(ctx, name, line, uc, value);
	/* Known to the format, not yet to this tool: refuse loudly, because a
	 * package built without its hook or series switch would look fine and
	 * do the wrong thing on every appliance. */
	if (strcmp(key, "hook") == 0 || strcmp(key, "series-switch") == 0)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %u: '%s' is not supported yet by this pakfire-repo",
			       name, line, key);
	return pf_fail(ctx, PF_E_VERIFY, "%s line %u: unknown key '%s'",
		       name, line, key);
}

static int check_required(struct pf_ctx *ctx, const struct conf_state *st)
{
	const struct update_conf *uc = st->uc;
	const char *missing = !st->line_number ? "number"
			    : !st->line_series ? "series"
			    : !st->line_summary ? "summary" : NULL;

	if (missing)
		return pf_fail(ctx, PF_E_VERIFY, "%s: '%s' is missing",
			       uc->file, missing);
	if (uc->number == 0)
		return pf_fail(ctx, PF_E_VERIFY, "%s line %u: number must be at least 1",
			       uc->file, st->line_number);
	/* An update can only require a level below its own: anything else
	 * could never be applied. */
	if (uc->requires >= uc->number)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %u: requires %u is not below number %u",
			       uc->file, st->line_requires, uc->requires, uc->number);
	return 0;
}

int update_conf_load(struct pf_ctx *ctx, const char *dir,
		     struct update_conf **out)
{
	struct update_conf *uc = calloc(1, sizeof(*uc));
	struct conf_state st = { .uc = uc };
	char *buf = NULL;
	size_t len = 0;
	int r = -1;

	if (!uc)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s/update.conf", dir);
	if (asprintf(&uc->file, "%s/update.conf", dir) < 0) {
		uc->file = NULL;
		pf_fail_errno(ctx, PF_E_OTHER, "%s/update.conf", dir);
		goto out;
	}
	if (pf_read_file_at(AT_FDCWD, uc->file, UPDATE_CONF_MAX, &buf, &len) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", uc->file);
		goto out;
	}
	if (pf_kv_parse(ctx, uc->file, buf, len, on_key, &st) < 0)
		goto out;
	if (!st.line_requires && st.line_number)
		uc->requires = uc->number - 1;
	if (check_required(ctx, &st) < 0)
		goto out;
	*out = uc;
	uc = NULL;
	r = 0;
out:
	free(buf);
	update_conf_free(uc);
	return r;
}

void update_conf_free(struct update_conf *uc)
{
	if (!uc)
		return;
	for (size_t i = 0; i < uc->n_removes; i++)
		free(uc->removes[i]);
	free(uc->removes);
	free(uc->series);
	free(uc->summary);
	free(uc->file);
	free(uc);
}
