/* Running one hook as a recorded run: see exec.h.
 *
 * What runs is always a copy made for the run in a private folder beside
 * the database (<dbdir>/hooks.run, 0700, inside the root), named by its
 * run id and deleted after it: for a package hook from the bytes its
 * signed manifest vouches for, for a local hook from the file descriptor
 * whose owner and mode were checked. It is executed by the absolute path
 * of the folder pakfire opened (/proc/self/fd), so nothing between the
 * check and the exec (a symlink swapped into a parent folder, a path
 * resolved again from another working directory) can change what runs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bootid.h"
#include "base/context.h"
#include "base/error.h"
#include "base/event.h"
#include "base/path.h"
#include "hooks/exec.h"
#include "state/db.h"
#include "state/hooks.h"

#define RUN_DIR "hooks.run"
#define TAIL_LINES 10
#define COPY_BUF (64 * 1024)

const char *pf_hooks_label(const struct pf_unit_ref *u, char *buf, size_t size)
{
	if (u && u->number)
		snprintf(buf, size, "core %u", u->number);
	else
		snprintf(buf, size, "%s", u && u->id ? u->id : "local");
	return buf;
}

int pf_hooks_root(const struct pf_hooks *hk, char root[PATH_MAX])
{
	if (!realpath(hk->ctx->root ? hk->ctx->root : "/", root))
		return pf_fail_errno(hk->ctx, PF_E_OTHER, "%s", hk->ctx->root ? hk->ctx->root : "/");
	return 0;
}

int pf_hooks_run_dir(const struct pf_hooks *hk, int *fd, char path[PATH_MAX])
{
	char rel[PATH_MAX], link[64];
	ssize_t n;
	int dfd;

	if ((size_t)snprintf(rel, sizeof(rel), "%s/%s", hk->dbdir + (hk->dbdir[0] == '/'),
			     RUN_DIR) >= sizeof(rel))
		return pf_fail(hk->ctx, PF_E_USAGE, "database folder %s: path too long", hk->dbdir);
	dfd = pf_root_open(hk->ctx, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (dfd < 0 && errno == ENOENT) {
		if (pf_root_mkdirs(hk->ctx, rel) < 0)
			return -1;
		dfd = pf_root_open(hk->ctx, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	}
	if (dfd < 0)
		return pf_fail_errno(hk->ctx, PF_E_OTHER, "%s%s/%s", pf_ctx_root_prefix(hk->ctx),
				     hk->dbdir, RUN_DIR);
	/* Private whatever made it: only root runs what is in there; and
	 * named by where it really is, not by a path resolved again. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dfd);
	n = readlink(link, path, PATH_MAX - 1);
	if (fchmod(dfd, 0700) < 0 || n <= 0 || n >= PATH_MAX - 24) {
		pf_fail_errno(hk->ctx, PF_E_OTHER, "%s%s/%s", pf_ctx_root_prefix(hk->ctx),
			      hk->dbdir, RUN_DIR);
		close(dfd);
		return -1;
	}
	path[n] = '\0';
	*fd = dfd;
	return 0;
}

/* The copy of run ID in DFD, from BYTES (LEN) or, when SRC >= 0, from the
 * file SRC; its name in NAME. */
static int copy(const struct pf_hooks *hk, int dfd, const char *dir, int64_t id,
		const char *bytes, size_t len, int src, char name[32])
{
	char *buf = NULL;
	size_t done = 0;
	int fd, r = -1;

	snprintf(name, 32, "%lld", (long long)id);
	/* One left by a crash is the same run's: replace it. */
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		return pf_fail_errno(hk->ctx, PF_E_OTHER, "%s/%s", dir, name);
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700);
	if (fd < 0)
		return pf_fail_errno(hk->ctx, PF_E_OTHER, "%s/%s", dir, name);
	if (src >= 0 && !(buf = malloc(COPY_BUF))) {
		pf_fail(hk->ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	for (;;) {
		const char *p = bytes + done;
		ssize_t got = (ssize_t)(len - done), w;

		if (src >= 0) {
			got = read(src, buf, COPY_BUF);
			p = buf;
		}
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			pf_fail_errno(hk->ctx, PF_E_OTHER, "reading the hook copied to %s/%s", dir,
				      name);
			goto out;
		}
		if (got == 0)
			break;
		for (size_t off = 0; off < (size_t)got;) {
			w = write(fd, p + off, (size_t)got - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				pf_fail_errno(hk->ctx, PF_E_OTHER, "%s/%s", dir, name);
				goto out;
			}
			off += (size_t)w;
		}
		done += (size_t)got;
	}
	/* Closed before it runs: a file open for writing cannot be executed. */
	r = fchmod(fd, 0700);
	if (close(fd) < 0 || r < 0) {
		fd = -1;
		r = pf_fail_errno(hk->ctx, PF_E_OTHER, "%s/%s", dir, name);
		goto out;
	}
	fd = -1;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (r < 0)
		unlinkat(dfd, name, 0);
	free(buf);
	return r;
}

