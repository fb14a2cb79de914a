/* The repository index: parse and write (see index.h and DESIGN.md).
 *
 * deb822 stanzas, strictly: "Key: value" lines, stanzas separated by blank
 * lines, no continuation lines, no key twice in a stanza. Keys are matched
 * without regard to case, as in deb822; unknown keys are ignored. The writer
 * re-parses what it wrote, so it can only ever publish what the client
 * accepts. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "context.h"
#include "error.h"
#include "hash.h"
#include "index.h"
#include "path.h"

#define INDEX_MAX          (16u << 20)
#define MANIFEST_SIZE_MAX  (64ULL << 20)
#define PACKAGE_SIZE_MAX   (64ULL << 30)
#define QUOTE_MAX          160

#define TOKEN_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
#define PATH_CHARS  TOKEN_CHARS "+/"
#define NAME_CHARS  TOKEN_CHARS "+"

struct field {
	const char *key;
	const char *value;
	size_t line;
};

/* One stanza being read, for messages: "index stanza 3 (core 141): ". */
struct stanza {
	struct pf_ctx *ctx;
	const char *name;
	unsigned no;
	char label[QUOTE_MAX + 16];
	struct field *f;
	size_t n;
};

__attribute__((format(printf, 3, 4)))
static int sfail(const struct stanza *s, const char *key, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pf_fail(s->ctx, PF_E_VERIFY, "%s stanza %u%s: %s: %s",
		       s->name, s->no, s->label, key, msg);
}

static const char *quote(const char *v, char q[QUOTE_MAX])
{
	return pf_quote(v, strlen(v), q, QUOTE_MAX);
}

static const struct field *get(const struct stanza *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcasecmp(s->f[i].key, key) == 0)
			return &s->f[i];
	return NULL;
}

/* The value of a required key, or NULL after sfail. */
static const char *req(const struct stanza *s, const char *key)
{
	const struct field *f = get(s, key);

	if (!f) {
		sfail(s, key, "missing");
		return NULL;
	}
	return f->value;
}

static bool token_ok(const char *v, const char *chars)
{
	size_t n = strlen(v);

	return n > 0 && strspn(v, chars) == n && strcmp(v, ".") != 0 &&
	       strcmp(v, "..") != 0;
}

