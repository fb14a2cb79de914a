/* The members of the support bundle, each made as bytes in memory (the
 * database as a file): for ops/bundle.c only. Each returns 0 with the
 * member, or -1 with the reason on the context: the caller writes
 * NAME.missing with it and goes on. */
#ifndef PF_OPS_BUNDLE_MEMBERS_H
#define PF_OPS_BUNDLE_MEMBERS_H

#include <stddef.h>

struct pf_diagnosis;
struct pf_session;

/* The last LOG_TAIL bytes of <root>/var/log/pakfire/pakfire.log, taken
 * from the end of pakfire.log.1 first when the current one is shorter;
 * whole lines only. */
#define PF_BUNDLE_LOG_TAIL (1024 * 1024)
int pf_bundle_log(struct pf_session *s, char **out, size_t *len);

/* The configuration (FILE on the host, or the root's when NULL), every
 * URL's userinfo redacted. */
int pf_bundle_config(struct pf_session *s, const char *file, char **out, size_t *len);

/* /proc/self/mountinfo as it is. */
int pf_bundle_mountinfo(struct pf_session *s, char **out, size_t *len);

/* df of every mount pakfire plans for: D's, or found now when D has none. */
int pf_bundle_df(struct pf_session *s, const struct pf_diagnosis *d, char **out, size_t *len);

#endif
