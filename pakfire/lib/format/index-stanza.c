/* The index's stanzas: deb822, strictly. "Key: value" lines, no
 * continuation lines, no key twice in a stanza; keys are matched without
 * regard to case, as in deb822, and unknown keys are kept: a stanza with
 * one that its Optional-Keys does not list is one this pakfire cannot
 * honour (docs/formats.md, "Client levels"). Then the typed getters that
 * index-parse.c builds an index with. See index-stanza.h. */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/context.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/numbers.h"
#include "base/path.h"
#include "base/time.h"
#include "format/index.h"
#include "format/index-stanza.h"

/* Each key, and the stanzas it belongs in: a known key in a stanza of
 * another kind is one this version does not know there. */
static const struct {
	const char *name;
	size_t len;
	unsigned where;
} keys[K__COUNT] = {
#define KEY(id, s, w) [id] = { s, sizeof(s) - 1, w }
#define U (S_CORE | S_ADDON)
	KEY(K_FORMAT, "Format", S_REPO), KEY(K_SERIES, "Series", S_REPO),
	KEY(K_ARCH, "Arch", S_REPO), KEY(K_REVISION, "Revision", S_REPO),
	KEY(K_DATE, "Date", S_REPO), KEY(K_VALID_UNTIL, "Valid-Until", S_REPO),
	KEY(K_SUCCESSOR, "Successor", S_REPO), KEY(K_TYPE, "Type", U),
	KEY(K_NUMBER, "Number", S_CORE), KEY(K_REQUIRES, "Requires", S_CORE),
	KEY(K_SERIES_SWITCH, "Series-Switch", S_CORE), KEY(K_NAME, "Name", S_ADDON),
	KEY(K_VERSION, "Version", S_ADDON), KEY(K_RELEASE, "Release", S_ADDON),
	KEY(K_DEPENDS, "Depends", S_ADDON), KEY(K_SUMMARY, "Summary", U),
	KEY(K_REBOOT, "Reboot", U), KEY(K_MANIFEST, "Manifest", U),
	KEY(K_MANIFEST_SIZE, "Manifest-Size", U), KEY(K_MANIFEST_SHA256, "Manifest-SHA256", U),
	KEY(K_PACKAGE, "Package", U), KEY(K_PACKAGE_SIZE, "Package-Size", U),
	KEY(K_PACKAGE_SHA256, "Package-SHA256", U), KEY(K_MIN_CLIENT, "Min-Client", S_REPO | U),
	/* on an add-on too: pakfire-repo check says why it is wrong there */
	KEY(K_PROVIDES_CLIENT, "Provides-Client", U),
	KEY(K_OPTIONAL_KEYS, "Optional-Keys", S_REPO | U),
	KEY(K_MIN_PARTITION, "Min-Partition", S_REPO),
	KEY(K_MIRRORS, "Mirrors", S_REPO), KEY(K_MIRRORS_SIZE, "Mirrors-Size", S_REPO),
	KEY(K_MIRRORS_SHA256, "Mirrors-SHA256", S_REPO),
#undef U
#undef KEY
};

/* The id of key K (LEN bytes), matched without regard to case. */
static enum key key_id(const char *k, size_t len)
{
	for (int i = 0; i < K__COUNT; i++)
		if (keys[i].len == len && strncasecmp(keys[i].name, k, len) == 0)
			return (enum key)i;
	return K_UNKNOWN;
}

int pf_stanza_fail(const struct stanza *s, const char *key, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pf_fail(s->ctx, PF_E_VERIFY, "%s stanza %u%s: %s: %s",
		       s->name, s->no, s->label, key, msg);
}

const char *pf_stanza_quote(const char *v, char q[QUOTE_MAX])
{
	return pf_quote(v, strlen(v), q, QUOTE_MAX);
}

const struct field *pf_stanza_get(const struct stanza *s, enum key key)
{
	return s->slot[key] ? &s->f[s->slot[key] - 1] : NULL;
}

const char *pf_stanza_req(const struct stanza *s, enum key key)
{
	const struct field *f = pf_stanza_get(s, key);

	if (!f) {
		pf_stanza_fail(s, keys[key].name, "missing");
		return NULL;
	}
	return f->value;
}

