/* The space check: see space.h. */
#include <stdio.h>
#include <string.h>

#include "base/context.h"
#include "state/history.h"
#include "base/event.h"
#include "plan/space.h"

int pf_space_open(struct pf_ctx *ctx, struct pf_space_check *sc, struct pf_db *db,
		  const char *cache_dir, const struct pf_reserve *reserves, size_t n_reserves)
{
	memset(sc, 0, sizeof(*sc));
	if (pf_root_probe_init(&sc->rp, ctx, db, &sc->probe) < 0)
		return -1;
	if ((size_t)snprintf(sc->cache, sizeof(sc->cache), "%s", cache_dir) >= sizeof(sc->cache))
		return pf_fail(ctx, PF_E_USAGE, "cache path too long: %s", cache_dir);
	if (pf_mounts_load(ctx, &sc->mounts) < 0 ||
	    pf_root_host_path(ctx, sc->root_host, sizeof(sc->root_host)) < 0)
		return -1;
	sc->env = (struct pf_plan_env){
		.mounts = sc->mounts, .probe = &sc->probe, .root_host = sc->root_host,
		.cache = sc->cache, .reserves = reserves, .n_reserves = n_reserves,
	};
	return 0;
}

void pf_space_close(struct pf_space_check *sc)
{
	if (!sc->rp.ctx)
		return; /* never opened */
	pf_root_probe_free(&sc->rp);
	pf_mounts_free(sc->mounts);
	sc->mounts = NULL;
}

int pf_space_plan(struct pf_ctx *ctx, struct pf_space_check *sc,
		  const struct pf_plan_input *in, size_t n, struct pf_plan **out)
{
	int r = pf_plan_chain(ctx, &sc->env, in, n, out);

	/* The next plan sees the disk as it will be then. */
	pf_root_probe_clear(&sc->rp);
	return r;
}

void pf_space_emit(struct pf_ctx *ctx, const struct pf_plan *p, size_t i, bool refused)
{
	const struct pf_plan_update *u = &p->updates[i];

	for (size_t k = 0; k < u->n_rows; k++) {
		const struct pf_plan_row *r = &u->rows[k];
		const struct pf_plan_fs *fs = &p->fs[r->fs];

		pf_emit(ctx, &(struct pf_event){
			.type = refused ? PF_EV_SPACE_REFUSED : PF_EV_SPACE_PLAN,
			.space = {
				.unit = { u->unit, u->number }, .mount = fs->name,
				.needed = r->needed, .inodes_needed = r->inodes_needed,
				.available = r->available, .inodes_available = r->inodes_available,
				.reserve = fs->reserve, .after = r->after, .fits = r->fits,
				.read_only = fs->space.readonly,
			},
		});
	}
}

int pf_space_record(struct pf_db *db, int64_t tx, const struct pf_plan *p, size_t i)
{
	const struct pf_plan_update *u = &p->updates[i];

	for (size_t k = 0; k < u->n_rows; k++) {
		const struct pf_plan_row *r = &u->rows[k];
		const struct pf_space_record rec = {
			.unit = u->unit, .mount = p->fs[r->fs].name, .needed = r->needed,
			.available = r->available, .reserve = p->fs[r->fs].reserve,
			.inodes_needed = r->inodes_needed, .inodes_available = r->inodes_available,
			.fits = r->fits,
		};

		if (pf_db_record_space(db, tx, &rec) < 0)
			return -1;
	}
	return 0;
}

int pf_space_refuse(struct pf_ctx *ctx, const struct pf_plan *p, size_t i, unsigned core,
		    bool dry_run)
{
	const struct pf_plan_update *u = &p->updates[i];
	char tail[160], need[32], res[32], avail[32], shortfall[32];

	if (dry_run)
		snprintf(tail, sizeof(tail), "nothing was changed (dry run)");
	else
		snprintf(tail, sizeof(tail), "nothing of %s was written, the system stays at core %u",
			 u->label, core);
	for (size_t k = 0; k < u->n_rows; k++) {
		const struct pf_plan_row *r = &u->rows[k];
		const struct pf_plan_fs *fs = &p->fs[r->fs];

		if (r->fits)
			continue;
		if (fs->space.readonly)
			return pf_fail(ctx, PF_E_SPACE, "%s %s write to %s: it is mounted read-only; %s",
				       u->label, dry_run ? "would" : "must", fs->name, tail);
		pf_format_size(r->needed, need);
		pf_format_size(fs->reserve, res);
		pf_format_size(r->available, avail);
		if (r->needed + fs->reserve > r->available) {
			char with_reserve[64] = "";

			if (fs->reserve)
				snprintf(with_reserve, sizeof(with_reserve), " + %s reserve", res);
			pf_format_size(r->needed + fs->reserve - r->available, shortfall);
			return pf_fail(ctx, PF_E_SPACE,
				       "%s %s on %s: needs %s%s, %s available (short by %s); %s",
				       u->label, dry_run ? "would not fit" : "does not fit", fs->name,
				       need, with_reserve, avail, shortfall, tail);
		}
		return pf_fail(ctx, PF_E_SPACE,
			       "%s %s on %s: needs %llu inodes, %llu available; %s", u->label,
			       dry_run ? "would not fit" : "does not fit", fs->name,
			       (unsigned long long)r->inodes_needed,
			       (unsigned long long)r->inodes_available, tail);
	}
	return pf_fail(ctx, PF_E_SPACE, "%s does not fit; %s", u->label, tail);
}
