/* pakfire-repo publish: the signed index of one series/arch folder, from
 * what is on disk there and the maintainer's sources (publish.c). */
#include <stddef.h>
#include <stdint.h>

#include "format/index.h"
#include "publish.h"
#include "repo.h"

#define LEVEL_TEXT_(n) #n
#define LEVEL_TEXT(n) LEVEL_TEXT_(n)

struct publish_opts {
	const char *repo, *updates, *series, *arch, *gnupghome, *successor, *min_partition;
	const char *mirrors;
	struct pf_opt_list keys;
	struct index_opts io;
	struct pf_opt_number min_client;
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
	/* An index this pakfire-repo could not read back (nor check, nor
	 * publish again) is refused as a usage error. */
	{ .name = "min-client", .kind = PF_OPT_NUMBER, .arg = "N", .min = 1, .max = PF_CLIENT_LEVEL,
	  .offset = offsetof(struct publish_opts, min_client),
	  .what = "a client level from 1 to " LEVEL_TEXT(PF_CLIENT_LEVEL) " (this pakfire-repo's)",
	  .help = "the Min-Client of the index: the oldest client level that may read it (default: the current index's; for a new series, 2 when another series moves systems to it, else 1)" },
	{ .name = "min-partition", .kind = PF_OPT_STRING, .arg = "\"MOUNT=SIZE...\"",
	  .offset = offsetof(struct publish_opts, min_partition),
	  .help = "the Min-Partition of the index: the partition sizes the distribution advises, as \"/boot=128M /=4G\" (default: the current index's; \"\" for none)" },
	{ .name = "mirrors", .kind = PF_OPT_STRING, .arg = "FILE",
	  .offset = offsetof(struct publish_opts, mirrors),
	  .help = "the published mirror list: FILE (pakfire-mirrors<TAB>1, then one http(s) base URL a line) is checked and put beside the index as REPODIR/mirrors (default: the one already there, if any)" },
	{ NULL },
};

static int run(struct pf_ctx *ctx, void *opts)
{
	const struct publish_opts *o = opts;
	const struct publish_params p = {
		.command = "publish", .repo = o->repo, .updates = o->updates,
		.series = o->series, .arch = o->arch, .successor = o->successor,
		.keys = &o->keys, .gnupghome = o->gnupghome, .io = &o->io,
		.min_client = o->min_client.given ? (unsigned)o->min_client.value : 0,
		.min_partition = o->min_partition, .mirrors = o->mirrors,
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