struct started {
	struct pf_ctx *ctx;
	struct pf_db *db;
	int64_t id;
	const char *boot_id_file;
};

static int on_started(void *data, pid_t pgid, uint64_t start_time)
{
	struct started *s = data;
	char boot[40];

	/* Unknown (""): a crash's leftovers are then never killed, the safe
	 * side (pf_hook_kill_left). */
	if (pf_boot_id(s->ctx, s->boot_id_file, boot) < 0)
		boot[0] = '\0';
	return pf_db_hook_run_started(s->db, s->id, pgid, start_time, boot);
}

/* The fields of an ended run, as hook_runs keeps them. */
static void row_of(const struct pf_hook_result *res, struct pf_hook_run_row *row)
{
	memset(row, 0, sizeof(*row));
	snprintf(row->state, sizeof(row->state), "%s", pf_hook_outcome_name(res->outcome));
	row->exit_code = res->exit_code;
	row->signal = res->signal;
	row->duration_ms = res->duration_ms;
	row->output = res->output;
	row->output_len = res->output_len;
	row->output_total = res->output_total;
	row->dropped = res->dropped;
}

/* How a run that did not end ok reads: "failed (exit 1)", "timeout". */
static void how_it_ended(const struct pf_hook_result *res, char *buf, size_t size)
{
	switch (res->outcome) {
	case PF_HOOK_FAILED:
		snprintf(buf, size, "failed (exit %d)", res->exit_code);
		break;
	case PF_HOOK_KILLED:
		snprintf(buf, size, "was killed by signal %d", res->signal);
		break;
	case PF_HOOK_TIMEOUT:
		snprintf(buf, size, "ran past its timeout and was killed");
		break;
	case PF_HOOK_INTERRUPTED:
		snprintf(buf, size, "was interrupted by %s", strsignal(res->stop_signal));
		break;
	default:
		snprintf(buf, size, "ended");
	}
}

/* Run the executable PATH as run ID: events, the row ended. */
static int exec_run(const struct pf_hooks *hk, const struct pf_hook_copy *c, const char *path)
{
	struct pf_ctx *ctx = hk->ctx;
	struct started st = { .ctx = hk->ctx, .db = hk->db, .id = c->id, .boot_id_file = hk->boot_id_file };
	struct pf_hook_result res = { 0 };
	struct pf_hook_run_row row;
	char label[128], ended[96];
	const char *tail;
	struct pf_hook_job job = {
		.path = path, .name = c->name, .timeout = hk->timeout, .live = hk->live,
		.unit = c->unit ? *c->unit : (struct pf_unit_ref){ 0 },
		.started = on_started, .data = &st,
		.env = {
			.root = c->root, .core = hk->core, .series = hk->series, .phase = c->phase,
			.update = c->unit ? c->unit->number : 0,
			.addon = c->unit && !c->unit->number ? c->unit->id : NULL,
			.units = c->unit ? NULL : hk->units,
		},
	};
	int r = -1;

	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_HOOK_BEGIN,
		.hook = { .unit = job.unit, .phase = c->phase, .name = c->name, .run_id = c->id },
	});
	if (pf_hook_run(ctx, &job, &res) < 0)
		goto out;
	row_of(&res, &row);
	if (pf_db_hook_run_end(hk->db, c->id, &row) < 0)
		goto out;
	tail = pf_hook_output_tail(&res, TAIL_LINES);
	pf_emit(ctx, &(struct pf_event){
		.type = PF_EV_HOOK_DONE,
		.hook = {
			.unit = job.unit, .phase = c->phase, .name = c->name, .run_id = c->id,
			.outcome = pf_hook_outcome_name(res.outcome), .exit_code = res.exit_code,
			.signal = res.signal, .duration_ms = res.duration_ms,
			.tail = res.outcome == PF_HOOK_OK ? NULL : tail,
		},
	});
	if (res.outcome != PF_HOOK_OK) {
		how_it_ended(&res, ended, sizeof(ended));
		if (c->unit)
			pf_fail(ctx, PF_E_HOOK, "%s: its %s hook %s %s (hook run %lld: 'pakfire"
				" hook show %lld' shows its output)", pf_hooks_label(c->unit, label,
				sizeof(label)), c->phase, c->name, ended, (long long)c->id,
				(long long)c->id);
		else
			pf_fail(ctx, PF_E_HOOK, "the local hook %s (%s) %s (hook run %lld: 'pakfire"
				" hook show %lld' shows its output)", c->name, c->phase, ended,
				(long long)c->id, (long long)c->id);
		goto out;
	}
	r = 0;
out:
	pf_hook_result_clear(&res);
	return r;
}

int pf_hooks_exec(const struct pf_hooks *hk, const struct pf_hook_copy *c)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], name[32];
	int dfd, r;

	if (pf_hooks_run_dir(hk, &dfd, dir) < 0)
		return -1;
	r = copy(hk, dfd, dir, c->id, c->bytes, c->len, c->fd, name);
	if (r == 0) {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		r = exec_run(hk, c, path);
		unlinkat(dfd, name, 0);
	}
	close(dfd);
	return r;
}
