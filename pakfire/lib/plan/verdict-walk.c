/* The look at the disk for what an owner may delete: see verdict-walk.h
 * and docs/space.md, "Verdicts". Read-only: nothing is opened for writing,
 * no symlink is followed below the folder a walk starts from (that one is
 * resolved inside the root, as every path of the root is), and a walk
 * never leaves the file system it looks at. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/path.h"
#include "base/strmap.h"
#include "plan/verdict-parts.h"

#define PATH_BUF 4096

bool pf_verdict_running_kernel(const char *path, const char *release)
{
	static const char *const modules[] = { "lib/modules/", "usr/lib/modules/" };
	size_t n;

	if (!release || !*release)
		return false;
	n = strlen(release);
	/* boot/ *-RELEASE*: vmlinuz-R, initramfs-R.img, System.map-R, config-R,
	 * and whatever else is named for it, in any folder of boot/. */
	if (!strncmp(path, "boot/", 5)) {
		for (const char *p = strchr(path + 5, '-'); p; p = strchr(p + 1, '-'))
			if (!strncmp(p + 1, release, n))
				return true;
		return false;
	}
	for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		size_t m = strlen(modules[i]);

		if (!strncmp(path, modules[i], m) && !strncmp(path + m, release, n) &&
		    (path[m + n] == '/' || !path[m + n]))
			return true;
	}
	return false;
}

/* Whether PREFIX is PATH or a folder above it. */
static bool below(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return n && !strncmp(path, prefix, n) && (path[n] == '/' || !path[n]);
}

/* Places an owner must not be told to delete from, whoever owns them:
 * the configuration and the data of the system (etc, var, root, home),
 * the boot loader, fsck's lost+found, pakfire's own folders, the running
 * kernel, and every file named for a kernel the system keeps (an
 * initramfs made on the box is nobody's, yet the kernel cannot boot
 * without it). */
static bool never_listed(const struct pf_walk *w, const char *path)
{
	static const char *const top[] = {
		"etc", "var", "root", "home", "boot/grub", "boot/grub2", "boot/efi", "boot/EFI",
		"boot/loader", "boot/syslinux", "boot/extlinux",
	};
	const char *lf = strstr(path, "lost+found");

	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if (below(path, top[i]))
			return true;
	for (size_t i = 0; i < sizeof(w->never) / sizeof(w->never[0]); i++)
		if (w->never[i] && below(path, w->never[i]))
			return true;
	if (lf && (lf == path || lf[-1] == '/') && (!lf[10] || lf[10] == '/'))
		return true;
	for (size_t i = 0; i < w->n_kernels; i++)
		if (pf_verdict_running_kernel(path, w->kernels[i]))
			return true;
	return pf_verdict_running_kernel(path, w->release);
}

int pf_walk_init(struct pf_walk *w, struct pf_ctx *ctx, dev_t dev)
{
	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->dev = dev;
	w->budget = PF_WALK_ENTRIES;
	w->seen = pf_strmap_new(256);
	return w->seen ? 0 : pf_fail(ctx, PF_E_OTHER, "out of memory");
}

void pf_walk_clear(struct pf_walk *w)
{
	for (size_t i = 0; i < w->n_top; i++)
		free(w->top[i].path);
	pf_strmap_free(w->seen);
	memset(w, 0, sizeof(*w));
}

static bool in_map(const struct pf_strmap *m, const char *path)
{
	void **v = m ? pf_strmap_get(m, path, strlen(path)) : NULL;

	return v && *v;
}

/* Keep PATH among the largest found (W->top, largest first). */
static int keep(struct pf_walk *w, const char *path, uint64_t bytes, uint64_t files, bool folder)
{
	size_t at = w->n_top;
	char *copy;

	w->bytes += bytes;
	w->files += files;
	w->found++;
	while (at > 0 && w->top[at - 1].bytes < bytes)
		at--;
	if (at == PF_VERDICT_LISTED)
		return 0;
	copy = strdup(path);
	if (!copy)
		return pf_fail(w->ctx, PF_E_OTHER, "out of memory");
	if (w->n_top == PF_VERDICT_LISTED)
		free(w->top[--w->n_top].path);
	memmove(&w->top[at + 1], &w->top[at], (w->n_top - at) * sizeof(w->top[0]));
	w->top[at] = (struct pf_freeable){ .path = copy, .bytes = bytes, .files = files,
					   .kind = PF_FREEABLE_UNOWNED, .folder = folder };
	w->n_top++;
	return 0;
}

/* The first sight of folder ST: false when it was looked at already
 * (two starting points that meet, or a bind mount of a folder). */
static int first_sight(struct pf_walk *w, const struct stat *st, bool *first)
{
	char key[64];
	bool added;
	void **v;

	snprintf(key, sizeof(key), "%llx:%llx", (unsigned long long)st->st_dev,
		 (unsigned long long)st->st_ino);
	v = pf_strmap_put(w->seen, key, strlen(key), &added);
	if (!v)
		return pf_fail(w->ctx, PF_E_OTHER, "out of memory");
	*first = added;
	*v = (void *)1;
	return 0;
}

/* What a folder walk adds up: with SUM, the files are summed into it
 * (and PROTECTED notes one that must stay); without, each is kept. */
struct sum {
	uint64_t bytes, files;
	bool protected;
	bool all;              /* count everything (the cache): no rule applies */
};

/* The entries of folder DFD (PATH, LEN bytes, relative to the root; DFD
 * is closed here). */
