/* The published mirror list and the rule for a mirror's URL: see
 * format/mirrors.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/context.h"
#include "base/error.h"
#include "base/path.h"
#include "format/mirrors.h"

const char *pf_mirror_url_problem(const char *value, bool dir_ok, size_t *len)
{
	size_t n = strlen(value), scheme;

	if (strncasecmp(value, "https://", 8) == 0)
		scheme = 8;
	else if (strncasecmp(value, "http://", 7) == 0)
		scheme = 7;
	else
		return dir_ok ? "does not start with http://, https:// or file:///"
			      : "does not start with http:// or https://";
	if (strpbrk(value, " \t"))
		return "contains blanks (one mirror per line)";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
			return "contains a control character";
	while (n > scheme && value[n - 1] == '/')
		n--;
	if (n == scheme)
		return "names no host";
	*len = n;
	return NULL;
}

void pf_mirror_list_free(struct pf_mirror_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->urls[i]);
	free(l->urls);
	free(l);
}

/* Line NO (LINE, LEN bytes, no newline) as the next URL of L. */
static int add_line(struct pf_ctx *ctx, const char *name, unsigned no, const char *line,
		    size_t len, struct pf_mirror_list *l)
{
	char *v = strndup(line, len), q[160];
	const char *why;
	size_t n;

	if (!v)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	if (len == 0 || strlen(v) != len)
		why = len ? "contains a NUL byte" : "is blank";
	else
		why = pf_mirror_url_problem(v, false, &n);
	if (why) {
		pf_fail(ctx, PF_E_VERIFY, "%s line %u: '%s' %s", name, no,
			pf_quote(line, len, q, sizeof(q)), why);
		free(v);
		return -1;
	}
	v[n] = '\0';
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->urls[i], v) == 0) {
			pf_fail(ctx, PF_E_VERIFY, "%s line %u: '%s' is listed twice", name, no,
				pf_quote(line, len, q, sizeof(q)));
			free(v);
			return -1;
		}
	if (l->n == PF_MIRRORS_MAX) {
		free(v);
		return pf_fail(ctx, PF_E_VERIFY, "%s line %u: more than %u mirrors", name, no,
			       PF_MIRRORS_MAX);
	}
	l->urls[l->n++] = v;
	return 0;
}

int pf_mirror_list_parse(struct pf_ctx *ctx, const char *name, const char *buf, size_t len,
			 struct pf_mirror_list **out)
{
	struct pf_mirror_list *l = calloc(1, sizeof(*l));
	const char *p = buf, *end = buf + len;
	size_t magic = strlen(PF_MIRRORS_MAGIC);
	unsigned no = 1;
	int r = -1;

	*out = NULL;
	if (!l || !(l->urls = calloc(PF_MIRRORS_MAX, sizeof(*l->urls)))) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (len > PF_MIRRORS_SIZE_MAX) {
		pf_fail(ctx, PF_E_VERIFY, "%s: %zu bytes, more than %u", name, len,
			PF_MIRRORS_SIZE_MAX);
		goto out;
	}
	if (len <= magic || memcmp(buf, PF_MIRRORS_MAGIC, magic) || buf[magic] != '\n') {
		pf_fail(ctx, PF_E_VERIFY, "%s line 1: not a mirror list (the first line must be"
			" 'pakfire-mirrors<TAB>1')", name);
		goto out;
	}
	p += magic + 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		no++;
		if (!nl) {
			pf_fail(ctx, PF_E_VERIFY, "%s line %u: no newline at its end (a truncated"
				" file?)", name, no);
			goto out;
		}
		if (add_line(ctx, name, no, p, (size_t)(nl - p), l) < 0)
			goto out;
		p = nl + 1;
	}
	if (l->n == 0) {
		pf_fail(ctx, PF_E_VERIFY, "%s: lists no mirror", name);
		goto out;
	}
	*out = l;
	l = NULL;
	r = 0;
out:
	pf_mirror_list_free(l);
	return r;
}
