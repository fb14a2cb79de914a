/* Paths under the root: see path.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/path.h"

/* One component of N bytes: not empty, not "." or "..", at most NAME_MAX. */
static bool component_valid(const char *c, size_t n, const char **why)
{
	if (n == 0) {
		*why = "empty component ('//')";
		return false;
	}
	if (c[0] == '.' && (n == 1 || (n == 2 && c[1] == '.'))) {
		*why = n == 1 ? "'.' component" : "'..' component";
		return false;
	}
	if (n > NAME_MAX) {
		*why = "component longer than NAME_MAX";
		return false;
	}
	return true;
}

bool pf_path_valid(const char *path, size_t len, const char **why)
{
	const unsigned char *p = (const unsigned char *)path;
	const char *dummy;
	size_t start = 0;

	if (!why)
		why = &dummy;
	if (len == 0) {
		*why = "empty path";
		return false;
	}
	if (len >= PATH_MAX) {
		*why = "path longer than PATH_MAX";
		return false;
	}
	if (p[0] == '/') {
		*why = "absolute path";
		return false;
	}
	if (p[len - 1] == '/') {
		*why = "trailing '/'";
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		/* Letters and digits: nothing to look at. */
		if (c > '/' && c != 0x7f)
			continue;
		if (c < 0x20 || c == 0x7f) {
			*why = "control character in path";
			return false;
		}
		if (c == '/') {
			if (!component_valid(path + start, i - start, why))
				return false;
			start = i + 1;
		}
	}
	return component_valid(path + start, len - start, why);
}

const char *pf_quote(const char *s, size_t len, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (size == 0)
		return out;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char tmp[4];
		size_t n;

		if (c == '\\') {
			tmp[0] = '\\';
			tmp[1] = '\\';
			n = 2;
		} else if (c < 0x20 || c >= 0x7f) {
			tmp[0] = '\\';
			tmp[1] = 'x';
			tmp[2] = hex[c >> 4];
			tmp[3] = hex[c & 15];
			n = 4;
		} else {
			tmp[0] = (char)c;
			n = 1;
		}
		/* Keep room for "..." and the NUL in case more follows:
		 * o + 4 <= size holds before each byte. */
		if (o + n + 4 > size) {
			if (size >= 4) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o < size ? o : size - 1] = '\0';
	return out;
}

int pf_root_open(struct pf_ctx *ctx, const char *path, int flags, int mode)
{
	struct open_how how = {
		.flags = (unsigned)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (ctx->root_fd < 0) {
		errno = EBADF;
		return -1;
	}
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		how.mode = (unsigned)mode;
	if (path[0] == '\0')
		path = ".";
	/* RESOLVE_IN_ROOT returns EAGAIN when a concurrent rename may have
	 * let a ".." escape; the kernel asks us to retry. */
	for (int tries = 0; ; tries++) {
		fd = syscall(SYS_openat2, ctx->root_fd, path, &how, sizeof(how));
		if (fd >= 0 || (errno != EAGAIN && errno != EINTR) || tries == 16)
			break;
	}
	return fd < 0 ? -1 : (int)fd;
}

int pf_root_open_parent(struct pf_ctx *ctx, const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	char *parent;
	int fd;

	*base = slash ? slash + 1 : path;
	parent = slash ? strndup(path, (size_t)(slash - path)) : strdup("");
	if (!parent) {
		errno = ENOMEM;
		return -1;
	}
	fd = pf_root_open(ctx, parent, O_PATH | O_DIRECTORY, 0);
	free(parent);
	return fd;
}

int pf_folder_of(struct pf_ctx *ctx, struct pf_folder *f, const char *path,
		 const char **base)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;
	int fd;

	*base = slash ? slash + 1 : path;
	if (f->path && strlen(f->path) == len && !memcmp(f->path, path, len))
		return f->fd;
	pf_folder_close(f);
	fd = pf_root_open_parent(ctx, path, base);
	if (fd < 0)
		return -1;
	f->path = strndup(path, len);
	if (!f->path) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	f->fd = fd;
	return fd;
}

void pf_folder_close(struct pf_folder *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	f->path = NULL;
	f->fd = -1;
}

