/* The signed repository index (DESIGN.md, "Repository"): deb822-style
 * stanzas of "Key: value" lines separated by blank lines. The first stanza
 * describes the repository, each further one a core update or an add-on.
 * The parser is only ever called on bytes whose signature was verified. */
#ifndef PF_INDEX_H
#define PF_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/time.h" /* pf_time_parse, pf_time_format: the index's dates */

struct pf_ctx;

/* The client level of this pakfire (docs/formats.md, "Client levels"): it
 * grows whenever a release learns to honour something new in the
 * repository. 1 was the release before it (b8473da). */
#define PF_CLIENT_LEVEL 3 /* 3: it runs hooks (docs/hooks.md) */

enum pf_stanza_type { PF_STANZA_CORE, PF_STANZA_ADDON };

struct pf_index_entry {
	enum pf_stanza_type type;
	unsigned number;        /* core: Number */
	unsigned requires;      /* core: Requires (core level needed) */
	char *series_switch;    /* core: Series-Switch, or NULL */
	char *name;             /* addon: Name */
	char *version;          /* addon: Version */
	char *release;          /* addon: Release */
	char *depends;          /* addon: Depends (raw, may be NULL) */
	char *summary;          /* Summary (may be NULL) */
	bool reboot;            /* Reboot: yes|no (default no) */
	char *manifest;         /* relative path in the repository */
	uint64_t manifest_size;
	uint8_t manifest_sha256[32];
	char *package;          /* relative path in the repository */
	uint64_t package_size;
	uint8_t package_sha256[32];
	unsigned min_client;    /* Min-Client (1 when absent) */
	unsigned provides_client; /* core: Provides-Client, 0 when absent */
	char *optional_keys;    /* Optional-Keys (raw, may be NULL) */
	/* The first key this pakfire does not know and Optional-Keys does
	 * not list, or NULL: with it, or a Min-Client above PF_CLIENT_LEVEL,
	 * the update is one this pakfire cannot honour
	 * (pf_index_entry_honoured). */
	char *unknown_key;
};

struct pf_index {
	unsigned format;        /* Format: must be 1 */
	char *series;
	char *arch;
	uint64_t revision;
	time_t date;            /* Date, UTC */
	time_t valid_until;     /* Valid-Until, UTC */
	char *successor;        /* Successor, or NULL */
	unsigned min_client;    /* Min-Client: the oldest client that may read it (1 when absent) */
	char *optional_keys;    /* Optional-Keys (raw, may be NULL) */
	/* Min-Partition (raw, may be NULL): the distribution's advice on
	 * partition sizes, "/boot=128M /=4G" (pf_index_min_partition). */
	char *min_partition;
	/* Mirrors (a relative path, or NULL), with its Mirrors-Size and
	 * Mirrors-SHA256: the published mirror list (format/mirrors.h). */
	char *mirrors;
	uint64_t mirrors_size;
	uint8_t mirrors_sha256[32];
	struct pf_index_entry *entries;
	size_t n;
	/* A parsed index keeps its entries and strings in this one mapping
	 * (NULL for an index built by hand, whose strings are malloc'd one
	 * by one): free it only with pf_index_free. */
	void *block;
	size_t block_size;
};

/* Parse (LEN bytes, need not be NUL-terminated). Missing required keys,
 * duplicate keys, bad numbers, bad hashes, bad dates, bad relative paths
 * (absolute, "..", characters outside [A-Za-z0-9._+/-]), two core stanzas
 * with one Number: PF_E_VERIFY naming the stanza and key. So is an index
 * this pakfire cannot read: Min-Client above PF_CLIENT_LEVEL, or a key of
 * the repository stanza it does not know that Optional-Keys does not list.
 * An update stanza with such a key is kept (unknown_key), for the resolver
 * to stop before it. *out is owned by the caller; its strings
 * live in idx->block and are not to be freed or replaced one by one. */
int pf_index_parse(struct pf_ctx *ctx, const char *name, const char *buf,
		   size_t len, struct pf_index **out);

/* Serialise (pakfire-repo publish): the exact bytes that get signed. */
int pf_index_write(struct pf_ctx *ctx, const struct pf_index *idx,
		   char **buf, size_t *len);

/* Whether this pakfire can honour update E: its Min-Client is at most
 * PF_CLIENT_LEVEL and it has no key this pakfire does not know (unless
 * Optional-Keys lists it). */
bool pf_index_entry_honoured(const struct pf_index_entry *e);

/* The first core update of IDX's chain below BEFORE (by Number) that
 * provides a client of level LEVEL or newer (Provides-Client), or NULL:
 * the update that brings a pakfire able to go on. */
const struct pf_index_entry *pf_index_find_provider(const struct pf_index *idx,
						      unsigned before, unsigned level);

/* The core stanza with this Number, or NULL. */
const struct pf_index_entry *pf_index_find_core(const struct pf_index *idx,
						 unsigned number);

void pf_index_free(struct pf_index *idx);

/* Min-Partition (index-advice.c; docs/formats.md): blank-separated
 * MOUNT=SIZE items, MOUNT an absolute path (normalised as pakfire.conf's
 * reserve), SIZE as there (128M, 4G: powers of 1024) and not 0, no mount
 * twice. It is advice: the client never refuses an index for it (a
 * malformed value reads as absent); publish and check refuse one.
 * 0, or -1 with WHY (SIZE bytes) saying what is wrong. */
int pf_min_partition_check(const char *value, char *why, size_t size);
/* The size IDX advises for MOUNT ("/boot"), or 0: none named, or the
 * value is malformed. */
uint64_t pf_index_min_partition(const struct pf_index *idx, const char *mount);

/* Whether the Optional-Keys value LIST (may be NULL) names KEY. */
bool pf_index_optional_lists(const char *list, const char *key);

#endif