static int parse_u64(const char *v, uint64_t *out)
{
	uint64_t x = 0;

	if (*v == '\0')
		return -1;
	for (; *v; v++) {
		unsigned d;
		if (*v < '0' || *v > '9')
			return -1;
		d = (unsigned)(*v - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

static int get_u64(const struct stanza *s, const char *key, uint64_t max,
		   uint64_t *out)
{
	char q[QUOTE_MAX];
	const char *v = req(s, key);

	if (!v)
		return -1;
	if (parse_u64(v, out) < 0)
		return sfail(s, key, "'%s' is not a decimal number (0 to %" PRIu64 ")",
			     quote(v, q), max);
	if (*out > max)
		return sfail(s, key, "%" PRIu64 " is above the limit of %" PRIu64,
			     *out, max);
	return 0;
}

static int get_uint(const struct stanza *s, const char *key, unsigned *out)
{
	uint64_t v;

	if (get_u64(s, key, UINT_MAX, &v) < 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int get_size(const struct stanza *s, const char *key, uint64_t max,
		    uint64_t *out)
{
	if (get_u64(s, key, max, out) < 0)
		return -1;
	if (*out == 0)
		return sfail(s, key, "0 bytes");
	return 0;
}

static int get_sha256(const struct stanza *s, const char *key, uint8_t out[32])
{
	char q[QUOTE_MAX];
	const char *v = req(s, key);

	if (!v)
		return -1;
	if (pf_unhex(v, strlen(v), out) < 0)
		return sfail(s, key, "'%s' is not 64 lowercase hex digits", quote(v, q));
	return 0;
}

static int get_time(const struct stanza *s, const char *key, time_t *out)
{
	char q[QUOTE_MAX];
	const char *v = req(s, key);

	if (!v)
		return -1;
	if (pf_time_parse(v, out) < 0)
		return sfail(s, key, "'%s' is not a UTC time like 2026-11-25T10:00:00Z",
			     quote(v, q));
	return 0;
}

/* A copy of the value of KEY, or NULL in *out when optional and absent. */
static int get_str(const struct stanza *s, const char *key, bool required,
		   const char *chars, const char *what, char **out)
{
	char q[QUOTE_MAX];
	const struct field *f = get(s, key);

	*out = NULL;
	if (!f)
		return required ? sfail(s, key, "missing") : 0;
	if (chars && !token_ok(f->value, chars))
		return sfail(s, key, "'%s' is not %s", quote(f->value, q), what);
	*out = strdup(f->value);
	if (!*out)
		return pf_fail(s->ctx, PF_E_OTHER, "%s: out of memory", s->name);
	return 0;
}

/* A path in the repository: it goes into URLs and file names. */
static int get_repo_path(const struct stanza *s, const char *key, char **out)
{
	char q[QUOTE_MAX];
	const char *v = req(s, key), *why;

	*out = NULL;
	if (!v)
		return -1;
	if (strspn(v, PATH_CHARS) != strlen(v))
		return sfail(s, key, "'%s' has characters outside [A-Za-z0-9._+/-]",
			     quote(v, q));
	if (!pf_path_valid(v, strlen(v), &why))
		return sfail(s, key, "'%s' is not a relative path in the repository: %s",
			     quote(v, q), why);
	*out = strdup(v);
	if (!*out)
		return pf_fail(s->ctx, PF_E_OTHER, "%s: out of memory", s->name);
	return 0;
}

static void entry_clear(struct pf_index_entry *e)
{
	free(e->series_switch);
	free(e->name);
	free(e->version);
	free(e->release);
	free(e->depends);
	free(e->summary);
	free(e->manifest);
	free(e->package);
	memset(e, 0, sizeof(*e));
}

void pf_index_free(struct pf_index *idx)
{
	if (!idx)
		return;
	free(idx->series);
	free(idx->arch);
	free(idx->successor);
	for (size_t i = 0; i < idx->n; i++)
		entry_clear(&idx->entries[i]);
	free(idx->entries);
	free(idx);
}

static int parse_repository(const struct stanza *s, struct pf_index *idx)
{
	char q[QUOTE_MAX];
	const char *v = req(s, "Format");
	uint64_t format;

	if (!v)
		return -1;
	if (parse_u64(v, &format) < 0 || format != 1)
		return sfail(s, "Format", "unsupported format '%s' (this pakfire reads 1)",
			     quote(v, q));
	idx->format = 1;
	if (get_str(s, "Series", true, TOKEN_CHARS, "a series name ([A-Za-z0-9._-])",
		    &idx->series) < 0 ||
	    get_str(s, "Arch", true, TOKEN_CHARS, "an architecture ([A-Za-z0-9._-])",
		    &idx->arch) < 0 ||
	    get_u64(s, "Revision", UINT64_MAX, &idx->revision) < 0 ||
	    get_time(s, "Date", &idx->date) < 0 ||
	    get_time(s, "Valid-Until", &idx->valid_until) < 0 ||
	    get_str(s, "Successor", false, TOKEN_CHARS, "a series name ([A-Za-z0-9._-])",
		    &idx->successor) < 0)
		return -1;
	return 0;
}

static int parse_update(const struct stanza *s, struct pf_index_entry *e)
{
	char q[QUOTE_MAX];
	const char *type = req(s, "Type");
	const struct field *reboot;

	if (!type)
		return -1;
	if (strcmp(type, "core") == 0) {
		e->type = PF_STANZA_CORE;
		if (get_uint(s, "Number", &e->number) < 0 ||
		    get_uint(s, "Requires", &e->requires) < 0)
			return -1;
		if (e->requires >= e->number)
			return sfail(s, "Requires", "%u is not below Number %u",
				     e->requires, e->number);
		if (get_str(s, "Series-Switch", false, TOKEN_CHARS,
			    "a series name ([A-Za-z0-9._-])", &e->series_switch) < 0)
			return -1;
	} else if (strcmp(type, "addon") == 0) {
		e->type = PF_STANZA_ADDON;
		if (get_str(s, "Name", true, NAME_CHARS, "a name ([A-Za-z0-9._+-])",
			    &e->name) < 0 ||
		    get_str(s, "Version", true, NAME_CHARS, "a version ([A-Za-z0-9._+-])",
			    &e->version) < 0 ||
		    get_str(s, "Release", true, NAME_CHARS, "a release ([A-Za-z0-9._+-])",
			    &e->release) < 0 ||
		    get_str(s, "Depends", false, NULL, NULL, &e->depends) < 0)
			return -1;
	} else {
		return sfail(s, "Type", "'%s' is not core or addon", quote(type, q));
	}
	if (get_str(s, "Summary", false, NULL, NULL, &e->summary) < 0)
		return -1;
	reboot = get(s, "Reboot");
	if (reboot) {
		if (strcmp(reboot->value, "yes") == 0)
			e->reboot = true;
		else if (strcmp(reboot->value, "no") != 0)
			return sfail(s, "Reboot", "'%s' is not yes or no",
				     quote(reboot->value, q));
	}
	if (get_repo_path(s, "Manifest", &e->manifest) < 0 ||
	    get_size(s, "Manifest-Size", MANIFEST_SIZE_MAX, &e->manifest_size) < 0 ||
	    get_sha256(s, "Manifest-SHA256", e->manifest_sha256) < 0 ||
	    get_repo_path(s, "Package", &e->package) < 0 ||
	    get_size(s, "Package-Size", PACKAGE_SIZE_MAX, &e->package_size) < 0 ||
	    get_sha256(s, "Package-SHA256", e->package_sha256) < 0)
		return -1;
	return 0;
}

static int field_cmp(const void *a, const void *b)
{
	const struct field *fa = *(const struct field *const *)a;
	const struct field *fb = *(const struct field *const *)b;
	int c = strcasecmp(fa->key, fb->key);

	if (c)
		return c;
	return fa->line < fb->line ? -1 : fa->line > fb->line;
}

/* Name the stanza for messages before any of it is checked. */
static void make_label(struct stanza *s)
{
	const struct field *type = get(s, "Type"), *id;
	char q[QUOTE_MAX];
	uint64_t v;

	s->label[0] = '\0';
	if (s->no == 1) {
		snprintf(s->label, sizeof(s->label), " (repository)");
	} else if (type && strcmp(type->value, "core") == 0) {
		id = get(s, "Number");
		if (id && parse_u64(id->value, &v) == 0)
			snprintf(s->label, sizeof(s->label), " (core %" PRIu64 ")", v);
	} else if (type && strcmp(type->value, "addon") == 0) {
		id = get(s, "Name");
		if (id)
			snprintf(s->label, sizeof(s->label), " (addon %s)", quote(id->value, q));
	}
}

static int check_duplicates(struct stanza *s)
{
	const struct field **sorted;
	int r = 0;

	if (s->n < 2)
		return 0;
	sorted = malloc(s->n * sizeof(*sorted));
	if (!sorted)
		return pf_fail(s->ctx, PF_E_OTHER, "%s: out of memory", s->name);
	for (size_t i = 0; i < s->n; i++)
		sorted[i] = &s->f[i];
	qsort(sorted, s->n, sizeof(*sorted), field_cmp);
	for (size_t i = 1; i < s->n; i++) {
		if (strcasecmp(sorted[i - 1]->key, sorted[i]->key) == 0) {
			r = sfail(s, sorted[i]->key, "given twice (lines %zu and %zu)",
				  sorted[i - 1]->line, sorted[i]->line);
			break;
		}
	}
	free(sorted);
	return r;
}

static int stanza_done(struct stanza *s, struct pf_index *idx, size_t *cap)
{
	struct pf_index_entry e = { 0 };

	make_label(s);
	if (check_duplicates(s) < 0)
		return -1;
	if (s->no == 1)
		return parse_repository(s, idx);
	if (parse_update(s, &e) < 0) {
		entry_clear(&e);
		return -1;
	}
	if (idx->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct pf_index_entry *p = realloc(idx->entries, ncap * sizeof(*p));

		if (!p) {
			entry_clear(&e);
			return pf_fail(s->ctx, PF_E_OTHER, "%s: out of memory", s->name);
		}
		idx->entries = p;
		*cap = ncap;
	}
	idx->entries[idx->n++] = e;
	return 0;
}

struct core_ref {
	unsigned key;
	size_t i;
};

static int core_ref_cmp(const void *a, const void *b)
{
	const struct core_ref *ca = a, *cb = b;

	if (ca->key != cb->key)
		return ca->key < cb->key ? -1 : 1;
	return ca->i < cb->i ? -1 : ca->i > cb->i;
}

/* The core stanza (entry index) that repeats the Number (or, with
 * by_requires, the Requires) of an earlier one, the earliest such; *first is
 * that earlier one. SIZE_MAX if none, (SIZE_MAX - 1) out of memory. */
static size_t find_repeat(const struct pf_index *idx, bool by_requires, size_t *first)
{
	struct core_ref *refs;
	size_t n = 0, dup = SIZE_MAX;

	refs = malloc((idx->n + 1) * sizeof(*refs));
	if (!refs)
		return SIZE_MAX - 1;
	for (size_t i = 0; i < idx->n; i++) {
		const struct pf_index_entry *e = &idx->entries[i];
		if (e->type == PF_STANZA_CORE)
			refs[n++] = (struct core_ref){ by_requires ? e->requires : e->number, i };
	}
	qsort(refs, n, sizeof(*refs), core_ref_cmp);
	for (size_t i = 1; i < n; i++) {
		if (refs[i].key == refs[i - 1].key && refs[i].i < dup) {
			dup = refs[i].i;
			*first = refs[i - 1].i;
		}
	}
	free(refs);
	return dup;
}

/* The chain must be unambiguous: one core stanza per Number, and no two
 * requiring the same level. Entry i is stanza i + 2. */
static int check_core_chain(struct pf_ctx *ctx, const char *name,
			    const struct pf_index *idx)
{
	size_t first = 0, dup;

	dup = find_repeat(idx, false, &first);
	if (dup == SIZE_MAX - 1)
		return pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
	if (dup != SIZE_MAX)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s stanza %zu (core %u): Number: core %u is listed twice (first in stanza %zu)",
			       name, dup + 2, idx->entries[dup].number,
			       idx->entries[dup].number, first + 2);
	dup = find_repeat(idx, true, &first);
	if (dup == SIZE_MAX - 1)
		return pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
	if (dup != SIZE_MAX)
		return pf_fail(ctx, PF_E_VERIFY,
			       "%s stanza %zu (core %u): Requires: core %u also requires %u (stanza %zu); the chain must be unambiguous",
			       name, dup + 2, idx->entries[dup].number,
			       idx->entries[first].number, idx->entries[dup].requires,
			       first + 2);
	return 0;
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

int pf_index_parse(struct pf_ctx *ctx, const char *name, const char *buf,
		   size_t len, struct pf_index **out)
{
	struct stanza s = { .ctx = ctx, .name = name };
	struct pf_index *idx = NULL;
	char *text = NULL, *p, *end;
	size_t line = 0, fcap = 0, ecap = 0;
	const char *nul;
	int r = -1;

	*out = NULL;
	if (len > INDEX_MAX)
		return pf_fail(ctx, PF_E_VERIFY, "%s: %zu bytes, more than the %u an index may have",
			       name, len, INDEX_MAX);
	nul = memchr(buf, '\0', len);
	if (nul) {
		line = 1;
		for (const char *c = buf; c < nul; c++)
			line += *c == '\n';
		return pf_fail(ctx, PF_E_VERIFY, "%s line %zu: NUL byte", name, line);
	}
	idx = calloc(1, sizeof(*idx));
	text = malloc(len + 1);
	if (!idx || !text) {
		pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
		goto out;
	}
	memcpy(text, buf, len);
	text[len] = '\0';
	end = text + len;

	/* One pass over the lines; a stanza ends at a blank line or the end. */
	for (p = text; ; ) {
		char *nl, *colon, *k, *v, *ve;

		if (p >= end || *p == '\n') {
			if (s.n > 0) {
				s.no++;
				if (stanza_done(&s, idx, &ecap) < 0)
					goto out;
				s.n = 0;
			}
			if (p >= end)
				break;
			line++;
			p++;
			continue;
		}
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		*nl = '\0';
		if (*p == ' ' || *p == '\t') {
			pf_fail(ctx, PF_E_VERIFY,
				"%s line %zu: starts with a blank (continuation lines are not allowed)",
				name, line);
			goto out;
		}
		colon = strchr(p, ':');
		if (!colon || !key_ok(p, (size_t)(colon - p))) {
			pf_fail(ctx, PF_E_VERIFY, "%s line %zu: not a 'Key: value' line",
				name, line);
			goto out;
		}
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
			if ((unsigned char)*c < 0x20 || *c == 0x7f) {
				pf_fail(ctx, PF_E_VERIFY,
					"%s line %zu: %s: control character 0x%02x in the value%s",
					name, line, k, (unsigned char)*c,
					*c == '\r' ? " (CRLF line endings are not allowed)" : "");
				goto out;
			}
		}
		if (*v == '\0') {
			pf_fail(ctx, PF_E_VERIFY, "%s line %zu: %s: empty value", name, line, k);
			goto out;
		}
		if (s.n == fcap) {
			size_t ncap = fcap ? fcap * 2 : 16;
			struct field *f = realloc(s.f, ncap * sizeof(*f));
			if (!f) {
				pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
				goto out;
			}
			s.f = f;
			fcap = ncap;
		}
		s.f[s.n++] = (struct field){ k, v, line };
		p = nl < end ? nl + 1 : end;
	}
	if (s.no == 0) {
		pf_fail(ctx, PF_E_VERIFY, "%s: empty (no repository stanza)", name);
		goto out;
	}
	if (check_core_chain(ctx, name, idx) < 0)
		goto out;
	*out = idx;
	idx = NULL;
	r = 0;
out:
	free(s.f);
	free(text);
	pf_index_free(idx);
	return r;
}

const struct pf_index_entry *pf_index_find_core(const struct pf_index *idx,
						 unsigned number)
{
	for (size_t i = 0; i < idx->n; i++)
		if (idx->entries[i].type == PF_STANZA_CORE &&
		    idx->entries[i].number == number)
			return &idx->entries[i];
	return NULL;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int pf_time_parse(const char *s, time_t *out)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm = { 0 };
	int v[6] = { 0 }, k = 0;
	time_t t;

	if (strlen(s) != sizeof(shape) - 1)
		return -1;
	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd') {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			continue;
		}
		if (s[i] != shape[i])
			return -1;
	}
	for (size_t i = 0; i < sizeof(shape) - 1; ) {
		if (shape[i] != 'd') {
			i++;
			continue;
		}
		while (i < sizeof(shape) - 1 && shape[i] == 'd')
			v[k] = v[k] * 10 + (s[i++] - '0');
		k++;
	}
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
	    v[2] > mdays[v[1] - 1] + (v[1] == 2 && leap(v[0])) ||
	    v[3] > 23 || v[4] > 59 || v[5] > 59)
		return -1;
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t;
	return 0;
}

void pf_time_format(time_t t, char buf[static 21])
{
	struct tm tm;
	char tmp[64];

	/* A time that has no such form gives a string pf_time_parse refuses,
	 * so a writer can never publish it unnoticed. */
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		memcpy(buf, "0000-00-00T00:00:00Z", 21);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
	memcpy(buf, tmp, 20);
	buf[20] = '\0';
}

/* A value the writer may emit: present, no control character, no blank at
 * either end (the parser trims), so it reads back unchanged. */
static int value_ok(struct pf_ctx *ctx, size_t stanza, const char *key,
		    const char *v, bool required)
{
	size_t n;

	if (!v) {
		if (!required)
			return 0;
		return pf_fail(ctx, PF_E_VERIFY, "index stanza %zu: %s: missing", stanza, key);
	}
	n = strlen(v);
	if (n == 0 || v[0] == ' ' || v[n - 1] == ' ')
		return pf_fail(ctx, PF_E_VERIFY,
			       "index stanza %zu: %s: empty or starts or ends with a blank",
			       stanza, key);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return pf_fail(ctx, PF_E_VERIFY,
				       "index stanza %zu: %s: control character in the value",
				       stanza, key);
	return 0;
}

static int entry_values_ok(struct pf_ctx *ctx, size_t st, const struct pf_index_entry *e)
{
	bool addon = e->type == PF_STANZA_ADDON;

	return value_ok(ctx, st, "Series-Switch", e->series_switch, false) < 0 ||
	       value_ok(ctx, st, "Name", e->name, addon) < 0 ||
	       value_ok(ctx, st, "Version", e->version, addon) < 0 ||
	       value_ok(ctx, st, "Release", e->release, addon) < 0 ||
	       value_ok(ctx, st, "Depends", e->depends, false) < 0 ||
	       value_ok(ctx, st, "Summary", e->summary, false) < 0 ||
	       value_ok(ctx, st, "Manifest", e->manifest, true) < 0 ||
	       value_ok(ctx, st, "Package", e->package, true) < 0 ? -1 : 0;
}

int pf_index_write(struct pf_ctx *ctx, const struct pf_index *idx,
		   char **buf, size_t *len)
{
	struct pf_index *check = NULL;
	char *data = NULL, date[21], until[21], hex[65];
	size_t size = 0;
	FILE *f;

	*buf = NULL;
	*len = 0;
	if (value_ok(ctx, 1, "Series", idx->series, true) < 0 ||
	    value_ok(ctx, 1, "Arch", idx->arch, true) < 0 ||
	    value_ok(ctx, 1, "Successor", idx->successor, false) < 0)
		return -1;
	for (size_t i = 0; i < idx->n; i++)
		if (entry_values_ok(ctx, i + 2, &idx->entries[i]) < 0)
			return -1;

	f = open_memstream(&data, &size);
	if (!f)
		return pf_fail_errno(ctx, PF_E_OTHER, "index: open_memstream");
	pf_time_format(idx->date, date);
	pf_time_format(idx->valid_until, until);
	fprintf(f, "Format: %u\nSeries: %s\nArch: %s\nRevision: %" PRIu64 "\n"
		"Date: %s\nValid-Until: %s\n",
		idx->format, idx->series, idx->arch, idx->revision, date, until);
	if (idx->successor)
		fprintf(f, "Successor: %s\n", idx->successor);
	for (size_t i = 0; i < idx->n; i++) {
		const struct pf_index_entry *e = &idx->entries[i];

		if (e->type == PF_STANZA_CORE) {
			fprintf(f, "\nType: core\nNumber: %u\nRequires: %u\n",
				e->number, e->requires);
			if (e->series_switch)
				fprintf(f, "Series-Switch: %s\n", e->series_switch);
		} else {
			fprintf(f, "\nType: addon\nName: %s\nVersion: %s\nRelease: %s\n",
				e->name, e->version, e->release);
			if (e->depends)
				fprintf(f, "Depends: %s\n", e->depends);
		}
		if (e->summary)
			fprintf(f, "Summary: %s\n", e->summary);
		fprintf(f, "Reboot: %s\n", e->reboot ? "yes" : "no");
		pf_hex(e->manifest_sha256, hex);
		fprintf(f, "Manifest: %s\nManifest-Size: %" PRIu64 "\nManifest-SHA256: %s\n",
			e->manifest, e->manifest_size, hex);
		pf_hex(e->package_sha256, hex);
		fprintf(f, "Package: %s\nPackage-Size: %" PRIu64 "\nPackage-SHA256: %s\n",
			e->package, e->package_size, hex);
	}
	if (ferror(f)) {
		fclose(f);
		free(data);
		errno = ENOMEM;
		return pf_fail_errno(ctx, PF_E_OTHER, "index: write");
	}
	if (fclose(f) != 0) {
		free(data);
		return pf_fail_errno(ctx, PF_E_OTHER, "index: write");
	}
	/* Publish only what a client accepts. */
	if (pf_index_parse(ctx, "index (as written)", data, size, &check) < 0) {
		free(data);
		return -1;
	}
	pf_index_free(check);
	*buf = data;
	*len = size;
	return 0;
}
