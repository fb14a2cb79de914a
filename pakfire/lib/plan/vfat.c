/* What vfat cannot hold: see vfat.h.
 *
 * What the mount presents: the kernel's vfat gives every folder
 * 0777 & ~dmask and every file 0777 & ~fmask (x bits only for .exe, .com
 * and .bat under showexec), all owned by its uid= and gid= (the mounter's
 * by default). Folders and the owner are read from the mount's root folder
 * (fstat: it is presented as every folder is), files from the fmask that
 * mountinfo always shows for vfat; a FUSE driver of FAT without an fmask
 * (fusefat) presents files as its folders. A read-only file (FAT's one
 * attribute, shown as a mode without w bits) is not offered: pakfire never
 * sets it, so a manifest asks for exactly what a new file gets.
 *
 * Names: FAT folds the case of ASCII letters, whatever the code page; two
 * spellings are one name. So are, on the kernel's vfat, a long name and its
 * 8.3 alias ("LONGNA~1"): a lookup that finds something readdir does not
 * list under that spelling is refused too. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/path.h"
#include "base/strmap.h"
#include "format/manifest.h"
#include "plan/mounts.h"
#include "plan/plan.h"
#include "plan/vfat.h"
#include "resolve/transaction.h"

#define MAX_FATS 16
#define HOST_MAX 4096

struct fat {                 /* one vfat mount the transaction writes to */
	const struct pf_mount *m;
	int fd;                  /* its root folder */
	struct stat root;
	char name[256];          /* as the user knows it: "/boot/efi" */
};

struct seen {                /* a name below a vfat mount, as first spelled */
	const struct pf_unit *u;
	char *path;              /* the manifest's path up to that name */
	size_t below;            /* where its part below the mount starts */
};

struct checker {
	struct pf_ctx *ctx;
	const struct pf_plan_env *env;
	struct fat fats[MAX_FATS];
	size_t n_fats;
	struct pf_strmap *names; /* fat index + folded name -> struct seen */
	char host[HOST_MAX];
	char label[PF_UNIT_ID_MAX];
	bool as_root;
};

bool pf_vfat_same_name(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		char x = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] + 32) : a[i];
		char y = b[i] >= 'A' && b[i] <= 'Z' ? (char)(b[i] + 32) : b[i];

		if (x != y)
			return false;
	}
	return true;
}

