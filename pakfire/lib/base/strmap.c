/* String map: see strmap.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"

struct slot {
	char *key;          /* NULL: empty */
	size_t len;
	uint64_t hash;
	void *value;
};

struct pf_strmap {
	struct slot *slots;
	size_t cap;         /* a power of two */
	size_t count;
};

static uint64_t fnv1a(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct pf_strmap *pf_strmap_new(size_t hint)
{
	struct pf_strmap *m = calloc(1, sizeof(*m));
	size_t cap = 64;

	if (!m)
		return NULL;
	while (cap < hint * 2)
		cap *= 2;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		return NULL;
	}
	m->cap = cap;
	return m;
}

void pf_strmap_free(struct pf_strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	free(m);
}

size_t pf_strmap_count(const struct pf_strmap *m)
{
	return m->count;
}

static struct slot *find(const struct pf_strmap *m, const char *key, size_t len, uint64_t h)
{
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct slot *s = &m->slots[i];

		if (!s->key || (s->hash == h && s->len == len && !memcmp(s->key, key, len)))
			return s;
	}
}

void **pf_strmap_get(const struct pf_strmap *m, const char *key, size_t len)
{
	struct slot *s = find(m, key, len, fnv1a(key, len));

	return s->key ? &s->value : NULL;
}

static int grow(struct pf_strmap *m)
{
	struct pf_strmap bigger = { .cap = m->cap * 2, .count = m->count };

	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*find(&bigger, m->slots[i].key, m->slots[i].len, m->slots[i].hash) = m->slots[i];
	free(m->slots);
	*m = bigger;
	return 0;
}

void **pf_strmap_put(struct pf_strmap *m, const char *key, size_t len, bool *added)
{
	uint64_t h = fnv1a(key, len);
	struct slot *s;

	*added = false;
	/* Keep the load under 3/4: probes stay short. */
	if ((m->count + 1) * 4 > m->cap * 3 && grow(m) < 0)
		return NULL;
	s = find(m, key, len, h);
	if (s->key)
		return &s->value;
	s->key = malloc(len + 1);
	if (!s->key)
		return NULL;
	memcpy(s->key, key, len);
	s->key[len] = '\0';
	s->len = len;
	s->hash = h;
	s->value = NULL;
	m->count++;
	*added = true;
	return &s->value;
}

void pf_strmap_each(struct pf_strmap *m, void (*fn)(void *value, void *data), void *data)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			fn(m->slots[i].value, data);
}
