/* The session: see session.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apply/journal.h"
#include "base/bootid.h"
#include "base/context.h"
#include "base/path.h"
#include "fetch/fetch.h"
#include "format/config.h"
#include "hooks/hooks.h"
#include "ops/lock.h"
#include "ops/mirror-list.h"
#include "ops/session.h"
#include "state/db.h"
#include "state/history.h"
#include "state/system.h"

/* Upper bound for pakfire.conf: it is a handful of lines. */
#define CONFIG_MAX (64 * 1024)

/* Where `make install` puts the commented sample (the Makefile passes it
 * from PREFIX): named when the configuration is missing. */
#ifndef PF_SAMPLE_CONF
#define PF_SAMPLE_CONF "/usr/share/doc/pakfire/pakfire.conf.sample"
#endif

/* The configuration PATH could not be read (ERR: the errno). When it does
 * not exist (a new root, before anything was set up), say what to write
 * there: an owner meets this first, and "No such file" alone tells
 * nothing. */
static int config_unreadable(struct pf_ctx *ctx, const char *path, int err)
{
	errno = err;
	if (err != ENOENT)
		return pf_fail_errno(ctx, PF_E_USAGE, "cannot read configuration %s", path);
	return pf_fail(ctx, PF_E_USAGE,
		       "cannot read configuration %s: it does not exist; write it with the"
		       " required keys series, arch and mirror (like 'series = 2.25',"
		       " 'arch = x86_64', 'mirror = https://mirror.example.org/pakfire'):"
		       " a commented sample is %s, every key is described in"
		       " 'man 5 pakfire.conf'", path, PF_SAMPLE_CONF);
}

static int load_config(struct pf_session *s, const char *file)
{
	struct pf_ctx *ctx = s->ctx;
	char *buf = NULL;
	size_t len = 0;
	int r = -1;

	if (file) {
		/* --config names a file on the host, as a user would expect. */
		if (pf_read_file_at(AT_FDCWD, file, CONFIG_MAX, &buf, &len) < 0) {
			config_unreadable(ctx, file, errno);
			goto out;
		}
	} else {
		int fd = pf_root_open(ctx, "etc/pakfire", O_PATH | O_DIRECTORY, 0), err = errno;

		file = "/etc/pakfire/pakfire.conf";
		if (fd >= 0) {
			r = pf_read_file_at(fd, "pakfire.conf", CONFIG_MAX, &buf, &len);
			err = errno;
			close(fd);
		}
		if (fd < 0 || r < 0) {
			char path[4096];

			r = -1;
			snprintf(path, sizeof(path), "%s%s", pf_ctx_root_prefix(ctx), file);
			config_unreadable(ctx, path, err);
			goto out;
		}
	}
	r = pf_config_parse(ctx, file, buf, len, &s->config);
out:
	free(buf);
	return r;
}

/* The hooks a crash interrupted (hooks/hooks.h), after the journal: the
 * post hooks of units it finished run again now. */
static int recover_hooks(struct pf_session *s)
{
	char dbdir[4096];
	struct pf_hooks hk = {
		.ctx = s->ctx, .db = s->db, .dbdir = dbdir, .timeout = s->config->hook_timeout,
		.boot_id_file = s->config->boot_id_file,
		.live = s->ctx->verbosity > 0,
	};

	if ((size_t)snprintf(dbdir, sizeof(dbdir), "%s", s->config->database) >= sizeof(dbdir))
		return pf_fail(s->ctx, PF_E_USAGE, "database path too long");
	if (strrchr(dbdir, '/'))
		*strrchr(dbdir, '/') = '\0';
	return pf_hooks_recover(&hk);
}

/* The reboot an update asked for stands until the kernel's boot id
 * differs from the one it was applied in; then the first command under
 * the lock forgets it (status takes no lock and writes nothing: it only
 * reports it as done). Unknown now: kept, the safe side. */
static int forget_reboot(struct pf_session *s)
{
	struct pf_reboot rb;
	char now[40];

	if (pf_db_get_reboot(s->db, &rb) < 0)
		return -1;
	if (!rb.pending)
		return 0;
	pf_boot_id(s->ctx, s->config->boot_id_file, now); /* "" when unknown */
	return pf_booted_since(rb.boot_id, now) ? pf_db_clear_reboot(s->db) : 0;
}

/* The database. Under the lock it is migrated to this pakfire's schema; a
 * reader that finds an older schema takes the lock just for the migration,
 * without waiting (a pakfire at work, maybe an older one, keeps its tables
 * as they are until it has finished). */
