/* Publishing one series/arch folder: see publish.h. The stanzas come from
 * publish-core.c and publish-addons.c; this file makes the first stanza,
 * signs the whole and puts index and index.sig in place. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "base/path.h"
#include "format/index.h"
#include "check.h"
#include "outfile.h"
#include "publish-parts.h"
#include "repo.h"
#include "sign.h"

#define INDEX_MAX (16 * 1024 * 1024)
#define DAY 86400
#define DEFAULT_VALID_DAYS 7

int index_opts_parse_time(const char *arg, void *dst)
{
	struct opt_time *o = dst;

	if (pf_time_parse(arg, &o->t) < 0)
		return -1;
	o->given = true;
	return 0;
}

struct pf_index_entry *publish_add_entry(struct pf_ctx *ctx, struct pf_index *idx)
{
	struct pf_index_entry *grown = realloc(idx->entries, (idx->n + 1) * sizeof(*grown));

	if (!grown) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		return NULL;
	}
	idx->entries = grown;
	memset(&grown[idx->n], 0, sizeof(*grown));
	grown[idx->n].min_client = 1; /* as the parser reads an absent Min-Client */
	return &grown[idx->n++];
}

/* What the option table cannot say: one of two, names, the keys' form. */
static int check_params(struct pf_ctx *ctx, const struct publish_params *p)
{
	const struct index_opts *io = p->io;
	struct stat st;

	if (io->valid_until.given && io->valid_days.given)
		return pf_fail(ctx, PF_E_USAGE, "%s: give --valid-until or --valid-days, not both",
			       p->command);
	if (!repo_name_valid(p->series) || !repo_name_valid(p->arch) ||
	    (p->successor && !repo_name_valid(p->successor)))
		return pf_fail(ctx, PF_E_USAGE,
			       "%s: series, arch and successor are made of [A-Za-z0-9._-]",
			       p->command);
	if (p->successor && strcmp(p->successor, p->series) == 0)
		return pf_fail(ctx, PF_E_USAGE, "%s: a series cannot be its own successor",
			       p->command);
	for (size_t k = 0; k < p->keys->n; k++)
		if (!sign_fpr_valid(p->keys->v[k]))
			return pf_fail(ctx, PF_E_USAGE,
				       "%s: --key '%s' is not a full fingerprint (40 or 64 hex digits)",
				       p->command, p->keys->v[k]);
	if (p->min_partition && *p->min_partition) {
		char why[256];

		if (pf_min_partition_check(p->min_partition, why, sizeof(why)) < 0)
			return pf_fail(ctx, PF_E_USAGE, "%s: --min-partition: %s", p->command, why);
	}
	/* Checked before any hashing: GPGME would only say "no secret key". */
	if (stat(p->gnupghome, &st) < 0)
		return pf_fail_errno(ctx, PF_E_USAGE, "--gnupghome %s", p->gnupghome);
	if (!S_ISDIR(st.st_mode))
		return pf_fail(ctx, PF_E_USAGE, "--gnupghome %s: not a directory", p->gnupghome);
	return 0;
}

int publish_read_index(struct pf_ctx *ctx, int dirfd, const char *repo,
		       struct pf_index **out)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if (pf_read_file_at(dirfd, "index", INDEX_MAX, &buf, &len) < 0) {
		if (errno == ENOENT)
			return 0;
		return pf_fail_errno(ctx, PF_E_OTHER, "%s/index", repo);
	}
	r = pf_index_parse(ctx, "index", buf, len, out);
	if (r < 0)
		pf_fail_wrap(ctx, "%s: the current index cannot be read", repo);
	free(buf);
	return r;
}

/* The current index, for what publish carries on from it (its Revision,
 * its Min-Client, which must never rise); NULL in *cur when there is none,
 * or when it cannot be read and the options say both. An index of another
 * series or arch in the folder is a wrong --repo, unless --revision says to
 * start anew. */
