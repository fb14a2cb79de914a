/* What the bench programs share: allocation that dies on failure, a
 * deterministic random source, a monotonic clock, the median/min/max of
 * a set of timings and the table rows that show them. The program that includes this defines die(), which
 * prints its message and exits. */
#ifndef PF_BENCH_H
#define PF_BENCH_H

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static inline char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("out of memory");
	return s;
}

/* xorshift64*: the same data on every run. One stream per program (a bench
 * program is one run, not a library: its state may be the file's). */
static uint64_t bench_rng_state = 0x9e3779b97f4a7c15ull;

static inline uint64_t rnd(void)
{
	bench_rng_state ^= bench_rng_state >> 12;
	bench_rng_state ^= bench_rng_state << 25;
	bench_rng_state ^= bench_rng_state >> 27;
	return bench_rng_state * 0x2545f4914f6cdd1dull;
}

static inline double now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		die("clock_gettime: %s", strerror(errno));
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stats {
	double median, min, max;
};

/* Sorts T. */
static inline struct stats summarise(double *t, size_t n)
{
	qsort(t, n, sizeof(*t), cmp_double);
	return (struct stats){ n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2, t[0], t[n - 1] };
}

/* The head of a results table, then one row per measure: the median, min
 * and max of the N timings T (ms; T gets sorted); a JUDGED row says PASS or
 * FAIL against TARGET_MS, the others "info". A row returns false on a miss. */
static inline void bench_table_head(void)
{
	printf("| %-52s | %8s | %8s | %8s | %-6s |\n", "ms", "median", "min", "max", "target");
	printf("|------------------------------------------------------|----------|----------|----------|--------|\n");
}

static inline bool bench_row(const char *what, double *t, size_t n, double target_ms, bool judged)
{
	struct stats st = summarise(t, n);
	bool pass = st.median < target_ms;

	printf("| %-52s | %8.2f | %8.2f | %8.2f | %-6s |\n", what, st.median, st.min, st.max,
	       judged ? (pass ? "PASS" : "FAIL") : "info");
	return !judged || pass;
}

static inline int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0)
		fprintf(stderr, "bench: cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

/* rm -rf PATH (no symlink followed); complains, never dies: it cleans up. */
static inline void rm_tree(const char *path)
{
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		fprintf(stderr, "bench: cannot remove %s: %s\n", path, strerror(errno));
}

#endif
