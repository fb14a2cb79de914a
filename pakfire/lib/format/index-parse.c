/* The repository index, parsed (see index.h and DESIGN.md): the
 * repository stanza and the update stanzas built from the fields that
 * index-stanza.c reads, in one mapping per index, and the rules on the
 * whole index (one core stanza per Number, an unambiguous chain). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/context.h"
#include "base/error.h"
#include "base/numbers.h"
#include "format/index.h"
#include "format/index-stanza.h"
#include "format/mirrors.h"

#define INDEX_MAX          (16u << 20)
#define MANIFEST_SIZE_MAX  (64ULL << 20)
#define PACKAGE_SIZE_MAX   (64ULL << 30)

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
	free(e->optional_keys);
	free(e->unknown_key);
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
	free(idx->optional_keys);
	free(idx->min_partition);
	free(idx->mirrors);
	for (size_t i = 0; i < idx->n; i++)
		entry_clear(&idx->entries[i]);
	free(idx->entries);
	free(idx);
}

/* Mirrors, Mirrors-Size and Mirrors-SHA256: all three or none. */
static int parse_mirrors(const struct stanza *s, struct pf_index *idx)
{
	bool size = pf_stanza_get(s, K_MIRRORS_SIZE), sha = pf_stanza_get(s, K_MIRRORS_SHA256);

	if (!pf_stanza_get(s, K_MIRRORS)) {
		if (size || sha)
			return pf_stanza_fail(s, size ? "Mirrors-Size" : "Mirrors-SHA256",
					      "given without Mirrors");
		return 0;
	}
	return pf_stanza_repo_path(s, K_MIRRORS, &idx->mirrors) < 0 ||
	       pf_stanza_size(s, K_MIRRORS_SIZE, PF_MIRRORS_SIZE_MAX, &idx->mirrors_size) < 0 ||
	       pf_stanza_sha256(s, K_MIRRORS_SHA256, idx->mirrors_sha256) < 0 ? -1 : 0;
}

static int parse_repository(const struct stanza *s, struct pf_index *idx)
{
	char q[QUOTE_MAX];
	const char *v = pf_stanza_req(s, K_FORMAT);
	char *unknown = NULL;
	uint64_t format;

	if (!v)
		return -1;
	if (pf_parse_u64(v, strlen(v), &format) < 0 || format != 1)
		return pf_stanza_fail(s, "Format", "unsupported format '%s' (this pakfire reads 1;"
				      " a newer format needs a newer pakfire)",
				      pf_stanza_quote(v, q));
	idx->format = 1;
	if (pf_stanza_str(s, K_SERIES, true, C_TOKEN, "a series name ([A-Za-z0-9._-])",
		    &idx->series) < 0 ||
	    pf_stanza_str(s, K_ARCH, true, C_TOKEN, "an architecture ([A-Za-z0-9._-])",
		    &idx->arch) < 0 ||
	    pf_stanza_u64(s, K_REVISION, UINT64_MAX, &idx->revision) < 0 ||
	    pf_stanza_time(s, K_DATE, &idx->date) < 0 ||
	    pf_stanza_time(s, K_VALID_UNTIL, &idx->valid_until) < 0 ||
	    pf_stanza_str(s, K_SUCCESSOR, false, C_TOKEN, "a series name ([A-Za-z0-9._-])",
		    &idx->successor) < 0 ||
	    pf_stanza_str(s, K_OPTIONAL_KEYS, false, 0, NULL, &idx->optional_keys) < 0 ||
	    /* Advice, read when it is needed (pf_index_min_partition): a
	     * malformed one never keeps a system from its updates. */
	    pf_stanza_str(s, K_MIN_PARTITION, false, 0, NULL, &idx->min_partition) < 0 ||
	    parse_mirrors(s, idx) < 0 ||
	    pf_stanza_level(s, K_MIN_CLIENT, 1, &idx->min_client) < 0 ||
	    pf_stanza_unknown(s, S_REPO, &unknown) < 0)
		return -1;
	/* The repository stanza says how to read all the others: an index
	 * read without understanding it is not read at all. */
	if (idx->min_client > PF_CLIENT_LEVEL)
		return pf_stanza_fail(s, "Min-Client",
				      "the index of series %s needs pakfire client level %u or newer"
				      " (this one is %u)", idx->series, idx->min_client,
				      PF_CLIENT_LEVEL);
	if (unknown)
		return pf_stanza_fail(s, unknown,
				      "a key this pakfire (client level %u) does not know, and"
				      " Optional-Keys does not list it: the index of series %s"
				      " needs a newer pakfire", PF_CLIENT_LEVEL, idx->series);
	return 0;
}

/* An update stanza into E: 0, or 1 for a stanza of a kind this pakfire
 * does not know that says it is for newer clients (Min-Client): skipped,
 * as it asks. */
