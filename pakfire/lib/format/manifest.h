/* Manifests: what one update does, one entry a line (DESIGN.md, "manifest").
 *
 *   pakfire-manifest<TAB>1
 *   file<TAB>MODE<TAB>UID<TAB>GID<TAB>SIZE<TAB>SHA256<TAB>PATH
 *   dir<TAB>MODE<TAB>UID<TAB>GID<TAB>PATH
 *   symlink<TAB>TARGET<TAB>PATH
 *   remove<TAB>PATH
 *   hook<TAB>PHASE<TAB>SHA256<TAB>NAME
 *
 * The parser is the security boundary for paths: a parsed manifest holds only
 * relative, normalised paths without ".", "..", empty components or control
 * characters, none under ".pakfire/", no path twice, and no path that passes
 * through a symlink or a file the same manifest creates. The writer produces
 * exactly what the parser accepts; pakfire-repo and the client share both. */
#ifndef PF_MANIFEST_H
#define PF_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct pf_ctx;

#define PF_MANIFEST_MAGIC "pakfire-manifest\t1"

enum pf_entry_type {
	PF_ENTRY_FILE,
	PF_ENTRY_DIR,
	PF_ENTRY_SYMLINK,
	PF_ENTRY_REMOVE,
	PF_ENTRY_HOOK,
};

/* Core updates: pre, post. Add-ons: pre-install, post-install,
 * pre-remove, post-remove (docs/hooks.md says in which order an upgrade
 * of an add-on runs them). */
enum pf_hook_phase {
	PF_HOOK_PRE,
	PF_HOOK_POST,
	PF_HOOK_PRE_INSTALL,
	PF_HOOK_POST_INSTALL,
	PF_HOOK_PRE_REMOVE,
	PF_HOOK_POST_REMOVE,
	PF_HOOK__COUNT
};

struct pf_entry {
	enum pf_entry_type type;
	char *path;        /* file, dir, symlink, remove: the path; hook: NAME */
	char *target;      /* symlink: its target (may be absolute or hold ..) */
	mode_t mode;       /* file, dir: permission bits, <= 07777 */
	uid_t uid;         /* file, dir */
	gid_t gid;         /* file, dir */
	uint64_t size;     /* file */
	uint8_t sha256[32];/* file, hook */
	enum pf_hook_phase phase; /* hook */
};

struct pf_manifest {
	struct pf_entry *entries; /* in file order */
	size_t n;
	size_t cap;
	struct pf_entry **sorted; /* by path, for pf_manifest_find (built by parse
				   * and check): all n entries, hooks last, then
				   * NULL; dropped by pf_manifest_add */
};

/* Parse BUF (LEN bytes, need not be NUL-terminated). NAME is used in
 * messages ("core-141.manifest line 12: ..."). Any malformed input is
 * PF_E_VERIFY. On success *out is owned by the caller. */
int pf_manifest_parse(struct pf_ctx *ctx, const char *name, const char *buf,
		      size_t len, struct pf_manifest **out);

/* Building a manifest (pakfire-repo): start empty, add entries (strings are
 * copied), then pf_manifest_check() runs every rule the parser enforces. */
struct pf_manifest *pf_manifest_new(void);
int pf_manifest_add(struct pf_ctx *ctx, struct pf_manifest *m,
		    const struct pf_entry *e);
int pf_manifest_check(struct pf_ctx *ctx, const char *name,
		      struct pf_manifest *m);

/* Serialise to a malloc'd buffer (the exact bytes that get published). */
int pf_manifest_write(struct pf_ctx *ctx, const struct pf_manifest *m,
		      char **buf, size_t *len);

/* Lookup by path among file, dir and symlink entries (NULL if absent).
 * Needs the sorted view that parse and check build. */
const struct pf_entry *pf_manifest_find(const struct pf_manifest *m,
					const char *path);

void pf_manifest_free(struct pf_manifest *m);

const char *pf_entry_type_name(enum pf_entry_type t);

/* "pre", "post", "pre-install", ...: as a manifest writes the phase. */
const char *pf_hook_phase_name(enum pf_hook_phase p);
/* The phase named NAME (LEN bytes); -1 if there is none. */
int pf_hook_phase_parse(const char *name, size_t len, enum pf_hook_phase *out);
/* Whether P is an add-on's phase (pre-install, ...), not a core update's. */
bool pf_hook_phase_is_addon(enum pf_hook_phase p);
/* A hook's NAME: 1 to NAME_MAX bytes of [A-Za-z0-9._-], not "." or "..". */
bool pf_hook_name_valid(const char *name);

#endif
