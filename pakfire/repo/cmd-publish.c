/* pakfire-repo publish: the signed index of one series/arch folder.
 *
 * Everything the index says about an update is taken from the files as they
 * are on disk now (sizes and SHA-256 of core/core-N.manifest and .pak) and
 * from updates/N/update.conf (Requires, Summary, Reboot), so that what the
 * clients verify is exactly what the mirrors serve. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "base/hash.h"
#include "base/numbers.h"
#include "format/index.h"
#include "format/manifest.h"
#include "outfile.h"
#include "base/path.h"
#include "check.h"
#include "repo.h"
#include "sign.h"
#include "update-conf.h"

/* Manifests are fetched before anything else; the client caps them too. */
#define MANIFEST_MAX (64 * 1024 * 1024)
#define INDEX_MAX (16 * 1024 * 1024)
#define DAY 86400
#define DEFAULT_VALID_DAYS 7

/* A date of the command line, YYYY-MM-DDTHH:MM:SSZ. */
struct opt_time {
	bool given;
	time_t t;
};

struct publish_opts {
	const char *repo, *updates, *series, *arch, *key, *gnupghome;
	const char *successor;
	struct pf_opt_number revision, valid_days;
	struct opt_time date, valid_until;
};

static int parse_time(const char *arg, void *dst)
{
	struct opt_time *o = dst;

	if (pf_time_parse(arg, &o->t) < 0)
		return -1;
	o->given = true;
	return 0;
}

/* The six options publish cannot do without: strings, given once. */
#define REQUIRED(n, field, a, h) \
	{ .name = n, .kind = PF_OPT_STRING, .arg = a, .required = true, \
	  .offset = offsetof(struct publish_opts, field), .help = h }

static const struct pf_opt options[] = {
	REQUIRED("repo", repo, "REPODIR", "the repository folder (with its core subfolder)"),
	REQUIRED("updates", updates, "UPDATESDIR", "the folder holding N/update.conf for each update"),
	REQUIRED("series", series, "S", "the Series of the index"),
	REQUIRED("arch", arch, "A", "the Arch of the index"),
	REQUIRED("key", key, "FPR", "the full fingerprint of the signing key"),
	REQUIRED("gnupghome", gnupghome, "DIR", "the GnuPG home holding its secret key"),
	/* The client keeps revisions in SQLite: a signed 64-bit. */
	{ .name = "revision", .kind = PF_OPT_NUMBER, .arg = "N", .min = 0, .max = INT64_MAX,
	  .offset = offsetof(struct publish_opts, revision), .what = "a decimal number",
	  .help = "the Revision (default: the current index's plus one, or 1)" },
	{ .name = "date", .kind = PF_OPT_PARSE, .arg = "T", .parse = parse_time,
	  .offset = offsetof(struct publish_opts, date), .what = "YYYY-MM-DDTHH:MM:SSZ",
	  .help = "the Date, YYYY-MM-DDTHH:MM:SSZ (UTC); default now" },
	{ .name = "valid-until", .kind = PF_OPT_PARSE, .arg = "T", .parse = parse_time,
	  .offset = offsetof(struct publish_opts, valid_until), .what = "YYYY-MM-DDTHH:MM:SSZ",
	  .help = "the Valid-Until date" },
	/* Days may be negative: tests publish an index that is already expired. */
	{ .name = "valid-days", .kind = PF_OPT_NUMBER, .arg = "D", .min = -36500, .max = 36500,
	  .offset = offsetof(struct publish_opts, valid_days),
	  .what = "a number of days (at most 36500)",
	  .help = "or Valid-Until is Date plus D days (default 7)" },
	{ .name = "successor", .kind = PF_OPT_STRING, .arg = "S",
	  .offset = offsetof(struct publish_opts, successor),
	  .help = "the Successor series: this one is closed by a toolchain bump" },
	{ NULL },
};

/* What the table cannot say: one of two, names, the key's form. */
static int check_options(struct pf_ctx *ctx, const struct publish_opts *o)
{
	if (o->valid_until.given && o->valid_days.given)
		return pf_fail(ctx, PF_E_USAGE,
			       "publish: give --valid-until or --valid-days, not both");
	if (!repo_name_valid(o->series) || !repo_name_valid(o->arch) ||
	    (o->successor && !repo_name_valid(o->successor)))
		return pf_fail(ctx, PF_E_USAGE,
			       "publish: series, arch and successor are made of [A-Za-z0-9._-]");
	if (o->successor && strcmp(o->successor, o->series) == 0)
		return pf_fail(ctx, PF_E_USAGE,
			       "publish: a series cannot be its own successor");
	if (!sign_fpr_valid(o->key))
		return pf_fail(ctx, PF_E_USAGE,
			       "publish: --key '%s' is not a full fingerprint (40 or 64 hex digits)",
			       o->key);
	return 0;
}