static int read_current(struct pf_ctx *ctx, const struct publish_params *p, int repofd,
			struct pf_index **cur)
{
	*cur = NULL;
	if (publish_read_index(ctx, repofd, p->repo, cur) < 0) {
		/* Both given: what it carried on is given, and no client
		 * reads an index that cannot be read. */
		if (p->io->revision.given && p->min_client) {
			pf_clear_error(ctx);
			return 0;
		}
		return pf_fail_wrap(ctx, "%s", p->io->revision.given ?
				    "to keep its Min-Client (or give --min-client)" :
				    "to continue its revisions (or give --revision)");
	}
	if (!*cur || (strcmp((*cur)->series, p->series) == 0 &&
		      strcmp((*cur)->arch, p->arch) == 0))
		return 0;
	if (!p->io->revision.given)
		pf_fail(ctx, PF_E_USAGE, "%s/index is for %s/%s, not %s/%s: wrong --repo?",
			p->repo, (*cur)->series, (*cur)->arch, p->series, p->arch);
	pf_index_free(*cur);
	*cur = NULL;
	return p->io->revision.given ? 0 : -1;
}

/* --revision, else the current index's Revision + 1, else 1. */
static int next_revision(struct pf_ctx *ctx, const struct publish_params *p,
			 const struct pf_index *cur, uint64_t *out)
{
	if (p->io->revision.given) {
		*out = (uint64_t)p->io->revision.value;
		return 0;
	}
	if (!cur) {
		*out = 1;
		return 0;
	}
	if (cur->revision >= (uint64_t)INT64_MAX)
		return pf_fail(ctx, PF_E_VERIFY, "%s/index: revision cannot grow any more", p->repo);
	*out = cur->revision + 1;
	return 0;
}

static void set_dates(struct pf_ctx *ctx, const struct index_opts *io, struct pf_index *idx)
{
	char when[21];

	idx->date = io->date.given ? io->date.t : time(NULL);
	if (io->valid_until.given)
		idx->valid_until = io->valid_until.t;
	else
		idx->valid_until = idx->date +
			(time_t)(io->valid_days.given ? io->valid_days.value : DEFAULT_VALID_DAYS) * DAY;
	if (idx->valid_until <= time(NULL)) {
		pf_time_format(idx->valid_until, when);
		pf_warn(ctx, "the index expires at %s, which is not in the future: clients will refuse it",
			when);
	}
}

/* The index as pf_index_write serialises it: the repository stanza (its
 * Revision and Min-Client carried on from the current index), the core
 * updates found in REPO/core, the add-ons found in REPO/addons. */
static int make_index(struct pf_ctx *ctx, const struct publish_params *p, int repofd,
		      struct pf_index **out, char **mirrors, size_t *mirrors_len)
{
	struct pf_index *idx = calloc(1, sizeof(*idx)), *cur = NULL;
	int r = -1;

	if (!idx)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	idx->format = 1;
	idx->series = strdup(p->series);
	idx->arch = strdup(p->arch);
	idx->successor = p->successor ? strdup(p->successor) : NULL;
	if (!idx->series || !idx->arch || (p->successor && !idx->successor)) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (read_current(ctx, p, repofd, &cur) < 0 ||
	    next_revision(ctx, p, cur, &idx->revision) < 0 ||
	    publish_min_client(ctx, p, cur, &idx->min_client) < 0 ||
	    publish_min_partition(ctx, p, cur, idx) < 0 ||
	    publish_mirrors(ctx, p, repofd, idx, mirrors, mirrors_len) < 0)
		goto out;
	set_dates(ctx, p->io, idx);
	if (publish_core(ctx, p, repofd, idx) < 0 ||
	    publish_addons(ctx, p, repofd, idx) < 0)
		goto out;
	*out = idx;
	idx = NULL;
	r = 0;
out:
	pf_index_free(cur);
	pf_index_free(idx);
	return r;
}

/* Both files are complete under temporary names before either is renamed.
 * Then index first, index.sig right after: a mirror that syncs between the
 * two renames sees a new index with the old signature (or the reverse) for
 * that instant, and clients refuse the pair as a bad signature rather than
 * trusting anything; there is no order in which two renames are one. index
 * goes first because rsync copies in name order, so a mirror that picked up
 * the new index in a run also finds the new index.sig after it. A new
 * mirror list (MIRRORS, or NULL) goes before both: a client that meets
 * the old index with it finds its hash wrong and only goes without it. */
