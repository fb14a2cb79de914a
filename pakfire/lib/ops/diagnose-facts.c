/* The facts of diagnose that are not status's nor history's: the
 * database's own checks, the journal and what recovery will do with it,
 * the trusted keys, the kept indexes, the download cache and the lock.
 * Each section that cannot be read says why in its own fields (see
 * diagnose-parts.h); nothing here writes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/context.h"
#include "base/path.h"
#include "format/config.h"
#include "ops/diagnose-parts.h"
#include "ops/lock.h"
#include "ops/session.h"
#include "ops/update.h"
#include "resolve/transaction.h"
#include "state/check.h"
#include "state/db.h"
#include "state/journal.h"
#include "state/system.h"
#include "verify/keyinfo.h"

/* The error on the context into BUF, then forgotten: the report goes on. */
static void take_error(struct pf_ctx *ctx, char *buf, size_t size)
{
	snprintf(buf, size, "%s", pf_error_message(ctx));
	pf_clear_error(ctx);
}

void pf_diag_paths(const struct pf_session *s, struct pf_diag_paths *p)
{
	const struct pf_config *c = s->config;

	p->database = c && c->database ? c->database : PF_DEFAULT_DATABASE;
	p->keys = c && c->keys ? c->keys : PF_DEFAULT_KEYS;
	p->cache = c && c->cache ? c->cache : PF_DEFAULT_CACHE;
	p->index_stale = c ? c->index_stale : PF_DEFAULT_INDEX_STALE;
}

/* The size of PATH (absolute, inside the root), 0 when it is not there. */
static uint64_t size_of(struct pf_ctx *ctx, const char *path)
{
	struct stat st;
	int fd = pf_root_open(ctx, path + 1, O_PATH | O_NOFOLLOW, 0);
	uint64_t n = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		n = (uint64_t)st.st_size;
	close(fd);
	return n;
}

int pf_diag_database(struct pf_session *s, const struct pf_diag_paths *p, struct pf_diagnosis *d)
{
	struct pf_diag_database *db = &d->database;
	struct pf_ctx *ctx = s->ctx;
	char wal[4200];
	bool exists = false;

	snprintf(db->path, sizeof(db->path), "%s%s", pf_ctx_root_prefix(ctx), p->database);
	db->schema_latest = pf_db_schema_latest();
	if (pf_db_exists(ctx, p->database, &exists) < 0) {
		take_error(ctx, db->error, sizeof(db->error));
		return 0;
	}
	db->exists = exists;
	if (!exists) {
		snprintf(db->error, sizeof(db->error), "there is no database at %.900s: this system"
			 " was never set up with 'pakfire init', or the file was deleted", db->path);
		return 0;
	}
	snprintf(wal, sizeof(wal), "%s-wal", p->database);
	db->bytes = size_of(ctx, p->database) + size_of(ctx, wal);
	if (!s->db && pf_db_open(ctx, p->database, PF_DB_READONLY, &s->db) < 0) {
		take_error(ctx, db->error, sizeof(db->error));
		return 0;
	}
	db->opened = true;
	db->schema = pf_db_schema(s->db);
	db->outdated = pf_db_outdated(s->db);
	if (pf_db_check(s->db, false, db->integrity, sizeof(db->integrity)) < 0)
		take_error(ctx, db->integrity, sizeof(db->integrity));
	if (pf_db_check(s->db, true, db->quick, sizeof(db->quick)) < 0)
		take_error(ctx, db->quick, sizeof(db->quick));
	return 0;
}

/* The paths of a journal's manifest, in order: every entry but the
 * header and the hooks names one, last on its line. */
static int journal_paths(struct pf_ctx *ctx, const char *manifest, struct pf_diag_journal *j)
{
	const char *line = manifest;

	j->paths = calloc(PF_DIAG_PATHS, sizeof(*j->paths));
	if (!j->paths)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	for (bool first = true; line && *line; first = false) {
		const char *end = strchr(line, '\n'), *tab;
		size_t len = end ? (size_t)(end - line) : strlen(line);

		tab = memrchr(line, '\t', len);
		if (!first && tab && strncmp(line, "hook\t", 5) != 0) {
			if (j->n_listed < PF_DIAG_PATHS) {
				j->paths[j->n_listed] = strndup(tab + 1, len - (size_t)(tab + 1 - line));
				if (!j->paths[j->n_listed])
					return pf_fail(ctx, PF_E_OTHER, "out of memory");
				j->n_listed++;
			}
			j->n_paths++;
		}
		line = end ? end + 1 : NULL;
	}
	return 0;
}

