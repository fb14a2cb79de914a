/* The upgrade chain: see upgrade.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/apply.h"
#include "format/config.h"
#include "base/context.h"
#include "state/db.h"
#include "fetch/fetch.h"
#include "base/hash.h"
#include "format/index.h"
#include "format/manifest.h"
#include "format/pak.h"
#include "base/path.h"
#include "base/strings.h"
#include "plan/space.h"
#include "ops/downloader.h"
#include "ops/update.h"
#include "ops/upgrade.h"

/* One pending update and its verified manifest. */
struct step {
	const struct pf_index_entry *ie;
	char *manifest;           /* the bytes whose hash the index signs */
	size_t manifest_len;
	struct pf_manifest *m;
	int pak_fd;               /* the package, verified in the cache; or -1 */
};

static void steps_free(struct step *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		free(s[i].manifest);
		pf_manifest_free(s[i].m);
		if (s[i].pak_fd >= 0)
			close(s[i].pak_fd);
	}
	free(s);
}

/* One mirror's copy of a manifest: its size and hash must match the signed
 * index before the parser sees a byte. */
static int try_manifest(struct pf_ctx *ctx, struct pf_fetch *f, const char *url, void *data)
{
	struct step *s = data;
	const struct pf_index_entry *ie = s->ie;
	uint8_t sum[32];
	long status;

	if (pf_fetch_mem(f, url, ie->manifest_size, &s->manifest, &s->manifest_len, &status) < 0)
		return -1;
	pf_sha256_buf(s->manifest, s->manifest_len, sum);
	if (pf_check_signed_size_hash(ctx, url, s->manifest_len, sum, ie->manifest_size,
				      ie->manifest_sha256) < 0)
		return -1;
	return pf_manifest_parse(ctx, ie->manifest, s->manifest, s->manifest_len, &s->m);
}

static int fetch_manifest(struct pf_ctx *ctx, const struct pf_system *sys, struct step *s)
{
	struct pf_fetch *f = pf_downloader(ctx);

	return f ? pf_fetch_mirrors(f, sys->series, sys->arch, s->ie->manifest, try_manifest, s) : -1;
}

/* A package already in the download cache whose size and SHA-256 match the
 * signed index carries the published manifest as its first member: then no
 * request goes out for it, and the package is not hashed a second time
 * before it is applied (S->pak_fd keeps it open). Returns 1 when S got its
 * manifest there, 0 when the package is not there (fetch it), -1 on error:
 * a verified package with a bad first member is a bad publication (it is
 * deleted unless DRY_RUN, as apply_one does with a package that fails its
 * checks). */
static int cached_manifest(struct pf_ctx *ctx, int cache_fd, struct step *s, bool dry_run)
{
	const struct pf_index_entry *ie = s->ie;
	const char *name = pf_basename(ie->package);
	int fd;

	if (cache_fd < 0)
		return 0;
	if (pf_fetch_cached(ctx, cache_fd, name, ie->package_size, ie->package_sha256, &fd) < 0)
		return -1;
	if (fd < 0)
		return 0;
	if (pf_pak_read_manifest(ctx, fd, name, ie->manifest_size, &s->manifest,
				 &s->manifest_len) < 0)
		goto bad;
	if (!pf_sha256_matches(s->manifest, s->manifest_len, ie->manifest_size, ie->manifest_sha256)) {
		pf_fail(ctx, PF_E_VERIFY, "%s: %s differs from the published manifest %s", name,
			PF_PAK_MANIFEST, ie->manifest);
		goto bad;
	}
	if (pf_manifest_parse(ctx, ie->manifest, s->manifest, s->manifest_len, &s->m) < 0)
		goto bad;
	pf_debug(ctx, "%s: manifest taken from the verified package in the cache", name);
	s->pak_fd = fd;
	return 1;
bad:
	close(fd);
	if (!dry_run && pf_error_class(ctx) == PF_E_VERIFY)
		unlinkat(cache_fd, name, 0);
	return -1;
}

/* The download cache folder for this series/arch (relative to the root). */
static int cache_dir(struct pf_ctx *ctx, const struct pf_system *sys, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/%s/%s/core", ctx->config->cache + 1, sys->series, sys->arch);

	return n < 0 || (size_t)n >= size ? pf_fail(ctx, PF_E_USAGE, "cache path too long") : 0;
}

/* Open the cache folder, creating it unless PEEK (then -1 if missing). */
static int open_cache(struct pf_ctx *ctx, const char *dir, bool peek)
{
	int fd;

	if (!peek && pf_root_mkdirs(ctx, dir) < 0)
		return -1;
	fd = pf_root_open(ctx, dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0 && !peek)
		pf_fail_errno(ctx, PF_E_OTHER, "cache %s/%s", pf_ctx_root_prefix(ctx), dir);
	return fd;
}

