/* Decimal numbers: see numbers.h. */
#include <string.h>

#include "base/numbers.h"

int pf_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int pf_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	size_t len = strlen(s);
	uint64_t v;

	if ((len > 1 && s[0] == '0') || pf_parse_u64(s, len, &v) < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}