static int parse_update(const struct stanza *s, struct pf_index_entry *e)
{
	char q[QUOTE_MAX];
	const char *type = pf_stanza_req(s, K_TYPE);
	const struct field *reboot;

	if (!type || pf_stanza_level(s, K_MIN_CLIENT, 1, &e->min_client) < 0)
		return -1;
	if (strcmp(type, "core") != 0 && strcmp(type, "addon") != 0 &&
	    e->min_client > PF_CLIENT_LEVEL) {
		memset(e, 0, sizeof(*e));
		return 1;
	}
	if (strcmp(type, "core") == 0) {
		e->type = PF_STANZA_CORE;
		if (pf_stanza_uint(s, K_NUMBER, &e->number) < 0 ||
		    pf_stanza_uint(s, K_REQUIRES, &e->requires) < 0)
			return -1;
		if (e->requires >= e->number)
			return pf_stanza_fail(s, "Requires", "%u is not below Number %u",
					      e->requires, e->number);
		if (pf_stanza_str(s, K_SERIES_SWITCH, false, C_TOKEN,
			    "a series name ([A-Za-z0-9._-])", &e->series_switch) < 0)
			return -1;
	} else if (strcmp(type, "addon") == 0) {
		e->type = PF_STANZA_ADDON;
		if (pf_stanza_str(s, K_NAME, true, C_NAME, "a name ([A-Za-z0-9._+-])",
			    &e->name) < 0 ||
		    pf_stanza_str(s, K_VERSION, true, C_NAME, "a version ([A-Za-z0-9._+-])",
			    &e->version) < 0 ||
		    pf_stanza_str(s, K_RELEASE, true, C_NAME, "a release ([A-Za-z0-9._+-])",
			    &e->release) < 0 ||
		    pf_stanza_str(s, K_DEPENDS, false, 0, NULL, &e->depends) < 0)
			return -1;
	} else {
		return pf_stanza_fail(s, "Type", "'%s' is not core or addon",
				      pf_stanza_quote(type, q));
	}
	if (pf_stanza_str(s, K_SUMMARY, false, 0, NULL, &e->summary) < 0)
		return -1;
	reboot = pf_stanza_get(s, K_REBOOT);
	if (reboot) {
		if (strcmp(reboot->value, "yes") == 0)
			e->reboot = true;
		else if (strcmp(reboot->value, "no") != 0)
			return pf_stanza_fail(s, "Reboot", "'%s' is not yes or no",
					      pf_stanza_quote(reboot->value, q));
	}
	if (pf_stanza_repo_path(s, K_MANIFEST, &e->manifest) < 0 ||
	    pf_stanza_size(s, K_MANIFEST_SIZE, MANIFEST_SIZE_MAX, &e->manifest_size) < 0 ||
	    pf_stanza_sha256(s, K_MANIFEST_SHA256, e->manifest_sha256) < 0 ||
	    pf_stanza_repo_path(s, K_PACKAGE, &e->package) < 0 ||
	    pf_stanza_size(s, K_PACKAGE_SIZE, PACKAGE_SIZE_MAX, &e->package_size) < 0 ||
	    pf_stanza_sha256(s, K_PACKAGE_SHA256, e->package_sha256) < 0 ||
	    pf_stanza_level(s, K_PROVIDES_CLIENT, 0, &e->provides_client) < 0 ||
	    pf_stanza_str(s, K_OPTIONAL_KEYS, false, 0, NULL, &e->optional_keys) < 0 ||
	    pf_stanza_unknown(s, e->type == PF_STANZA_CORE ? S_CORE : S_ADDON,
			      &e->unknown_key) < 0)
		return -1;
	return 0;
}

/* Name the stanza for messages before any of it is checked. */
static void make_label(struct stanza *s)
{
	const struct field *type = pf_stanza_get(s, K_TYPE), *id;
	char q[QUOTE_MAX];
	uint64_t v;

	s->label[0] = '\0';
	if (s->no == 1) {
		snprintf(s->label, sizeof(s->label), " (repository)");
	} else if (type && strcmp(type->value, "core") == 0) {
		id = pf_stanza_get(s, K_NUMBER);
		if (id && pf_parse_u64(id->value, strlen(id->value), &v) == 0)
			snprintf(s->label, sizeof(s->label), " (core %" PRIu64 ")", v);
	} else if (type && strcmp(type->value, "addon") == 0) {
		id = pf_stanza_get(s, K_NAME);
		if (id)
			snprintf(s->label, sizeof(s->label), " (addon %s)",
				 pf_stanza_quote(id->value, q));
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
	return pf_stanza_fail(s, again->key, "given twice (lines %zu and %zu)", s->dup_first,
			      again->line);
}

/* The entries have room for every stanza (counted before): the strings of
 * a failed stanza stay in the block, which pf_index_free unmaps whole. */
static int stanza_done(struct stanza *s, struct pf_index *idx, size_t cap)
{
	int r;

	make_label(s);
	if (check_duplicates(s) < 0)
		return -1;
	if (s->no == 1)
		return parse_repository(s, idx);
	if (idx->n == cap)
		return pf_fail(s->ctx, PF_E_OTHER, "%s: internal error: more stanzas than counted",
			       s->name);
	r = parse_update(s, &idx->entries[idx->n]);
	if (r < 0)
		return -1;
	idx->n += r == 0;
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
		if (pf_stanza_read(&s, &fcap, text, &line) < 0)
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

bool pf_index_entry_honoured(const struct pf_index_entry *e)
{
	return e->min_client <= PF_CLIENT_LEVEL && !e->unknown_key;
}

const struct pf_index_entry *pf_index_find_provider(const struct pf_index *idx,
						      unsigned before, unsigned level)
{
	const struct pf_index_entry *first = NULL;

	for (size_t i = 0; i < idx->n; i++) {
		const struct pf_index_entry *e = &idx->entries[i];

		if (e->type == PF_STANZA_CORE && e->number < before &&
		    e->provides_client >= level && (!first || e->number < first->number))
			first = e;
	}
	return first;
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
