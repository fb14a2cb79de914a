/* Numbers as the formats write them: plain decimal digits. */
#ifndef PF_NUMBERS_H
#define PF_NUMBERS_H

#include <stddef.h>
#include <stdint.h>

/* S (LEN bytes, need not be NUL-terminated) as a decimal number: at least
 * one digit, digits only (no sign, no blank), at most UINT64_MAX. Leading
 * zeros are accepted; callers that want one spelling per number refuse
 * them. -1 on anything else, *out untouched. */
int pf_parse_u64(const char *s, size_t len, uint64_t *out);

#endif
