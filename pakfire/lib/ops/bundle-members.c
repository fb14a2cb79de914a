/* The bundle's members: see bundle-members.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/path.h"
#include "format/config-redact.h"
#include "ops/bundle-members.h"
#include "ops/diagnose-mounts.h"
#include "ops/diagnose.h"
#include "ops/session.h"

/* Where cli/log.c keeps the log (docs/log.md), inside the root. */
#define LOG_DIR "var/log/pakfire"
#define LOG_NAME "pakfire.log"
#define LOG_OLD "pakfire.log.1"
/* As ops/session.c reads pakfire.conf. */
#define CONFIG_MAX (64 * 1024)
#define MOUNTINFO_MAX (8u * 1024 * 1024)

/* Append the last WANT bytes of DIR/NAME to the buffer (*BUF, *LEN), from
 * the start of a line: a partial first line is dropped, and so is a
 * partial last one (a pakfire writing meanwhile). A missing file adds
 * nothing; *FOUND says whether it was there. */
static int tail(struct pf_ctx *ctx, int dir, const char *name, size_t want, char **buf,
		size_t *len, bool *found)
{
	struct stat st;
	size_t from, n, got = 0;
	char *p, *nl;
	int fd, r = -1;

	*found = false;
	fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return pf_fail_errno(ctx, PF_E_OTHER, "/%s/%s", LOG_DIR, name);
	}
	if (fstat(fd, &st) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "/%s/%s", LOG_DIR, name);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		pf_fail(ctx, PF_E_OTHER, "/%s/%s: not a regular file", LOG_DIR, name);
		goto out;
	}
	*found = true;
	from = (size_t)st.st_size > want ? (size_t)st.st_size - want : 0;
	n = (size_t)st.st_size - from;
	p = realloc(*buf, *len + n + 1);
	if (!p) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	*buf = p;
	p += *len;
	while (got < n) {
		ssize_t k = pread(fd, p + got, n - got, (off_t)(from + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			pf_fail_errno(ctx, PF_E_OTHER, "/%s/%s", LOG_DIR, name);
			goto out;
		}
		if (k == 0)
			break; /* cut meanwhile (rotated): what was read stands */
		got += (size_t)k;
	}
	n = got;
	if (from > 0) {
		nl = memchr(p, '\n', n);
		n = nl ? n - (size_t)(nl + 1 - p) : 0;
		memmove(p, nl ? nl + 1 : p, n);
	}
	while (n > 0 && p[n - 1] != '\n')
		n--;
	*len += n;
	(*buf)[*len] = '\0';
	r = 0;
out:
	close(fd);
	return r;
}

int pf_bundle_log(struct pf_session *s, char **out, size_t *len)
{
	struct pf_ctx *ctx = s->ctx;
	char *cur = NULL, *all = NULL;
	size_t cur_len = 0, all_len = 0;
	bool have_cur = false, have_old = false;
	int dir, r = -1;

	*out = NULL;
	*len = 0;
	dir = pf_root_open(ctx, LOG_DIR, O_PATH | O_DIRECTORY, 0);
	if (dir < 0) {
		if (errno == ENOENT)
			return pf_fail(ctx, PF_E_OTHER, "no log: %s/%s does not exist (pakfire never"
				       " ran a command that logs on this root)",
				       pf_ctx_root_prefix(ctx), LOG_DIR);
		return pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(ctx), LOG_DIR);
	}
	if (tail(ctx, dir, LOG_NAME, PF_BUNDLE_LOG_TAIL, &cur, &cur_len, &have_cur) < 0)
		goto out;
	/* The current log is short just after a rotation: the end of the
	 * previous one tells what led up to it. */
	if (cur_len < PF_BUNDLE_LOG_TAIL &&
	    tail(ctx, dir, LOG_OLD, PF_BUNDLE_LOG_TAIL - cur_len, &all, &all_len, &have_old) < 0)
		goto out;
	if (!have_cur && !have_old) {
		pf_fail(ctx, PF_E_OTHER, "no log: neither %s/%s/%s nor %s exists",
			pf_ctx_root_prefix(ctx), LOG_DIR, LOG_NAME, LOG_OLD);
		goto out;
	}
	if (cur_len) {
		char *p = realloc(all, all_len + cur_len + 1);

		if (!p) {
			pf_fail(ctx, PF_E_OTHER, "out of memory");
			goto out;
		}
		all = p;
		memcpy(all + all_len, cur, cur_len);
		all_len += cur_len;
		all[all_len] = '\0';
	}
	*out = all ? all : strdup("");
	*len = all_len;
	all = NULL;
	r = *out ? 0 : pf_fail(ctx, PF_E_OTHER, "out of memory");
