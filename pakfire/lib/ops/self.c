/* What the running pakfire runs from: see self.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/path.h"
#include "format/manifest.h"
#include "ops/self.h"

/* What /proc/self/exe and /proc/self/maps add to a file replaced since
 * it was mapped. */
#define DELETED " (deleted)"

int pf_self_exe(struct pf_ctx *ctx, char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size);

	if (n < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "cannot read /proc/self/exe");
	if ((size_t)n >= size)
		return pf_fail(ctx, PF_E_OTHER, "/proc/self/exe: path too long");
	buf[n] = '\0';
	/* Replaced since it started (the kernel adds the suffix): the path
	 * it was started from is still the path. */
	if ((size_t)n > strlen(DELETED) && !strcmp(buf + n - strlen(DELETED), DELETED))
		buf[n - strlen(DELETED)] = '\0';
	return 0;
}

static bool known(const struct pf_self *self, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < self->n; i++)
		if (self->files[i].dev == dev && self->files[i].ino == ino)
			return true;
	return false;
}

static int add_file(struct pf_ctx *ctx, struct pf_self *self, const char *path, size_t *cap)
{
	struct stat st;

	/* A mapping of a file gone or not ours to stat ([vdso], a deleted
	 * file) cannot be replaced by an update: nothing to watch. */
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || known(self, st.st_dev, st.st_ino))
		return 0;
	if (self->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct pf_self_file *f = realloc(self->files, ncap * sizeof(*f));

		if (!f)
			return pf_fail(ctx, PF_E_OTHER, "out of memory");
		self->files = f;
		*cap = ncap;
	}
	self->files[self->n++] = (struct pf_self_file){ st.st_dev, st.st_ino };
	return 0;
}

/* The executable: the file the process runs (/proc/self/exe, even when
 * replaced since) must still be the one at its path. */
static int add_exe(struct pf_ctx *ctx, struct pf_self *self, size_t *cap)
{
	char exe[PATH_MAX];
	struct stat running, now;

	if (pf_self_exe(ctx, exe, sizeof(exe)) < 0)
		return -1;
	if (stat("/proc/self/exe", &running) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "cannot read /proc/self/exe");
	if (stat(exe, &now) < 0 || now.st_dev != running.st_dev || now.st_ino != running.st_ino)
		snprintf(self->stale, sizeof(self->stale), "%.250s", exe);
	return add_file(ctx, self, exe, cap);
}

int pf_self_load(struct pf_ctx *ctx, struct pf_self *self)
{
	char line[PATH_MAX + 256];
	struct stat root, slash;
	size_t cap = 0;
	FILE *maps;
	int r = 0;

	memset(self, 0, sizeof(*self));
	self->live_root = fstat(ctx->root_fd, &root) == 0 && stat("/", &slash) == 0 &&
			  root.st_dev == slash.st_dev && root.st_ino == slash.st_ino;
	if (add_exe(ctx, self, &cap) < 0)
		return pf_fail_wrap(ctx, "pakfire needs /proc to tell what it runs from");
	maps = fopen("/proc/self/maps", "re");
	if (!maps)
		return pf_fail_errno(ctx, PF_E_OTHER, "cannot read /proc/self/maps (pakfire needs"
				     " /proc to tell what it runs from)");
	/* "start-end perms offset dev inode   path": the path is the sixth
	 * field, from the first '/' on. */
	while (r == 0 && fgets(line, sizeof(line), maps)) {
		char *path = strchr(line, '/'), *nl;

		if (!path)
			continue;
		nl = strchr(path, '\n');
		if (nl)
			*nl = '\0';
		/* A library replaced since it was loaded. */
		if (strlen(path) > strlen(DELETED) &&
		    !strcmp(path + strlen(path) - strlen(DELETED), DELETED)) {
			if (!self->stale[0])
				snprintf(self->stale, sizeof(self->stale), "%.250s", path);
			continue;
		}
		r = add_file(ctx, self, path, &cap);
	}
	if (r == 0 && ferror(maps))
		r = pf_fail_errno(ctx, PF_E_OTHER, "cannot read /proc/self/maps");
	fclose(maps);
	if (r < 0)
		pf_self_clear(self);
	return r;
}

void pf_self_clear(struct pf_self *self)
{
	free(self->files);
	memset(self, 0, sizeof(*self));
}

/* On the live system, a library pakfire (or the C library for it) may
 * load after the run started: the loader and C library, NSS modules
 * (getaddrinfo, getpwnam), libcurl (loaded with the first download),
 * libgcc_s (thread cancellation), and iconv's gconv modules. */
static bool loaded_later(const char *path)
{
	static const char *const prefixes[] = {
		"ld-linux", "ld-2.", "libc.so", "libc-2.", "libnss_", "libresolv", "libcurl",
		"libgcc_s", "libpthread", "libdl.", "libdl-",
	};
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (strstr(path, "/gconv/"))
		return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(base, prefixes[i], strlen(prefixes[i])) && strstr(base, ".so"))
			return true;
	return false;
}

bool pf_self_replaced_by(struct pf_ctx *ctx, const struct pf_self *self,
			 const struct pf_manifest *m, char *what, size_t size)
{
	size_t used = 0, shown = 0;
	bool any = false;

	if (size)
		what[0] = '\0';
	for (size_t i = 0; i < m->n; i++) {
		const struct pf_entry *e = &m->entries[i];
		struct stat st;
		bool hit = false;
		int fd;

		if (e->type != PF_ENTRY_FILE && e->type != PF_ENTRY_SYMLINK)
			continue;
		/* The file now at the path, symlinks followed inside the root
		 * (the loader may reach a library through a link the update
		 * replaces: the target it reached is what matters). */
		fd = pf_root_open(ctx, e->path, O_PATH | O_CLOEXEC, 0);
		if (fd >= 0) {
			hit = fstat(fd, &st) == 0 && known(self, st.st_dev, st.st_ino);
			close(fd);
		}
		hit = hit || (self->live_root && loaded_later(e->path));
		if (!hit)
			continue;
		any = true;
		if (shown < 3 && used < size) {
			int n = snprintf(what + used, size - used, "%s%s", shown ? ", " : "", e->path);

			used += n > 0 ? (size_t)n : 0;
			shown++;
		} else if (shown == 3 && used < size) {
			int n = snprintf(what + used, size - used, ", ...");

			used += n > 0 ? (size_t)n : 0;
			shown++;
		}
	}
	return any;
}