static int open_db(struct pf_session *s)
{
	struct pf_ctx *ctx = s->ctx;
	int fd = -1, r;

	if (pf_db_open(ctx, s->config->database, s->lock_fd >= 0 ? PF_DB_MIGRATE : 0, &s->db) < 0)
		return -1;
	if (!pf_db_outdated(s->db))
		return 0;
	pf_db_close(s->db);
	s->db = NULL;
	if (pf_lock(ctx, &fd) < 0)
		return pf_fail_wrap(ctx, "the database must first move to this pakfire's schema,"
				    " which needs the lock");
	r = pf_db_open(ctx, s->config->database, PF_DB_MIGRATE, &s->db);
	close(fd);
	return r;
}

int pf_session_need(struct pf_session *s, const char *config_file, unsigned needs)
{
	struct pf_ctx *ctx = s->ctx;

	if (needs & (PF_NEED_LOCK | PF_NEED_DB))
		needs |= PF_NEED_CONFIG;
	if ((needs & PF_NEED_CONFIG) && !s->config && load_config(s, config_file) < 0)
		return -1;
	if ((needs & PF_NEED_LOCK) && s->lock_fd < 0) {
		/* After a restart the lock was held all along: no other
		 * pakfire got in between. */
		if (pf_lock_adopt(ctx, s->inherited_lock, &s->lock_fd) == 0 &&
		    pf_lock(ctx, &s->lock_fd) < 0)
			return -1;
		s->inherited_lock = -1;
		s->recovered = false;
	}
	if ((needs & (PF_NEED_DB | PF_NEED_LOCK)) && !s->db && open_db(s) < 0)
		return -1;
	/* Under the lock, before anything else: finish or undo what an
	 * interrupted run left, and close what it left open, but the
	 * transaction a restart goes on with, when it is one. */
	if ((needs & PF_NEED_LOCK) && !s->recovered && s->resume_tx > 0) {
		bool open = false;

		if (pf_db_tx_is_open(s->db, s->resume_tx, NULL, s->resume_token, &open) < 0)
			return -1;
		if (!open) {
			pf_warn(ctx, "PAKFIRE_REEXEC names transaction %lld, which no restart of pakfire"
				" left open: this run is a new one", (long long)s->resume_tx);
			s->resume_tx = 0;
		}
	}
	if ((needs & PF_NEED_LOCK) && !s->recovered) {
		if (pf_recover(ctx, s->db, s->resume_tx) < 0 || recover_hooks(s) < 0 ||
		    forget_reboot(s) < 0)
			return -1;
		s->recovered = true;
	}
	return 0;
}

