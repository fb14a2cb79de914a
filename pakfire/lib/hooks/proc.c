/* What /proc says of a process, and killing what a crash left of a
 * hook's process group (run.h, pf_hook_kill_left). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/numbers.h"
#include "hooks/run-parts.h"

/* The Nth (from 0) blank-separated field of S, as a number. */
static int field_u64(const char *s, unsigned n, uint64_t *out)
{
	size_t len;

	for (; n > 0; n--) {
		s += strcspn(s, " ");
		if (*s != ' ')
			return -1;
		s++;
	}
	len = strcspn(s, " \n");
	return pf_parse_u64(s, len, out);
}

int pf_proc_stat(pid_t pid, pid_t *pgrp, uint64_t *start_time)
{
	char path[64], buf[1024];
	const char *p;
	uint64_t v;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (close(fd) < 0 && n >= 0)
		return -1;
	if (n <= 0) {
		errno = n == 0 ? ENOENT : errno;
		return -1;
	}
	buf[n] = '\0';
	/* "PID (COMM) STATE PPID PGRP ...": COMM may hold blanks and
	 * parentheses, so fields are counted from its last ')'. After it,
	 * field 3 (state) has index 0: pgrp (5) is 2, starttime (22) 19. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		goto malformed;
	p += 2;
	if (field_u64(p, 2, &v) < 0 || v == 0 || v > INT32_MAX)
		goto malformed;
	*pgrp = (pid_t)v;
	if (field_u64(p, 19, start_time) < 0)
		goto malformed;
	return 0;
malformed:
	errno = EIO;
	return -1;
}

int pf_hook_kill_left(pid_t pgid, uint64_t start_time, const char *boot_id, const char *now)
{
	uint64_t st;
	pid_t grp;

	/* kill(-1) and kill(-0) would reach far more than a hook's group. */
	if (pgid <= 1) {
		errno = EINVAL;
		return -1;
	}
	/* Rebooted since: nothing of the hook is left, the id is anyone's. */
	if (!boot_id || !boot_id[0] || !now || !now[0] || strcmp(now, boot_id))
		return 0;
	if (pf_proc_stat(pgid, &grp, &st) == 0) {
		/* A process of that id: only the hook's leader, not a later
		 * process that reuses the number, leads what we kill. */
		if (st != start_time || grp != pgid)
			return 0;
	} else if (errno != ENOENT) {
		return -1;
	} else if (access("/proc/self/stat", F_OK) < 0) {
		/* Without /proc nothing says whose the id is now. */
		return -1;
	}
	/* No leader: a group of that id can only be what is left of the
	 * hook's, as the kernel does not hand out the id of a live group. */
	if (kill(-pgid, SIGKILL) < 0 && errno != ESRCH)
		return -1;
	return 0;
}
