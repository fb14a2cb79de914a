/* update.conf: see update-conf.h. The syntax is pf_kv_parse's (shared with
 * pakfire.conf); this file only gives the keys their meaning. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/numbers.h"
#include "conf-util.h"
#include "format/kv.h"
#include "repo.h"
#include "update-conf.h"

struct conf_state {
	struct update_conf *uc;
	unsigned line_number, line_series, line_summary, line_reboot,
		line_requires, line_switch, line_min_client, line_provides;
};

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

/* A series name (it becomes a folder on the mirrors). */
static int set_series(struct pf_ctx *ctx, const char *name, unsigned line,
		      const char *key, const char *value, char **out)
{
	if (!repo_name_valid(value))
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %u: %s '%s' is not a valid series name",
			       name, line, key, value);
	return conf_set_string(ctx, name, out, value);
}

static int on_key(struct pf_ctx *ctx, const char *name, unsigned line,
		  const char *key, const char *value, void *data)
{
	struct conf_state *st = data;
	struct update_conf *uc = st->uc;

	if (strcmp(key, "number") == 0) {
		if (conf_once(ctx, name, line, key, &st->line_number) < 0)
			return -1;
		return set_number(ctx, name, line, key, value, &uc->number);
	}
	if (strcmp(key, "requires") == 0) {
		if (conf_once(ctx, name, line, key, &st->line_requires) < 0)
			return -1;
		return set_number(ctx, name, line, key, value, &uc->requires);
	}
	if (strcmp(key, "series") == 0) {
		if (conf_once(ctx, name, line, key, &st->line_series) < 0)
			return -1;
		return set_series(ctx, name, line, key, value, &uc->series);
	}
	if (strcmp(key, "series-switch") == 0) {
		if (conf_once(ctx, name, line, key, &st->line_switch) < 0)
			return -1;
		return set_series(ctx, name, line, key, value, &uc->series_switch);
	}
	/* docs/formats.md, "Client levels": what pakfire-repo check and
	 * publish hold against what the update uses and the chain offers. */
	if (strcmp(key, "min-client") == 0)
		return conf_once(ctx, name, line, key, &st->line_min_client) < 0 ? -1 :
		       conf_set_level(ctx, name, line, key, value, &uc->min_client);
	if (strcmp(key, "provides-client") == 0)
		return conf_once(ctx, name, line, key, &st->line_provides) < 0 ? -1 :
		       conf_set_level(ctx, name, line, key, value, &uc->provides_client);
	if (strcmp(key, "summary") == 0) {
		if (conf_once(ctx, name, line, key, &st->line_summary) < 0)
			return -1;
		return conf_set_string(ctx, name, &uc->summary, value);
	}
	if (strcmp(key, "reboot") == 0) {
		if (conf_once(ctx, name, line, key, &st->line_reboot) < 0)
			return -1;
		return conf_set_bool(ctx, name, line, key, value, &uc->reboot);
	}
	if (strcmp(key, "remove") == 0)
		return conf_add_remove(ctx, name, line, &uc->removes, &uc->n_removes, value);
	/* The script is read by build (from where it runs), not here:
	 * publish reads this file too. */
	if (strcmp(key, "hook") == 0)
		return conf_add_hook(ctx, name, line, false, value, &uc->hooks, &uc->n_hooks);
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
	/* A switch to the series the update is in would move nothing, and a
	 * client would fetch the same index again as "the next series". */
	if (uc->series_switch && strcmp(uc->series_switch, uc->series) == 0)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %u: series-switch %s is the update's own series",
			       uc->file, st->line_switch, uc->series_switch);
	return 0;
}

int update_conf_parse(struct pf_ctx *ctx, const char *file, const char *buf,
		      size_t len, struct update_conf **out)
{
	struct update_conf *uc = calloc(1, sizeof(*uc));
	struct conf_state st = { .uc = uc };
	int r = -1;

	if (!uc || !(uc->file = strdup(file))) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", file);
		goto out;
	}
	uc->min_client = 1;
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
	update_conf_free(uc);
	return r;
}

int update_conf_load(struct pf_ctx *ctx, const char *dir,
		     struct update_conf **out)
{
	char *file = NULL, *buf = NULL;
	size_t len = 0;
	int r = -1;

	if (conf_read(ctx, dir, "update.conf", &file, &buf, &len) == 0)
		r = update_conf_parse(ctx, file, buf, len, out);
	free(buf);
	free(file);
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
	free(uc->series_switch);
	free(uc->summary);
	conf_hooks_free(uc->hooks, uc->n_hooks);
	free(uc->file);
	free(uc);
}
