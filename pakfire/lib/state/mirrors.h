/* What each mirror did last (table mirror_results, migration 10), for
 * status and diagnose; the published mirror list kept with its index; this
 * machine's start in that list. Written by the session when its
 * downloader closes (dry runs write nothing). */
#ifndef PF_STATE_MIRRORS_H
#define PF_STATE_MIRRORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pf_db;
struct pf_mirror;

/* One row per mirror that was tried this run (pf_mirror.touched), in
 * transaction TX (0: none). */
int pf_db_mirror_record(struct pf_db *db, const struct pf_mirror *m, size_t n, int64_t tx);

struct pf_mirror_result {
	char url[1024];
	char origin[8];       /* config | list | dir */
	char outcome[16];     /* pf_mirror_outcome_name */
	char detail[256];
	uint64_t revision;    /* 0 unknown */
	int64_t attempted;    /* UTC seconds */
	int64_t last_ok;      /* 0 never */
	unsigned errors;
};
/* Every row, by URL; *OUT malloc'd (free it), *N rows. */
int pf_db_mirror_load(struct pf_db *db, struct pf_mirror_result **out, size_t *n);

/* This machine's seed for the published list: read, or drawn at random
 * (getrandom) and stored when there is none yet and WRITE (under the
 * lock); without WRITE and none stored, 0. */
int pf_db_mirror_seed(struct pf_db *db, bool write, uint32_t *seed);

/* The verified mirror list of SERIES/ARCH's stored index (NULL, 0: none). */
int pf_db_mirror_list_store(struct pf_db *db, const char *series, const char *arch,
			    const char *buf, size_t len);
int pf_db_mirror_list_load(struct pf_db *db, const char *series, const char *arch,
			   char **buf, size_t *len);

#endif
