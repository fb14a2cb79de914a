/* The upgrade chain: see upgrade.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "config.h"
#include "context.h"
#include "db.h"
#include "fetch.h"
#include "hash.h"
#include "index.h"
#include "manifest.h"
#include "path.h"
#include "update.h"
#include "upgrade.h"

/* One pending update and its verified manifest. */
struct step {
	const struct pf_index_entry *ie;
	char *manifest;           /* the bytes whose hash the index signs */
	size_t manifest_len;
	struct pf_manifest *m;
};

static void steps_free(struct step *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		free(s[i].manifest);
		pf_manifest_free(s[i].m);
	}
	free(s);
}

/* Fetch one manifest from the first mirror that has it; check size and hash
 * against the signed index before the parser sees a byte. */
static int fetch_manifest(struct pf_ctx *ctx, const struct pf_system *sys, struct step *s)
{
	const struct pf_index_entry *ie = s->ie;
	uint8_t sum[32];
	char *url = NULL;
	long status;

	for (size_t i = 0; i < ctx->config->n_mirrors; i++) {
		if (i > 0) {
			pf_warn(ctx, "%s; trying the next mirror", pf_error_message(ctx));
			pf_clear_error(ctx);
		}
		free(url);
		url = pf_fetch_url(ctx->config->mirrors[i], sys->series, sys->arch, ie->manifest);
		if (!url)
			return pf_fail(ctx, PF_E_OTHER, "out of memory");
		if (pf_fetch_mem(ctx, url, ie->manifest_size, &s->manifest, &s->manifest_len,
				 &status) == 0 || pf_error_class(ctx) != PF_E_DOWNLOAD)
			break;
	}
	if (!s->manifest)
		goto fail;
	pf_sha256_buf(s->manifest, s->manifest_len, sum);
	if (s->manifest_len != ie->manifest_size) {
		pf_fail(ctx, PF_E_VERIFY, "%s: %zu bytes, but the signed index says its size is %llu",
			url, s->manifest_len, (unsigned long long)ie->manifest_size);
		goto fail;
	}
	if (memcmp(sum, ie->manifest_sha256, 32)) {
		pf_fail(ctx, PF_E_VERIFY, "%s: SHA-256 does not match the signed index", url);
		goto fail;
	}
	if (pf_manifest_parse(ctx, ie->manifest, s->manifest, s->manifest_len, &s->m) < 0)
		goto fail;
	free(url);
	return 0;
fail:
	free(url);
	return -1;
}

/* The download cache folder for this series/arch, created on demand. */
static int open_cache(struct pf_ctx *ctx, const struct pf_system *sys)
{
	char *dir = NULL;
	int fd = -1;

	if (asprintf(&dir, "%s/%s/%s/core", ctx->config->cache + 1, sys->series, sys->arch) < 0)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	if (pf_root_mkdirs(ctx, dir) == 0) {
		fd = pf_root_open(ctx, dir, O_RDONLY | O_DIRECTORY, 0);
		if (fd < 0)
			pf_fail_errno(ctx, PF_E_OTHER, "cache %s/%s", pf_ctx_root_prefix(ctx), dir);
	}
	free(dir);
	return fd;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Download one package (first mirror that has it) into the cache. */
static int fetch_package(struct pf_ctx *ctx, const struct pf_system *sys, int cache_fd,
			 const struct pf_index_entry *ie)
{
	int r = -1;

	for (size_t i = 0; i < ctx->config->n_mirrors; i++) {
		char *url = pf_fetch_url(ctx->config->mirrors[i], sys->series, sys->arch,
					 ie->package);

		if (i > 0) {
			pf_warn(ctx, "%s; trying the next mirror", pf_error_message(ctx));
			pf_clear_error(ctx);
		}
		if (!url)
			return pf_fail(ctx, PF_E_OTHER, "out of memory");
		r = pf_fetch_file(ctx, url, cache_fd, base_name(ie->package), ie->package_size,
				  ie->package_sha256);
		free(url);
		if (r == 0 || pf_error_class(ctx) != PF_E_DOWNLOAD)
			break;
	}
	return r;
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
		     const struct step *s)
{
	const struct pf_index_entry *ie = s->ie;
	const char *name = base_name(ie->package);
	struct pf_apply_result res;
	int fd, r;

	pf_emit(ctx, &(struct pf_event){ .type = PF_EV_UPDATE_BEGIN, .number = ie->number,
					 .text = ie->summary });
	if (pf_db_tx_step(ctx, tx, ie->number, "downloading", ie->package) < 0 ||
	    fetch_package(ctx, sys, cache_fd, ie) < 0 ||
	    pf_db_tx_step(ctx, tx, ie->number, "verified", NULL) < 0)
		return -1;
	fd = openat(cache_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "cache %s", name);
	r = pf_apply_update(ctx, tx, ie->number, sys->series, s->m, s->manifest, s->manifest_len,
			    fd, name, &res);
	close(fd);
	if (r < 0) {
		/* A package that failed its checks is no use to keep. */
		if (pf_error_class(ctx) == PF_E_VERIFY)
			unlinkat(cache_fd, name, 0);
		return -1;
	}
	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_UPDATE_DONE, .number = ie->number, .files = res.files,
		.removed = res.removed, .kept = res.kept, .reboot = ie->reboot,
	});
	return 0;
}

int pf_upgrade(struct pf_ctx *ctx, const struct pf_upgrade_opts *opts)
{
	const struct pf_index_entry **chain = NULL;
	struct pf_index *idx = NULL;
	struct step *steps = NULL;
	struct pf_system sys;
	size_t n = 0;
	int64_t tx = 0;
	int cache_fd = -1, r = -1;

	if (pf_db_get_system(ctx, &sys) < 0)
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
	if (!steps) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	/* Every manifest first: small, and all that planning needs. */
	for (size_t i = 0; i < n; i++) {
		steps[i].ie = chain[i];
		if (fetch_manifest(ctx, &sys, &steps[i]) < 0)
			goto out;
		announce(ctx, &steps[i]);
	}
	if (opts->dry_run || (opts->confirm && !opts->confirm(opts->confirm_data))) {
		if (!opts->dry_run)
			pf_info(ctx, "nothing was changed");
		r = 0;
		goto out;
	}
	cache_fd = open_cache(ctx, &sys);
	if (cache_fd < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (apply_one(ctx, tx, &sys, cache_fd, &steps[i]) < 0) {
			pf_fail_wrap(ctx, "core %u not applied, system stays at core %u",
				     steps[i].ie->number, i ? steps[i - 1].ie->number : sys.core);
			goto out;
		}
	}
	r = 0;
out:
	pf_db_tx_end(ctx, tx);
	if (cache_fd >= 0)
		close(cache_fd);
	steps_free(steps, n);
	free(chain);
	pf_index_free(idx);
	return r;
}
