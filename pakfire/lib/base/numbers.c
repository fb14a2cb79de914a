/* Decimal numbers: see numbers.h. One parser for the index, the manifest,
 * the configuration and pakfire-repo, so that they agree on what a number
 * is and on where it overflows. */
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
