/* Mounts and space: see mounts.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "base/context.h"
#include "plan/mounts.h"
#include "base/path.h"

#define MOUNTINFO_MAX (8u * 1024 * 1024)

void pf_mounts_free(struct pf_mount_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->mounts[i].point);
		free(t->mounts[i].fstype);
		free(t->mounts[i].source);
		free(t->mounts[i].options);
	}
	free(t->mounts);
	free(t);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len &&
		    s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* Split LINE into at most MAX space-separated fields. */
static size_t fields(char *line, char **f, size_t max)
{
	size_t n = 0;

	for (char *save = NULL, *t = strtok_r(line, " ", &save); t && n < max;
	     t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	return n;
}

static bool has_option(const char *opts, const char *want)
{
	size_t n = strlen(want);

	for (const char *p = opts; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == n && !strncmp(p, want, n))
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/* One line: ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER */
static int parse_line(struct pf_ctx *ctx, char *line, unsigned lineno, struct pf_mount *m)
{
	char *f[64];
	size_t n = fields(line, f, 64), sep = 0;

	for (size_t i = 6; i < n; i++)
		if (!strcmp(f[i], "-")) {
			sep = i;
			break;
		}
	if (n < 7 || !sep || sep + 1 >= n ||
	    sscanf(f[2], "%u:%u", &m->major, &m->minor) != 2 || f[4][0] != '/')
		return pf_fail(ctx, PF_E_OTHER, "mountinfo line %u: malformed", lineno);
	m->point = unescape(f[4], strlen(f[4]));
	m->fstype = strdup(f[sep + 1]);
	m->source = unescape(sep + 2 < n ? f[sep + 2] : "", sep + 2 < n ? strlen(f[sep + 2]) : 0);
	m->options = strdup(sep + 3 < n ? f[sep + 3] : "");
	if (!m->point || !m->fstype || !m->source || !m->options)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	m->readonly = has_option(f[5], "ro");
	return 0;
}

int pf_mounts_parse(struct pf_ctx *ctx, const char *text, size_t len,
		    struct pf_mount_table **out)
{
	struct pf_mount_table *t = calloc(1, sizeof(*t));
	char *copy = strndup(text, len), *save = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int r = -1;

	if (!t || !copy) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (t->n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct pf_mount *p = realloc(t->mounts, ncap * sizeof(*p));

			if (!p) {
				pf_fail(ctx, PF_E_OTHER, "out of memory");
				goto out;
			}
			t->mounts = p;
			cap = ncap;
		}
		memset(&t->mounts[t->n], 0, sizeof(t->mounts[t->n]));
		t->n++;
		if (parse_line(ctx, line, lineno, &t->mounts[t->n - 1]) < 0)
			goto out;
	}
	*out = t;
	t = NULL;
	r = 0;
out:
	pf_mounts_free(t);
	free(copy);
	return r;
}

int pf_mounts_load(struct pf_ctx *ctx, struct pf_mount_table **out)
{
	char *buf = NULL;
	size_t len;
	int r;

	if (pf_read_file_at(-1, "/proc/self/mountinfo", MOUNTINFO_MAX, &buf, &len) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "/proc/self/mountinfo");
	r = pf_mounts_parse(ctx, buf, len, out);
	free(buf);
	return r;
}

const struct pf_mount *pf_mounts_find(const struct pf_mount_table *t, const char *host_path)
{
	const struct pf_mount *best = NULL;
	size_t best_len = 0;

	if (host_path[0] != '/')
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		const char *p = t->mounts[i].point;
		size_t n = strlen(p);

		/* "/" is a prefix of everything; "/boot" of "/boot/x", not "/bootx". */
		if (n > 1 && (strncmp(host_path, p, n) || (host_path[n] != '/' && host_path[n])))
			continue;
		if (n == 1 && p[0] != '/')
			continue;
		if (n >= best_len) { /* equal: the later mount hides the earlier */
			best = &t->mounts[i];
			best_len = n;
		}
	}
	return best;
}

enum pf_fs_kind pf_fs_kind_of(const char *fstype)
{
	static const struct { const char *name; enum pf_fs_kind kind; } kinds[] = {
		{ "ext2", PF_FS_EXT }, { "ext3", PF_FS_EXT }, { "ext4", PF_FS_EXT },
		{ "tmpfs", PF_FS_TMPFS }, { "vfat", PF_FS_VFAT }, { "msdos", PF_FS_VFAT },
		/* FAT in user space: the same on-disk rules (kernels without vfat) */
		{ "fuse.fusefat", PF_FS_VFAT },
	};

	for (size_t i = 0; fstype && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(fstype, kinds[i].name))
			return kinds[i].kind;
	return PF_FS_OTHER;
}

int pf_space_of(struct pf_ctx *ctx, const struct pf_mount *m, struct pf_space *out)
{
	struct statvfs sv;

	if (statvfs(m->point, &sv) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "statvfs %s", m->point);
	memset(out, 0, sizeof(*out));
	out->kind = pf_fs_kind_of(m->fstype);
	out->bsize = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
	out->avail = (uint64_t)sv.f_bavail * out->bsize;
	out->total = (uint64_t)sv.f_blocks * out->bsize;
	out->free = (uint64_t)sv.f_bfree * out->bsize;
	out->inodes = sv.f_favail;
	/* Some file systems have no inode limit and report 0 files. */
	out->inodes_unlimited = sv.f_files == 0;
	out->readonly = (sv.f_flag & ST_RDONLY) || m->readonly;
	return 0;
}
