/* pakfire-repo bump: close a series for a toolchain bump. Given the mirror
 * root that holds <series>/<arch>/, it re-publishes FROM's index with
 * Successor: TO (the next revision, signed, derived as publish derives it),
 * once FROM's core folder holds the update that moves systems to TO (its
 * update.conf: series = FROM, series-switch = TO; the last of the series),
 * and makes TO's tree, <mirror>/TO/<arch>/core and addons, for the builds
 * of the new series. Run again once done, it changes nothing and says so;
 * a series closed towards another successor is refused. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "format/index.h"
#include "publish.h"
#include "repo.h"

struct bump_opts {
	const char *mirror, *from, *to, *arch, *updates, *gnupghome;
	struct pf_opt_list keys;
	struct index_opts io;
};

#define REQUIRED(n, field, a, h) \
	{ .name = n, .kind = PF_OPT_STRING, .arg = a, .required = true, \
	  .offset = offsetof(struct bump_opts, field), .help = h }

static const struct pf_opt options[] = {
	REQUIRED("mirror", mirror, "DIR", "the mirror root, holding SERIES/ARCH/ folders"),
	REQUIRED("from", from, "S", "the series to close (it holds the switching update)"),
	REQUIRED("to", to, "S", "the new series"),
	REQUIRED("arch", arch, "A", "the architecture"),
	REQUIRED("updates", updates, "UPDATESDIR",
		 "the sources: N/update.conf for each update, addons/NAME/addon.conf"),
	SIGN_OPTS(struct bump_opts, keys, gnupghome),
	INDEX_OPTS(struct bump_opts, io),
	{ NULL },
};

/* <mirror>/<series>/<arch> */
static char *series_dir(struct pf_ctx *ctx, const struct bump_opts *o, const char *series)
{
	char *dir = NULL;

	if (asprintf(&dir, "%s/%s/%s", o->mirror, series, o->arch) < 0) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	return dir;
}

/* FROM's current index: it must exist (a series never published has no
 * systems to move), and not be closed towards another series. *done: it is
 * already closed towards TO. */
static int check_old(struct pf_ctx *ctx, const struct bump_opts *o, const char *old,
		     bool *done)
{
	struct pf_index *cur = NULL;
	int fd, r = -1;

	*done = false;
	fd = open(old, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", old);
	if (fd >= 0 && publish_read_index(ctx, fd, old, &cur) < 0)
		goto out;
	if (!cur) {
		pf_fail(ctx, PF_E_OTHER, "%s has no index: publish series %s before bumping it",
			old, o->from);
		goto out;
	}
	if (cur->successor && strcmp(cur->successor, o->to) != 0) {
		pf_fail(ctx, PF_E_OTHER,
			"%s/index already names Successor %s: series %s was bumped to %s, not %s",
			old, cur->successor, o->from, cur->successor, o->to);
		goto out;
	}
	if (cur->successor)
		pf_info(ctx, "%s: already closed (revision %llu names Successor %s): nothing republished",
			old, (unsigned long long)cur->revision, o->to);
	*done = cur->successor != NULL;
	r = 0;
out:
	pf_index_free(cur);
	if (fd >= 0)
		close(fd);
	return r;
}

/* <mirror>/TO/<arch>/core and addons; a warning while TO has no index,
 * because systems that apply the switching update look for it. */
static int make_new_tree(struct pf_ctx *ctx, const struct bump_opts *o, const char *dir)
{
	char *core = NULL, *addons = NULL, *index = NULL;
	int r = -1;

	if (asprintf(&core, "%s/core", dir) < 0 || asprintf(&addons, "%s/addons", dir) < 0 ||
	    asprintf(&index, "%s/index", dir) < 0) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (repo_mkdirs(ctx, core) < 0 || repo_mkdirs(ctx, addons) < 0)
		goto out;
	pf_info(ctx, "%s: the tree of series %s (core/, addons/)", dir, o->to);
	if (access(index, F_OK) < 0)
		pf_warn(ctx, "series %s has no index yet: build its core updates and add-ons into %s and publish it before the mirrors sync (systems that apply the switching update look for it)",
			o->to, dir);
	r = 0;
out:
	free(index);
	free(addons);
	free(core);
	return r;
}

/* Undo make_new_tree when it made DIR: its two folders, DIR, and the
 * series folder above it when that is empty now (rmdir leaves anything
 * that holds more). */
static void remove_new_tree(char *dir)
{
	char path[4096];
	char *slash;

	snprintf(path, sizeof(path), "%s/core", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/addons", dir);
	rmdir(path);
	rmdir(dir);
	snprintf(path, sizeof(path), "%s", dir);
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		rmdir(path);
	}
}

static int run(struct pf_ctx *ctx, void *opts)
{
	const struct bump_opts *o = opts;
	char *old = NULL, *new = NULL;
	bool done = false, made;
	int r = -1;

	if (!repo_name_valid(o->from) || !repo_name_valid(o->to) || !repo_name_valid(o->arch))
		return pf_fail(ctx, PF_E_USAGE, "bump: series and arch are made of [A-Za-z0-9._-]");
	if (strcmp(o->from, o->to) == 0)
		return pf_fail(ctx, PF_E_USAGE, "bump: --from and --to are the same series");
	if (!(old = series_dir(ctx, o, o->from)) || !(new = series_dir(ctx, o, o->to)) ||
	    check_old(ctx, o, old, &done) < 0)
		goto out;
	/* The new tree first: the checks before signing want the series that
	 * Successor and Series-Switch name to exist (its index comes when the
	 * maintainers publish it). A refusal takes it away again. */
	made = access(new, F_OK) < 0;
	if (make_new_tree(ctx, o, new) < 0)
		goto out;
	if (!done) {
		const struct publish_params p = {
			.command = "bump", .repo = old, .updates = o->updates,
			.series = o->from, .arch = o->arch, .successor = o->to,
			.keys = &o->keys, .gnupghome = o->gnupghome, .io = &o->io,
			.switch_to = o->to,
		};

		if (publish_series(ctx, &p) < 0) {
			if (made)
				remove_new_tree(new);
			goto out;
		}
	}
	r = 0;
out:
	free(new);
	free(old);
	return r;
}

const struct repo_command cmd_bump = {
	.spec = {
		.name = "bump",
		.summary = "close a series for a toolchain bump (Successor), make the new one's tree",
		.opts = options, .opts_size = sizeof(struct bump_opts),
	},
	.run = run,
};
