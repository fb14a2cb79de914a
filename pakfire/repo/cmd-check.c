/* pakfire-repo check REPO: the lint of a published series/arch folder
 * (<mirror>/<series>/<arch>). It reads what a client reads (index,
 * index.sig, every manifest and package the index lists) and reports one
 * line per finding (check.h); it changes nothing. Exit 4 when there is
 * any error: the repository holds something that clients would refuse,
 * or that cannot hold. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "base/path.h"
#include "check.h"
#include "format/index.h"
#include "repo.h"

/* What the client fetches at most (fetch/). */
#define INDEX_MAX (16 * 1024 * 1024)
#define SIG_MAX (64 * 1024)
#define DEFAULT_WARN_DAYS 3

struct check_opts {
	const char *repo, *keys;
	struct pf_opt_list key;
	struct pf_opt_number warn_days;
};

static const struct pf_opt operand = {
	.name = "REPO", .kind = PF_OPT_STRING, .arg = "REPO", .required = true,
	.offset = offsetof(struct check_opts, repo),
};

static const struct pf_opt options[] = {
	{ .name = "keys", .kind = PF_OPT_STRING, .arg = "DIR",
	  .offset = offsetof(struct check_opts, keys),
	  .help = "the public keys (*.asc) that index.sig must be made by, as in a client's keys folder" },
	{ .name = "key", .kind = PF_OPT_LIST, .arg = "FILE",
	  .offset = offsetof(struct check_opts, key),
	  .help = "or public key files (repeatable)" },
	{ .name = "warn-days", .kind = PF_OPT_NUMBER, .arg = "D", .min = 0, .max = 36500,
	  .offset = offsetof(struct check_opts, warn_days),
	  .what = "a number of days (at most 36500)",
	  .help = "warn when Valid-Until is less than D days ahead (default 3)" },
	{ NULL },
};

/* NAME of the folder into *BUF; -1 after an error finding (a missing index
 * or signature is the repository's fault, not the command's). */
static int read_listed(struct repo_check *c, const char *name, size_t max, char **buf,
		       size_t *len)
{
	if (pf_read_file_at(c->repofd, name, max, buf, len) == 0)
		return 0;
	if (errno == ENOENT)
		check_error(c, "%s/%s: missing", c->repo, name);
	else if (errno == EFBIG)
		check_error(c, "%s/%s: larger than the %zu bytes a client fetches", c->repo, name,
			    max);
	else
		check_error(c, "%s/%s: %s", c->repo, name, strerror(errno));
	return -1;
}

/* The signature, then the index and everything it lists. */
static int check_repo(struct pf_ctx *ctx, const struct check_opts *o, struct repo_check *c,
		      struct pf_index **idx)
{
	const struct check_keys keys = { .dir = o->keys, .files = o->key.v, .n_files = o->key.n };
	char *buf = NULL, *sig = NULL, name[PATH_MAX];
	size_t len = 0, sig_len = 0;
	int r = -1;

	if (read_listed(c, "index", INDEX_MAX, &buf, &len) < 0)
		return 0;
	if (read_listed(c, "index.sig", SIG_MAX, &sig, &sig_len) == 0 &&
	    check_signature(c, &keys, buf, len, sig, sig_len) < 0)
		goto out;
	snprintf(name, sizeof(name), "%s/index", o->repo);
	if (pf_index_parse(ctx, name, buf, len, idx) < 0) {
		check_failed(c);
		r = 0;
		goto out;
	}
	if (repo_check_run(c, *idx, false) < 0)
		goto out;
	check_valid_until(c, o->warn_days.given ? o->warn_days.value : DEFAULT_WARN_DAYS);
	r = 0;
out:
	free(sig);
	free(buf);
	return r;
}

static int run(struct pf_ctx *ctx, void *opts)
{
	const struct check_opts *o = opts;
	struct repo_check c;
	struct pf_index *idx = NULL;
	unsigned cores = 0, addons = 0;
	int r = -1;

	if (!o->keys && !o->key.n)
		return pf_fail(ctx, PF_E_USAGE,
			       "check: give the keys that index.sig must be made by (--keys DIR or --key FILE)");
	repo_check_init(&c, ctx, o->repo, open(o->repo, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (c.repofd < 0)
		return pf_fail_errno(ctx, PF_E_USAGE, "%s", o->repo);
	if (check_repo(ctx, o, &c, &idx) < 0)
		goto out;
	for (size_t i = 0; idx && i < idx->n; i++) {
		if (idx->entries[i].type == PF_STANZA_CORE)
			cores++;
		else
			addons++;
	}
	if (c.errors) {
		pf_fail(ctx, PF_E_VERIFY, "%s: %u error%s, %u warning%s", o->repo, c.errors,
			c.errors == 1 ? "" : "s", c.warnings, c.warnings == 1 ? "" : "s");
		goto out;
	}
	pf_info(ctx, "%s: revision %llu, %u core update%s, %u add-on%s: no errors, %u warning%s",
		o->repo, (unsigned long long)idx->revision, cores, cores == 1 ? "" : "s", addons,
		addons == 1 ? "" : "s", c.warnings, c.warnings == 1 ? "" : "s");
	r = 0;
out:
	repo_check_clear(&c);
	pf_index_free(idx);
	close(c.repofd);
	return r;
}

const struct repo_command cmd_check = {
	.spec = {
		.name = "check", .summary = "check a published series/arch folder as clients will read it",
		.opts = options, .opts_size = sizeof(struct check_opts), .operand = &operand,
	},
	.run = run,
};
