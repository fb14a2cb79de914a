/* "key = value" lines: see kv.h. */
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "format/kv.h"

#define KV_LINE_MAX 4096

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* Trim blanks from both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
	while (*n > 0 && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_space((*s)[*n - 1]))
		(*n)--;
}

int pf_kv_parse(struct pf_ctx *ctx, const char *name, const char *buf,
		size_t len, pf_kv_fn fn, void *data)
{
	char key[KV_LINE_MAX + 1], value[KV_LINE_MAX + 1];
	size_t pos = 0;
	unsigned line = 0;

	while (pos < len) {
		const char *s = buf + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		const char *eq, *k, *v;
		size_t kn, vn;

		line++;
		pos += n + (nl ? 1 : 0);
		if (n > KV_LINE_MAX)
			return pf_fail(ctx, PF_E_USAGE,
				       "%s line %u: line longer than %d bytes",
				       name, line, KV_LINE_MAX);
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return pf_fail(ctx, PF_E_USAGE,
					       "%s line %u: control character 0x%02x%s",
					       name, line, c,
					       c == '\r' ? " (DOS line ending?)" : "");
		}
		trim(&s, &n);
		if (n == 0 || s[0] == '#')
			continue;
		eq = memchr(s, '=', n);
		if (!eq)
			return pf_fail(ctx, PF_E_USAGE,
				       "%s line %u: expected 'key = value'", name, line);
		k = s;
		kn = (size_t)(eq - s);
		v = eq + 1;
		vn = n - kn - 1;
		trim(&k, &kn);
		trim(&v, &vn);
		if (kn == 0)
			return pf_fail(ctx, PF_E_USAGE,
				       "%s line %u: missing key before '='", name, line);
		for (size_t i = 0; i < kn; i++)
			if (!is_key_char(k[i]))
				return pf_fail(ctx, PF_E_USAGE,
					       "%s line %u: '%.*s' is not a key (letters, digits, '-', '_', '.')",
					       name, line, (int)kn, k);
		if (vn == 0)
			return pf_fail(ctx, PF_E_USAGE,
				       "%s line %u: empty value for '%.*s'",
				       name, line, (int)kn, k);
		memcpy(key, k, kn);
		key[kn] = '\0';
		memcpy(value, v, vn);
		value[vn] = '\0';
		if (fn(ctx, name, line, key, value, data) < 0)
			return -1;
	}
	return 0;
}
