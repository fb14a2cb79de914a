/* pakfire-repo publish: the signed index of one series/arch folder, from
 * what is on disk there and the maintainer's sources (publish.c). */
#include <stddef.h>
#include <stdint.h>

#include "publish.h"
#include "repo.h"

struct publish_opts {
	const char *repo, *updates, *series, *arch, *gnupghome, *successor;
	struct pf_opt_list keys;
	struct index_opts io;
};

#define REQUIRED(n, field, a, h) \
	{ .name = n, .kind = PF_OPT_STRING, .arg = a, .required = true, \
	  .offset = offsetof(struct publish_opts, field), .help = h }

static const struct pf_opt options[] = {
	REQUIRED("repo", repo, "REPODIR",
		 "the repository folder, holding core/ and addons/ (made if missing)"),
	REQUIRED("updates", updates, "UPDATESDIR",
		 "the sources: N/update.conf for each update, addons/NAME/addon.conf"),
	REQUIRED("series", series, "S", "the Series of the index"),
	REQUIRED("arch", arch, "A", "the Arch of the index"),
	SIGN_OPTS(struct publish_opts, keys, gnupghome),
	INDEX_OPTS(struct publish_opts, io),
	{ .name = "successor", .kind = PF_OPT_STRING, .arg = "S",
	  .offset = offsetof(struct publish_opts, successor),
	  .help = "the Successor series: this one is closed by a toolchain bump" },
	{ NULL },
};

static int run(struct pf_ctx *ctx, void *opts)
{
	const struct publish_opts *o = opts;
	const struct publish_params p = {
		.command = "publish", .repo = o->repo, .updates = o->updates,
		.series = o->series, .arch = o->arch, .successor = o->successor,
		.keys = &o->keys, .gnupghome = o->gnupghome, .io = &o->io,
	};

	return publish_series(ctx, &p);
}

const struct repo_command cmd_publish = {
	.spec = {
		.name = "publish", .summary = "write and sign the index of a series/arch folder",
		.opts = options, .opts_size = sizeof(struct publish_opts),
	},
	.run = run,
};