/* A copy of V in the index's block. The block has room for every value
 * (each is shorter than its line), so running out is a bug, not a
 * malformed index. */
static char *keep(const struct stanza *s, const char *v)
{
	size_t n = strlen(v) + 1;
	char *p = s->heap->next;

	if ((size_t)(s->heap->end - p) < n) {
		pf_fail(s->ctx, PF_E_OTHER, "%s: internal error: no room for a value", s->name);
		return NULL;
	}
	memcpy(p, v, n);
	s->heap->next += n;
	return p;
}

/* Character classes by a switch, not strspn: strspn with a long accept
 * set rebuilds its table on every call. */
static unsigned char char_class(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '_' || c == '-')
		return C_TOKEN | C_PATH | C_NAME;
	if (c == '+')
		return C_PATH | C_NAME;
	if (c == '/')
		return C_PATH;
	return 0;
}

static bool all_in(const char *v, unsigned cls)
{
	for (; *v; v++)
		if (!(char_class((unsigned char)*v) & cls))
			return false;
	return true;
}

static bool token_ok(const char *v, unsigned cls)
{
	return *v && all_in(v, cls) && strcmp(v, ".") != 0 && strcmp(v, "..") != 0;
}

/* PF_E_VERIFY naming the stanza and KEY. */
#define KFAIL(s, key, ...) pf_stanza_fail(s, keys[key].name, __VA_ARGS__)

int pf_stanza_u64(const struct stanza *s, enum key key, uint64_t max, uint64_t *out)
{
	char q[QUOTE_MAX];
	const char *v = pf_stanza_req(s, key);

	if (!v)
		return -1;
	if (pf_parse_u64(v, strlen(v), out) < 0)
		return KFAIL(s, key, "'%s' is not a decimal number (0 to %" PRIu64 ")",
			     pf_stanza_quote(v, q), max);
	if (*out > max)
		return KFAIL(s, key, "%" PRIu64 " is above the limit of %" PRIu64, *out, max);
	return 0;
}

