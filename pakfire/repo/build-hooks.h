/* The hooks of a package being built: the scripts update.conf or
 * addon.conf names (`hook = PHASE PATH [NAME]`), read from where
 * pakfire-repo runs (or, for a relative PATH not found there, from the
 * project's top above the update's folder), as manifest entries and as the
 * bytes pak_write ships under .pakfire/hooks/. */
#ifndef PF_REPO_BUILD_HOOKS_H
#define PF_REPO_BUILD_HOOKS_H

#include <stddef.h>

struct conf_hook;
struct pf_ctx;
struct pf_entry;
struct pf_pak_hook;

struct build_hooks {
	struct pf_entry *entries; /* hook entries, in the file's order */
	struct pf_pak_hook *pak;  /* the same, with their bytes */
	size_t n;
};

/* Read the N scripts of H (named in CONF, for messages): each a regular
 * file (not a symlink) with a read permission bit, of at most
 * PF_PAK_HOOK_MAX bytes; else PF_E_USAGE naming CONF's line and the path.
 * A relative path missing from the current directory is taken from TOP
 * (the project's top: updates/N/../.., updates/addons/NAME/../../..). The entries borrow the names of H,
 * which must outlive OUT. */
int build_hooks_load(struct pf_ctx *ctx, const char *conf, const char *top,
		     const struct conf_hook *h, size_t n, struct build_hooks *out);

void build_hooks_clear(struct build_hooks *b);

#endif
