/* update.conf: what a maintainer says about one core update (updates/N/).
 *
 *   number = 141            required
 *   series = 2.25           required
 *   summary = ...           required
 *   reboot = yes|no         default no
 *   requires = 140          default number - 1
 *   remove = usr/lib/x.so   repeatable: cleanup entries of the manifest
 *   series-switch = 2.25    applying it moves a system to that series (not
 *                           the update's own); Series-Switch in the index
 *   min-client = 2          the oldest client level that honours it
 *                           (Min-Client in the index; default 1)
 *   provides-client = 2     applying it installs a pakfire of that client
 *                           level (Provides-Client; core updates only)
 *   hook = post hooks/ldconfig [NAME]
 *                           repeatable: a hook (conf-util.h, conf_hook),
 *                           phase pre or post
 *
 * Any other key is malformed input (PF_E_VERIFY) naming file and line. */
#ifndef PF_REPO_UPDATE_CONF_H
#define PF_REPO_UPDATE_CONF_H

#include <stdbool.h>
#include <stddef.h>

struct pf_ctx;
struct conf_hook;

struct update_conf {
	char *file;        /* "DIR/update.conf", for messages */
	unsigned number;
	unsigned requires;
	char *series;
	char *series_switch; /* or NULL */
	unsigned min_client;      /* 1 when not given */
	unsigned provides_client; /* 0 when not given */
	char *summary;
	bool reboot;
	char **removes;    /* in file order */
	size_t n_removes;
	struct conf_hook *hooks; /* in file order: the order they run in */
	size_t n_hooks;
};

/* Read and check DIR/update.conf. On success *out is owned by the caller. */
int update_conf_load(struct pf_ctx *ctx, const char *dir,
		     struct update_conf **out);

/* The same for the LEN bytes of BUF, named FILE in messages. */
int update_conf_parse(struct pf_ctx *ctx, const char *file, const char *buf,
		      size_t len, struct update_conf **out);
void update_conf_free(struct update_conf *uc);

#endif
