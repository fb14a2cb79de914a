/* What the database knows of one unit, for `pakfire info`: its row (when
 * pakfire applied it) and what it owns in the files table. */
#ifndef PF_STATE_UNIT_INFO_H
#define PF_STATE_UNIT_INFO_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct pf_db;

struct pf_unit_info {
	bool recorded;          /* a units row exists (a core level the system
				 * was installed at has none) */
	char outcome[16];       /* applied | removed */
	char series[64];        /* the series it came from */
	char version[128];      /* add-on: Version-Release; "" for core */
	time_t applied_at;      /* when it was applied (or removed) */
	uint64_t files;         /* regular files it owns */
	uint64_t bytes;         /* their recorded sizes, summed */
	uint64_t paths;         /* every path it owns: files, folders, symlinks */
};

/* The row and the files of unit ID ("core-141", or an add-on's name). */
int pf_db_unit_info(struct pf_db *db, const char *id, struct pf_unit_info *out);

#endif
