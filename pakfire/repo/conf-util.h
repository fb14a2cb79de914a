/* What the maintainer's source files (update.conf, addon.conf) share: the
 * checks of their "key = value" lines that are the same in both. Each
 * failure is PF_E_VERIFY naming the file and line. */
#ifndef PF_REPO_CONF_UTIL_H
#define PF_REPO_CONF_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "format/manifest.h"

struct pf_ctx;

/* A single-valued key may appear once: a second value would silently win.
 * *SEEN is the line it was first given on (0: not yet). */
int conf_once(struct pf_ctx *ctx, const char *name, unsigned line,
	      const char *key, unsigned *seen);

/* *OUT = a copy of VALUE (the old one freed). */
int conf_set_string(struct pf_ctx *ctx, const char *name, char **out,
		    const char *value);

/* "yes" or "no" into *OUT. */
int conf_set_bool(struct pf_ctx *ctx, const char *name, unsigned line,
		  const char *key, const char *value, bool *out);

/* A client level (docs/formats.md, "Client levels"): a decimal number
 * from 1, into *OUT. */
int conf_set_level(struct pf_ctx *ctx, const char *name, unsigned line,
		   const char *key, const char *value, unsigned *out);

/* One more `remove = PATH`: a valid relative path, not given before. */
int conf_add_remove(struct pf_ctx *ctx, const char *name, unsigned line,
		    char ***removes, size_t *n, const char *value);

/* One `hook = PHASE PATH [NAME]` of update.conf or addon.conf: the
 * script at PATH (relative to the directory pakfire-repo runs in, the
 * project's top, unless absolute; read by build, not here) shipped as the
 * hook NAME (default: PATH's last component) for PHASE. */
struct conf_hook {
	enum pf_hook_phase phase;
	char *path;
	char *name;
	unsigned line;
};

/* One more hook from VALUE: PHASE one of the kind's (ADDON: pre-install,
 * post-install, pre-remove, post-remove; else pre, post), NAME valid and
 * not given before. PF_E_USAGE naming the file and line otherwise. */
int conf_add_hook(struct pf_ctx *ctx, const char *name, unsigned line, bool addon,
		  const char *value, struct conf_hook **hooks, size_t *n);
void conf_hooks_free(struct conf_hook *hooks, size_t n);

/* Read the small file DIR/BASE into *BUF (malloc'd, NUL-terminated, *LEN
 * bytes); *FILE gets its path "DIR/BASE" for messages (malloc'd, also when
 * the read fails; the caller frees both). */
int conf_read(struct pf_ctx *ctx, const char *dir, const char *base,
	      char **file, char **buf, size_t *len);

#endif