int pf_stanza_uint(const struct stanza *s, enum key key, unsigned *out)
{
	uint64_t v;

	if (pf_stanza_u64(s, key, UINT_MAX, &v) < 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int pf_stanza_size(const struct stanza *s, enum key key, uint64_t max, uint64_t *out)
{
	if (pf_stanza_u64(s, key, max, out) < 0)
		return -1;
	if (*out == 0)
		return KFAIL(s, key, "0 bytes");
	return 0;
}

int pf_stanza_level(const struct stanza *s, enum key key, unsigned def, unsigned *out)
{
	if (!pf_stanza_get(s, key)) {
		*out = def;
		return 0;
	}
	if (pf_stanza_uint(s, key, out) < 0)
		return -1;
	if (*out == 0)
		return KFAIL(s, key, "client levels start at 1");
	return 0;
}

/* Whether the list LIST (names separated by commas or blanks) holds KEY,
 * without regard to case. */
static bool listed(const char *list, const char *key)
{
	size_t n = strlen(key);

	while (list && *list) {
		size_t len = strcspn(list, ", \t");

		if (len == n && strncasecmp(list, key, n) == 0)
			return true;
		list += len;
		list += strspn(list, ", \t");
	}
	return false;
}

bool pf_index_optional_lists(const char *list, const char *key)
{
	return listed(list, key);
}

int pf_stanza_unknown(const struct stanza *s, unsigned where, char **out)
{
	const struct field *opt = pf_stanza_get(s, K_OPTIONAL_KEYS);

	*out = NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct field *f = &s->f[i];

		if ((f->id == K_UNKNOWN || !(keys[f->id].where & where)) &&
		    !listed(opt ? opt->value : NULL, f->key)) {
			*out = keep(s, s->f[i].key);
			return *out ? 0 : -1;
		}
	}
	return 0;
}

int pf_stanza_sha256(const struct stanza *s, enum key key, uint8_t out[32])
{
	char q[QUOTE_MAX];
	const char *v = pf_stanza_req(s, key);

	if (!v)
		return -1;
	if (pf_unhex(v, strlen(v), out) < 0)
		return KFAIL(s, key, "'%s' is not 64 lowercase hex digits", pf_stanza_quote(v, q));
	return 0;
}

int pf_stanza_time(const struct stanza *s, enum key key, time_t *out)
{
	char q[QUOTE_MAX];
	const char *v = pf_stanza_req(s, key);

	if (!v)
		return -1;
	if (pf_time_parse(v, out) < 0)
		return KFAIL(s, key, "'%s' is not a UTC time like 2026-11-25T10:00:00Z",
			     pf_stanza_quote(v, q));
	return 0;
}

int pf_stanza_str(const struct stanza *s, enum key key, bool required,
		  unsigned cls, const char *what, char **out)
{
	char q[QUOTE_MAX];
	const struct field *f = pf_stanza_get(s, key);

	*out = NULL;
	if (!f)
		return required ? KFAIL(s, key, "missing") : 0;
	if (cls && !token_ok(f->value, cls))
		return KFAIL(s, key, "'%s' is not %s", pf_stanza_quote(f->value, q), what);
	*out = keep(s, f->value);
	return *out ? 0 : -1;
}

int pf_stanza_repo_path(const struct stanza *s, enum key key, char **out)
{
	char q[QUOTE_MAX];
	const char *v = pf_stanza_req(s, key), *why;

	*out = NULL;
	if (!v)
		return -1;
	if (!all_in(v, C_PATH))
		return KFAIL(s, key, "'%s' has characters outside [A-Za-z0-9._+/-]",
			     pf_stanza_quote(v, q));
	if (!pf_path_valid(v, strlen(v), &why))
		return KFAIL(s, key, "'%s' is not a relative path in the repository: %s",
			     pf_stanza_quote(v, q), why);
	*out = keep(s, v);
	return *out ? 0 : -1;
}

static bool key_ok(const char *k, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

/* Add the field K: V (line LINE) to the stanza; note the first key given
 * twice. */
static int add_field(struct stanza *s, size_t *cap, const char *k, size_t klen, const char *v,
		     size_t line)
{
	enum key id = key_id(k, klen);

	if (s->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct field *f = realloc(s->f, ncap * sizeof(*f));

		if (!f)
			return pf_fail(s->ctx, PF_E_OTHER, "%s: out of memory", s->name);
		s->f = f;
		*cap = ncap;
	}
	s->f[s->n++] = (struct field){ k, v, line, id };
	if (id != K_UNKNOWN) {
		if (!s->slot[id])
			s->slot[id] = s->n;
		else if (!s->dup) {
			s->dup = s->n;
			s->dup_first = s->f[s->slot[id] - 1].line;
		}
		return 0;
	}
	/* Unknown keys are rare: compare with the earlier ones. */
	for (size_t i = 0; i + 1 < s->n && !s->dup; i++)
		if (s->f[i].id == K_UNKNOWN && strcasecmp(s->f[i].key, k) == 0) {
			s->dup = s->n;
			s->dup_first = s->f[i].line;
		}
	return 0;
}

int pf_stanza_read(struct stanza *s, size_t *fcap, char *text, size_t *line)
{
	const char *name = s->name;
	char *p = text;

	s->n = 0;
	s->dup = 0;
	memset(s->slot, 0, sizeof(s->slot));
	while (*p) {
		char *nl, *colon, *k, *v, *ve;

		++*line;
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (*p == ' ' || *p == '\t')
			return pf_fail(s->ctx, PF_E_VERIFY,
				       "%s line %zu: starts with a blank (continuation lines are not allowed)",
				       name, *line);
		colon = strchr(p, ':');
		if (!colon || !key_ok(p, (size_t)(colon - p)))
			return pf_fail(s->ctx, PF_E_VERIFY, "%s line %zu: not a 'Key: value' line",
				       name, *line);
		*colon = '\0';
		k = p;
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		ve = v + strlen(v);
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		*ve = '\0';
		for (const char *c = v; *c; c++) {
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return pf_fail(s->ctx, PF_E_VERIFY,
					       "%s line %zu: %s: control character 0x%02x in the value%s",
					       name, *line, k, (unsigned char)*c,
					       *c == '\r' ? " (CRLF line endings are not allowed)" : "");
		}
		if (*v == '\0')
			return pf_fail(s->ctx, PF_E_VERIFY, "%s line %zu: %s: empty value", name, *line, k);
		if (add_field(s, fcap, k, (size_t)(colon - k), v, *line) < 0)
			return -1;
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}
