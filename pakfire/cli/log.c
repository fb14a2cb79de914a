/* pakfire.log and syslog: see log.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/context.h"
#include "base/event.h"
#include "base/path.h"
#include "log.h"

#define LOG_NAME "pakfire.log"
#define LOG_OLD "pakfire.log.1"

void log_init(struct cli_log *l)
{
	memset(l, 0, sizeof(*l));
	l->dir_fd = -1;
	l->fd = -1;
}

/* Stop writing, with the one warning of the run. */
static void give_up(struct cli_log *l, const char *why)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->warned)
		return;
	l->warned = true;
	fflush(stdout); /* keep stdout and stderr in order in a pipe */
	fprintf(stderr, "pakfire: warning: cannot write the log %s: %s; going on without it\n",
		l->where, why);
}

/* var/log/pakfire inside the root, made when missing if CREATE (var and
 * var/log 0755 as on any system, pakfire's own 0750: the log tells what
 * the system runs). O_PATH, or -1 with errno set (ENOENT: missing, not
 * made). */
static int open_folder(struct pf_ctx *ctx, bool create)
{
	static const struct { const char *path; mode_t mode; } steps[] = {
		{ "var", 0755 }, { "var/log", 0755 }, { "var/log/pakfire", 0750 },
	};
	int fd = pf_root_open(ctx, steps[2].path, O_PATH | O_DIRECTORY, 0);

	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	for (size_t i = 0; i < 3; i++) {
		const char *base;
		int parent = pf_root_open_parent(ctx, steps[i].path, &base), e;

		if (parent < 0)
			return -1;
		e = mkdirat(parent, base, steps[i].mode) < 0 && errno != EEXIST ? errno : 0;
		close(parent);
		if (e) {
			errno = e;
			return -1;
		}
	}
	return pf_root_open(ctx, steps[2].path, O_PATH | O_DIRECTORY, 0);
}

/* An exclusive flock of FD, without waiting more than about 100 ms: SIGINT
 * and SIGTERM reach pakfire through a signalfd only, so a blocking flock
 * held by another process (anyone who may read the log) would hang it
 * beyond any signal. */
static bool lock_briefly(int fd)
{
	for (int i = 0; i < 10; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return true;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return false;
		/* A signal that cuts the sleep short only shortens the wait. */
		if (nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL) < 0 &&
		    errno != EINTR)
			return false;
	}
	return false;
}

/* pakfire.log (made if CREATE), rotated first when ROTATE and it is at or
 * over log-size: under an exclusive flock of the full file, renamed only
 * while its name still is that file, so that two runs rotating at once
 * never rename the other's fresh log over the old one. A lock that stays
 * busy skips the rotation for this run (it appends). -1 with errno set. */
