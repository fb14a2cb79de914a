/* The hooks of the unit being applied: see unit-hooks.h. */
#include <stdlib.h>
#include <string.h>

#include "apply/unit-hooks.h"
#include "base/context.h"
#include "base/error.h"
#include "base/hash.h"
#include "format/manifest.h"
#include "format/pak.h"
#include "hooks/hooks.h"
#include "resolve/transaction.h"
#include "state/hooks.h"

/* Whether a unit of kind KIND may have a hook of phase P. */
static bool phase_of_kind(enum pf_unit_kind kind, enum pf_hook_phase p)
{
	bool core_phase = p == PF_HOOK_PRE || p == PF_HOOK_POST;

	return kind == PF_UNIT_CORE ? core_phase : !core_phase;
}

static int add(struct pf_ctx *ctx, struct pf_hook_body **list, size_t *n,
	       const struct pf_hook_body *b)
{
	struct pf_hook_body *more = realloc(*list, (*n + 1) * sizeof(**list));

	if (!more)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	*list = more;
	(*list)[(*n)++] = *b;
	return 0;
}

/* Every hook of SRC whose phase is PHASE, appended to LIST. */
static int take(struct pf_ctx *ctx, const struct pf_hook_body *src, size_t n_src,
		const char *phase, struct pf_hook_body **list, size_t *n)
{
	for (size_t i = 0; i < n_src; i++)
		if (!strcmp(src[i].phase, phase) && add(ctx, list, n, &src[i]) < 0)
			return -1;
	return 0;
}

int pf_unit_hooks_load(struct pf_ctx *ctx, struct pf_db *db, const struct pf_unit *u,
		       int pak_fd, const char *pak_name, struct pf_unit_hooks *uh)
{
	bool apply = u->op == PF_UNIT_APPLY;
	char label[PF_UNIT_ID_MAX];

	memset(uh, 0, sizeof(*uh));
	if (apply) {
		for (size_t i = 0; i < u->m->n; i++) {
			const struct pf_entry *e = &u->m->entries[i];

			if (e->type == PF_ENTRY_HOOK && !phase_of_kind(u->kind, e->phase))
				return pf_fail(ctx, PF_E_VERIFY, "%s: its manifest has a %s hook (%s),"
					       " which only %s have; nothing was changed",
					       pf_unit_label(u, label), pf_hook_phase_name(e->phase),
					       e->path, u->kind == PF_UNIT_CORE ? "add-ons"
					       : "core updates");
		}
		if (pf_pak_read_hooks(ctx, pak_fd, pak_name, u->m, u->manifest, u->manifest_len,
				      &uh->pak, &uh->n_pak) < 0)
			return -1;
		uh->mine = calloc(uh->n_pak ? uh->n_pak : 1, sizeof(*uh->mine));
		if (!uh->mine)
			return pf_fail(ctx, PF_E_OTHER, "out of memory");
		for (size_t i = 0; i < uh->n_pak; i++) {
			struct pf_hook_body *b = &uh->mine[uh->n_mine++];

			b->name = uh->pak[i].e->path;
			b->phase = pf_hook_phase_name(uh->pak[i].e->phase);
			memcpy(b->sha256, uh->pak[i].e->sha256, 32);
			b->bytes = uh->pak[i].bytes;
			b->len = uh->pak[i].len;
		}
	}
	/* An installed add-on's own hooks, kept since it was installed: its
	 * remove hooks run when it goes or is replaced. */
	if (u->kind == PF_UNIT_ADDON) {
		if (pf_db_hooks_of(db, u->id, NULL, &uh->old, &uh->n_old) < 0)
			return -1;
		uh->old_bodies = calloc(uh->n_old ? uh->n_old : 1, sizeof(*uh->old_bodies));
		if (!uh->old_bodies)
			return pf_fail(ctx, PF_E_OTHER, "out of memory");
		for (size_t i = 0; i < uh->n_old; i++) {
			struct pf_hook_body *b = &uh->old_bodies[i];

			/* Kept by pakfire, but a damaged database must not run
			 * anything: the bytes are the ones verified, or nothing. */
			if (!pf_sha256_matches(uh->old[i].bytes, uh->old[i].len, uh->old[i].len,
					       uh->old[i].sha256))
				return pf_fail(ctx, PF_E_VERIFY, "%s: the kept bytes of its %s hook %s"
					       " are damaged in the database; nothing was changed",
					       pf_unit_label(u, label), uh->old[i].phase,
					       uh->old[i].name);

			b->name = uh->old[i].name;
			b->phase = uh->old[i].phase;
			memcpy(b->sha256, uh->old[i].sha256, 32);
			b->bytes = uh->old[i].bytes;
			b->len = uh->old[i].len;
		}
	}
	/* The order (docs/hooks.md, "Add-ons"): what goes away is told first,
	 * what comes is told last. */
	if (u->kind == PF_UNIT_CORE) {
		if (take(ctx, uh->mine, uh->n_mine, "pre", &uh->pre, &uh->n_pre) < 0 ||
		    take(ctx, uh->mine, uh->n_mine, "post", &uh->post, &uh->n_post) < 0)
			return -1;
	} else if (take(ctx, uh->old_bodies, uh->n_old, "pre-remove", &uh->pre, &uh->n_pre) < 0 ||
		   take(ctx, uh->mine, uh->n_mine, "pre-install", &uh->pre, &uh->n_pre) < 0 ||
		   take(ctx, uh->old_bodies, uh->n_old, "post-remove", &uh->post, &uh->n_post) < 0 ||
		   take(ctx, uh->mine, uh->n_mine, "post-install", &uh->post, &uh->n_post) < 0) {
		return -1;
	}
	uh->post_ids = calloc(uh->n_post ? uh->n_post : 1, sizeof(*uh->post_ids));
	if (!uh->post_ids)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	return 0;
}

/* Run LIST in runs of one phase each, in order. */
static int run_list(const struct pf_hooks *hk, const struct pf_unit *u,
		    const struct pf_hook_body *list, size_t n, const int64_t *ids)
{
	struct pf_unit_ref ref = pf_unit_ref_of(u);

	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && !strcmp(list[j].phase, list[i].phase); j++)
			;
		if (pf_hooks_run(hk, &ref, list[i].phase, list + i, j - i, ids ? ids + i : NULL) < 0)
			return -1;
	}
	return 0;
}

int pf_unit_hooks_pre(const struct pf_hooks *hk, const struct pf_unit *u,
		      const struct pf_unit_hooks *uh)
{
	return run_list(hk, u, uh->pre, uh->n_pre, NULL);
}

int pf_unit_hooks_post(const struct pf_hooks *hk, const struct pf_unit *u,
		       const struct pf_unit_hooks *uh)
{
	return run_list(hk, u, uh->post, uh->n_post, uh->post_ids);
}

void pf_unit_hooks_clear(struct pf_unit_hooks *uh)
{
	pf_pak_hooks_free(uh->pak, uh->n_pak);
	pf_hook_stored_free(uh->old, uh->n_old);
	free(uh->old_bodies);
	free(uh->mine);
	free(uh->pre);
	free(uh->post);
	free(uh->post_ids);
	memset(uh, 0, sizeof(*uh));
}