static int mkdirs_fail(struct pf_ctx *ctx, const char *path, const char *what)
{
	int e = errno;
	enum pf_errclass cls = (e == ENOSPC || e == EDQUOT) ? PF_E_SPACE : PF_E_OTHER;

	pf_fail_errno(ctx, cls, "%s: %s", path, what);
	errno = e;
	return -1;
}

int pf_root_mkdirs(struct pf_ctx *ctx, const char *path)
{
	const char *why;
	char *prefix = NULL;
	int parent = -1, fd, r = -1;
	size_t len = strlen(path);

	if (len == 0)
		return 0;
	if (!pf_path_valid(path, len, &why)) {
		char q[256];
		errno = EINVAL;
		return pf_fail(ctx, PF_E_OTHER, "'%s': cannot create directory: %s",
			       pf_quote(path, len, q, sizeof(q)), why);
	}
	/* Most of the time it is already there. */
	fd = pf_root_open(ctx, path, O_PATH | O_DIRECTORY, 0);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	prefix = strdup(path);
	if (!prefix)
		return mkdirs_fail(ctx, path, "out of memory");
	parent = pf_root_open(ctx, "", O_PATH | O_DIRECTORY, 0);
	if (parent < 0) {
		mkdirs_fail(ctx, ctx->root ? ctx->root : "root", "open");
		goto out;
	}
	for (size_t i = 0; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		size_t start = i;
		while (start > 0 && path[start - 1] != '/')
			start--;
		prefix[i] = '\0';
		if (mkdirat(parent, prefix + start, 0755) < 0 && errno != EEXIST) {
			mkdirs_fail(ctx, prefix, "mkdir");
			goto out;
		}
		/* Reopen through the root so that an existing symlink to a
		 * directory resolves inside the root, never outside. */
		fd = pf_root_open(ctx, prefix, O_PATH | O_DIRECTORY, 0);
		if (fd < 0) {
			mkdirs_fail(ctx, prefix, errno == ENOTDIR ?
				    "exists and is not a directory" : "open");
			goto out;
		}
		close(parent);
		parent = fd;
		prefix[i] = path[i];
	}
	r = 0;
out:
	if (parent >= 0)
		close(parent);
	free(prefix);
	return r;
}

int pf_rmtree_at(int dirfd, const char *name)
{
	DIR *dir = NULL;
	struct dirent *de;
	int fd, r = -1, e = 0;

	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	dir = fdopendir(fd);
	if (!dir) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de) {
			if (errno) {
				e = errno;
				goto out;
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (pf_rmtree_at(fd, de->d_name) < 0) {
			e = errno;
			goto out;
		}
	}
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
		e = errno;
		goto out;
	}
	r = 0;
out:
	closedir(dir);
	if (r < 0)
		errno = e;
	return r;
}

int pf_read_file_at(int dirfd, const char *name, size_t max, char **buf,
		    size_t *len)
{
	struct stat st;
	char *data = NULL, *tmp;
	size_t cap, used = 0;
	int fd, r = -1, e = 0;

	*buf = NULL;
	if (len)
		*len = 0;
	/* O_NONBLOCK: opening a FIFO must not hang before fstat refuses it. */
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		e = errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		e = EFBIG;
		goto out;
	}
	cap = (size_t)st.st_size + 1;
	data = malloc(cap);
	if (!data) {
		e = ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (used + 1 == cap) {
			/* The file grew since fstat: keep going up to max. */
			if (used >= max) {
				char probe;
				n = read(fd, &probe, 1);
				if (n < 0 && errno == EINTR)
					continue;
				if (n < 0) {
					e = errno;
					goto out;
				}
				if (n > 0) {
					e = EFBIG;
					goto out;
				}
				break;
			}
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			tmp = realloc(data, ncap);
			if (!tmp) {
				e = ENOMEM;
				goto out;
			}
			data = tmp;
			cap = ncap;
		}
		n = read(fd, data + used, cap - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	data[used] = '\0';
	*buf = data;
	data = NULL;
	if (len)
		*len = used;
	r = 0;
out:
	free(data);
	close(fd);
	if (r < 0)
		errno = e;
	return r;
}
