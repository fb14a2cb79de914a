/* "key = value" lines, the syntax of pakfire.conf and of update.conf.
 * Blank lines and lines starting with '#' are ignored; whitespace around key
 * and value is trimmed; a key may repeat (the callback decides whether that
 * is allowed). A line without '=' or with control characters is an error
 * that names the file and line. */
#ifndef PF_KV_H
#define PF_KV_H

#include <stddef.h>

struct pf_ctx;

/* Called once per assignment. Returns 0 or -1 (after pf_fail). */
typedef int (*pf_kv_fn)(struct pf_ctx *ctx, const char *name, unsigned line,
			const char *key, const char *value, void *data);

int pf_kv_parse(struct pf_ctx *ctx, const char *name, const char *buf,
		size_t len, pf_kv_fn fn, void *data);

#endif
