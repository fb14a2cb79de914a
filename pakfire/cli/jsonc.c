/* JSON building blocks: see jsonc.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/printbuf.h>

#include "base/path.h"
#include "jsonc.h"

#define TEXT_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* The sequence at S (NUL-terminated): true and its length if well-formed,
 * else false and the length of its maximal subpart (at least 1). The
 * ranges are those of Unicode's table 3-7; a NUL is never a continuation
 * byte, so nothing is read past the end. */
static bool utf8_next(const unsigned char *s, size_t *len)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need;

	if (s[0] < 0x80) {
		*len = 1;
		return true;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 1;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 2;
		if (s[0] == 0xe0)
			lo = 0xa0;     /* shorter forms are overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;     /* U+D800..U+DFFF are surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 3;
		if (s[0] == 0xf0)
			lo = 0x90;     /* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;     /* above U+10FFFF */
	} else {
		*len = 1;              /* 0x80..0xc1, 0xf5..0xff never start one */
		return false;
	}
	for (size_t i = 1; i <= need; i++) {
		if (s[i] < lo || s[i] > hi) {
			*len = i;
			return false;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	*len = need + 1;
	return true;
}

bool jv_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	while (*p) {
		if (!utf8_next(p, &len))
			return false;
		p += len;
	}
	return true;
}

char *jv_utf8_sanitize(const char *s)
{
	static const char fffd[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), o = 0, len;
	char *out;

	/* Each replaced byte grows to at most three. */
	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	out = malloc(3 * n + 1);
	if (!out)
		return NULL;
	while (*p) {
		if (utf8_next(p, &len)) {
			memcpy(out + o, p, len);
			o += len;
		} else {
			memcpy(out + o, fffd, 3);
			o += 3;
		}
		p += len;
	}
	out[o] = '\0';
	return out;
}

int jv_add(struct json_object *obj, const char *key, struct json_object *value)
{
	if (!value)
		return -1;
	if (json_object_object_add(obj, key, value) < 0) {
		json_object_put(value);
		return -1;
	}
	return 0;
}

int jv_string(struct json_object *obj, const char *key, const char *s)
{
	struct json_object *v;
	char *clean;

	if (!s)
		return json_object_object_add(obj, key, NULL); /* null */
	if (jv_utf8_valid(s))
		return jv_add(obj, key, json_object_new_string(s));
	clean = jv_utf8_sanitize(s);
	if (!clean)
		return -1;
	v = json_object_new_string(clean);
	free(clean);
	return jv_add(obj, key, v);
}

int jv_path(struct json_object *obj, const char *key, const char *s)
{
	char name[64], *quoted;
	size_t n;
	int r;

	if (jv_string(obj, key, s) < 0)
		return -1;
	if (!s || jv_utf8_valid(s))
		return 0;
	n = strlen(s);
	if (n > (SIZE_MAX - 5) / 4 || snprintf(name, sizeof(name), "%s_escaped", key) >= (int)sizeof(name))
		return -1;
	quoted = malloc(4 * n + 5); /* room for every byte as \xHH: never cut short */
	if (!quoted)
		return -1;
	pf_quote(s, n, quoted, 4 * n + 5);
	r = jv_add(obj, name, json_object_new_string(quoted));
	free(quoted);
	return r;
}

int jv_uint(struct json_object *obj, const char *key, uint64_t v)
{
	return jv_add(obj, key, json_object_new_uint64(v));
}

int jv_int(struct json_object *obj, const char *key, int64_t v)
{
	return jv_add(obj, key, json_object_new_int64(v));
}

int jv_bool(struct json_object *obj, const char *key, bool v)
{
	return jv_add(obj, key, json_object_new_boolean(v));
}

int jv_time(struct json_object *obj, const char *key, time_t t)
{
	struct tm tm;
	char buf[32];

	if (t == 0 || !gmtime_r(&t, &tm))
		return json_object_object_add(obj, key, NULL);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return jv_add(obj, key, json_object_new_string(buf));
}

/* A list's userdata is a printbuf holding its elements' text, comma
 * separated; json-c frees it with the list. */
static void list_free(struct json_object *list, void *data)
{
	(void)list;
	printbuf_free(data);
}

static int list_text(struct json_object *list, struct printbuf *pb, int level, int flags)
{
	struct printbuf *items = json_object_get_userdata(list);

	(void)level;
	(void)flags;
	if (printbuf_memappend(pb, "[", 1) < 0 ||
	    (items->bpos && printbuf_memappend(pb, items->buf, items->bpos) < 0) ||
	    printbuf_memappend(pb, "]", 1) < 0)
		return -1;
	return 0;
}

struct json_object *jv_list_new(void)
{
	struct json_object *list = json_object_new_array();
	struct printbuf *items = printbuf_new();

	if (!list || !items) {
		json_object_put(list);
		printbuf_free(items);
		return NULL;
	}
	json_object_set_serializer(list, list_text, items, list_free);
	return list;
}

int jv_list_add(struct json_object *list, struct json_object *value)
{
	struct printbuf *items = json_object_get_userdata(list);
	const char *text = value ? json_object_to_json_string_ext(value, TEXT_FLAGS) : NULL;
	size_t len = text ? strlen(text) : 0;
	int r = -1;

	if (!text || len > INT_MAX - 1 - (size_t)items->bpos)
		goto out;
	if ((items->bpos && printbuf_memappend(items, ",", 1) < 0) ||
	    printbuf_memappend(items, text, (int)len) < 0)
		goto out;
	r = 0;
out:
	json_object_put(value);
	return r;
}

const char *jv_text(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, TEXT_FLAGS);
}
