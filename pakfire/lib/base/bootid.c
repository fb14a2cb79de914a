/* The boot id: see bootid.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/bootid.h"

#define BOOT_ID_FILE "/proc/sys/kernel/random/boot_id"

int pf_boot_id(const char *file, char out[40])
{
	ssize_t n;
	int fd, saved;

	out[0] = '\0';
	fd = open(file ? file : BOOT_ID_FILE, O_RDONLY | O_CLOEXEC | O_NOCTTY);
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
