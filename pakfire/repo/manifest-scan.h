/* The manifest of a package (a core update or an add-on), made from its
 * file list and a built root tree (the context's root): every listed path
 * lstat()ed and hashed below the build root (its parent directories
 * resolved inside it, its last component never followed), then the
 * removals, sorted after everything shipped, then the hook entries in the
 * order given (the order they run in). The result is checked against
 * every rule of the format (pf_manifest_check) before anything is written. */
#ifndef PF_REPO_MANIFEST_SCAN_H
#define PF_REPO_MANIFEST_SCAN_H

#include <stddef.h>

struct pf_ctx;
struct pf_entry;
struct pf_manifest;

struct scan_input {
	const char *filelist;     /* one relative path a line */
	const char *conf;         /* the file the removals come from, for messages */
	char *const *removes;     /* paths the package deletes (any order) */
	size_t n_removes;
	const struct pf_entry *hooks; /* hook entries, or NULL */
	size_t n_hooks;
	const char *mname;        /* "core-141.manifest", for messages */
};

/* A path both shipped and removed is refused (the maintainer must choose). */
int scan_manifest(struct pf_ctx *ctx, const struct scan_input *in,
		  struct pf_manifest **out);

#endif
