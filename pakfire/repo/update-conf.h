/* update.conf: what a maintainer says about one core update (updates/N/).
 *
 *   number = 141            required
 *   series = 2.25           required
 *   summary = ...           required
 *   reboot = yes|no         default no
 *   requires = 140          default number - 1
 *   remove = usr/lib/x.so   repeatable: cleanup entries of the manifest
 *
 * Any other key is malformed input (PF_E_VERIFY) naming file and line.
 * 'hook' and 'series-switch' are part of the format but this pakfire-repo
 * cannot build them yet, so it refuses them rather than drop them. */
#ifndef PF_REPO_UPDATE_CONF_H
#define PF_REPO_UPDATE_CONF_H

#include <stdbool.h>
#include <stddef.h>

struct pf_ctx;

struct update_conf {
	char *file;        /* "DIR/update.conf", for messages */
	unsigned number;
	unsigned requires;
	char *series;
	char *summary;
	bool reboot;
	char **removes;    /* in file order */
	size_t n_removes;
};

/* Read and check DIR/update.conf. On success *out is owned by the caller. */
int update_conf_load(struct pf_ctx *ctx, const char *dir,
		     struct update_conf **out);
void update_conf_free(struct update_conf *uc);

#endif
