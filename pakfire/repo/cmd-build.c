/* pakfire-repo build: one package from its source, its file list and a
 * built root tree:
 *   --update DIR: a core update (DIR/update.conf) into
 *                 REPODIR/core/core-N.manifest and core-N.pak;
 *   --addon DIR:  an add-on (DIR/addon.conf, the file list DIR/filelist)
 *                 built for --series S into
 *                 REPODIR/addons/NAME-VERSION-RELEASE.manifest and .pak.
 *
 * Two passes over the build root: the first lstat()s and hashes every listed
 * path to make the manifest (manifest-scan.c; it must come first in the
 * package), the second streams the files into the package and checks that
 * each is still what the manifest says. Nothing is written before the first
 * pass and pf_manifest_check() have accepted the input. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addon-conf.h"
#include "build-hooks.h"
#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "base/numbers.h"
#include "base/strings.h"
#include "format/manifest.h"
#include "manifest-scan.h"
#include "outfile.h"
#include "pak-write.h"
#include "previous.h"
#include "repo.h"
#include "update-conf.h"

struct build_opts {
	const char *update;   /* updates/N */
	const char *addon;    /* updates/addons/NAME */
	const char *series;   /* the series an add-on is built for */
	const char *filelist; /* manifests/core-N.filelist */
	const char *root;     /* the built root tree */
	const char *previous; /* the previous build root (core updates) */
	const char *out;      /* the repository (series/arch) folder */
};

static const struct pf_opt options[] = {
	{ .name = "update", .kind = PF_OPT_STRING, .arg = "DIR",
	  .offset = offsetof(struct build_opts, update),
	  .help = "a core update's folder, holding update.conf (updates/141)" },
	{ .name = "addon", .kind = PF_OPT_STRING, .arg = "DIR",
	  .offset = offsetof(struct build_opts, addon),
	  .help = "or an add-on's folder, holding addon.conf and filelist (updates/addons/foo)" },
	{ .name = "series", .kind = PF_OPT_STRING, .arg = "S",
	  .offset = offsetof(struct build_opts, series),
	  .help = "the series the add-on is built for (with --update: must be update.conf's)" },
	{ .name = "filelist", .kind = PF_OPT_STRING, .arg = "FILE",
	  .offset = offsetof(struct build_opts, filelist),
	  .help = "the list of paths it ships (manifests/core-141.filelist; an add-on's: DIR/filelist)" },
	{ .name = "root", .kind = PF_OPT_STRING, .arg = "BUILDROOT", .required = true,
	  .offset = offsetof(struct build_opts, root),
	  .help = "the built root tree the paths are taken from" },
	{ .name = "previous", .kind = PF_OPT_STRING, .arg = "OLD_BUILDROOT",
	  .offset = offsetof(struct build_opts, previous),
	  .help = "a core update: remove the shared libraries (lib*.so.*, lib*-N*.so, ld-N*.so) OLD_BUILDROOT has and BUILDROOT no longer has" },
	{ .name = "out", .kind = PF_OPT_STRING, .arg = "REPODIR", .required = true,
	  .offset = offsetof(struct build_opts, out),
	  .help = "the repository folder of the series and architecture (made if missing)" },
	{ NULL },
};

/* What is built: its name in the repository and what its manifest holds. */
struct package {
	const char *subdir;      /* "core" or "addons" */
	char stem[256];          /* "core-141", "foo-1.0-2" */
	char *filelist;          /* malloc'd */
	struct scan_input scan;
	struct update_conf *uc;  /* one of these two */
	struct addon_conf *ac;
	struct build_hooks hooks;
	char **removes;          /* the conf's and --previous's (scan.removes;
				  * the strings are uc's and found's) */
	size_t n_removes;
	char **found;            /* --previous: malloc'd, sorted */
	size_t n_found;
};

/* SOURCE_DATE_EPOCH (reproducible-builds.org) or 0: the one mtime of every
 * member, so that a package depends on its content only. */
static int member_mtime(struct pf_ctx *ctx, time_t *out)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	uint64_t v;

	*out = 0;
	if (!s || s[0] == '\0')
		return 0;
	/* Up to the year 9999: well inside what tar and time_t carry. */
	if (pf_parse_uint(s, 253402300799ULL, &v) < 0)
		return pf_fail(ctx, PF_E_USAGE,
			       "SOURCE_DATE_EPOCH '%s' is not a number of seconds", s);
	*out = (time_t)v;
	return 0;
}

/* The directory name of DIR, if it is all digits, must be the number in its
 * update.conf: publish looks update N up as UPDATESDIR/N. */
static int check_dir_number(struct pf_ctx *ctx, const char *dir,
			    const struct update_conf *uc)
{
	const char *base = pf_basename(dir);
	size_t len = strlen(base);
	uint64_t v;
	char name[32];

	if (len == 0 || len >= sizeof(name))
		return 0;
	memcpy(name, base, len + 1);
	if (pf_parse_uint(name, UINT_MAX, &v) < 0)
		return 0;
	if (v != uc->number)
		return pf_fail(ctx, PF_E_VERIFY, "%s: number %u, but the folder is %s",
			       uc->file, uc->number, name);
	return 0;
}

