/* UTC times as the index and the command line write them:
 * "2026-11-25T10:00:00Z", one spelling for each second; and the monotonic
 * clock, for intervals. */
#ifndef PF_TIME_H
#define PF_TIME_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* "2026-11-25T10:00:00Z" -> time_t (UTC). -1 if malformed: another shape,
 * a field out of range (Feb 30), a year before 1970. */
int pf_time_parse(const char *s, time_t *out);

/* time_t -> "2026-11-25T10:00:00Z". A time with no such form (before year
 * 0, after 9999) gives "0000-00-00T00:00:00Z", which pf_time_parse
 * refuses. */
void pf_time_format(time_t t, char buf[static 21]);

/* The monotonic clock in nanoseconds: for intervals, never for dates. */
int64_t pf_monotonic_ns(void);

/* Whether EVERY_NS have passed since *LAST (0: never), and if so *LAST
 * becomes now: how an event that could come thousands of times a second
 * (a staged file, a received block) is sent only a few times a second. */
bool pf_due(int64_t *last, int64_t every_ns);

#endif
