/* A manifest in memory: made empty, entries added (copied), freed; and the
 * names of entry types. Reading, checking and writing one are in
 * manifest-parse.c, manifest-check.c and manifest-write.c (see manifest.h
 * and DESIGN.md). */
#include <stdint.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "format/manifest.h"
#include "format/manifest-entries.h"

const char *pf_entry_type_name(enum pf_entry_type t)
{
	switch (t) {
	case PF_ENTRY_FILE: return "file";
	case PF_ENTRY_DIR: return "dir";
	case PF_ENTRY_SYMLINK: return "symlink";
	case PF_ENTRY_REMOVE: return "remove";
	case PF_ENTRY_HOOK: return "hook";
	}
	return "unknown";
}

static const char *const phase_names[PF_HOOK__COUNT] = {
	[PF_HOOK_PRE] = "pre", [PF_HOOK_POST] = "post",
	[PF_HOOK_PRE_INSTALL] = "pre-install", [PF_HOOK_POST_INSTALL] = "post-install",
	[PF_HOOK_PRE_REMOVE] = "pre-remove", [PF_HOOK_POST_REMOVE] = "post-remove",
};

const char *pf_hook_phase_name(enum pf_hook_phase p)
{
	return (unsigned)p < PF_HOOK__COUNT ? phase_names[p] : "unknown";
}

int pf_hook_phase_parse(const char *name, size_t len, enum pf_hook_phase *out)
{
	for (unsigned i = 0; i < PF_HOOK__COUNT; i++)
		if (strlen(phase_names[i]) == len && !memcmp(phase_names[i], name, len)) {
			*out = (enum pf_hook_phase)i;
			return 0;
		}
	return -1;
}

bool pf_hook_phase_is_addon(enum pf_hook_phase p)
{
	return p != PF_HOOK_PRE && p != PF_HOOK_POST;
}

bool pf_hook_name_valid(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= NAME_MAX && strcmp(name, ".") && strcmp(name, "..") &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

struct pf_manifest *pf_manifest_new(void)
{
	return calloc(1, sizeof(struct pf_manifest));
}

void pf_manifest_free(struct pf_manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->entries[i].path);
		free(m->entries[i].target);
	}
	free(m->entries);
	free(m->sorted);
	free(m);
}

int pf_manifest_reserve(struct pf_ctx *ctx, struct pf_manifest *m, size_t more)
{
	struct pf_entry *p;
	size_t cap;

	free(m->sorted);
	m->sorted = NULL;
	if (m->cap - m->n >= more)
		return 0;
	cap = m->cap ? m->cap : 64;
	while (cap - m->n < more) {
		if (cap > SIZE_MAX / 2 / sizeof(*p))
			return pf_fail(ctx, PF_E_OTHER, "manifest: too many entries");
		cap *= 2;
	}
	p = realloc(m->entries, cap * sizeof(*p));
	if (!p)
		return pf_fail(ctx, PF_E_OTHER, "manifest: out of memory");
	m->entries = p;
	m->cap = cap;
	return 0;
}

int pf_manifest_append(struct pf_ctx *ctx, struct pf_manifest *m, const struct pf_entry *e,
		       const char *path, size_t plen, const char *target, size_t tlen)
{
	struct pf_entry c = { .type = e->type };

	if (pf_manifest_reserve(ctx, m, 1) < 0)
		return -1;
	switch (e->type) {
	case PF_ENTRY_FILE:
		c.size = e->size;
		memcpy(c.sha256, e->sha256, sizeof(c.sha256));
		/* fall through */
	case PF_ENTRY_DIR:
		c.mode = e->mode;
		c.uid = e->uid;
		c.gid = e->gid;
		break;
	case PF_ENTRY_HOOK:
		c.phase = e->phase;
		memcpy(c.sha256, e->sha256, sizeof(c.sha256));
		break;
	case PF_ENTRY_SYMLINK:
	case PF_ENTRY_REMOVE:
		break;
	}
	c.path = strndup(path, plen);
	if (!c.path)
		return pf_fail(ctx, PF_E_OTHER, "manifest: out of memory");
	if (e->type == PF_ENTRY_SYMLINK && target) {
		c.target = strndup(target, tlen);
		if (!c.target) {
			free(c.path);
			return pf_fail(ctx, PF_E_OTHER, "manifest: out of memory");
		}
	}
	m->entries[m->n++] = c;
	return 0;
}

int pf_manifest_add(struct pf_ctx *ctx, struct pf_manifest *m,
		    const struct pf_entry *e)
{
	if (!e->path)
		return pf_fail(ctx, PF_E_VERIFY, "manifest: %s entry without a %s",
			       pf_entry_type_name(e->type),
			       e->type == PF_ENTRY_HOOK ? "name" : "path");
	return pf_manifest_append(ctx, m, e, e->path, strlen(e->path), e->target,
				  e->target ? strlen(e->target) : 0);
}
