/* A map from strings to pointers: open addressing, FNV-1a, grows as needed.
 * Keys are copied and owned by the map; values are the caller's. (glibc's
 * hsearch_r hashes only a key's first bytes: every "usr/lib/..." collides.) */
#ifndef PF_STRMAP_H
#define PF_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct pf_strmap;

struct pf_strmap *pf_strmap_new(size_t hint);
void pf_strmap_free(struct pf_strmap *m);

/* The value slot of KEY (LEN bytes), or NULL when absent. */
void **pf_strmap_get(const struct pf_strmap *m, const char *key, size_t len);

/* The value slot of KEY, made (NULL value, *added true) when absent; NULL
 * only when out of memory. */
void **pf_strmap_put(struct pf_strmap *m, const char *key, size_t len, bool *added);

size_t pf_strmap_count(const struct pf_strmap *m);

/* Call FN on every value (to free them, say), in no particular order. */
void pf_strmap_each(struct pf_strmap *m, void (*fn)(void *value, void *data), void *data);

#endif