/* One of --update and --addon, and what each needs. */
static int check_options(struct pf_ctx *ctx, const struct build_opts *o)
{
	if (!o->update == !o->addon)
		return pf_fail(ctx, PF_E_USAGE, "build: give --update DIR or --addon DIR (one of them)");
	if (o->update && !o->filelist)
		return pf_fail(ctx, PF_E_USAGE, "build: --update needs --filelist");
	if (o->addon && !o->series)
		return pf_fail(ctx, PF_E_USAGE,
			       "build: --addon needs --series: the series it is built for");
	if (o->previous && !o->update)
		return pf_fail(ctx, PF_E_USAGE,
			       "build: --previous is for core updates (--update): an add-on's"
			       " earlier files are removed by the client already");
	if (o->series && !repo_name_valid(o->series))
		return pf_fail(ctx, PF_E_USAGE,
			       "build: --series '%s' is not a series name ([A-Za-z0-9._-])", o->series);
	return 0;
}

/* The hooks of the package in DIR, whose relative paths are the project's
 * top's: DIR/UP (updates/N, updates/addons/NAME), tried when they are not
 * found from where pakfire-repo runs, so that a build given an absolute DIR
 * works from any directory. */
static int load_hooks(struct pf_ctx *ctx, const char *dir, const char *up, const char *conf,
		      const struct conf_hook *h, size_t n, struct build_hooks *out)
{
	char *top;
	int r;

	if (asprintf(&top, "%s/%s", dir, up) < 0)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	r = build_hooks_load(ctx, conf, top, h, n, out);
	free(top);
	return r;
}

static int load_core(struct pf_ctx *ctx, const struct build_opts *o, struct package *p)
{
	if (update_conf_load(ctx, o->update, &p->uc) < 0 ||
	    check_dir_number(ctx, o->update, p->uc) < 0)
		return -1;
	if (o->series && strcmp(o->series, p->uc->series) != 0)
		return pf_fail(ctx, PF_E_USAGE, "build: --series %s, but %s says series %s",
			       o->series, p->uc->file, p->uc->series);
	p->subdir = "core";
	snprintf(p->stem, sizeof(p->stem), "core-%u", p->uc->number);
	p->filelist = strdup(o->filelist);
	p->scan.conf = p->uc->file;
	p->scan.removes = p->uc->removes;
	p->scan.n_removes = p->uc->n_removes;
	if (!p->filelist)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	return load_hooks(ctx, o->update, "../..", p->uc->file, p->uc->hooks, p->uc->n_hooks,
			  &p->hooks);
}

/* --previous: its libraries merged into update.conf's removals, each once. */
static int add_previous(struct pf_ctx *ctx, const char *old, struct package *p)
{
	size_t n;

	if (previous_removes(ctx, old, &p->found, &p->n_found) < 0)
		return -1;
	p->removes = malloc((p->uc->n_removes + p->n_found + 1) * sizeof(*p->removes));
	if (!p->removes)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	/* update.conf may have no remove line: then its array is NULL, which
	 * memcpy must not be given even for 0 bytes */
	if (p->uc->n_removes)
		memcpy(p->removes, p->uc->removes, p->uc->n_removes * sizeof(*p->removes));
	n = p->uc->n_removes;
	for (size_t i = 0; i < p->n_found; i++) {
		bool given = false;

		for (size_t k = 0; k < p->uc->n_removes && !given; k++)
			given = !strcmp(p->uc->removes[k], p->found[i]);
		if (!given)
			p->removes[n++] = p->found[i];
	}
	pf_info(ctx, "--previous %s: %zu shared libraries it has are gone from %s (%zu of them not"
		" in %s already)", old, p->n_found, ctx->root, n - p->uc->n_removes, p->uc->file);
	p->scan.removes = p->removes;
	p->scan.n_removes = n;
	return 0;
}

static int load_addon(struct pf_ctx *ctx, const struct build_opts *o, struct package *p)
{
	char *stem;

	if (addon_conf_load(ctx, o->addon, &p->ac) < 0 ||
	    !(stem = addon_conf_stem(ctx, p->ac, o->series)))
		return -1;
	snprintf(p->stem, sizeof(p->stem), "%s", stem);
	free(stem);
	p->subdir = "addons";
	if (o->filelist)
		p->filelist = strdup(o->filelist);
	else if (asprintf(&p->filelist, "%s/filelist", o->addon) < 0)
		p->filelist = NULL;
	p->scan.conf = p->ac->file;
	p->scan.removes = p->ac->removes;
	p->scan.n_removes = p->ac->n_removes;
	if (!p->filelist)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	return load_hooks(ctx, o->addon, "../../..", p->ac->file, p->ac->hooks, p->ac->n_hooks,
			  &p->hooks);
}

/* REPODIR/SUBDIR, made if missing, REPODIR with its parents (mkdir -p): a
 * new series' tree on the mirror starts with its first build. */
