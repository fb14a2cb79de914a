/* Numbers as people and files write them: plain decimal digits. One parser
 * for the index, the manifest, the configuration, the command line and
 * pakfire-repo, so that they agree on what a number is and where it
 * overflows. */
#ifndef PF_NUMBERS_H
#define PF_NUMBERS_H

#include <stddef.h>
#include <stdint.h>

/* S (LEN bytes, need not be NUL-terminated) as a decimal number: at least
 * one digit, digits only (no sign, no blank), at most UINT64_MAX. Leading
 * zeros are accepted; callers that want one spelling per number refuse
 * them. -1 on anything else, *out untouched. */
int pf_parse_u64(const char *s, size_t len, uint64_t *out);

/* S as a decimal number: as pf_parse_u64, and no leading zero (but "0"
 * itself), at most MAX. Strict on purpose: "010" or "+5" in an option is a
 * typo or a trick, never a number to guess at. */
int pf_parse_uint(const char *s, uint64_t max, uint64_t *out);

#endif
