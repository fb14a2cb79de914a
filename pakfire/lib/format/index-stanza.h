/* Inside the index parser (index-stanza.c, index-parse.c): one deb822
 * stanza read into fields, and the typed getters that check a field's
 * value and name stanza, key and value when it is wrong. Not for use
 * outside format/index-*.c. */
#ifndef PF_INDEX_STANZA_H
#define PF_INDEX_STANZA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct pf_ctx;

#define QUOTE_MAX 160

/* The keys this version reads. A stanza's fields are looked up by these
 * ids: each line's key is classified once, so that a stanza costs one pass
 * over its lines, not one pass per key asked for. */
enum key {
	K_FORMAT, K_SERIES, K_ARCH, K_REVISION, K_DATE, K_VALID_UNTIL, K_SUCCESSOR,
	K_TYPE, K_NUMBER, K_REQUIRES, K_SERIES_SWITCH, K_NAME, K_VERSION, K_RELEASE,
	K_DEPENDS, K_SUMMARY, K_REBOOT, K_MANIFEST, K_MANIFEST_SIZE, K_MANIFEST_SHA256,
	K_PACKAGE, K_PACKAGE_SIZE, K_PACKAGE_SHA256, K_MIN_CLIENT, K_PROVIDES_CLIENT,
	K_OPTIONAL_KEYS, K_MIN_PARTITION, K_MIRRORS, K_MIRRORS_SIZE, K_MIRRORS_SHA256, K__COUNT,
	K_UNKNOWN = K__COUNT
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

/* Character classes of values (may be or'ed). */
enum { C_TOKEN = 1, C_PATH = 2, C_NAME = 4 };

/* Read the lines of one stanza, copied into TEXT (NUL-terminated, written
 * into: keys and values are cut out of it in place). *LINE is the number
 * of the line before it, and is advanced; *FCAP is the room in s->f. */
int pf_stanza_read(struct stanza *s, size_t *fcap, char *text, size_t *line);

/* PF_E_VERIFY: "NAME stanza N (LABEL): KEY: message". */
int pf_stanza_fail(const struct stanza *s, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* V quoted for a message (see pf_quote). */
const char *pf_stanza_quote(const char *v, char q[QUOTE_MAX]);

/* The field KEY, or NULL when absent. */
const struct field *pf_stanza_get(const struct stanza *s, enum key key);

/* The kinds of stanza, for where a key belongs. */
enum { S_REPO = 1, S_CORE = 2, S_ADDON = 4 };

/* The first key of the stanza (of kind WHERE) that this pakfire does not
 * know there (an unknown key, or a key of another kind of stanza) and that
 * its Optional-Keys does not list (docs/formats.md, "Client levels"),
 * copied into the index's block; NULL in *out if none. */
int pf_stanza_unknown(const struct stanza *s, unsigned where, char **out);

/* A client level (Min-Client, Provides-Client): absent, DEF; else a
 * number from 1 (-1 after pf_stanza_fail). */
int pf_stanza_level(const struct stanza *s, enum key key, unsigned def, unsigned *out);

/* The value of a required key, or NULL after pf_stanza_fail. */
const char *pf_stanza_req(const struct stanza *s, enum key key);

/* Typed values of required keys (-1 after pf_stanza_fail): a decimal
 * number up to MAX; an unsigned int; a size of 1 to MAX bytes; 64
 * lowercase hex digits; a UTC time. */
int pf_stanza_u64(const struct stanza *s, enum key key, uint64_t max, uint64_t *out);
int pf_stanza_uint(const struct stanza *s, enum key key, unsigned *out);
int pf_stanza_size(const struct stanza *s, enum key key, uint64_t max, uint64_t *out);
int pf_stanza_sha256(const struct stanza *s, enum key key, uint8_t out[32]);
int pf_stanza_time(const struct stanza *s, enum key key, time_t *out);

/* A copy of the value of KEY in the index's block, or NULL in *out when
 * optional and absent. With CLS, the value must be a token of that class
 * (not "." or ".."); WHAT says what it must be in the message. */
int pf_stanza_str(const struct stanza *s, enum key key, bool required,
		  unsigned cls, const char *what, char **out);

/* A path in the repository (it goes into URLs and file names), copied into
 * the index's block. */
int pf_stanza_repo_path(const struct stanza *s, enum key key, char **out);

#endif
