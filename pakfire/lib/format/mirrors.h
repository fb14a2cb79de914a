/* The repository's published mirror list (docs/formats.md, "mirrors"): a
 * file beside the index, which names it with its size and SHA-256, so that
 * the list is trusted exactly as much as the index. Client and pakfire-repo
 * read it with this one parser; pakfire.conf's `mirror` lines take their
 * http(s) URLs by the same rule (pf_mirror_url_problem). */
#ifndef PF_FORMAT_MIRRORS_H
#define PF_FORMAT_MIRRORS_H

#include <stdbool.h>
#include <stddef.h>

struct pf_ctx;

#define PF_MIRRORS_SIZE_MAX (64u * 1024) /* bytes: the index's Mirrors-Size at most */
#define PF_MIRRORS_MAX      64           /* URLs in one list */
#define PF_MIRRORS_MAGIC    "pakfire-mirrors\t1" /* its first line */

/* What is wrong with VALUE as an http:// or https:// base URL (a scheme, a
 * host, no blank or control character), or NULL when nothing is: then *LEN
 * is its length without trailing slashes. DIR_OK only words the scheme's
 * refusal for pakfire.conf, where file:/// is allowed (and checked apart). */
const char *pf_mirror_url_problem(const char *value, bool dir_ok, size_t *len);

struct pf_mirror_list {
	char **urls;     /* base URLs, no trailing slash, in the file's order */
	size_t n;
};

/* Parse LEN bytes (need not be NUL-terminated) named NAME in messages:
 * the first line PF_MIRRORS_MAGIC, then 1 to PF_MIRRORS_MAX lines of one
 * URL each, every line ending in a newline, no blank line, no URL twice.
 * Anything else is PF_E_VERIFY naming NAME and the line. */
int pf_mirror_list_parse(struct pf_ctx *ctx, const char *name, const char *buf, size_t len,
			 struct pf_mirror_list **out);
void pf_mirror_list_free(struct pf_mirror_list *l);

#endif