static int open_out_dir(struct pf_ctx *ctx, const char *out, const char *subdir,
			char **dirname, int *dirfd)
{
	if (asprintf(dirname, "%s/%s", out, subdir) < 0) {
		*dirname = NULL;
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", out);
	}
	if (repo_mkdirs(ctx, *dirname) < 0)
		return -1;
	*dirfd = open(*dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", *dirname);
	return 0;
}

struct artefacts {
	struct outfile pak, manifest;
	struct pak_stats stats;
};

/* Write both files under temporary names, then rename the package first:
 * publish looks for manifests, so a manifest never appears without its
 * package. */
static int write_artefacts(struct pf_ctx *ctx, int dirfd, const char *dir,
			   const char *stem, const struct pf_manifest *m,
			   const char *mbuf, size_t mlen, const struct build_hooks *hooks,
			   time_t mtime, struct artefacts *art)
{
	char pname[300], mname[300];

	snprintf(pname, sizeof(pname), "%s.pak", stem);
	snprintf(mname, sizeof(mname), "%s.manifest", stem);
	if (outfile_open(ctx, &art->pak, dirfd, dir, pname) < 0 ||
	    pak_write(ctx, pname, m, mbuf, mlen, hooks->pak, hooks->n, mtime, art->pak.fd,
		      &art->stats) < 0 ||
	    outfile_finish(ctx, &art->pak) < 0)
		return -1;
	if (outfile_open(ctx, &art->manifest, dirfd, dir, mname) < 0 ||
	    outfile_write(ctx, &art->manifest, mbuf, mlen) < 0 ||
	    outfile_finish(ctx, &art->manifest) < 0)
		return -1;
	if (outfile_rename(ctx, &art->pak) < 0 ||
	    outfile_rename(ctx, &art->manifest) < 0)
		return -1;
	return outfile_sync_dir(ctx, dirfd, dir);
}

static void report(struct pf_ctx *ctx, const char *stem,
		   const struct pf_manifest *m, size_t mlen,
		   const struct pak_stats *st)
{
	size_t count[PF_ENTRY_HOOK + 1] = { 0 };
	char in[16], out[16], msize[16];

	for (size_t i = 0; i < m->n; i++)
		count[m->entries[i].type]++;
	repo_format_size(mlen, msize);
	repo_format_size(st->bytes_in, in);
	repo_format_size(st->bytes_out, out);
	char hooks[32] = "";

	if (count[PF_ENTRY_HOOK])
		snprintf(hooks, sizeof(hooks), ", %zu hooks", count[PF_ENTRY_HOOK]);
	pf_info(ctx, "%s.manifest: %zu entries (%zu files, %zu dirs, %zu symlinks, %zu removes%s), %s",
		stem, m->n, count[PF_ENTRY_FILE], count[PF_ENTRY_DIR],
		count[PF_ENTRY_SYMLINK], count[PF_ENTRY_REMOVE], hooks, msize);
	pf_info(ctx, "%s.pak: %llu entries, %s in, %s out", stem,
		(unsigned long long)st->members, in, out);
}

static int run(struct pf_ctx *ctx, void *opts)
{
	const struct build_opts *o = opts;
	struct package p = { 0 };
	struct pf_manifest *m = NULL;
	struct artefacts art = { 0 };
	char mname[300], *mbuf = NULL, *dirname = NULL;
	size_t mlen = 0;
	time_t mtime;
	int dirfd = -1, r = -1;

	if (check_options(ctx, o) < 0 || member_mtime(ctx, &mtime) < 0 ||
	    (o->update ? load_core(ctx, o, &p) : load_addon(ctx, o, &p)) < 0 ||
	    pf_ctx_set_root(ctx, o->root) < 0 ||
	    (o->previous && add_previous(ctx, o->previous, &p) < 0))
		goto out;
	p.scan.hooks = p.hooks.entries;
	p.scan.n_hooks = p.hooks.n;
	snprintf(mname, sizeof(mname), "%s.manifest", p.stem);
	p.scan.filelist = p.filelist;
	p.scan.mname = mname;
	if (scan_manifest(ctx, &p.scan, &m) < 0 ||
	    pf_manifest_write(ctx, m, &mbuf, &mlen) < 0 ||
	    open_out_dir(ctx, o->out, p.subdir, &dirname, &dirfd) < 0 ||
	    write_artefacts(ctx, dirfd, dirname, p.stem, m, mbuf, mlen, &p.hooks, mtime,
			    &art) < 0)
		goto out;
	report(ctx, p.stem, m, mlen, &art.stats);
	r = 0;
out:
	outfile_discard(&art.pak);
	outfile_discard(&art.manifest);
	if (dirfd >= 0)
		close(dirfd);
	free(dirname);
	free(mbuf);
	pf_manifest_free(m);
	free(p.filelist);
	build_hooks_clear(&p.hooks);
	free(p.removes);
	for (size_t i = 0; i < p.n_found; i++)
		free(p.found[i]);
	free(p.found);
	update_conf_free(p.uc);
	addon_conf_free(p.ac);
	return r;
}

const struct repo_command cmd_build = {
	.spec = {
		.name = "build", .summary = "one core update or add-on: its manifest and package",
		.opts = options, .opts_size = sizeof(struct build_opts),
	},
	.run = run,
};