int pf_session_open(struct pf_ctx *ctx, const char *config_file, unsigned needs,
		    struct pf_session **out)
{
	struct pf_session *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return pf_fail(ctx, PF_E_OTHER, "out of memory");
	s->ctx = ctx;
	s->config_file = config_file;
	s->lock_fd = -1;
	s->inherited_lock = -1;
	if (pf_session_need(s, config_file, needs) < 0) {
		pf_session_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

int pf_session_create_db(struct pf_session *s)
{
	struct pf_ctx *ctx = s->ctx;
	bool exists;

	if ((s->lock_fd < 0 && pf_lock(ctx, &s->lock_fd) < 0) ||
	    pf_db_exists(ctx, s->config->database, &exists) < 0)
		return -1;
	if (exists)
		return pf_fail(ctx, PF_E_USAGE,
			       "%s%s already exists: this system is initialised; refusing to overwrite it",
			       pf_ctx_root_prefix(ctx), s->config->database);
	return pf_db_open(ctx, s->config->database, PF_DB_CREATE | PF_DB_MIGRATE, &s->db);
}

int pf_session_tx_begin(struct pf_session *s, const char *command, int64_t *tx)
{
	bool open = false;

	if (s->resume_tx > 0 &&
	    pf_db_tx_is_open(s->db, s->resume_tx, command, s->resume_token, &open) < 0)
		return -1;
	if (open) {
		*tx = s->resume_tx;
		s->tx = *tx;
		s->resumed = true;
		return pf_db_tx_step(s->db, *tx, NULL, "restarted", "the new pakfire goes on");
	}
	if (s->resume_tx > 0)
		pf_warn(s->ctx, "the %s that pakfire restarted itself to go on with (transaction %lld)"
			" was closed meanwhile: this is a new one", command, (long long)s->resume_tx);
	if (pf_db_tx_begin(s->db, command, tx) < 0)
		return -1;
	s->tx = *tx;
	return 0;
}

int pf_session_restart(struct pf_session *s, int64_t tx, const char *unit, const char *what)
{
	unsigned char rnd[8];
	char detail[512];

	/* Without randomness the restart still works: the token only keeps
	 * a made-up PAKFIRE_REEXEC from adopting a transaction. */
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(s->restart_token + 2 * i, 3, "%02x", rnd[i]);
	snprintf(detail, sizeof(detail), "%.400s (restart %s)", what, s->restart_token);
	if (tx > 0 && pf_db_tx_step(s->db, tx, unit, "restarting", detail) < 0)
		return -1;
	s->restart = true;
	s->restart_tx = tx;
	return 0;
}

void pf_session_dry_run(struct pf_session *s, const char *command)
{
	s->dry_command = command;
	s->dry_started = time(NULL);
}

/* The dry run's record, with the outcome on the context, which stays as
 * it is whatever happens to the record. */
static void record_dry_run(struct pf_session *s)
{
	struct pf_ctx *ctx = s->ctx;
	enum pf_errclass cls = pf_error_class(ctx);
	const char *outcome = pf_db_tx_outcome(ctx);
	char first[sizeof(ctx->err_msg)], cause[sizeof(ctx->err_cause)];
	const char *word = pf_db_tx_cause(ctx);
	int code = pf_ctx_exit_code(ctx);
	int64_t id;

	snprintf(first, sizeof(first), "%s", pf_error_message(ctx));
	snprintf(cause, sizeof(cause), "%s", word ? word : "");
	pf_clear_error(ctx);
	if (pf_db_tx_dry_run(s->db, s->dry_command, (time_t)s->dry_started, outcome, code,
			     cls == PF_E_OK ? NULL : first, cause[0] ? cause : NULL, &id) < 0) {
		pf_warn(ctx, "this dry run could not be recorded in the history: %s",
			pf_error_message(ctx));
		pf_clear_error(ctx);
	}
	if (cls != PF_E_OK) {
		pf_fail(ctx, cls, "%s", first);
		if (cause[0])
			pf_fail_cause(ctx, cause);
	}
	s->dry_command = NULL;
}

void pf_session_tx_end(struct pf_session *s, int64_t tx)
{
	if (s->dry_command && tx <= 0 && s->db) {
		record_dry_run(s);
		return;
	}
	if (s->restart && pf_error_class(s->ctx) == PF_E_OK)
		return; /* the restarted pakfire goes on with it */
	pf_db_tx_end(s->db, tx);
}

int pf_session_from_dir(struct pf_session *s, const char *dir)
{
	char *abs = realpath(dir, NULL);
	struct stat st;
	int r = -1;

	if (s->fetch)
		return pf_fail(s->ctx, PF_E_OTHER, "internal: --from-dir after the downloader was made");
	if (!abs || stat(abs, &st) < 0) {
		pf_fail_errno(s->ctx, PF_E_USAGE, "--from-dir %s", dir);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		pf_fail(s->ctx, PF_E_USAGE, "--from-dir %s: not a folder", dir);
		goto out;
	}
	free(s->from_dir);
	if (asprintf(&s->from_dir, "file://%s", abs) < 0) {
		s->from_dir = NULL;
		pf_fail(s->ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	r = 0;
out:
	free(abs);
	return r;
}

struct pf_fetch *pf_session_fetch(struct pf_session *s)
{
	const struct pf_download_config *d;
	struct pf_fetch_opts opts;
	const char *const *mirrors;
	size_t n;

	if (s->fetch)
		return s->fetch;
	if (!s->config) {
		pf_fail(s->ctx, PF_E_OTHER, "internal: downloader made before configuration");
		return NULL;
	}
	d = &s->config->download;
	opts = (struct pf_fetch_opts){
		.connect_timeout = d->connect_timeout,
		.transfer_timeout = d->transfer_timeout,
		.low_speed_limit = d->low_speed_limit,
		.low_speed_time = d->low_speed_time,
		.parallel = d->parallel,
		.ca_bundle = d->ca_bundle,
		.proxy = d->proxy,
	};
	mirrors = (const char *const *)s->config->mirrors;
	n = s->config->n_mirrors;
	if (s->from_dir) {
		mirrors = (const char *const *)&s->from_dir;
		n = 1;
	}
	s->fetch = pf_fetch_new(s->ctx, &opts, mirrors, n);
	/* Then the repository's published list, after the admin's mirrors
	 * (never for --from-dir: the stick is the one source of this run). */
	if (s->fetch && !s->from_dir)
		pf_mirror_list_use(s, s->fetch);
	return s->fetch;
}

void pf_session_close(struct pf_session *s)
{
	if (!s)
		return;
	/* In reverse of opening; what the mirrors did is recorded first. */
	pf_mirror_results_record(s);
	pf_fetch_free(s->fetch);
	pf_db_close(s->db);
	if (s->inherited_lock >= 0)
		close(s->inherited_lock); /* passed on, never needed (no lock) */
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* releases the lock */
	pf_config_free(s->config);
	free(s->from_dir);
	free(s);
}