/* "core-141.manifest" -> 141; 0 for names that are not manifests; -1 (after
 * pf_fail) for a manifest whose number is not canonical, which a client
 * could never be pointed at unambiguously. */
static int manifest_number(struct pf_ctx *ctx, const char *dir,
			   const char *name, unsigned *out)
{
	static const char prefix[] = "core-", suffix[] = ".manifest";
	size_t len = strlen(name), pl = sizeof(prefix) - 1, sl = sizeof(suffix) - 1;
	char digits[16];
	uint64_t v;

	if (len <= pl + sl || strncmp(name, prefix, pl) != 0 ||
	    strcmp(name + len - sl, suffix) != 0)
		return 0;
	if (len - pl - sl >= sizeof(digits))
		goto bad;
	memcpy(digits, name + pl, len - pl - sl);
	digits[len - pl - sl] = '\0';
	if (pf_parse_uint(digits, UINT_MAX - 1, &v) < 0 || v == 0)
		goto bad;
	*out = (unsigned)v;
	return 1;
bad:
	return pf_fail(ctx, PF_E_VERIFY, "%s/%s: not core-N.manifest with a number N",
		       dir, name);
}

static int uint_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x > y) - (x < y);
}

/* The numbers of every core-N.manifest in the core folder, ascending. */
static int scan_core(struct pf_ctx *ctx, int corefd, const char *dir,
		     unsigned **out, size_t *n_out)
{
	unsigned *nums = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = NULL;
	int fd = dup(corefd), r = -1;

	if (fd < 0 || !(d = fdopendir(fd))) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", dir);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (;;) {
		unsigned num = 0;
		int k;

		errno = 0;
		if (!(de = readdir(d))) {
			if (errno) {
				pf_fail_errno(ctx, PF_E_OTHER, "%s: readdir", dir);
				goto out;
			}
			break;
		}
		k = manifest_number(ctx, dir, de->d_name, &num);
		if (k < 0)
			goto out;
		if (k == 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			unsigned *grown = realloc(nums, ncap * sizeof(*nums));
			if (!grown) {
				pf_fail(ctx, PF_E_OTHER, "out of memory");
				goto out;
			}
			nums = grown;
			cap = ncap;
		}
		nums[n++] = num;
	}
	if (n > 1)
		qsort(nums, n, sizeof(*nums), uint_cmp);
	*out = nums;
	*n_out = n;
	nums = NULL;
	r = 0;
out:
	free(nums);
	closedir(d);
	return r;
}

/* Manifest-Size/-SHA256 of core-N.manifest, which must also parse: a
 * malformed manifest would be refused by every client after download. */
