/* The --json output's building blocks, over json-c.
 *
 * Why json-c (not jansson, not a writer of our own): it is in Debian main
 * (libjson-c5; libcryptsetup, bind9 and the embedded updater swupdate link
 * it), maintained, reference counted, keeps object keys in insertion order
 * (the documents read in the order they always did), writes int64 and
 * uint64 exactly (json_object_new_uint64 since 0.14; Debian 12 has 0.16),
 * escapes control characters, and with JSON_C_TO_STRING_NOSLASHESCAPE
 * writes "/usr/bin" as it is rather than "\/usr\/bin". jansson would have
 * done nearly as well, but has no unsigned 64-bit integer (json_int_t is
 * signed), and sizes here are uint64_t.
 *
 * What json-c does not do: it copies bytes >= 0x80 into the output as they
 * are, so a path holding invalid UTF-8 (a raw 0xff byte) would make the
 * whole document invalid for every strict parser. Every string therefore
 * passes through jv_utf8_sanitize first (docs/pakfire.8, JSON OUTPUT).
 *
 * The adders return 0, or -1 when out of memory (the value is then freed);
 * a renderer chains them with || and reports the failure once. */
#ifndef PF_CLI_JSONC_H
#define PF_CLI_JSONC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

/* Whether S is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence). */
bool jv_utf8_valid(const char *s);

/* A malloc'd copy of S in which each ill-formed sequence (each maximal
 * subpart of one, as Unicode 3.9 recommends: "\xe2\x82" is one, "\xc0\xaf"
 * two) is replaced by U+FFFD. NULL when out of memory. */
char *jv_utf8_sanitize(const char *s);

/* A string (S NULL: null), made valid UTF-8 as above. */
int jv_string(struct json_object *obj, const char *key, const char *s);

/* A path (or a symlink's target, any bytes from a file system): as
 * jv_string, and when S is not valid UTF-8 also KEY_escaped, the exact
 * bytes written as the text output writes them (a backslash doubled, every
 * byte outside printable ASCII as \xHH), so that nothing is lost. */
int jv_path(struct json_object *obj, const char *key, const char *s);

int jv_uint(struct json_object *obj, const char *key, uint64_t v);
int jv_int(struct json_object *obj, const char *key, int64_t v);
int jv_bool(struct json_object *obj, const char *key, bool v);
/* ISO 8601 UTC ("2026-11-25T10:00:00Z"); 0 is null (never). */
int jv_time(struct json_object *obj, const char *key, time_t t);
/* Adds VALUE (consumed, also on failure; NULL fails) under KEY. */
int jv_add(struct json_object *obj, const char *key, struct json_object *value);

/* A list: an array whose elements are turned into text as they are added,
 * so that a long run (every event of an upgrade, every finding of a
 * verify, every transaction of a decade) keeps a few bytes each rather
 * than a tree of json-c objects (about 1.3 KiB per element). It is a
 * json_object: add it to a document like any other value. */
struct json_object *jv_list_new(void);
/* Appends VALUE (consumed, also on failure). */
int jv_list_add(struct json_object *list, struct json_object *value);

/* OBJ as one line of JSON, owned by OBJ; NULL when out of memory. */
const char *jv_text(struct json_object *obj);

#endif
