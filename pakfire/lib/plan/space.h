/* The space check of an upgrade: the plan (plan.c) on the real mounts of the
 * root, its rows as events, and the refusal of an update that does not fit. */
#ifndef PF_SPACE_H
#define PF_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"

struct pf_ctx;
struct pf_db;

struct pf_space_check {
	struct pf_mount_table *mounts;
	struct pf_root_probe rp;
	struct pf_plan_probe probe;
	char root_host[4096];
	char cache[4096];        /* the cache folder, relative to the root */
	struct pf_plan_env env;
};

/* DB: who owns what; CACHE_DIR: the download folder relative to the root
 * (need not exist); RESERVES: from pakfire.conf. */
int pf_space_open(struct pf_ctx *ctx, struct pf_space_check *sc, struct pf_db *db,
		  const char *cache_dir, const struct pf_reserve *reserves, size_t n_reserves);
void pf_space_close(struct pf_space_check *sc);

int pf_space_plan(struct pf_ctx *ctx, struct pf_space_check *sc,
		  const struct pf_plan_input *in, size_t n, struct pf_plan **out);

/* Emit update I's rows as PF_EV_PLAN or PF_EV_REFUSED events. */
void pf_space_emit(struct pf_ctx *ctx, const struct pf_plan *p, size_t i, bool refused);

/* Record update I's rows in the database (transaction TX). */
int pf_space_record(struct pf_db *db, int64_t tx, const struct pf_plan *p, size_t i);

/* Fail with PF_E_SPACE for update I, naming the first mount that does not
 * fit and its figures. CORE is the level the system stays at. */
int pf_space_refuse(struct pf_ctx *ctx, const struct pf_plan *p, size_t i, unsigned core,
		    bool dry_run);

#endif
