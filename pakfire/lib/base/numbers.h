/* Numbers from text that people and files write. */
#ifndef PF_NUMBERS_H
#define PF_NUMBERS_H

#include <stdint.h>

/* S as a decimal number: digits only, no sign, no space, no leading zero
 * (but "0" itself), at most MAX. 0, or -1 when S is anything else. Strict on
 * purpose: "010" or "+5" in an option or a signed file is a typo or a trick,
 * never a number to guess at. */
int pf_parse_uint(const char *s, uint64_t max, uint64_t *out);

#endif