/* The room the package still needs in the cache: none when it is there. */
static uint64_t package_need(int cache_fd, const struct pf_index_entry *ie)
{
	struct stat st;

	if (cache_fd >= 0 &&
	    fstatat(cache_fd, pf_basename(ie->package), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && (uint64_t)st.st_size == ie->package_size)
		return 0;
	return ie->package_size;
}

struct package_fetch {
	int cache_fd;
	const struct pf_index_entry *ie;
};

static int try_package(struct pf_ctx *ctx, struct pf_fetch *f, const char *url, void *data)
{
	const struct package_fetch *pf = data;

	(void)ctx;
	return pf_fetch_file(f, url, pf->cache_fd, pf_basename(pf->ie->package),
			     pf->ie->package_size, pf->ie->package_sha256);
}

/* Download one package (first mirror that has it) into the cache. */
static int fetch_package(struct pf_ctx *ctx, const struct pf_system *sys, int cache_fd,
			 const struct pf_index_entry *ie)
{
	struct package_fetch pf = { cache_fd, ie };
	struct pf_fetch *f = pf_downloader(ctx);

	return f ? pf_fetch_mirrors(f, sys->series, sys->arch, ie->package, try_package, &pf) : -1;
}

static void announce(struct pf_ctx *ctx, const struct step *s)
{
	uint64_t files = 0, bytes = 0, removes = 0;

	for (size_t i = 0; i < s->m->n; i++) {
		const struct pf_entry *e = &s->m->entries[i];

		files += e->type == PF_ENTRY_FILE || e->type == PF_ENTRY_DIR ||
			 e->type == PF_ENTRY_SYMLINK;
		bytes += e->type == PF_ENTRY_FILE ? e->size : 0;
		removes += e->type == PF_ENTRY_REMOVE;
	}
	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_UPDATE_PENDING, .number = s->ie->number, .text = s->ie->summary,
		.files = files, .total = bytes, .removed = removes, .reboot = s->ie->reboot,
	});
}

/* Download, verify and apply one update; the core level moves on success. */
static int apply_one(struct pf_ctx *ctx, int64_t tx, const struct pf_system *sys, int cache_fd,
		     const struct step *s, bool *undecided)
{
	const struct pf_index_entry *ie = s->ie;
	const char *name = pf_basename(ie->package);
	struct pf_apply_result res;
	int fd, r;

	pf_emit(ctx, &(struct pf_event){ .type = PF_EV_UPDATE_BEGIN, .number = ie->number,
					 .text = ie->summary });
	if (s->pak_fd >= 0) {
		/* Verified in the cache when its manifest was read there. */
		if (pf_db_tx_step(ctx, tx, ie->number, "verified", "already in the cache") < 0)
			return -1;
		fd = s->pak_fd;
	} else {
		if (pf_db_tx_step(ctx, tx, ie->number, "downloading", ie->package) < 0 ||
		    fetch_package(ctx, sys, cache_fd, ie) < 0 ||
		    pf_db_tx_step(ctx, tx, ie->number, "verified", NULL) < 0)
			return -1;
		fd = openat(cache_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return pf_fail_errno(ctx, PF_E_OTHER, "cache %s", name);
	}
	r = pf_apply_update(ctx, tx, ie->number, sys->series, s->m, s->manifest, s->manifest_len,
			    fd, name, &res);
	if (fd != s->pak_fd)
		close(fd);
	*undecided = res.undecided;
	if (r < 0) {
		/* A package that failed its checks is no use to keep. */
		if (pf_error_class(ctx) == PF_E_VERIFY)
			unlinkat(cache_fd, name, 0);
		return -1;
	}
	/* Applied: the package is no use any more, and the plan counted on
	 * its room coming back. */
	if (unlinkat(cache_fd, name, 0) < 0)
		pf_warn(ctx, "could not delete %s from the cache: %s", name, strerror(errno));
	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_UPDATE_DONE, .number = ie->number, .files = res.files,
		.removed = res.removed, .kept = res.kept, .reboot = ie->reboot,
	});
	return 0;
}

/* The space check right before update I is applied, on fresh numbers: it
 * is recorded, and refused when it does not fit. */
static int check_next(struct pf_ctx *ctx, struct pf_space_check *sc, int64_t tx,
		      const struct pf_plan_input *in, unsigned level)
{
	struct pf_plan *p = NULL;
	int r = -1;

	if (pf_space_plan(ctx, sc, in, 1, &p) < 0 || pf_space_record(ctx, tx, p, 0) < 0)
		goto out;
	if (!p->updates[0].fits) {
		pf_space_emit(ctx, p, 0, true);
		pf_space_refuse(ctx, p, 0, level, false);
		goto out;
	}
	r = 0;
out:
	pf_plan_free(p);
	return r;
}

