/* Local hooks: see local.h. They are run in place (the admin's files, not
 * copies), so what may run is decided by who could have changed them: the
 * folder and each file must be owned by root (or by the user pakfire runs
 * as, for a root that is not the system's) and writable by nobody else. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "base/path.h"
#include "hooks/exec.h"
#include "hooks/local.h"
#include "state/hooks.h"

/* Why a file or folder with status SB must not be trusted, or NULL. */
static const char *untrusted(const struct stat *sb, char *buf, size_t size)
{
	uid_t me = geteuid();

	if (sb->st_uid != 0 && sb->st_uid != me) {
		snprintf(buf, size, "it is owned by uid %u, not by root", (unsigned)sb->st_uid);
		return buf;
	}
	if (sb->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(buf, size, "it is writable by %s (mode %04o): 'chmod go-w' it",
			 (sb->st_mode & S_IWOTH) ? "everyone" : "its group",
			 (unsigned)(sb->st_mode & 07777));
		return buf;
	}
	return NULL;
}

/* The entry NAME of the folder DFD, opened to be copied and run: its fd,
 * or -1 with *WHY saying why it must not run (WHY NULL: a failure of
 * pakfire's, on the context). The checks are made on the open file, the
 * one whose bytes are copied: nothing can be swapped in between. A
 * symlink may only name another file of the folder itself. */
static int open_checked(struct pf_ctx *ctx, int dfd, const char *name, char *buf, size_t size,
			const char **why)
{
	char target[NAME_MAX + 1];
	const char *file = name;
	struct stat sb;
	ssize_t len;
	int fd;

	*why = buf;
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		snprintf(buf, size, "cannot read it: %s", strerror(errno));
		return -1;
	}
	if (S_ISLNK(sb.st_mode)) {
		len = readlinkat(dfd, name, target, sizeof(target) - 1);
		if (len <= 0 || (size_t)len >= sizeof(target) - 1 ||
		    memchr(target, '/', (size_t)len) || !strncmp(target, "..", 2)) {
			snprintf(buf, size, "it is a symlink leading out of %s", PF_LOCAL_HOOKS_DIR);
			return -1;
		}
		target[len] = '\0';
		file = target;
	}
	fd = openat(dfd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP) {
		snprintf(buf, size, "it is a symlink to %s, which is not a file of %s", file,
			 PF_LOCAL_HOOKS_DIR);
		return -1;
	}
	if (fd < 0) {
		snprintf(buf, size, "cannot open it: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0) {
		*why = NULL;
		pf_fail_errno(ctx, PF_E_OTHER, "%s/%s/%s", pf_ctx_root_prefix(ctx),
			      PF_LOCAL_HOOKS_DIR, name);
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode))
		snprintf(buf, size, "it is not a regular file");
	else if (untrusted(&sb, buf, size))
		;
	else if (!(sb.st_mode & S_IXUSR))
		snprintf(buf, size, "it is not executable: 'chmod u+x' it to run it");
	else
		return fd;
	close(fd);
	return -1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in the folder DFD that are hooks, sorted. */
static int list_names(struct pf_ctx *ctx, int dfd, char ***out, size_t *n)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **names = NULL;
	struct dirent *de;
	size_t len;

	*out = NULL;
	*n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(ctx),
				     PF_LOCAL_HOOKS_DIR);
	}
	while ((errno = 0, de = readdir(d))) {
		char **more;

		len = strlen(de->d_name);
		/* Editor leftovers and hidden files are not hooks. */
		if (de->d_name[0] == '.' || de->d_name[len - 1] == '~')
			continue;
		more = realloc(names, (*n + 1) * sizeof(*names));
		if (!more || !(more[*n] = strdup(de->d_name))) {
			names = more ? more : names;
			goto nomem;
		}
		names = more;
		(*n)++;
	}
	if (errno) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(ctx), PF_LOCAL_HOOKS_DIR);
		goto fail;
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(*names), by_name);
	*out = names;
	return 0;
nomem:
	pf_fail(ctx, PF_E_OTHER, "out of memory");
fail:
	closedir(d);
	for (size_t i = 0; i < *n; i++)
		free(names[i]);
	free(names);
	*n = 0;
	return -1;
}

/* Report and record a hook that is not run. */
static int refuse(const struct pf_hooks *hk, const char *phase, const char *name, const char *why)
{
	struct pf_hook_run_row end = { .exit_code = -1 };
	int64_t id;

	pf_emit(hk->ctx, &(struct pf_event){
		.type = PF_EV_HOOK_REFUSED,
		.hook = { .phase = phase, .name = name, .reason = why },
	});
	snprintf(end.state, sizeof(end.state), "refused");
	end.output = (char *)why;
	end.output_len = strlen(why);
	end.output_total = end.output_len;
	if (pf_db_hook_run_add(hk->db, hk->tx, NULL, phase, name, NULL, "pending", 0, &id) < 0 ||
	    pf_db_hook_run_end(hk->db, id, &end) < 0)
		return -1;
	return 0;
}

int pf_local_hooks_run(const struct pf_hooks *hk, const char *phase, const char *units)
{
	struct pf_ctx *ctx = hk->ctx;
	struct pf_hooks with_units = *hk;
	char root[PATH_MAX], why[640];
	char **names = NULL;
	struct stat sb;
	size_t n = 0;
	int dfd, r = -1;
	const char *bad;

	dfd = pf_root_open(ctx, PF_LOCAL_HOOKS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (dfd < 0 && errno == ENOENT)
		return 0;
	if (dfd < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(ctx),
				     PF_LOCAL_HOOKS_DIR);
	if (fstat(dfd, &sb) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s/%s", pf_ctx_root_prefix(ctx), PF_LOCAL_HOOKS_DIR);
		goto out;
	}
	if (list_names(ctx, dfd, &names, &n) < 0)
		goto out;
	/* A folder others could write to makes every file in it theirs. */
	bad = untrusted(&sb, why, sizeof(why));
	if (bad) {
		char folder[800];

		snprintf(folder, sizeof(folder), "its folder %s is not safe: %s", PF_LOCAL_HOOKS_DIR,
			 bad);
		for (size_t i = 0; i < n; i++)
			if (refuse(hk, phase, names[i], folder) < 0)
				goto out;
		r = 0;
		goto out;
	}
	if (n && pf_hooks_root(hk, root) < 0)
		goto out;
	with_units.units = units;
	for (size_t i = 0; i < n; i++) {
		struct pf_hook_copy c = { .phase = phase, .name = names[i], .root = root };
		int ran;

		c.fd = open_checked(ctx, dfd, names[i], why, sizeof(why), &bad);
		if (c.fd < 0 && !bad)
			goto out;
		if (c.fd < 0) {
			if (refuse(hk, phase, names[i], bad) < 0)
				goto out;
			continue;
		}
		ran = pf_db_hook_run_add(hk->db, hk->tx, NULL, phase, names[i], NULL, "pending", 0,
					 &c.id) < 0 ? -1 : pf_hooks_exec(&with_units, &c);
		close(c.fd);
		if (ran < 0)
			goto out;
	}
	r = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	close(dfd);
	return r;
}