static int write_index(struct pf_ctx *ctx, int repofd, const char *repo,
		       const char *buf, size_t len, const char *sig,
		       size_t sig_len, const char *mirrors, size_t mirrors_len)
{
	struct outfile osig = { 0 }, oidx = { 0 }, olist = { 0 };
	int r = -1;

	if ((mirrors && (outfile_open(ctx, &olist, repofd, repo, "mirrors") < 0 ||
			 outfile_write(ctx, &olist, mirrors, mirrors_len) < 0 ||
			 outfile_finish(ctx, &olist) < 0)) ||
	    outfile_open(ctx, &osig, repofd, repo, "index.sig") < 0 ||
	    outfile_write(ctx, &osig, sig, sig_len) < 0 ||
	    outfile_finish(ctx, &osig) < 0 ||
	    outfile_open(ctx, &oidx, repofd, repo, "index") < 0 ||
	    outfile_write(ctx, &oidx, buf, len) < 0 ||
	    outfile_finish(ctx, &oidx) < 0 ||
	    (mirrors && outfile_rename(ctx, &olist) < 0) ||
	    outfile_rename(ctx, &oidx) < 0 ||
	    outfile_rename(ctx, &osig) < 0 ||
	    outfile_sync_dir(ctx, repofd, repo) < 0)
		goto out;
	r = 0;
out:
	outfile_discard(&osig);
	outfile_discard(&oidx);
	outfile_discard(&olist);
	return r;
}

static void report(struct pf_ctx *ctx, const struct pf_index *idx, const char *signers)
{
	size_t addons = 0;
	char until[21];

	for (size_t i = 0; i < idx->n; i++)
		addons += idx->entries[i].type == PF_STANZA_ADDON;
	pf_time_format(idx->valid_until, until);
	pf_info(ctx, "index: revision %llu, %zu update%s, %zu add-on%s, valid until %s, signed by %s",
		(unsigned long long)idx->revision, idx->n - addons, idx->n - addons == 1 ? "" : "s",
		addons, addons == 1 ? "" : "s", until, signers);
}

int publish_series(struct pf_ctx *ctx, const struct publish_params *p)
{
	struct pf_index *idx = NULL;
	char *buf = NULL, *sig = NULL, *signers = NULL, *mirrors = NULL;
	size_t len = 0, sig_len = 0, mirrors_len = 0;
	int repofd = -1, r = -1;
	bool made = false;

	if (check_params(ctx, p) < 0)
		goto out;
	/* A folder made here and then refused goes again: a refusal leaves
	 * the mirror as it was (an empty series folder would pass for one
	 * being published). */
	made = access(p->repo, F_OK) < 0;
	if (repo_mkdirs(ctx, p->repo) < 0)
		goto out;
	repofd = open(p->repo, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (repofd < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", p->repo);
		goto out;
	}
	if (make_index(ctx, p, repofd, &idx, &mirrors, &mirrors_len) < 0 ||
	    pf_index_write(ctx, idx, &buf, &len) < 0) /* parses it back too */
		goto out;
	/* What is about to be signed is complete here (idx, and the files
	 * under p->repo it describes): the checks of `pakfire-repo check`
	 * refuse to sign a broken repository (publish and bump alike). */
	if (repo_check_before_signing(ctx, p->repo, repofd, idx) < 0 ||
	    sign_detached(ctx, p->gnupghome, p->keys->v, p->keys->n, buf, len, &sig,
			  &sig_len, &signers) < 0 ||
	    write_index(ctx, repofd, p->repo, buf, len, sig, sig_len, mirrors, mirrors_len) < 0)
		goto out;
	report(ctx, idx, signers);
	r = 0;
out:
	if (repofd >= 0)
		close(repofd);
	if (r < 0 && made)
		rmdir(p->repo);
	free(signers);
	free(mirrors);
	free(sig);
	free(buf);
	pf_index_free(idx);
	return r;
}
