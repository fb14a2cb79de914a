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

/* var/log/pakfire inside the root, made when missing (var and var/log
 * 0755 as on any system, pakfire's own 0750: the log tells what the system
 * runs). O_PATH, or -1 with errno set. */
static int open_folder(struct pf_ctx *ctx)
{
	static const struct { const char *path; mode_t mode; } steps[] = {
		{ "var", 0755 }, { "var/log", 0755 }, { "var/log/pakfire", 0750 },
	};
	int fd = pf_root_open(ctx, steps[2].path, O_PATH | O_DIRECTORY, 0);

	if (fd >= 0 || errno != ENOENT)
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

/* pakfire.log, rotated first when it is at or over log-size: under an
 * exclusive flock of the full file, renamed only while its name still is
 * that file, so that two runs rotating at once never rename the other's
 * fresh log over the old one. -1 with errno set. */
static int open_file(struct cli_log *l)
{
	for (int tries = 0; tries < 8; tries++) {
		struct stat st, now;
		int fd = openat(l->dir_fd, LOG_NAME,
				O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
				O_NOCTTY | O_CLOEXEC, 0640), e;

		if (fd < 0)
			return -1;
		if (fstat(fd, &st) < 0)
			goto fail;
		if (!S_ISREG(st.st_mode)) {
			errno = EINVAL;
			goto fail;
		}
		if ((uint64_t)st.st_size < l->size)
			return fd;
		if (flock(fd, LOCK_EX) < 0)
			goto fail;
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

static void write_line(struct cli_log *l, struct log_line *line, int priority)
{
	size_t n;
	const char *s = log_line_end(line, &n);
	ssize_t w;

	if (l->syslog && priority >= 0) {
		const char *body = strstr(s, " tx=");

		/* syslog stamps the time and pid itself. */
		syslog(priority, "%.*s", (int)(n - 1 - (body ? (size_t)(body + 1 - s) : 0)),
		       body ? body + 1 : s);
	}
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

void log_open(struct cli_log *l, struct pf_ctx *ctx, const char *cmd, uint64_t size, bool brief,
	      bool syslog, int argc, char **argv)
{
	struct log_line line;
	char args[LOG_VALUE_MAX];
	size_t o = 0;

	log_init(l);
	l->cmd = cmd;
	l->pid = (long)getpid();
	l->size = size;
	l->brief = brief;
	l->syslog = syslog;
	snprintf(l->where, sizeof(l->where), "%s/%s", pf_ctx_root_prefix(ctx), LOG_FILE);
	if (syslog)
		openlog("pakfire", LOG_PID, LOG_DAEMON);
	l->dir_fd = open_folder(ctx);
	if (l->dir_fd < 0)
		give_up(l, strerror(errno));
	else if ((l->fd = open_file(l)) < 0)
		give_up(l, open_error(errno));
	/* The arguments as given, one space between; log_line_mem escapes
	 * and cuts them. */
	for (int i = 1; i < argc && o < sizeof(args); i++) {
		size_t n = strlen(argv[i]);

		if (i > 1)
			args[o++] = ' ';
		if (n > sizeof(args) - o)
			n = sizeof(args) - o;
		memcpy(args + o, argv[i], n);
		o += n;
	}
	log_line_start(&line, time(NULL), l->pid, 0, cmd, "start");
	log_line_mem(&line, "args", args, o);
	write_line(l, &line, -1);
}

void log_event(struct cli_log *l, const struct pf_event *ev)
{
	struct log_line line;
	const char *name;

	if (ev->type == PF_EV_TX_BEGIN)
		l->tx = ev->tx.id;
	name = log_event_name(ev, l->brief);
	if (!name || (l->fd < 0 && !l->syslog))
		return;
	log_line_start(&line, time(NULL), l->pid, l->tx, l->cmd, name);
	log_event_fields(&line, ev);
	write_line(l, &line, log_event_priority(ev));
}

void log_end(struct cli_log *l, struct pf_ctx *ctx, int code, bool restarting)
{
	struct log_line line;
	bool ok = pf_error_class(ctx) == PF_E_OK;

	if (!l->cmd)
		return; /* never opened */
	log_line_start(&line, time(NULL), l->pid, l->tx, l->cmd, "end");
	log_line_int(&line, "exit", code);
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