static bool option(const char *opts, const char *name, const char **value)
{
	size_t n = strlen(name);

	for (const char *p = opts; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len >= n && !strncmp(p, name, n) && (len == n || p[n] == '=')) {
			*value = len > n ? p + n + 1 : "";
			return true;
		}
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

mode_t pf_vfat_file_mode(const char *options, mode_t root_mode, const char *name)
{
	const char *v, *dot = strrchr(name, '.');
	mode_t mode = root_mode & 0777;

	if (option(options, "fmask", &v))
		mode = 0777 & ~(mode_t)strtoul(v, NULL, 8);
	if (option(options, "showexec", &v) &&
	    !(dot && (!strcasecmp(dot, ".exe") || !strcasecmp(dot, ".com") ||
		      !strcasecmp(dot, ".bat"))))
		mode &= ~(mode_t)0111;
	return mode;
}

/* The vfat mount that holds the folder HOST, opened once; NULL when HOST
 * is on another kind of file system. */
static int fat_of(struct checker *ck, const char *host, struct fat **out)
{
	const struct pf_mount *m = pf_mounts_find(ck->env->mounts, host);
	const char *root = ck->env->root_host;
	size_t n = strcmp(root, "/") ? strlen(root) : 0;
	struct fat *f;

	*out = NULL;
	if (!m || pf_fs_kind_of(m->fstype) != PF_FS_VFAT)
		return 0;
	for (size_t i = 0; i < ck->n_fats; i++)
		if (ck->fats[i].m == m) {
			*out = &ck->fats[i];
			return 0;
		}
	if (ck->n_fats == MAX_FATS)
		return pf_fail(ck->ctx, PF_E_OTHER, "the updates touch more than %d vfat mounts",
			       MAX_FATS);
	if (strncmp(m->point, root, n) || (m->point[n] != '/' && m->point[n]))
		return pf_fail(ck->ctx, PF_E_OTHER, "%s is outside the root %s", m->point, root);
	f = &ck->fats[ck->n_fats];
	f->m = m;
	snprintf(f->name, sizeof(f->name), "%s", m->point[n] ? m->point + n : "/");
	f->fd = pf_root_open(ck->ctx, m->point[n] ? m->point + n + 1 : "", O_RDONLY | O_DIRECTORY, 0);
	if (f->fd < 0 || fstat(f->fd, &f->root) < 0) {
		pf_fail_errno(ck->ctx, PF_E_OTHER, "%s (vfat)", f->name);
		if (f->fd >= 0)
			close(f->fd);
		return -1;
	}
	ck->n_fats++;
	*out = f;
	return 0;
}

static int refuse(struct checker *ck, const struct pf_unit *u, const char *path, const char *why)
{
	return pf_fail(ck->ctx, PF_E_OTHER, "%s: %s/%s %s; nothing was changed",
		       pf_unit_label(u, ck->label), pf_ctx_root_prefix(ck->ctx), path, why);
}

/* Whether the name NAME (LEN bytes, below F's root: "EFI/BOOT/x") is on the
 * disk under another spelling (or as an 8.3 alias). */
static int on_disk(struct checker *ck, const struct pf_unit *u, const char *path,
		   const struct fat *f, const char *name, size_t len)
{
	char rel[HOST_MAX], other[256] = "", why[HOST_MAX + 320];
	const char *slash, *base;
	struct dirent *de;
	struct stat sb;
	bool exact = false;
	DIR *d;
	int pfd, dfd;

	if (len >= sizeof(rel))
		return pf_fail(ck->ctx, PF_E_OTHER, "path too long: %s", path);
	memcpy(rel, name, len);
	rel[len] = '\0';
	slash = strrchr(rel, '/');
	base = slash ? slash + 1 : rel;
	if (slash) {
		rel[slash - rel] = '\0';
		pfd = openat(f->fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		pfd = fcntl(f->fd, F_DUPFD_CLOEXEC, 0);
	}
	if (pfd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 :
		       pf_fail_errno(ck->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(ck->ctx), path);
	if (fstatat(pfd, base, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		int err = errno;

		close(pfd);
		errno = err;
		return err == ENOENT ? 0 : pf_fail_errno(ck->ctx, PF_E_OTHER, "%s/%s",
							 pf_ctx_root_prefix(ck->ctx), path);
	}
	dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(pfd);
	d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return pf_fail_errno(ck->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(ck->ctx), path);
	}
	while ((de = readdir(d)) && !exact) {
		exact = !strcmp(de->d_name, base);
		if (!exact && pf_vfat_same_name(de->d_name, strlen(de->d_name), base, strlen(base)))
			snprintf(other, sizeof(other), "%s", de->d_name);
	}
	closedir(d);
	if (exact)
		return 0;
	if (other[0])
		snprintf(why, sizeof(why), "differs only in case from %s/%.*s%s, which is on the"
			 " disk, and %s is vfat, where they are one name", pf_ctx_root_prefix(ck->ctx),
			 (int)(strlen(path) - strlen(base)), path, other, f->name);
	else
		snprintf(why, sizeof(why), "is another name (an 8.3 alias) of something on the disk"
			 " of %s, which is vfat", f->name);
	return refuse(ck, u, path, why);
}

/* Each name of PATH below F's root (its last K components), against the
 * names of the transaction so far and, the first time, the disk. */
static int names(struct checker *ck, const struct pf_unit *u, const struct fat *f,
		 const char *path, size_t k)
{
	size_t len = strlen(path), start = len;
	char key[HOST_MAX + 32], other[PF_UNIT_ID_MAX];

	if (k == 0)
		return 0; /* the mount's root itself */
	for (size_t i = 0; i < k && start > 0; i++)
		for (start--; start > 0 && path[start - 1] != '/'; start--)
			;
	for (size_t end = start; end <= len; end++) {
		struct seen *s;
		size_t klen;
		bool added;
		void **slot;
		char why[HOST_MAX + 320];
		char *prefix;

		if (end < len && path[end] != '/')
			continue;
		klen = (size_t)snprintf(key, sizeof(key), "%zu:", (size_t)(f - ck->fats));
		if (klen + end - start >= sizeof(key))
			return pf_fail(ck->ctx, PF_E_OTHER, "path too long: %s", path);
		for (size_t i = start; i < end; i++)
			key[klen++] = path[i] >= 'A' && path[i] <= 'Z' ? (char)(path[i] + 32) : path[i];
		slot = pf_strmap_put(ck->names, key, klen, &added);
		if (!slot)
			return pf_fail(ck->ctx, PF_E_OTHER, "out of memory");
		if (!added) {
			s = *slot;
			if (strlen(s->path + s->below) == end - start &&
			    !memcmp(s->path + s->below, path + start, end - start))
				continue;
			prefix = strndup(path, end);
			if (!prefix)
				return pf_fail(ck->ctx, PF_E_OTHER, "out of memory");
			snprintf(why, sizeof(why), "differs only in case from %s/%s (%s), and %s is"
				 " vfat, where they are one name", pf_ctx_root_prefix(ck->ctx), s->path,
				 pf_unit_label(s->u, other), f->name);
			refuse(ck, u, prefix, why);
			free(prefix);
			return -1;
		}
		s = calloc(1, sizeof(*s));
		if (!s || !(s->path = strndup(path, end))) {
			free(s);
			return pf_fail(ck->ctx, PF_E_OTHER, "out of memory");
		}
		s->u = u;
		s->below = start;
		*slot = s;
		if (on_disk(ck, u, s->path, f, path + start, end - start) < 0)
			return -1;
	}
	return 0;
}

static int check_entry(struct checker *ck, const struct pf_unit *u, const struct pf_entry *e)
{
	const struct pf_plan_probe *pr = ck->env->probe;
	char folder[HOST_MAX], why[512];
	const char *below, *base = strrchr(e->path, '/');
	struct fat *f;
	size_t k = 0, n;
	mode_t want;

	if (e->type == PF_ENTRY_HOOK)
		return 0;
	if (pr->resolve(pr->data, e->path, ck->host, sizeof(ck->host)) < 0)
		return -1;
	snprintf(folder, sizeof(folder), "%s", ck->host);
	if (e->type != PF_ENTRY_DIR && strrchr(folder, '/'))
		*strrchr(folder, '/') = '\0';
	if (fat_of(ck, folder[0] ? folder : "/", &f) < 0)
		return -1;
	if (!f)
		return 0;
	n = strlen(f->m->point);
	below = ck->host + (n > 1 ? n : 0);
	for (const char *p = below; *p; p++)
		k += *p == '/';
	if (e->type == PF_ENTRY_SYMLINK) {
		snprintf(why, sizeof(why), "is a symlink, and %s is vfat, which has no symlinks",
			 f->name);
		return refuse(ck, u, e->path, why);
	}
	if (e->type == PF_ENTRY_FILE || e->type == PF_ENTRY_DIR) {
		want = e->type == PF_ENTRY_DIR ? f->root.st_mode & 07777 :
			pf_vfat_file_mode(f->m->options, f->root.st_mode, base ? base + 1 : e->path);
		if (e->mode != want) {
			snprintf(why, sizeof(why), "has mode %04o, and %s is vfat, which presents every"
				 " %s there as %04o (its mount options)", (unsigned)e->mode, f->name,
				 e->type == PF_ENTRY_DIR ? "folder" : "file", (unsigned)want);
			return refuse(ck, u, e->path, why);
		}
		if (ck->as_root && (e->uid != f->root.st_uid || e->gid != f->root.st_gid)) {
			snprintf(why, sizeof(why), "is owned by %u:%u, and %s is vfat, which presents"
				 " everything there as owned by %u:%u (its mount options)",
				 (unsigned)e->uid, (unsigned)e->gid, f->name,
				 (unsigned)f->root.st_uid, (unsigned)f->root.st_gid);
			return refuse(ck, u, e->path, why);
		}
	}
	return names(ck, u, f, e->path, k);
}

static void free_seen(void *value, void *data)
{
	struct seen *s = value;

	(void)data;
	if (s)
		free(s->path);
	free(s);
}

int pf_plan_vfat(struct pf_ctx *ctx, const struct pf_plan_env *env,
		 const struct pf_transaction *t)
{
	struct checker ck = { .ctx = ctx, .env = env, .as_root = geteuid() == 0 };
	bool any = false;
	int r = -1;

	/* Most systems have no vfat mount: then no path needs resolving. */
	for (size_t i = 0; i < env->mounts->n && !any; i++)
		any = pf_fs_kind_of(env->mounts->mounts[i].fstype) == PF_FS_VFAT;
	if (!any)
		return 0;
	ck.names = pf_strmap_new(256);
	if (!ck.names)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	for (size_t i = 0; i < t->n; i++) {
		const struct pf_unit *u = &t->units[i];

		if (u->op != PF_UNIT_APPLY || !u->m)
			continue;
		for (size_t k = 0; k < u->m->n; k++)
			if (check_entry(&ck, u, &u->m->entries[k]) < 0)
				goto out;
	}
	r = 0;
out:
	pf_strmap_each(ck.names, free_seen, NULL);
	pf_strmap_free(ck.names);
	for (size_t i = 0; i < ck.n_fats; i++)
		close(ck.fats[i].fd);
	return r;
}