int pf_diag_journal(struct pf_session *s, struct pf_diagnosis *d)
{
	struct pf_diag_journal *j = &d->journal;
	struct pf_journal_entry e = { 0 };
	struct pf_unit u;
	bool found = false;
	int r = 0;

	if (!s->db)
		return 0;
	if (pf_db_journal_first(s->db, &e, &found) < 0) {
		take_error(s->ctx, j->error, sizeof(j->error));
		return 0;
	}
	if (!found)
		return 0;
	j->present = true;
	snprintf(j->unit, sizeof(j->unit), "%s", e.unit);
	pf_unit_from_id(&u, e.unit);
	pf_unit_label(&u, j->label);
	j->run = e.tx;
	snprintf(j->state, sizeof(j->state), "%s", e.state);
	/* docs/crash-safety.md: nothing is final before the commit; after
	 * it, what is left is finishing it */
	snprintf(j->action, sizeof(j->action), "%s",
		 strcmp(e.state, "committed") == 0 ? "roll forward" : "roll back");
	for (size_t i = 0; i < d->n_runs; i++)
		if (d->runs[i].id == e.tx) {
			j->started = d->runs[i].started;
			snprintf(j->command, sizeof(j->command), "%s", d->runs[i].command);
		}
	if (!j->command[0] && d->have_failure && d->failure.run.id == e.tx)
		snprintf(j->command, sizeof(j->command), "%s", d->failure.run.command);
	if (e.manifest)
		r = journal_paths(s->ctx, e.manifest, j);
	pf_journal_entry_clear(&e);
	return r;
}

