/* The schema (inside state/ only): migration i brings user_version i to i+1. */
#ifndef PF_STATE_SCHEMA_H
#define PF_STATE_SCHEMA_H

#include <stddef.h>

extern const char *const pf_schema_migrations[];
extern const size_t pf_schema_count;

#endif
