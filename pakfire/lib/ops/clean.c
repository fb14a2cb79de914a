/* Emptying the download cache: see clean.h. Everything in it was verified
 * against a signed index once and can be fetched again. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/hash.h"
#include "base/path.h"
#include "fetch/units.h"
#include "format/config.h"
#include "format/index.h"
#include "ops/clean.h"
#include "ops/session.h"
#include "state/history.h"

/* Count what is below DFD, then remove it (no symlink is followed). */
static int empty_dir(struct pf_ctx *ctx, int dfd, const char *shown, uint64_t *files,
		     uint64_t *bytes)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(dfd), r = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", shown);
	}
	while ((errno = 0, de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0 || empty_dir(ctx, sub, shown, files, bytes) < 0) {
				if (sub >= 0)
					close(sub);
				r = sub < 0 ? pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", shown, de->d_name) : -1;
				break;
			}
			close(sub);
			if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) < 0) {
				r = pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", shown, de->d_name);
				break;
			}
			continue;
		}
		if (unlinkat(dfd, de->d_name, 0) < 0) {
			r = pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", shown, de->d_name);
			break;
		}
		(*files)++;
		*bytes += (uint64_t)st.st_size;
	}
	if (r == 0 && errno)
		r = pf_fail_errno(ctx, PF_E_OTHER, "%s", shown);
	closedir(d);
	return r;
}

int pf_clean(struct pf_session *s)
{
	struct pf_ctx *ctx = s->ctx;
	const char *cache = s->config->cache;
	uint64_t files = 0, bytes = 0;
	char shown[32];
	int64_t tx = 0;
	int fd, r;

	if (pf_db_tx_begin(s->db, "clean", &tx) < 0)
		return -1;
	fd = pf_root_open(ctx, cache + 1, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		r = errno == ENOENT ? 0 : pf_fail_errno(ctx, PF_E_OTHER, "%s%s",
							 pf_ctx_root_prefix(ctx), cache);
	} else {
		r = empty_dir(ctx, fd, cache, &files, &bytes);
		if (r == 0 && syncfs(fd) < 0)
			r = pf_fail_errno(ctx, PF_E_OTHER, "%s", cache);
		close(fd);
	}
	pf_db_tx_end(s->db, tx);
	if (r == 0) {
		pf_format_size(bytes, shown);
		pf_info(ctx, "Removed %llu file%s (%s) from %s.", (unsigned long long)files,
			files == 1 ? "" : "s", shown, cache);
	}
	return r;
}

/* Whether NAME is "<hex>.part" for a package of IDX. */
static bool listed(const struct pf_index *idx, const char *name)
{
	size_t len = strlen(name);
	char hex[65];

	if (len != 64 + 5 || strcmp(name + 64, ".part"))
		return false;
	for (size_t i = 0; i < idx->n; i++) {
		pf_hex(idx->entries[i].package_sha256, hex);
		if (!strncmp(name, hex, 64))
			return true;
	}
	return false;
}

int pf_clean_partial(struct pf_ctx *ctx, const char *cache, const struct pf_index *idx)
{
	char dir[4096];
	struct dirent *de;
	DIR *d;
	int fd, n, r = 0;

	n = snprintf(dir, sizeof(dir), "%s/%s/%s/%s", cache + 1, idx->series, idx->arch,
		     PF_FETCH_PARTIAL_DIR);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return pf_fail(ctx, PF_E_USAGE, "cache path too long");
	fd = pf_root_open(ctx, dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return errno == ENOENT ? 0 : pf_fail_errno(ctx, PF_E_OTHER, "%s/%s",
							    pf_ctx_root_prefix(ctx), dir);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", cache, PF_FETCH_PARTIAL_DIR);
	}
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || listed(idx, de->d_name))
			continue;
		/* Only files are written here; anything else stays. */
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT && errno != EISDIR) {
			r = pf_fail_errno(ctx, PF_E_OTHER, "partial download %s", de->d_name);
			break;
		}
		pf_debug(ctx, "partial download %s: no package of the index has that hash any more:"
			 " deleted", de->d_name);
	}
	if (r == 0 && errno)
		r = pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", cache, PF_FETCH_PARTIAL_DIR);
	closedir(d);
	return r;
}
