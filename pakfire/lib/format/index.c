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
#include <sys/mman.h>

#include "base/context.h"
#include "base/error.h"
#include "base/hash.h"
#include "format/index.h"
#include "base/path.h"

#define INDEX_MAX          (16u << 20)
#define MANIFEST_SIZE_MAX  (64ULL << 20)
#define PACKAGE_SIZE_MAX   (64ULL << 30)
#define QUOTE_MAX          160


/* The keys this version reads. A stanza's fields are looked up by these
 * ids: each line's key is classified once, so that a stanza costs one pass
 * over its lines, not one pass per key asked for. */
enum key {
	K_FORMAT, K_SERIES, K_ARCH, K_REVISION, K_DATE, K_VALID_UNTIL, K_SUCCESSOR,
	K_TYPE, K_NUMBER, K_REQUIRES, K_SERIES_SWITCH, K_NAME, K_VERSION, K_RELEASE,
	K_DEPENDS, K_SUMMARY, K_REBOOT, K_MANIFEST, K_MANIFEST_SIZE, K_MANIFEST_SHA256,
	K_PACKAGE, K_PACKAGE_SIZE, K_PACKAGE_SHA256, K__COUNT,
	K_UNKNOWN = K__COUNT
};

static const struct {
	const char *name;
	size_t len;
} keys[K__COUNT] = {
#define KEY(id, s) [id] = { s, sizeof(s) - 1 }
	KEY(K_FORMAT, "Format"), KEY(K_SERIES, "Series"), KEY(K_ARCH, "Arch"),
	KEY(K_REVISION, "Revision"), KEY(K_DATE, "Date"), KEY(K_VALID_UNTIL, "Valid-Until"),
	KEY(K_SUCCESSOR, "Successor"), KEY(K_TYPE, "Type"), KEY(K_NUMBER, "Number"),
	KEY(K_REQUIRES, "Requires"), KEY(K_SERIES_SWITCH, "Series-Switch"), KEY(K_NAME, "Name"),
	KEY(K_VERSION, "Version"), KEY(K_RELEASE, "Release"), KEY(K_DEPENDS, "Depends"),
	KEY(K_SUMMARY, "Summary"), KEY(K_REBOOT, "Reboot"), KEY(K_MANIFEST, "Manifest"),
	KEY(K_MANIFEST_SIZE, "Manifest-Size"), KEY(K_MANIFEST_SHA256, "Manifest-SHA256"),
	KEY(K_PACKAGE, "Package"), KEY(K_PACKAGE_SIZE, "Package-Size"),
	KEY(K_PACKAGE_SHA256, "Package-SHA256"),
#undef KEY
};

struct field {
	const char *key;
	const char *value;
	size_t line;
	enum key id;
};

/* The part of an index's block that holds its strings, filled in order. */
struct heap {
	char *next, *end;
};

/* One stanza being read, for messages: "index stanza 3 (core 141): ". */
struct stanza {
	struct pf_ctx *ctx;
	const char *name;
	unsigned no;
	char label[QUOTE_MAX + 16];
	struct field *f;
	size_t n;
	size_t slot[K__COUNT];      /* index + 1 into f of each known key, 0 if absent */
	size_t dup, dup_first;      /* the first repeated key (index + 1 into f), and its first line */
	struct heap *heap;          /* where the index's strings go (in idx->block) */
};

/* The id of key K (LEN bytes), matched without regard to case. */
static enum key key_id(const char *k, size_t len)
{
	for (int i = 0; i < K__COUNT; i++)
		if (keys[i].len == len && strncasecmp(keys[i].name, k, len) == 0)
			return (enum key)i;
	return K_UNKNOWN;
}

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

static const struct field *get(const struct stanza *s, enum key key)
{
	return s->slot[key] ? &s->f[s->slot[key] - 1] : NULL;
}

