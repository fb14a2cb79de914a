/* The mounts of `pakfire diagnose` (its "Mounts" section, d->mounts) and
 * of the bundle's df.txt: every file system pakfire plans for, with its
 * figures as they are now (df). */
#ifndef PF_OPS_DIAGNOSE_MOUNTS_H
#define PF_OPS_DIAGNOSE_MOUNTS_H

#include <stddef.h>

#include "ops/diagnose.h"

struct pf_session;
struct pf_status;

/* Every mount pakfire plans for, found the way the planner finds them
 * (plan/mounts.h: the mount table, paths resolved inside the root, one
 * entry per file system, bind mounts of one device being one): the ones
 * that hold the root, /boot, the download cache, the database and the log;
 * every folder an installed update owns a path in (S->db, when it is
 * open); and every mount the pending chain touches (ST->space.mounts, ST
 * may be NULL). Root's first, then in mount-table order. Each with its
 * device, type, size, used, free and inodes (statvfs) and whether it is
 * mounted read-only. The paths are pakfire.conf's, or the defaults when
 * it could not be read (S->config NULL); reads only. A database that
 * cannot be read only loses the installed updates' folders (the report
 * says what is wrong with it elsewhere). -1 after pf_fail when the mount
 * table cannot be read or memory runs out. *OUT is malloc'd (NULL when
 * *N is 0). */
int pf_diag_mounts(struct pf_session *s, const struct pf_status *st,
		   struct pf_diag_mount **out, size_t *n);

#endif
