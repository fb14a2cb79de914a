/* The shared checks of update.conf and addon.conf: see conf-util.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/numbers.h"
#include "base/path.h"
#include "base/strings.h"
#include "conf-util.h"

/* These files are a handful of lines; anything this big is not one. */
#define CONF_MAX (1024 * 1024)

int conf_once(struct pf_ctx *ctx, const char *name, unsigned line,
	      const char *key, unsigned *seen)
{
	if (*seen)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %u: '%s' given twice (first on line %u)",
			       name, line, key, *seen);
	*seen = line;
	return 0;
}

int conf_set_string(struct pf_ctx *ctx, const char *name, char **out,
		    const char *value)
{
	char *s = strdup(value);

	if (!s)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", name);
	free(*out);
	*out = s;
	return 0;
}

int conf_set_bool(struct pf_ctx *ctx, const char *name, unsigned line,
		  const char *key, const char *value, bool *out)
{
	if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %u: %s must be yes or no, not '%s'",
			       name, line, key, value);
	*out = strcmp(value, "yes") == 0;
	return 0;
}

int conf_set_level(struct pf_ctx *ctx, const char *name, unsigned line,
		   const char *key, const char *value, unsigned *out)
{
	uint64_t v;

	/* The index's own limits (format/index-stanza.c, pf_stanza_level). */
	if (pf_parse_uint(value, UINT_MAX, &v) < 0 || v == 0)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s line %u: %s '%s' is not a client level (a number from 1)",
			       name, line, key, value);
	*out = (unsigned)v;
	return 0;
}

int conf_add_remove(struct pf_ctx *ctx, const char *name, unsigned line,
		    char ***removes, size_t *n, const char *value)
{
	const char *why = NULL;
	char **grown;

	if (!pf_path_valid(value, strlen(value), &why))
		return pf_fail(ctx, PF_E_VERIFY, "%s line %u: remove '%s': %s",
			       name, line, value, why ? why : "invalid path");
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*removes)[i], value) == 0)
			return pf_fail(ctx, PF_E_VERIFY,
				       "%s line %u: remove '%s' given twice",
				       name, line, value);
	grown = realloc(*removes, (*n + 1) * sizeof(*grown));
	if (!grown)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", name);
	*removes = grown;
	grown[*n] = strdup(value);
	if (!grown[*n])
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", name);
	(*n)++;
	return 0;
}

/* The next blank-separated word of *P (advanced past it), or NULL. */
static char *next_word(const char **p)
{
	const char *s = *p + strspn(*p, " \t");
	size_t len = strcspn(s, " \t");

	*p = s + len;
	return len ? strndup(s, len) : NULL;
}

static const char *phases_of(bool addon)
{
	return addon ? "pre-install, post-install, pre-remove or post-remove" : "pre or post";
}

int conf_add_hook(struct pf_ctx *ctx, const char *name, unsigned line, bool addon,
		  const char *value, struct conf_hook **hooks, size_t *n)
{
	const char *p = value;
	char *phase = next_word(&p), *path = next_word(&p), *hname = next_word(&p);
	char *extra = next_word(&p);
	struct conf_hook h = { .line = line }, *grown;
	bool named = hname != NULL;
	int r = -1;

	if (!phase || !path || extra) {
		pf_fail(ctx, PF_E_USAGE, "%s line %u: hook = '%s': expected 'PHASE PATH [NAME]'",
			name, line, value);
		goto out;
	}
	if (pf_hook_phase_parse(phase, strlen(phase), &h.phase) < 0 ||
	    pf_hook_phase_is_addon(h.phase) != addon) {
		pf_fail(ctx, PF_E_USAGE, "%s line %u: hook phase '%s' is not one of %s (%s)",
			name, line, phase, addon ? "an add-on's" : "a core update's", phases_of(addon));
		goto out;
	}
	if (!hname && !(hname = strdup(pf_basename(path)))) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", name);
		goto out;
	}
	if (!pf_hook_name_valid(hname)) {
		pf_fail(ctx, PF_E_USAGE,
			"%s line %u: hook name '%s' is not 1 to %d characters of [A-Za-z0-9._-]%s",
			name, line, hname, NAME_MAX, named ? "" : " (give a NAME after the PATH)");
		goto out;
	}
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*hooks)[i].name, hname)) {
			pf_fail(ctx, PF_E_USAGE,
				"%s line %u: hook name '%s' given twice (first on line %u): give one of them another NAME",
				name, line, hname, (*hooks)[i].line);
			goto out;
		}
	grown = realloc(*hooks, (*n + 1) * sizeof(*grown));
	if (!grown) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", name);
		goto out;
	}
	*hooks = grown;
	h.path = path;
	h.name = hname;
	path = hname = NULL;
	grown[(*n)++] = h;
	r = 0;
out:
	free(phase);
	free(path);
	free(hname);
	free(extra);
	return r;
}

void conf_hooks_free(struct conf_hook *hooks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(hooks[i].path);
		free(hooks[i].name);
	}
	free(hooks);
}

int conf_read(struct pf_ctx *ctx, const char *dir, const char *base,
	      char **file, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	if (asprintf(file, "%s/%s", dir, base) < 0) {
		*file = NULL;
		return pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", dir, base);
	}
	if (pf_read_file_at(AT_FDCWD, *file, CONF_MAX, buf, len) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", *file);
	return 0;
}