/* The value of a required key, or NULL after sfail. */
static const char *req(const struct stanza *s, enum key key)
{
	const struct field *f = get(s, key);

	if (!f) {
		sfail(s, keys[key].name, "missing");
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

/* Character classes as 256-entry tables: strspn with a long accept set
 * rebuilds its table on every call. */
enum { C_TOKEN = 1, C_PATH = 2, C_NAME = 4 };

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

static int get_u64(const struct stanza *s, enum key key, uint64_t max,
		   uint64_t *out)
{
	char q[QUOTE_MAX];
	const char *v = req(s, key);

	if (!v)
		return -1;
	if (parse_u64(v, out) < 0)
		return sfail(s, keys[key].name, "'%s' is not a decimal number (0 to %" PRIu64 ")",
			     quote(v, q), max);
	if (*out > max)
		return sfail(s, keys[key].name, "%" PRIu64 " is above the limit of %" PRIu64,
			     *out, max);
	return 0;
}

static int get_uint(const struct stanza *s, enum key key, unsigned *out)
{
	uint64_t v;

	if (get_u64(s, key, UINT_MAX, &v) < 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int get_size(const struct stanza *s, enum key key, uint64_t max,
		    uint64_t *out)
{
	if (get_u64(s, key, max, out) < 0)
		return -1;
	if (*out == 0)
		return sfail(s, keys[key].name, "0 bytes");
	return 0;
}

static int get_sha256(const struct stanza *s, enum key key, uint8_t out[32])
{
	char q[QUOTE_MAX];
	const char *v = req(s, key);

	if (!v)
		return -1;
	if (pf_unhex(v, strlen(v), out) < 0)
		return sfail(s, keys[key].name, "'%s' is not 64 lowercase hex digits", quote(v, q));
	return 0;
}

static int get_time(const struct stanza *s, enum key key, time_t *out)
{
	char q[QUOTE_MAX];
	const char *v = req(s, key);

	if (!v)
		return -1;
	if (pf_time_parse(v, out) < 0)
		return sfail(s, keys[key].name, "'%s' is not a UTC time like 2026-11-25T10:00:00Z",
			     quote(v, q));
	return 0;
}

/* A copy of the value of KEY, or NULL in *out when optional and absent. */
static int get_str(const struct stanza *s, enum key key, bool required,
		   unsigned cls, const char *what, char **out)
{
	char q[QUOTE_MAX];
	const struct field *f = get(s, key);

	*out = NULL;
	if (!f)
		return required ? sfail(s, keys[key].name, "missing") : 0;
	if (cls && !token_ok(f->value, cls))
		return sfail(s, keys[key].name, "'%s' is not %s", quote(f->value, q), what);
	*out = keep(s, f->value);
	return *out ? 0 : -1;
}

/* A path in the repository: it goes into URLs and file names. */
static int get_repo_path(const struct stanza *s, enum key key, char **out)
{
	char q[QUOTE_MAX];
	const char *v = req(s, key), *why;

	*out = NULL;
	if (!v)
		return -1;
	if (!all_in(v, C_PATH))
		return sfail(s, keys[key].name, "'%s' has characters outside [A-Za-z0-9._+/-]",
			     quote(v, q));
	if (!pf_path_valid(v, strlen(v), &why))
		return sfail(s, keys[key].name, "'%s' is not a relative path in the repository: %s",
			     quote(v, q), why);
	*out = keep(s, v);
	return *out ? 0 : -1;
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
	if (idx->block) {
		/* Entries and strings are in the block. */
		/* munmap fails only for an address that is not a mapping:
		 * nothing a caller could do about it. */
		(void)munmap(idx->block, idx->block_size);
		free(idx);
		return;
	}
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
	const char *v = req(s, K_FORMAT);
	uint64_t format;

	if (!v)
		return -1;
	if (parse_u64(v, &format) < 0 || format != 1)
		return sfail(s, "Format", "unsupported format '%s' (this pakfire reads 1)",
			     quote(v, q));
	idx->format = 1;
	if (get_str(s, K_SERIES, true, C_TOKEN, "a series name ([A-Za-z0-9._-])",
		    &idx->series) < 0 ||
	    get_str(s, K_ARCH, true, C_TOKEN, "an architecture ([A-Za-z0-9._-])",
		    &idx->arch) < 0 ||
	    get_u64(s, K_REVISION, UINT64_MAX, &idx->revision) < 0 ||
	    get_time(s, K_DATE, &idx->date) < 0 ||
	    get_time(s, K_VALID_UNTIL, &idx->valid_until) < 0 ||
	    get_str(s, K_SUCCESSOR, false, C_TOKEN, "a series name ([A-Za-z0-9._-])",
		    &idx->successor) < 0)
		return -1;
	return 0;
}

static int parse_update(const struct stanza *s, struct pf_index_entry *e)
{
	char q[QUOTE_MAX];
	const char *type = req(s, K_TYPE);
	const struct field *reboot;

	if (!type)
		return -1;
	if (strcmp(type, "core") == 0) {
		e->type = PF_STANZA_CORE;
		if (get_uint(s, K_NUMBER, &e->number) < 0 ||
		    get_uint(s, K_REQUIRES, &e->requires) < 0)
			return -1;
		if (e->requires >= e->number)
			return sfail(s, "Requires", "%u is not below Number %u",
				     e->requires, e->number);
		if (get_str(s, K_SERIES_SWITCH, false, C_TOKEN,
			    "a series name ([A-Za-z0-9._-])", &e->series_switch) < 0)
			return -1;
	} else if (strcmp(type, "addon") == 0) {
		e->type = PF_STANZA_ADDON;
		if (get_str(s, K_NAME, true, C_NAME, "a name ([A-Za-z0-9._+-])",
			    &e->name) < 0 ||
		    get_str(s, K_VERSION, true, C_NAME, "a version ([A-Za-z0-9._+-])",
			    &e->version) < 0 ||
		    get_str(s, K_RELEASE, true, C_NAME, "a release ([A-Za-z0-9._+-])",
			    &e->release) < 0 ||
		    get_str(s, K_DEPENDS, false, 0, NULL, &e->depends) < 0)
			return -1;
	} else {
		return sfail(s, "Type", "'%s' is not core or addon", quote(type, q));
	}
	if (get_str(s, K_SUMMARY, false, 0, NULL, &e->summary) < 0)
		return -1;
	reboot = get(s, K_REBOOT);
	if (reboot) {
		if (strcmp(reboot->value, "yes") == 0)
			e->reboot = true;
		else if (strcmp(reboot->value, "no") != 0)
			return sfail(s, "Reboot", "'%s' is not yes or no",
				     quote(reboot->value, q));
	}
	if (get_repo_path(s, K_MANIFEST, &e->manifest) < 0 ||
	    get_size(s, K_MANIFEST_SIZE, MANIFEST_SIZE_MAX, &e->manifest_size) < 0 ||
	    get_sha256(s, K_MANIFEST_SHA256, e->manifest_sha256) < 0 ||
	    get_repo_path(s, K_PACKAGE, &e->package) < 0 ||
	    get_size(s, K_PACKAGE_SIZE, PACKAGE_SIZE_MAX, &e->package_size) < 0 ||
	    get_sha256(s, K_PACKAGE_SHA256, e->package_sha256) < 0)
		return -1;
	return 0;
}

/* Name the stanza for messages before any of it is checked. */
static void make_label(struct stanza *s)
{
	const struct field *type = get(s, K_TYPE), *id;
	char q[QUOTE_MAX];
	uint64_t v;

	s->label[0] = '\0';
	if (s->no == 1) {
		snprintf(s->label, sizeof(s->label), " (repository)");
	} else if (type && strcmp(type->value, "core") == 0) {
		id = get(s, K_NUMBER);
		if (id && parse_u64(id->value, &v) == 0)
			snprintf(s->label, sizeof(s->label), " (core %" PRIu64 ")", v);
	} else if (type && strcmp(type->value, "addon") == 0) {
		id = get(s, K_NAME);
		if (id)
			snprintf(s->label, sizeof(s->label), " (addon %s)", quote(id->value, q));
	}
}

/* A key given twice: noted while the lines were read (the first repeat, by
 * line), reported once the whole stanza was read, as before. */
static int check_duplicates(const struct stanza *s)
{
	const struct field *again;

	if (!s->dup)
		return 0;
	again = &s->f[s->dup - 1];
	return sfail(s, again->key, "given twice (lines %zu and %zu)", s->dup_first, again->line);
}

/* The entries have room for every stanza (counted before): the strings of
 * a failed stanza stay in the block, which pf_index_free unmaps whole. */
static int stanza_done(struct stanza *s, struct pf_index *idx, size_t cap)
{
	make_label(s);
	if (check_duplicates(s) < 0)
		return -1;
	if (s->no == 1)
		return parse_repository(s, idx);
	if (idx->n == cap)
		return pf_fail(s->ctx, PF_E_OTHER, "%s: internal error: more stanzas than counted",
			       s->name);
	if (parse_update(s, &idx->entries[idx->n]) < 0)
		return -1;
	idx->n++;
	return 0;
}

/* An upper bound of the stanzas in BUF: one more than its empty lines. */
static size_t count_stanzas(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	size_t n = 1;

	while ((p = memchr(p, '\n', (size_t)(end - p))) && p + 1 < end) {
		n += p[1] == '\n';
		p++;
	}
	return n;
}

/* One mapping for the entries and the strings of an index of LEN bytes
 * with at most STANZAS stanzas, its pages made at once (MAP_POPULATE): a
 * parse touches all of it, and one fault per page costs more than the
 * parse itself on a paravirtualised machine. */
static int make_block(struct pf_ctx *ctx, const char *name, struct pf_index *idx, size_t len,
		      size_t stanzas, struct heap *heap)
{
	size_t entries = stanzas * sizeof(*idx->entries);

	/* Every string kept is a value and its NUL, shorter than its line
	 * with the newline: LEN bytes, plus one for a last line without
	 * a newline. */
	idx->block_size = entries + len + 1;
	idx->block = mmap(NULL, idx->block_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (idx->block == MAP_FAILED) {
		idx->block = NULL;
		return pf_fail_errno(ctx, PF_E_OTHER, "%s: out of memory", name);
	}
	idx->entries = idx->block;
	heap->next = (char *)idx->block + entries;
	heap->end = (char *)idx->block + idx->block_size;
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

/* Read the lines of one stanza, copied into TEXT (NUL-terminated, written
 * into: keys and values are cut out of it in place). *LINE is the number
 * of the line before it, and is advanced. */
static int read_stanza(struct stanza *s, size_t *fcap, char *text, size_t *line)
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

int pf_index_parse(struct pf_ctx *ctx, const char *name, const char *buf,
		   size_t len, struct pf_index **out)
{
	struct heap heap = { NULL, NULL };
	struct stanza s = { .ctx = ctx, .name = name, .heap = &heap };
	struct pf_index *idx = NULL;
	const char *p = buf, *end = buf + len, *nul;
	char *text = NULL;
	size_t line = 0, fcap = 0, ecap = 0, tcap = 0;
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
	if (!idx) {
		pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
		goto out;
	}
	ecap = count_stanzas(buf, len);
	if (make_block(ctx, name, idx, len, ecap, &heap) < 0)
		goto out;
	/* Stanza by stanza: each is copied into a small buffer that is cut
	 * up in place. (A copy of the whole index would be megabytes of
	 * fresh pages, each a page fault.) A stanza ends at an empty line. */
	while (p < end) {
		const char *se;
		size_t n;

		if (*p == '\n') {
			line++;
			p++;
			continue;
		}
		/* The stanza ends after the newline that an empty line follows. */
		for (se = p;; se++) {
			se = memchr(se, '\n', (size_t)(end - se));
			if (!se || se + 1 == end) {
				se = end;
				break;
			}
			if (se[1] == '\n') {
				se++;
				break;
			}
		}
		n = (size_t)(se - p);
		if (n + 1 > tcap) {
			char *t = realloc(text, n + 1);

			if (!t) {
				pf_fail(ctx, PF_E_OTHER, "%s: out of memory", name);
				goto out;
			}
			text = t;
			tcap = n + 1;
		}
		memcpy(text, p, n);
		text[n] = '\0';
		if (read_stanza(&s, &fcap, text, &line) < 0)
			goto out;
		s.no++;
		if (stanza_done(&s, idx, ecap) < 0)
			goto out;
		p = se;
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