static int walk_dir(struct pf_walk *w, int dfd, char *path, size_t len, unsigned depth,
		    bool recursive, struct sum *sum)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(dfd);
		return pf_fail_errno(w->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(w->ctx), path);
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (w->budget == 0) {
			w->bounded = true;
			break;
		}
		w->budget--;
		if (len + 1 + n >= PATH_BUF)
			continue; /* not a path anyone could be told */
		snprintf(path + len, PATH_BUF - len, "%s%s", len ? "/" : "", de->d_name);
		if (!sum || !sum->all) {
			if (never_listed(w, path)) {
				if (sum)
					sum->protected = true;
				continue;
			}
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != w->dev)
			continue; /* gone meanwhile, or another file system's */
		if (S_ISDIR(st.st_mode)) {
			bool first;
			int sub;

			if (!recursive)
				continue;
			if (depth >= PF_WALK_DEPTH) {
				w->bounded = true;
				continue;
			}
			/* Listing: a folder met twice is counted once. (A sum
			 * starts from a folder seen once; the depth bounds it.) */
			if (!sum) {
				if (first_sight(w, &st, &first) < 0) {
					r = -1;
					break;
				}
				if (!first)
					continue;
			}
			sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				continue;
			r = walk_dir(w, sub, path, strlen(path), depth + 1, true, sum);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue; /* a symlink or a device frees next to nothing */
		if (sum && sum->all) {
			sum->bytes += (uint64_t)st.st_blocks * 512;
			sum->files++;
			continue;
		}
		/* What pakfire installed, or a pending update writes or removes,
		 * is pakfire's business; a file with other names frees nothing. */
		if (in_map(w->owned, path) || in_map(w->named, path) || st.st_nlink > 1) {
			if (sum)
				sum->protected = true;
			continue;
		}
		if (sum) {
			sum->bytes += (uint64_t)st.st_blocks * 512;
			sum->files++;
		} else {
			r = keep(w, path, (uint64_t)st.st_blocks * 512, 1, false);
		}
	}
	if (r == 0 && errno)
		r = pf_fail_errno(w->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(w->ctx), path);
	path[len] = '\0';
	closedir(d);
	return r;
}

/* Open folder REL for a walk: -1 after pf_fail, or 0 with *FD -1 when it
 * is missing, not a folder, or on another file system. */
static int open_start(struct pf_walk *w, const char *rel, int *fd, bool mark)
{
	struct stat st;
	bool first = true;

	*fd = pf_root_open(w->ctx, rel, O_RDONLY | O_DIRECTORY, 0);
	if (*fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EXDEV)
			return 0;
		return pf_fail_errno(w->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(w->ctx), rel);
	}
	if (fstat(*fd, &st) == 0 && st.st_dev == w->dev && mark) {
		if (first_sight(w, &st, &first) < 0) {
			close(*fd);
			*fd = -1;
			return -1;
		}
	} else if (fstat(*fd, &st) < 0 || st.st_dev != w->dev) {
		first = false;
	}
	if (!first) {
		close(*fd);
		*fd = -1;
	}
	return 0;
}

int pf_walk_tree(struct pf_walk *w, const char *rel, bool recursive)
{
	char path[PATH_BUF];
	int fd;

	if (strlen(rel) >= sizeof(path) || never_listed(w, rel))
		return 0;
	if (open_start(w, rel, &fd, true) < 0)
		return -1;
	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "%s", rel);
	return walk_dir(w, fd, path, strlen(path), 0, recursive, NULL);
}

int pf_walk_folders(struct pf_walk *w, const char *rel)
{
	char path[PATH_BUF];
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	if (strlen(rel) >= sizeof(path) || never_listed(w, rel))
		return 0;
	if (open_start(w, rel, &fd, true) < 0)
		return -1;
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return pf_fail_errno(w->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(w->ctx), rel);
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		struct sum s = { 0 };
		struct stat st;
		bool first;
		int sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", rel, de->d_name) >= sizeof(path) ||
		    never_listed(w, path) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    st.st_dev != w->dev || !S_ISDIR(st.st_mode))
			continue;
		/* Summed first; listed one by one only when something in it
		 * must stay (then the folder is not the owner's to delete). */
		if (first_sight(w, &st, &first) < 0) {
			r = -1;
			break;
		}
		if (!first)
			continue;
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		r = walk_dir(w, sub, path, strlen(path), 1, true, &s);
		if (r < 0 || (!s.protected && !s.files))
			continue;
		if (!s.protected) {
			r = keep(w, path, s.bytes, s.files, true);
			continue;
		}
		/* Once more, file by file. */
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			r = walk_dir(w, sub, path, strlen(path), 1, true, NULL);
	}
	if (r == 0 && !de && errno)
		r = pf_fail_errno(w->ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(w->ctx), rel);
	closedir(d);
	return r;
}

int pf_walk_sum(struct pf_walk *w, const char *rel, bool *here, uint64_t *bytes,
		uint64_t *files)
{
	char path[PATH_BUF];
	struct sum s = { .all = true };
	int fd;

	*here = false;
	*bytes = *files = 0;
	if (strlen(rel) >= sizeof(path) || open_start(w, rel, &fd, false) < 0)
		return strlen(rel) >= sizeof(path) ? 0 : -1;
	if (fd < 0)
		return 0;
	*here = true;
	snprintf(path, sizeof(path), "%s", rel);
	if (walk_dir(w, fd, path, strlen(path), 0, true, &s) < 0)
		return -1;
	*bytes = s.bytes;
	*files = s.files;
	return 0;
}