out:
	free(cur);
	free(all);
	close(dir);
	return r;
}

int pf_bundle_config(struct pf_session *s, const char *file, char **out, size_t *len)
{
	struct pf_ctx *ctx = s->ctx;
	char *buf = NULL;
	size_t n = 0;
	int r;

	*out = NULL;
	if (file) {
		r = pf_read_file_at(AT_FDCWD, file, CONFIG_MAX, &buf, &n);
		if (r < 0)
			return pf_fail_errno(ctx, PF_E_OTHER, "%s", file);
	} else {
		int dir = pf_root_open(ctx, "etc/pakfire", O_PATH | O_DIRECTORY, 0);

		r = dir < 0 ? -1 : pf_read_file_at(dir, "pakfire.conf", CONFIG_MAX, &buf, &n);
		if (dir >= 0) {
			int e = errno;

			close(dir);
			errno = e;
		}
		if (r < 0)
			return pf_fail_errno(ctx, PF_E_OTHER, "%s/etc/pakfire/pakfire.conf",
					     pf_ctx_root_prefix(ctx));
	}
	*out = pf_config_redact(buf, n, len);
	free(buf);
	return *out ? 0 : pf_fail(ctx, PF_E_OTHER, "out of memory");
}

int pf_bundle_mountinfo(struct pf_session *s, char **out, size_t *len)
{
	if (pf_read_file_at(AT_FDCWD, "/proc/self/mountinfo", MOUNTINFO_MAX, out, len) < 0)
		return pf_fail_errno(s->ctx, PF_E_OTHER, "/proc/self/mountinfo");
	return 0;
}

/* "12%" of USED in USED + AVAIL, as df counts it (rounded up). */
static unsigned use_percent(uint64_t used, uint64_t avail)
{
	uint64_t all = used + avail;

	return all ? (unsigned)((used * 100 + all - 1) / all) : 0;
}

int pf_bundle_df(struct pf_session *s, const struct pf_diagnosis *d, char **out, size_t *len)
{
	struct pf_diag_mount *found = NULL;
	const struct pf_diag_mount *m = d ? d->mounts : NULL;
	size_t n = d ? d->n_mounts : 0;
	FILE *f;
	int r = -1;

	*out = NULL;
	*len = 0;
	if (!n) {
		if (pf_diag_mounts(s, d && d->have_status ? &d->status : NULL, &found, &n) < 0)
			return -1;
		m = found;
	}
	f = open_memstream(out, len);
	if (!f) {
		pf_fail(s->ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	/* df -T and df -i side by side, in 1K blocks: exact enough to
	 * compare with the space checks, which the report gives in bytes. */
	fprintf(f, "%-20s %-20s %-8s %12s %12s %12s %4s %10s %10s %5s %s\n", "Mounted on",
		"Filesystem", "Type", "1K-blocks", "Used", "Available", "Use%", "Inodes", "IFree",
		"IUse%", "Mode");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%-20s %-20s %-8s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %3u%% %10" PRIu64
			" %10" PRIu64 " %4u%% %s\n", m[i].mount, m[i].device, m[i].fstype,
			m[i].total / 1024, m[i].used / 1024, m[i].available / 1024,
			use_percent(m[i].used, m[i].available), m[i].inodes_total,
			m[i].inodes_available,
			use_percent(m[i].inodes_total - m[i].inodes_available, m[i].inodes_available),
			m[i].read_only ? "ro" : "rw");
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		pf_fail(s->ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	r = 0;
out:
	free(found);
	return r;
}
