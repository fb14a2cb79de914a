/* The space check: see space.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "state/history.h"
#include "base/event.h"
#include "base/path.h"
#include "plan/space.h"
#include "plan/verdict.h"

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
				.verdict = refused && u->verdicts ? &u->verdicts[k] : NULL,
			},
		});
	}
}

/* The freeable items of V as text for the database: a line per item,
 * kind, bytes and path separated by tabs (malloc'd; NULL when none). */
static char *freeable_text(const struct pf_verdict *v)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!v->n_items)
		return NULL;
	f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	/* Quoted (pf_quote): a name with a tab or a newline in it cannot
	 * break the record's lines. */
	for (size_t m = 0; m < v->n_items; m++) {
		char q[4096];

		pf_quote(v->items[m].path, strlen(v->items[m].path), q, sizeof(q));
		fprintf(f, "%s\t%llu\t%s%s\n", pf_freeable_kind_name(v->items[m].kind),
			(unsigned long long)v->items[m].bytes,
			v->items[m].kind == PF_FREEABLE_UNOWNED ? "/" : "", q);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

int pf_space_record(struct pf_db *db, int64_t tx, const struct pf_plan *p, size_t i)
{
	const struct pf_plan_update *u = &p->updates[i];

	for (size_t k = 0; k < u->n_rows; k++) {
		const struct pf_plan_row *r = &u->rows[k];
		const struct pf_verdict *v = u->verdicts ? &u->verdicts[k] : NULL;
		struct pf_space_record rec = {
			.unit = u->unit, .mount = p->fs[r->fs].name, .needed = r->needed,
			.available = r->available, .reserve = p->fs[r->fs].reserve,
			.inodes_needed = r->inodes_needed, .inodes_available = r->inodes_available,
			.fits = r->fits,
		};
		char *list = NULL;
		int rc;

		if (v) {
			rec.verdict = pf_verdict_name(v->kind);
			rec.total = v->total;
			rec.usable = v->capacity;
			/* Judged: a row that does not fit (the figures below are
			 * computed for those only). */
			rec.judged = v->kind != PF_VERDICT_FITS;
			rec.minimum = v->minimum;
			rec.recommended = v->recommended;
			rec.freeable = v->freeable;
			rec.freeable_list = list = freeable_text(v);
		}
		rc = pf_db_record_space(db, tx, &rec);
		free(list);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The verdict V on FS, as words for the error line ("" without one): the
 * output beside it has the figures and the list. */
static void verdict_words(const struct pf_plan_update *u, const struct pf_plan_fs *fs,
			  const struct pf_verdict *v, char *buf, size_t size)
{
	char a[32], b[32], c[32];

	buf[0] = '\0';
	if (!v)
		return;
	switch (v->kind) {
	case PF_VERDICT_FITS:
		return;
	case PF_VERDICT_NEVER:
		if (v->in_place && !v->shortfall) {
			snprintf(buf, size, "; %s cannot hold it in place: deleting every file that"
				 " pakfire can name there frees %llu inodes, not enough", fs->name,
				 (unsigned long long)v->freeable_inodes);
			return;
		}
		if (v->in_place) {
			pf_format_size(v->freeable, a);
			snprintf(buf, size, "; %s cannot hold it in place: freeing all that pakfire can"
				 " name there (%s) is not enough", fs->name, a);
			return;
		}
		pf_format_size_whole(v->total, a);
		pf_format_size(v->minimum, b);
		pf_format_size_whole(v->advised, c);
		snprintf(buf, size, "; %s can never hold it: it is %s in total, and %s needs %s there"
			 " even on an empty %s: back up the configuration and reinstall with %s at"
			 " least %s", fs->name, a, u->label, b, fs->name, fs->name, c);
		return;
	case PF_VERDICT_AFTER_CLEANUP:
		pf_format_size(v->cleanup->bytes, a);
		snprintf(buf, size, "; %s, a cleanup update, frees %s there: run 'pakfire upgrade"
			 " --to %u' first", v->cleanup->path, a, v->cleanup->core);
		return;
	case PF_VERDICT_AFTER_FREEING:
		pf_format_size(v->freeable, a);
		snprintf(buf, size, "; it fits after freeing space there: %s can be freed (see the"
			 " list)", a);
		return;
	}
}

static int refuse(struct pf_ctx *ctx, const struct pf_plan *p, size_t i, unsigned core,
		  bool dry_run)
{
	const struct pf_plan_update *u = &p->updates[i];
	char tail[160], need[32], res[32], avail[32], shortfall[32], words[1536];

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
		verdict_words(u, fs, u->verdicts ? &u->verdicts[k] : NULL, words, sizeof(words));
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
				       "%s %s on %s: needs %s%s, %s available (short by %s)%s; %s",
				       u->label, dry_run ? "would not fit" : "does not fit", fs->name,
				       need, with_reserve, avail, shortfall, words, tail);
		}
		return pf_fail(ctx, PF_E_SPACE,
			       "%s %s on %s: needs %llu inodes, %llu available%s; %s", u->label,
			       dry_run ? "would not fit" : "does not fit", fs->name,
			       (unsigned long long)r->inodes_needed,
			       (unsigned long long)r->inodes_available, words, tail);
	}
	return pf_fail(ctx, PF_E_SPACE, "%s does not fit; %s", u->label, tail);
}

/* The refusal, with its cause for diagnose: "never-fits" when the first
 * mount it does not fit on can never hold it, else "space". */
int pf_space_refuse(struct pf_ctx *ctx, const struct pf_plan *p, size_t i, unsigned core,
		    bool dry_run)
{
	const struct pf_plan_update *u = &p->updates[i];
	const char *cause = "space";

	for (size_t k = 0; k < u->n_rows; k++) {
		if (u->rows[k].fits)
			continue;
		if (u->verdicts && u->verdicts[k].kind == PF_VERDICT_NEVER)
			cause = "never-fits";
		break;
	}
	refuse(ctx, p, i, core, dry_run);
	return pf_fail_cause(ctx, cause);
}
