/* A small JSON writer for output.c: builds one document in memory. Keys and
 * strings are escaped per RFC 8259; the caller nests begin/end correctly. */
#ifndef PF_CLI_JSON_H
#define PF_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *f;          /* open_memstream */
	char *buf;
	size_t len;
	bool need_comma;
	bool failed;
};

int json_open(struct json *j);
void json_close(struct json *j);   /* frees the buffer */

void json_begin_object(struct json *j, const char *key);  /* key NULL in arrays */
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_string(struct json *j, const char *key, const char *value); /* NULL -> null */
void json_uint(struct json *j, const char *key, uint64_t value);
void json_int(struct json *j, const char *key, int64_t value);
void json_bool(struct json *j, const char *key, bool value);
void json_time(struct json *j, const char *key, int64_t t);  /* ISO 8601 UTC, 0 -> null */

#endif