int pf_diag_indexes(struct pf_session *s, const struct pf_diag_paths *p, struct pf_diagnosis *d)
{
	struct pf_index_row *rows = NULL;
	int64_t grace = s->config ? s->config->valid_until_grace : 0;
	struct pf_system sys = { 0 };
	bool have_sys;
	size_t n = 0;

	if (!s->db)
		return 0;
	have_sys = pf_db_get_system(s->db, &sys) == 0;
	if (!have_sys)
		pf_clear_error(s->ctx); /* then no index is the current one */
	if (pf_db_index_list(s->db, &rows, &n) < 0) {
		take_error(s->ctx, d->indexes_error, sizeof(d->indexes_error));
		return 0;
	}
	d->indexes = calloc(n ? n : 1, sizeof(*d->indexes));
	if (!d->indexes) {
		free(rows);
		return pf_fail(s->ctx, PF_E_OTHER, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		struct pf_diag_index *x = &d->indexes[i];

		snprintf(x->series, sizeof(x->series), "%s", rows[i].series);
		snprintf(x->arch, sizeof(x->arch), "%s", rows[i].arch);
		snprintf(x->signer, sizeof(x->signer), "%.63s", rows[i].signer);
		x->revision = rows[i].revision;
		x->date = rows[i].date;
		x->valid_until = rows[i].valid_until;
		x->fetched_at = rows[i].fetched_at;
		x->expired = pf_index_expired(grace, x->valid_until);
		x->stale = d->now - x->fetched_at > p->index_stale;
		x->current = have_sys && !strcmp(x->series, sys.series) && !strcmp(x->arch, sys.arch);
	}
	d->n_indexes = n;
	free(rows);
	return 0;
}

int pf_diag_keys(struct pf_session *s, const struct pf_diag_paths *p, struct pf_diagnosis *d)
{
	struct pf_key_info *keys = NULL;
	const char *signer = "";
	size_t n = 0;

	if (pf_keys_describe(s->ctx, p->keys, &keys, &n) < 0) {
		take_error(s->ctx, d->keys_error, sizeof(d->keys_error));
		return 0;
	}
	for (size_t i = 0; i < d->n_indexes; i++)
		if (d->indexes[i].current)
			signer = d->indexes[i].signer;
	d->keys = calloc(n ? n : 1, sizeof(*d->keys));
	if (!d->keys) {
		free(keys);
		return pf_fail(s->ctx, PF_E_OTHER, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		struct pf_diag_key *k = &d->keys[i];

		snprintf(k->fingerprint, sizeof(k->fingerprint), "%s", keys[i].fingerprint);
		snprintf(k->uid, sizeof(k->uid), "%s", keys[i].uid);
		snprintf(k->file, sizeof(k->file), "%s", keys[i].file);
		k->created = keys[i].created;
		k->expires = keys[i].expires;
		k->expired = keys[i].expired;
		k->revoked = keys[i].revoked;
		k->signed_index = signer[0] && !strcasecmp(signer, k->fingerprint);
	}
	d->n_keys = n;
	free(keys);
	return 0;
}

/* The cache, walked: <cache>/<series>/<arch>/{core,addons,partial}/. */
struct cache_walk {
	struct pf_diag_cache *c;
	const char *series;    /* the system's series, or NULL when unknown */
	unsigned core;         /* the system's core level */
};

/* A package or manifest of a core update the system already has. */
static bool applied(const struct cache_walk *w, const char *name)
{
	unsigned n;
	int len = 0;

	return sscanf(name, "core-%u.%*[a-z]%n", &n, &len) == 1 && len > 0 &&
	       name[len] == '\0' && n <= w->core;
}

/* FD: an open folder at DEPTH below the cache (1: a series); STALE: the
 * folder is of another series; PARTIAL: below partial/. */
static void walk(struct cache_walk *w, int fd, unsigned depth, bool stale, bool partial)
{
	DIR *dir = fdopendir(fd);
	struct dirent *e;

	if (!dir) {
		close(fd);
		return;
	}
	while ((e = readdir(dir))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < 6) {
			int sub = openat(dirfd(dir), e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0)
				walk(w, sub, depth + 1,
				     stale || (depth == 1 && w->series && strcmp(e->d_name, w->series)),
				     partial || !strcmp(e->d_name, "partial"));
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		w->c->files++;
		w->c->bytes += (uint64_t)st.st_size;
		if (partial) {
			w->c->partial_files++;
			w->c->partial_bytes += (uint64_t)st.st_size;
		} else if (stale || applied(w, e->d_name)) {
			w->c->stale_files++;
			w->c->stale_bytes += (uint64_t)st.st_size;
		}
	}
	closedir(dir);
}

void pf_diag_cache(struct pf_session *s, const struct pf_diag_paths *p, struct pf_diagnosis *d)
{
	struct cache_walk w = { .c = &d->cache };
	int fd;

	snprintf(d->cache.path, sizeof(d->cache.path), "%s", p->cache);
	if (d->have_status) {
		w.series = d->status.series;
		w.core = d->status.core;
	}
	fd = pf_root_open(s->ctx, p->cache + 1, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		if (errno != ENOENT)
			snprintf(d->cache.error, sizeof(d->cache.error), "%s%s: %s",
				 pf_ctx_root_prefix(s->ctx), p->cache, strerror(errno));
		return; /* none yet: an empty cache */
	}
	walk(&w, fd, 1, false, false);
}

/* The command line of process PID (the host's /proc), spaces between
 * its words. */
static void command_of(long pid, char *buf, size_t size)
{
	char path[64], *raw = NULL;
	size_t len = 0;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if (pf_read_file_at(AT_FDCWD, path, 4096, &raw, &len) < 0)
		return;
	for (size_t i = 0; i + 1 < len; i++)
		if (raw[i] == '\0')
			raw[i] = ' ';
	snprintf(buf, size, "%.*s", (int)len, raw);
	free(raw);
}

void pf_diag_lock(struct pf_session *s, struct pf_diagnosis *d)
{
	struct pf_diag_lock *l = &d->lock;
	int known = pf_lock_holder(s->ctx, &l->held, &l->pid);

	if (known < 0) {
		pf_clear_error(s->ctx);
		known = 0;
	}
	l->known = known == 1;
	if (!l->held)
		return;
	if (l->pid > 0)
		command_of(l->pid, l->command, sizeof(l->command));
	for (size_t i = 0; i < d->n_runs; i++)
		if (d->runs[i].running) {
			l->run = d->runs[i].id;
			l->since = d->runs[i].started;
		}
}