/* The plan of the whole chain, shown before anything is downloaded. */
static int plan_chain(struct pf_ctx *ctx, struct pf_space_check *sc,
		      const struct pf_plan_input *in, size_t n, const struct pf_system *sys,
		      bool dry_run)
{
	struct pf_plan *p = NULL;
	int r = -1;

	if (pf_space_plan(ctx, sc, in, n, &p) < 0)
		return -1;
	for (size_t i = 0; i < n && p->updates[i].reached; i++)
		pf_space_emit(ctx, p, i, false);
	if (p->first_refused < n) {
		size_t k = p->first_refused;

		if (dry_run) {
			pf_space_refuse(ctx, p, k, k ? in[k - 1].number : sys->core, true);
			goto out;
		}
		if (k > 0)
			pf_warn(ctx, "core %u will not fit: the updates before it will be applied,"
				" core %u and later will not", in[k].number, in[k].number);
	}
	r = 0;
out:
	pf_plan_free(p);
	return r;
}

int pf_upgrade(struct pf_ctx *ctx, const struct pf_upgrade_opts *opts)
{
	const struct pf_index_entry **chain = NULL;
	struct pf_index *idx = NULL;
	struct step *steps = NULL;
	struct pf_plan_input *in = NULL;
	struct pf_space_check sc = { 0 };
	struct pf_system sys;
	char cache[4096];
	size_t n = 0;
	int64_t tx = 0;
	int cache_fd = -1, r = -1;

	if (pf_db_get_system(ctx, &sys) < 0 || cache_dir(ctx, &sys, cache, sizeof(cache)) < 0)
		return -1;
	if (!opts->dry_run && pf_db_tx_begin(ctx, "upgrade", &tx) < 0)
		return -1;
	if (pf_current_index(ctx, &sys, true, &idx) < 0 ||
	    pf_pending(ctx, idx, sys.core, opts->to, &chain, &n) < 0)
		goto out;
	if (n == 0) {
		pf_emit(ctx, &(struct pf_event){ .type = PF_EV_UPTODATE, .number = sys.core,
						 .series = sys.series });
		r = 0;
		goto out;
	}
	steps = calloc(n, sizeof(*steps));
	for (size_t i = 0; steps && i < n; i++)
		steps[i].pak_fd = -1;
	in = calloc(n, sizeof(*in));
	if (!steps || !in) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	/* Every manifest first: small, and all that planning needs. */
	cache_fd = open_cache(ctx, cache, true);
	for (size_t i = 0; i < n; i++) {
		int got;

		steps[i].ie = chain[i];
		got = cached_manifest(ctx, cache_fd, &steps[i], opts->dry_run);
		if (got < 0 || (got == 0 && fetch_manifest(ctx, &sys, &steps[i]) < 0))
			goto out;
		announce(ctx, &steps[i]);
		in[i] = (struct pf_plan_input){ .number = chain[i]->number, .m = steps[i].m,
						.package_size = package_need(cache_fd, chain[i]) };
	}
	if (pf_space_open(ctx, &sc, cache) < 0 ||
	    plan_chain(ctx, &sc, in, n, &sys, opts->dry_run) < 0)
		goto out;
	if (opts->dry_run || (opts->confirm && !opts->confirm(opts->confirm_data))) {
		if (!opts->dry_run)
			pf_info(ctx, "nothing was changed");
		r = 0;
		goto out;
	}
	if (cache_fd < 0)
		cache_fd = open_cache(ctx, cache, false);
	if (cache_fd < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		unsigned level = i ? steps[i - 1].ie->number : sys.core;
		bool undecided = false;

		if (pf_interrupted(ctx)) {
			pf_fail(ctx, PF_E_OTHER, "interrupted by %s; the system stays at core %u",
				strsignal(pf_interrupted(ctx)), level);
			goto out;
		}
		in[i].package_size = package_need(cache_fd, chain[i]);
		if (check_next(ctx, &sc, tx, &in[i], level) < 0)
			goto out;
		if (apply_one(ctx, tx, &sys, cache_fd, &steps[i], &undecided) < 0) {
			if (!undecided)
				pf_fail_wrap(ctx, "core %u not applied, system stays at core %u",
					     steps[i].ie->number, level);
			goto out;
		}
	}
	r = 0;
out:
	pf_db_tx_end(ctx, tx);
	pf_space_close(&sc);
	if (cache_fd >= 0)
		close(cache_fd);
	steps_free(steps, n);
	free(in);
	free(chain);
	pf_index_free(idx);
	return r;
}