static int open_file(struct cli_log *l, bool create, bool rotate)
{
	for (int tries = 0; tries < 8; tries++) {
		struct stat st, now;
		/* After our rename, the new file is made whatever CREATE says:
		 * the folder is there. */
		int fd = openat(l->dir_fd, LOG_NAME,
				O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
				O_CLOEXEC | (create || tries ? O_CREAT : 0), 0640), e;

		if (fd < 0)
			return -1;
		if (fstat(fd, &st) < 0)
			goto fail;
		if (!S_ISREG(st.st_mode)) {
			errno = EINVAL;
			goto fail;
		}
		if (!rotate || (uint64_t)st.st_size < l->size || !lock_briefly(fd))
			return fd;
		if (fstatat(l->dir_fd, LOG_NAME, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now.st_dev == st.st_dev && now.st_ino == st.st_ino &&
		    renameat(l->dir_fd, LOG_NAME, l->dir_fd, LOG_OLD) < 0)
			goto fail;
		close(fd); /* and its lock: the next open makes a new file */
		continue;
fail:
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	errno = EBUSY;
	return -1;
}

static const char *open_error(int e)
{
	if (e == ELOOP)
		return "it is a symbolic link, which pakfire does not follow";
	if (e == EINVAL)
		return "it is not a regular file";
	return strerror(e);
}

/* The folder and the file; false when there is no log to write, with the
 * warning unless it is missing and not to be made. */
static bool open_log(struct cli_log *l, bool create, bool rotate)
{
	if (l->dir_fd >= 0)
		close(l->dir_fd); /* a late log opens again */
	l->dir_fd = open_folder(l->ctx, create);
	if (l->dir_fd < 0) {
		if (create || errno != ENOENT)
			give_up(l, strerror(errno));
		return false;
	}
	l->fd = open_file(l, create, rotate);
	if (l->fd < 0) {
		if (create || errno != ENOENT)
			give_up(l, open_error(errno));
		return false;
	}
	return true;
}

static void to_syslog(const struct cli_log *l, const char *s, size_t n, int priority)
{
	const char *body = strstr(s, " tx=");

	if (!l->syslog || priority < 0)
		return;
	/* syslog stamps the time and pid itself. */
	syslog(priority, "%.*s", (int)(n - 1 - (body ? (size_t)(body + 1 - s) : 0)),
	       body ? body + 1 : s);
}

/* S, N bytes: one or more whole lines. */
static void to_file(struct cli_log *l, const char *s, size_t n)
{
	ssize_t w;

	if (l->fd < 0)
		return;
	if (l->written + n > LOG_RUN_FACTOR * l->size) {
		struct log_line last;
		char msg[128];

		snprintf(msg, sizeof(msg), "this run wrote %d times log-size; the rest of it is"
			 " not logged", LOG_RUN_FACTOR);
		log_line_start(&last, time(NULL), l->pid, l->tx, l->cmd, "log-stopped");
		log_line_str(&last, "msg", msg);
		s = log_line_end(&last, &n);
		if (write(l->fd, s, n) != (ssize_t)n)
			give_up(l, strerror(errno));
		close(l->fd);
		l->fd = -1;
		return;
	}
	/* One write(2) a line: with O_APPEND, runs at once never mix lines. */
	w = write(l->fd, s, n);
	if (w != (ssize_t)n) {
		give_up(l, w < 0 ? strerror(errno) : "a short write (is the disk full?)");
		return;
	}
	l->written += n;
}

/* The start line, then the lines held back, and no more holding; a late
 * log is made now. */
static void release(struct cli_log *l)
{
	struct log_line line;
	size_t n;
	const char *s;

	if (!l->holding)
		return;
	l->holding = false;
	if (l->late && !open_log(l, true, false))
		l->held_len = 0;
	l->late = false;
	log_line_start(&line, l->started, l->pid, l->start_tx, l->cmd, "start");
	log_line_mem(&line, "args", l->args, l->args_len);
	s = log_line_end(&line, &n);
	to_file(l, s, n);
	if (l->held_len)
		to_file(l, l->held, l->held_len);
	l->held_len = 0;
}

static void write_line(struct cli_log *l, struct log_line *line, int priority)
{
	size_t n;
	const char *s = log_line_end(line, &n);

	to_syslog(l, s, n, priority);
	if (l->holding && l->held_len + n > sizeof(l->held))
		release(l); /* more than is held back: written as it comes */
	if (l->holding) {
		memcpy(l->held + l->held_len, s, n);
		l->held_len += n;
		return;
	}
	to_file(l, s, n);
}

void log_open(struct cli_log *l, struct pf_ctx *ctx, const struct log_how *how, int argc,
	      char **argv)
{
	bool have;

	log_init(l);
	l->ctx = ctx;
	l->cmd = how->cmd;
	l->pid = (long)getpid();
	l->size = how->size;
	l->brief = how->brief;
	l->syslog = how->syslog;
	l->tx = l->start_tx = how->tx > 0 ? how->tx : 0;
	l->started = time(NULL);
	l->have_t0 = clock_gettime(CLOCK_MONOTONIC, &l->t0) == 0;
	snprintf(l->where, sizeof(l->where), "%s/%s", pf_ctx_root_prefix(ctx), LOG_FILE);
	if (how->syslog)
		openlog("pakfire", LOG_PID, LOG_DAEMON);
	/* A restarted pakfire never rotates: one transaction's lines stay in
	 * one file. Nor does a run that may not make the log. */
	have = open_log(l, how->create == LOG_CREATE,
			how->create != LOG_EXISTING && l->start_tx == 0);
	if (!have && how->create == LOG_CREATE_IF_OK && !l->warned)
		l->late = true;
	/* The arguments as given, one space between; log_line_mem escapes
	 * and cuts them. */
	for (int i = 1; i < argc && l->args_len < sizeof(l->args); i++) {
		size_t n = strlen(argv[i]);

		if (i > 1)
			l->args[l->args_len++] = ' ';
		if (n > sizeof(l->args) - l->args_len)
			n = sizeof(l->args) - l->args_len;
		memcpy(l->args + l->args_len, argv[i], n);
		l->args_len += n;
	}
	l->holding = true;
	if (!l->brief && !l->late)
		release(l);
}

/* What a brief run holds back: its history record while it ends ok (a dry
 * run's: `history ID` tells it; the run line names it in tx=). */
static bool quiet(const struct pf_event *ev)
{
	return ev->type == PF_EV_TX_BEGIN ||
	       (ev->type == PF_EV_TX_END && ev->tx.outcome && !strcmp(ev->tx.outcome, "ok"));
}

void log_event(struct cli_log *l, const struct pf_event *ev)
{
	struct log_line line;
	const char *name;

	if (ev->type == PF_EV_TX_BEGIN)
		l->tx = ev->tx.id;
	name = log_event_name(ev, l->brief);
	if (!name || (l->fd < 0 && !l->late && !l->syslog))
		return;
	if (l->holding && !l->late && !quiet(ev))
		release(l);
	log_line_start(&line, time(NULL), l->pid, l->tx, l->cmd, name);
	log_event_fields(&line, ev);
	write_line(l, &line, log_event_priority(ev));
}

static int64_t elapsed_ms(const struct cli_log *l)
{
	struct timespec now;

	if (!l->have_t0 || clock_gettime(CLOCK_MONOTONIC, &now) < 0)
		return 0; /* no clock: the line says 0 */
	return (int64_t)(now.tv_sec - l->t0.tv_sec) * 1000 +
	       (now.tv_nsec - l->t0.tv_nsec) / 1000000;
}

void log_end(struct cli_log *l, struct pf_ctx *ctx, int code, bool restarting)
{
	struct log_line line;
	bool ok = pf_error_class(ctx) == PF_E_OK;
	bool one = l->holding && !l->late && ok;

	if (!l->cmd)
		return; /* never opened */
	if (l->late && !ok) {
		/* A refused init leaves no log (syslog still hears of it). */
		l->holding = l->late = false;
		l->held_len = 0;
	}
	if (one) {
		l->holding = false; /* what it held is told by the run line */
		l->held_len = 0;
	} else {
		release(l);
	}
	log_line_start(&line, time(NULL), l->pid, l->tx, l->cmd, one ? "run" : "end");
	if (one)
		log_line_mem(&line, "args", l->args, l->args_len);
	log_line_int(&line, "exit", code);
	log_line_int(&line, "duration_ms", elapsed_ms(l));
	if (restarting)
		log_line_bool(&line, "restarting", true);
	if (!ok) {
		log_line_str(&line, "error_class", pf_errclass_name(pf_error_class(ctx)));
		log_line_str(&line, "error", pf_error_message(ctx));
	}
	write_line(l, &line, ok ? -1 : LOG_ERR);
}

void log_close(struct cli_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	if (l->dir_fd >= 0)
		close(l->dir_fd);
	if (l->syslog)
		closelog();
	log_init(l);
}

bool log_syslog_wanted(const char *root)
{
	const char *p = root;

	if (!root)
		return true;
	if (root[0] != '/')
		return false;
	/* Only "/" and "." components. */
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n > 1 || (n == 1 && p[0] != '.'))
			return false;
		p += n;
		p += strspn(p, "/");
	}
	return true;
}
