/* Where the index stands and what it points at: the folder is
 * <mirror>/<Series>/<Arch> (clients fetch exactly that), the series that
 * Successor and Series-Switch name are published beside it, and the index
 * is not about to expire. See check.h. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/context.h"
#include "base/error.h"
#include "check.h"
#include "base/path.h"
#include "format/index.h"

#define DAY 86400

/* The real path of the folder cut into <mirror>/<series>/<arch>. */
struct place {
	char *real;          /* malloc'd; mirror is cut out of it in place */
	const char *mirror;  /* "" for the root folder itself */
	const char *series;  /* "" when the folder is right under / */
	size_t series_len;
	const char *arch;
};

static int place_of(struct repo_check *c, struct place *pl)
{
	char *last, *prev;

	pl->real = realpath(c->repo, NULL);
	if (!pl->real)
		return pf_fail_errno(c->ctx, PF_E_OTHER, "%s", c->repo);
	last = strrchr(pl->real, '/');
	pl->arch = last + 1;
	for (prev = last; prev > pl->real && prev[-1] != '/'; prev--)
		;
	pl->series = prev;
	pl->series_len = (size_t)(last - prev);
	/* "/m/2.23/x86_64": the mirror ends at the slash before the series */
	if (prev > pl->real)
		prev[-1] = '\0';
	pl->mirror = prev > pl->real ? pl->real : "";
	return 0;
}

/* A folder elsewhere (a staging copy) is not wrong in itself, but a
 * client would not find it, and what lies beside it says nothing. */
static void check_layout(struct repo_check *c, const struct place *pl)
{
	const struct pf_index *idx = c->idx;

	if (strcmp(pl->arch, idx->arch) || strlen(idx->series) != pl->series_len ||
	    strncmp(pl->series, idx->series, pl->series_len))
		check_warning(c, "%s: the index is for %s/%s, but the folder is %.*s/%s: clients fetch <mirror>/%s/%s/index",
			      c->repo, idx->series, idx->arch, (int)pl->series_len, pl->series,
			      pl->arch, idx->series, idx->arch);
}

/* Series S (named by WHAT) is published beside this one:
 * <mirror>/S/<Arch>/index. While publishing, a series whose folder is made
 * but whose index is not yet (pakfire-repo bump makes it so, and the new
 * series is published after) is a warning. */
static void check_series_exists(struct repo_check *c, const struct place *pl,
				const char *what, const char *s)
{
	char path[PATH_MAX], dir[PATH_MAX / 2];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/%s/%s", pl->mirror, s, c->idx->arch);
	snprintf(path, sizeof(path), "%s/index", dir);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return;
	if (c->publishing && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		check_warning(c, "%s: %s, whose folder %s has no index yet: publish it before this index reaches the mirrors",
			      what, s, dir);
		return;
	}
	check_error(c, "%s: %s, but there is no series %s beside this one (no %s)", what, s, s,
		    path);
}

/* The series that core update E switches to must go on from it: a core
 * update in its index that requires E's number, or every system that
 * applies E is stranded. (The maintainer's own files, read to lint them;
 * their signature is that series' own check.) */
static void check_series_goes_on(struct repo_check *c, const struct place *pl, const char *what,
				 const struct pf_index_entry *e)
{
	char path[PATH_MAX];
	struct pf_index *next = NULL;
	char *buf = NULL;
	size_t len;
	bool found = false;

	snprintf(path, sizeof(path), "%s/%s/%s/index", pl->mirror, e->series_switch, c->idx->arch);
	if (pf_read_file_at(AT_FDCWD, path, 16 * 1024 * 1024, &buf, &len) < 0)
		return; /* not there: check_series_exists said so */
	if (pf_index_parse(c->ctx, path, buf, len, &next) < 0) {
		check_error(c, "%s: %s: %s", what, path, pf_error_message(c->ctx));
		pf_clear_error(c->ctx);
		free(buf);
		return;
	}
	for (size_t i = 0; i < next->n; i++)
		found |= next->entries[i].type == PF_STANZA_CORE &&
			 next->entries[i].requires == e->number;
	if (!found)
		check_error(c, "%s: %s, whose index %s offers no core update that requires %u: the systems it moves there are stranded",
			    what, e->series_switch, path, e->number);
	pf_index_free(next);
	free(buf);
}

int check_series(struct repo_check *c)
{
	const struct pf_index *idx = c->idx;
	char what[300], stanza[256];
	struct place pl = { 0 };

	if (place_of(c, &pl) < 0)
		return -1;
	check_layout(c, &pl);
	if (idx->successor) {
		snprintf(what, sizeof(what), "%s/index: Successor", c->repo);
		check_series_exists(c, &pl, what, idx->successor);
	}
	for (size_t i = 0; i < idx->n; i++) {
		if (idx->entries[i].type != PF_STANZA_CORE || !idx->entries[i].series_switch)
			continue;
		check_stanza(c, i, stanza, sizeof(stanza));
		snprintf(what, sizeof(what), "%s: Series-Switch", stanza);
		check_series_exists(c, &pl, what, idx->entries[i].series_switch);
		check_series_goes_on(c, &pl, what, &idx->entries[i]);
	}
	free(pl.real);
	return 0;
}

void check_valid_until(struct repo_check *c, long long warn_days)
{
	time_t now = time(NULL), until = c->idx->valid_until;
	char when[21];

	pf_time_format(until, when);
	if (until <= now)
		check_error(c, "%s/index: Valid-Until %s has passed: clients refuse this index (publish it again)",
			    c->repo, when);
	else if ((long long)(until - now) < warn_days * DAY)
		check_warning(c, "%s/index: Valid-Until %s is %.1f days ahead, less than %lld: publish it again before then, or clients will refuse it",
			      c->repo, when, (double)(until - now) / DAY, warn_days);
}
