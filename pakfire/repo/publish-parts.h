/* Inside publish (publish.c, publish-core.c, publish-addons.c,
 * publish-files.c): the stanzas of the index, each kind found on disk in its
 * own folder and described from its sources. */
#ifndef PF_REPO_PUBLISH_PARTS_H
#define PF_REPO_PUBLISH_PARTS_H

#include "publish.h"

struct pf_index;
struct pf_index_entry;

/* A new zeroed entry at the end of IDX (a hand-built index: its strings
 * malloc'd one by one, freed by pf_index_free); NULL after pf_fail. */
struct pf_index_entry *publish_add_entry(struct pf_ctx *ctx, struct pf_index *idx);

/* Manifest-Size/-SHA256 of DIRFD/MNAME, which must parse (a malformed
 * manifest would be refused by every client after download), and
 * Package-Size/-SHA256 of DIRFD/PNAME, streamed. DIR names the folder in
 * messages. */
int publish_describe_files(struct pf_ctx *ctx, int dirfd, const char *dir,
			   const char *mname, const char *pname,
			   struct pf_index_entry *e);

/* One stanza per REPO/core/core-N.manifest, ascending, from
 * UPDATES/N/update.conf. A switching update (Series-Switch) must be the
 * last; with p->switch_to, there must be one, switching there. */
int publish_core(struct pf_ctx *ctx, const struct publish_params *p, int repofd,
		 struct pf_index *idx);

/* One stanza per REPO/addons/NAME-VERSION-RELEASE.manifest, sorted by
 * name, each from the source UPDATES/addons/NAME/addon.conf that builds
 * that version and release for the series. */
int publish_addons(struct pf_ctx *ctx, const struct publish_params *p, int repofd,
		   struct pf_index *idx);

/* The Min-Client of the index (publish-levels.c; docs/formats.md, "Client
 * levels"): p->min_client (--min-client) when given; else that of CUR, the
 * current index (NULL: none), so that a later publish never lowers it by
 * accident; else, for the first index of a series, 2 when another series
 * of the mirror (p->repo is <mirror>/<series>/<arch>) moves systems to it,
 * by its Successor (which bump writes) or a Series-Switch: a series reached
 * only through a switch, which level-1 clients never make; else 1. */
int publish_min_client(struct pf_ctx *ctx, const struct publish_params *p,
		       const struct pf_index *cur, unsigned *out);

/* The Min-Partition of the index (publish-levels.c; docs/formats.md):
 * p->min_partition (--min-partition; "" for none) when given, else that of
 * CUR (NULL: none), so that a later publish keeps the distribution's
 * advice. IDX->min_partition is set (malloc'd) and, with it,
 * IDX->optional_keys lists the key: clients of level 2 that came before
 * it refuse a repository key they do not know unless Optional-Keys lists
 * it, and advice must never cost them their updates. */
int publish_min_partition(struct pf_ctx *ctx, const struct publish_params *p,
			  const struct pf_index *cur, struct pf_index *idx);

/* The published mirror list (publish-mirrors.c; docs/formats.md,
 * "mirrors"): --mirrors FILE (p->mirrors) when given, else REPO/mirrors
 * when there is one (a list published before, or put there by hand); it
 * must parse as the client parses it. IDX gets Mirrors, its size and
 * SHA-256, and Optional-Keys lists the three keys. *BUF: the bytes to put
 * in place as REPO/mirrors, with the index (--mirrors), else NULL. */
int publish_mirrors(struct pf_ctx *ctx, const struct publish_params *p, int repofd,
		    struct pf_index *idx, char **buf, size_t *len);

#endif
