/* addon.conf: what a maintainer says about one add-on. Its source is a
 * folder named after it, updates/addons/NAME/, holding addon.conf and the
 * file list (filelist); one source serves every series, each build naming
 * the series it is for (the toolchain bump rebuilds every add-on with a new
 * release, foo 1.0-1 in 2.23 and foo 1.0-2 in 2.25):
 *
 *   name = foo              required: the folder's name, an add-on name
 *                           (format/names.h)
 *   version = 1.0           required
 *   release = 1             required: the release in every series that has
 *                           no release.SERIES line
 *   release.2.25 = 2        the release in series 2.25 (once per series)
 *   version.2.23 = 0.9      the version in series 2.23 (once per series)
 *   summary = ...           required, one line
 *   depends = bar, baz      optional, repeatable: add-on names, separated by
 *                           commas or blanks
 *   reboot = yes|no         default no
 *   remove = usr/lib/x.so   repeatable: paths an earlier version of this
 *                           add-on installed
 *   min-client = 2          the oldest client level that honours the build
 *                           (Min-Client in the index; default 1)
 *   min-client.2.25 = 3     the same in series 2.25 (once per series)
 *   hook = post-install hooks/ldconfig [NAME]
 *                           repeatable: a hook (conf-util.h, conf_hook),
 *                           phase pre-install, post-install, pre-remove or
 *                           post-remove
 *
 * Versions and releases are 1 to 64 bytes of [A-Za-z0-9._+], starting with
 * a letter or digit: no '-', so that NAME-VERSION-RELEASE, the name of its
 * files on the mirrors, is read back unambiguously. Any other key is
 * malformed input (PF_E_VERIFY) naming file and line. */
#ifndef PF_REPO_ADDON_CONF_H
#define PF_REPO_ADDON_CONF_H

#include <stdbool.h>
#include <stddef.h>

struct pf_ctx;
struct conf_hook;

/* version.SERIES, release.SERIES or min-client.SERIES */
struct addon_override {
	char *series;
	char *value;
	unsigned line;
};

struct addon_conf {
	char *file;         /* "DIR/addon.conf", for messages */
	char *name;
	char *version;      /* the defaults: see addon_conf_version/_release */
	char *release;
	char *summary;
	bool reboot;
	char **depends;     /* sorted by name, each once */
	size_t n_depends;
	char **removes;     /* in file order */
	size_t n_removes;
	struct addon_override *versions, *releases;
	size_t n_versions, n_releases;
	unsigned min_client;  /* the default: see addon_conf_min_client */
	struct addon_override *min_clients;
	size_t n_min_clients;
	struct conf_hook *hooks; /* in file order: the order they run in */
	size_t n_hooks;
};

/* Parse the LEN bytes of BUF, named FILE in messages. */
int addon_conf_parse(struct pf_ctx *ctx, const char *file, const char *buf,
		     size_t len, struct addon_conf **out);

/* Read and check DIR/addon.conf; its name must be DIR's last component
 * (publish finds the add-on NAME as UPDATESDIR/addons/NAME). */
int addon_conf_load(struct pf_ctx *ctx, const char *dir,
		    struct addon_conf **out);

void addon_conf_free(struct addon_conf *ac);

/* The version and the release of the add-on built for SERIES. */
const char *addon_conf_version(const struct addon_conf *ac, const char *series);
const char *addon_conf_release(const struct addon_conf *ac, const char *series);

/* Its Min-Client in SERIES: min-client.SERIES, else min-client, else 1. */
unsigned addon_conf_min_client(const struct addon_conf *ac, const char *series);

/* "NAME-VERSION-RELEASE" of the build for SERIES: the name of its files in
 * REPODIR/addons/ (without .manifest or .pak). Malloc'd; NULL after
 * pf_fail. */
char *addon_conf_stem(struct pf_ctx *ctx, const struct addon_conf *ac,
		      const char *series);

/* The index's Depends value: "bar, baz", or NULL (and 0) when there are
 * none. Malloc'd. */
int addon_conf_depends(struct pf_ctx *ctx, const struct addon_conf *ac,
		       char **out);

#endif
