/* The boot id: see bootid.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/bootid.h"
#include "base/path.h"

#define BOOT_ID_FILE "/proc/sys/kernel/random/boot_id"

int pf_boot_id(struct pf_ctx *ctx, const char *file, char out[40])
{
	ssize_t n;
	int fd, saved;

	out[0] = '\0';
	fd = file ? pf_root_open(ctx, file, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0) :
		    open(BOOT_ID_FILE, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	do
		n = read(fd, out, 39);
	while (n < 0 && errno == EINTR);
	saved = errno;
	close(fd);
	if (n < 0) {
		out[0] = '\0';
		errno = saved;
		return -1;
	}
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (!out[0]) {
		errno = ENODATA;
		return -1;
	}
	return 0;
}

void pf_boot_mark(struct pf_ctx *ctx, const char *file, char out[40])
{
	if (pf_boot_id(ctx, file, out) < 0)
		snprintf(out, 40, "@%lld", (long long)time(NULL));
}

/* When this boot started, in UTC seconds: the wall clock minus the time
 * since boot (suspend included). -1 when the clocks cannot be read. */
static long long boot_started(void)
{
	struct timespec real, up;

	if (clock_gettime(CLOCK_REALTIME, &real) < 0 || clock_gettime(CLOCK_BOOTTIME, &up) < 0)
		return -1;
	return (long long)real.tv_sec - (long long)up.tv_sec;
}

bool pf_booted_since(const char *mark, const char *now)
{
	if (mark[0] == '@') {
		char *end;
		long long at = strtoll(mark + 1, &end, 10), booted = boot_started();

		/* A wall clock set forward since could make this boot look
		 * later than it was; an id is the better witness, so this is
		 * only the stand-in for a system without one. */
		return *end == '\0' && booted >= 0 && booted > at;
	}
	return mark[0] && now[0] && strcmp(mark, now) != 0;
}
