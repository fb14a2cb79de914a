/* Publishing one series/arch folder: its signed index, derived from the
 * files on disk (sizes and SHA-256 of every manifest and package) and from
 * the maintainer's sources (updates/N/update.conf, updates/addons/NAME/
 * addon.conf), so that what the clients verify is exactly what the mirrors
 * serve. `publish` calls it for one folder; `bump` for the series it closes. */
#ifndef PF_REPO_PUBLISH_H
#define PF_REPO_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/opts.h"

struct pf_ctx;
struct pf_index;

/* A date of the command line, YYYY-MM-DDTHH:MM:SSZ. */
struct opt_time {
	bool given;
	time_t t;
};

/* The options of the index's first stanza that publish and bump share. */
struct index_opts {
	struct pf_opt_number revision, valid_days;
	struct opt_time date, valid_until;
};

int index_opts_parse_time(const char *arg, void *dst);

/* Their lines of an option table, for a command whose option struct TYPE
 * holds a struct index_opts FIELD. */
#define INDEX_OPTS(type, field) \
	/* The client keeps revisions in SQLite: a signed 64-bit. */ \
	{ .name = "revision", .kind = PF_OPT_NUMBER, .arg = "N", .min = 0, .max = INT64_MAX, \
	  .offset = offsetof(type, field.revision), .what = "a decimal number", \
	  .help = "the Revision (default: the current index's plus one, or 1)" }, \
	{ .name = "date", .kind = PF_OPT_PARSE, .arg = "T", .parse = index_opts_parse_time, \
	  .offset = offsetof(type, field.date), .what = "YYYY-MM-DDTHH:MM:SSZ", \
	  .help = "the Date, YYYY-MM-DDTHH:MM:SSZ (UTC); default now" }, \
	{ .name = "valid-until", .kind = PF_OPT_PARSE, .arg = "T", .parse = index_opts_parse_time, \
	  .offset = offsetof(type, field.valid_until), .what = "YYYY-MM-DDTHH:MM:SSZ", \
	  .help = "the Valid-Until date" }, \
	/* Days may be negative: tests publish an index that is already expired. */ \
	{ .name = "valid-days", .kind = PF_OPT_NUMBER, .arg = "D", .min = -36500, .max = 36500, \
	  .offset = offsetof(type, field.valid_days), \
	  .what = "a number of days (at most 36500)", \
	  .help = "or Valid-Until is Date plus D days (default 7)" }

/* The signing options publish and bump share. */
#define SIGN_OPTS(type, keys, home) \
	{ .name = "key", .kind = PF_OPT_LIST, .arg = "FPR", .required = true, \
	  .offset = offsetof(type, keys), \
	  .help = "the full fingerprint of a signing key; repeat it to sign with each" }, \
	{ .name = "gnupghome", .kind = PF_OPT_STRING, .arg = "DIR", .required = true, \
	  .offset = offsetof(type, home), \
	  .help = "the GnuPG home holding their secret keys" }

struct publish_params {
	const char *command;     /* "publish", "bump": for messages */
	const char *repo;        /* the series/arch folder: made if missing */
	const char *updates;     /* N/update.conf, addons/NAME/addon.conf */
	const char *series, *arch;
	const char *successor;   /* Successor, or NULL */
	const struct pf_opt_list *keys;
	const char *gnupghome;
	const struct index_opts *io;
	const char *switch_to;   /* bump: the last core update must move
				  * systems to this series; NULL otherwise */
	unsigned min_client;     /* --min-client, 0 when not given
				  * (publish_min_client) */
	const char *min_partition; /* --min-partition, NULL when not given
				    * (publish_min_partition); "" for none */
	const char *mirrors;     /* --mirrors FILE, or NULL (publish_mirrors) */
};

/* Check the options, derive the index, sign it with every key, write index
 * and index.sig; one INFO line says what was published. Nothing is written
 * (but the folder) unless everything succeeded. */
int publish_series(struct pf_ctx *ctx, const struct publish_params *p);

/* The current DIRFD/index (REPO names it in messages), parsed; *out NULL
 * when there is none. */
int publish_read_index(struct pf_ctx *ctx, int dirfd, const char *repo,
		       struct pf_index **out);

#endif
