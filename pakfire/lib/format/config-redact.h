/* pakfire.conf as it may leave the machine (the support bundle): the same
 * text with the credentials of every URL in it removed. */
#ifndef PF_FORMAT_CONFIG_REDACT_H
#define PF_FORMAT_CONFIG_REDACT_H

#include <stddef.h>

/* TEXT (LEN bytes, any bytes) with the userinfo of every URL in it (a word
 * "scheme://user:password@host...") replaced by three '*', as pf_url_redact
 * shows a URL everywhere else: on every line, whatever its key (mirror,
 * proxy, a key this pakfire does not know yet) and in comments too (an
 * old mirror kept commented out still holds its password). Everything
 * else stays byte for byte. A malloc'd, NUL-terminated copy, its length in
 * *OUT_LEN; NULL only when out of memory. */
char *pf_config_redact(const char *text, size_t len, size_t *out_len);

#endif