static int describe_manifest(struct pf_ctx *ctx, int corefd, const char *dir,
			     const char *name, struct pf_index_entry *e)
{
	struct pf_manifest *m = NULL;
	char *buf = NULL, label[PATH_MAX];
	size_t len = 0;

	snprintf(label, sizeof(label), "%s/%s", dir, name);
	if (pf_read_file_at(corefd, name, MANIFEST_MAX, &buf, &len) < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", label);
	if (pf_manifest_parse(ctx, label, buf, len, &m) < 0) {
		free(buf);
		return -1;
	}
	pf_manifest_free(m);
	pf_sha256_buf(buf, len, e->manifest_sha256);
	e->manifest_size = len;
	free(buf);
	return 0;
}

/* Package-Size/-SHA256 of core-N.pak, streamed (packages are large). */
static int describe_package(struct pf_ctx *ctx, int corefd, const char *dir,
			    const char *name, struct pf_index_entry *e)
{
	struct stat st;
	char label[PATH_MAX];
	int fd, r = -1;

	snprintf(label, sizeof(label), "%s/%s", dir, name);
	fd = openat(corefd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", label);
	if (fstat(fd, &st) < 0) {
		pf_fail_errno(ctx, PF_E_OTHER, "%s", label);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		pf_fail(ctx, PF_E_OTHER, "%s: not a regular file", label);
		goto out;
	}
	r = pf_sha256_fd(ctx, fd, label, e->package_sha256, &e->package_size);
out:
	close(fd);
	return r;
}

/* Requires, Summary and Reboot from UPDATESDIR/N/update.conf, which must
 * belong to this update and this series. */
static int describe_update(struct pf_ctx *ctx, const struct publish_opts *o,
			   unsigned number, struct pf_index_entry *e)
{
	struct update_conf *uc = NULL;
	char *dir = NULL;
	int r = -1;

	if (asprintf(&dir, "%s/%u", o->updates, number) < 0) {
		dir = NULL;
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	if (update_conf_load(ctx, dir, &uc) < 0)
		goto out;
	if (uc->number != number) {
		pf_fail(ctx, PF_E_VERIFY, "%s: number is %u, not %u", uc->file,
			uc->number, number);
		goto out;
	}
	if (strcmp(uc->series, o->series) != 0) {
		pf_fail(ctx, PF_E_VERIFY, "%s: series is %s, but this is %s",
			uc->file, uc->series, o->series);
		goto out;
	}
	e->requires = uc->requires;
	e->reboot = uc->reboot;
	e->summary = uc->summary;
	uc->summary = NULL; /* moved into the index entry */
	r = 0;
out:
	update_conf_free(uc);
	free(dir);
	return r;
}

static int describe_core(struct pf_ctx *ctx, const struct publish_opts *o,
			 int corefd, const char *dir, unsigned number,
			 struct pf_index_entry *e)
{
	char mname[64], pname[64];

	snprintf(mname, sizeof(mname), "core-%u.manifest", number);
	snprintf(pname, sizeof(pname), "core-%u.pak", number);
	e->type = PF_STANZA_CORE;
	e->number = number;
	if (asprintf(&e->manifest, "core/%s", mname) < 0) {
		e->manifest = NULL;
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	if (asprintf(&e->package, "core/%s", pname) < 0) {
		e->package = NULL;
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	if (describe_update(ctx, o, number, e) < 0 ||
	    describe_manifest(ctx, corefd, dir, mname, e) < 0 ||
	    describe_package(ctx, corefd, dir, pname, e) < 0)
		return pf_fail_wrap(ctx, "core %u", number);
	pf_debug(ctx, "core %u: manifest %llu bytes, package %llu bytes", number,
		 (unsigned long long)e->manifest_size,
		 (unsigned long long)e->package_size);
	return 0;
}

/* --revision, else the current index's Revision + 1, else 1. */
static int next_revision(struct pf_ctx *ctx, const struct publish_opts *o,
			 int repofd, uint64_t *out)
{
	struct pf_index *cur = NULL;
	char *buf = NULL;
	size_t len = 0;
	int r = -1;

	if (o->revision.given) {
		*out = (uint64_t)o->revision.value;
		return 0;
	}
	if (pf_read_file_at(repofd, "index", INDEX_MAX, &buf, &len) < 0) {
		if (errno == ENOENT) {
			*out = 1;
			return 0;
		}
		return pf_fail_errno(ctx, PF_E_OTHER, "%s/index", o->repo);
	}
	if (pf_index_parse(ctx, "index", buf, len, &cur) < 0) {
		pf_fail_wrap(ctx, "%s: the current index cannot be read to continue its revisions (give --revision)",
			     o->repo);
		goto out;
	}
	if (strcmp(cur->series, o->series) != 0 || strcmp(cur->arch, o->arch) != 0) {
		pf_fail(ctx, PF_E_USAGE, "%s/index is for %s/%s, not %s/%s: wrong --repo?",
			o->repo, cur->series, cur->arch, o->series, o->arch);
		goto out;
	}
	if (cur->revision >= (uint64_t)INT64_MAX) {
		pf_fail(ctx, PF_E_VERIFY, "%s/index: revision cannot grow any more",
			o->repo);
		goto out;
	}
	*out = cur->revision + 1;
	r = 0;
out:
	pf_index_free(cur);
	free(buf);
	return r;
}

static void set_dates(struct pf_ctx *ctx, const struct publish_opts *o,
		      struct pf_index *idx)
{
	char when[21];

	idx->date = o->date.given ? o->date.t : time(NULL);
	if (o->valid_until.given)
		idx->valid_until = o->valid_until.t;
	else
		idx->valid_until = idx->date +
			(time_t)(o->valid_days.given ? o->valid_days.value : DEFAULT_VALID_DAYS) * DAY;
	if (idx->valid_until <= time(NULL)) {
		pf_time_format(idx->valid_until, when);
		pf_warn(ctx, "the index expires at %s, which is not in the future: clients will refuse it",
			when);
	}
}

/* The index as pf_index_write serialises it, with every core update found
 * in REPODIR/core. */
static int make_index(struct pf_ctx *ctx, const struct publish_opts *o,
		      int repofd, int corefd, const char *coredir,
		      struct pf_index **out)
{
	struct pf_index *idx = calloc(1, sizeof(*idx));
	unsigned *nums = NULL;
	size_t n = 0;
	int r = -1;

	if (!idx)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	idx->format = 1;
	idx->series = strdup(o->series);
	idx->arch = strdup(o->arch);
	idx->successor = o->successor ? strdup(o->successor) : NULL;
	if (!idx->series || !idx->arch || (o->successor && !idx->successor)) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	if (next_revision(ctx, o, repofd, &idx->revision) < 0)
		goto out;
	set_dates(ctx, o, idx);
	if (scan_core(ctx, corefd, coredir, &nums, &n) < 0)
		goto out;
	if (n == 0)
		pf_warn(ctx, "%s has no core-N.manifest: the index lists no updates",
			coredir);
	idx->entries = calloc(n ? n : 1, sizeof(*idx->entries));
	if (!idx->entries) {
		pf_fail(ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		idx->n = i + 1; /* so that pf_index_free frees what is filled */
		if (describe_core(ctx, o, corefd, coredir, nums[i],
				  &idx->entries[i]) < 0)
			goto out;
	}
	*out = idx;
	idx = NULL;
	r = 0;
out:
	free(nums);
	pf_index_free(idx);
	return r;
}

/* Both files are complete under temporary names before either is renamed.
 * Then index first, index.sig right after: a mirror that syncs between the
 * two renames sees a new index with the old signature (or the reverse) for
 * that instant, and clients refuse the pair as a bad signature rather than
 * trusting anything; there is no order in which two renames are one. index
 * goes first because rsync copies in name order, so a mirror that picked up
 * the new index in a run also finds the new index.sig after it. */
static int write_index(struct pf_ctx *ctx, int repofd, const char *repo,
		       const char *buf, size_t len, const char *sig,
		       size_t sig_len)
{
	struct outfile osig = { 0 }, oidx = { 0 };
	int r = -1;

	if (outfile_open(ctx, &osig, repofd, repo, "index.sig") < 0 ||
	    outfile_write(ctx, &osig, sig, sig_len) < 0 ||
	    outfile_finish(ctx, &osig) < 0 ||
	    outfile_open(ctx, &oidx, repofd, repo, "index") < 0 ||
	    outfile_write(ctx, &oidx, buf, len) < 0 ||
	    outfile_finish(ctx, &oidx) < 0 ||
	    outfile_rename(ctx, &oidx) < 0 ||
	    outfile_rename(ctx, &osig) < 0 ||
	    outfile_sync_dir(ctx, repofd, repo) < 0)
		goto out;
	r = 0;
out:
	outfile_discard(&osig);
	outfile_discard(&oidx);
	return r;
}

static int open_dirs(struct pf_ctx *ctx, const struct publish_opts *o,
		     int *repofd, int *corefd, char **coredir)
{
	const char *repo = o->repo;
	struct stat st;

	/* Checked before any hashing: GPGME would only say "no secret key". */
	if (stat(o->gnupghome, &st) < 0)
		return pf_fail_errno(ctx, PF_E_USAGE, "--gnupghome %s", o->gnupghome);
	if (!S_ISDIR(st.st_mode))
		return pf_fail(ctx, PF_E_USAGE, "--gnupghome %s: not a directory",
			       o->gnupghome);
	*repofd = open(repo, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*repofd < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "--repo %s", repo);
	if (asprintf(coredir, "%s/core", repo) < 0) {
		*coredir = NULL;
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	}
	*corefd = openat(*repofd, "core", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*corefd < 0)
		return pf_fail_errno(ctx, PF_E_OTHER, "%s", *coredir);
	return 0;
}

static int run(struct pf_ctx *ctx, void *opts)
{
	const struct publish_opts *o = opts;
	struct pf_index *idx = NULL;
	char *buf = NULL, *sig = NULL, *signer = NULL, *coredir = NULL;
	char until[21];
	size_t len = 0, sig_len = 0;
	int repofd = -1, corefd = -1, r = -1;

	if (check_options(ctx, o) < 0 ||
	    open_dirs(ctx, o, &repofd, &corefd, &coredir) < 0 ||
	    make_index(ctx, o, repofd, corefd, coredir, &idx) < 0 ||
	    pf_index_write(ctx, idx, &buf, &len) < 0 || /* parses it back too */
	    repo_check_before_signing(ctx, o->repo, repofd, idx) < 0 || /* check.h */
	    sign_detached(ctx, o->gnupghome, o->key, buf, len, &sig, &sig_len,
			  &signer) < 0 ||
	    write_index(ctx, repofd, o->repo, buf, len, sig, sig_len) < 0)
		goto out;
	pf_time_format(idx->valid_until, until);
	pf_info(ctx, "index: revision %llu, %zu update%s, valid until %s, signed by %s",
		(unsigned long long)idx->revision, idx->n, idx->n == 1 ? "" : "s",
		until, signer);
	r = 0;
out:
	if (corefd >= 0)
		close(corefd);
	if (repofd >= 0)
		close(repofd);
	free(coredir);
	free(signer);
	free(sig);
	free(buf);
	pf_index_free(idx);
	return r;
}

const struct repo_command cmd_publish = {
	.spec = {
		.name = "publish", .summary = "write and sign the index of a series/arch folder",
		.opts = options, .opts_size = sizeof(struct publish_opts),
	},
	.run = run,
};
