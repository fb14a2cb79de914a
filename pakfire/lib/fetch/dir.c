/* A mirror that is a folder (file:///ABS: a USB stick, an NFS mount): its
 * files are read with plain system calls, never through libcurl (which is
 * then not even loaded), and go through the same sink as a download: the
 * same cap, the same hash, the same events. They are copied into the cache
 * like a download, because a stick can change under us between a check
 * and a use. See engine.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/context.h"
#include "fetch/engine.h"

#define CHUNK (256 * 1024)

static int read_into(struct pf_fetch *f, struct pf_xfer *t, int fd, char *buf)
{
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);

		/* The whole file is judged, even when a stop signal came. */
		if (n == 0)
			return 0;
		/* A large file from a slow stick: stop when asked to. */
		if (pf_interrupted(f->ctx))
			return pf_fail(f->ctx, PF_E_OTHER, "%s: download interrupted by %s", t->shown,
				       strsignal(pf_interrupted(f->ctx)));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pf_fail_errno(f->ctx, PF_E_DOWNLOAD, "%s", t->shown);
		if (pf_sink_write(&t->sink, buf, (size_t)n) < 0) {
			if (t->sink.too_large)
				t->outcome = PF_MIRROR_VERIFY;
			return pf_sink_fail(&t->sink, t->shown);
		}
	}
}

int pf_dir_fetch(struct pf_engine *e, struct pf_xfer *t)
{
	struct pf_fetch *f = e->f;
	const char *path = t->url + strlen("file://");
	struct stat st;
	char *buf = NULL;
	int fd, r = -1;

	t->outcome = PF_MIRROR_UNREACHABLE;
	t->asked = t->sink.got;
	/* O_NONBLOCK: a FIFO planted there must not hang the open. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			t->x->http_status = 404; /* as a web server would say it */
			t->outcome = PF_MIRROR_HTTP_ERROR;
			return pf_fail(f->ctx, PF_E_DOWNLOAD, "%s: no such file", t->shown);
		}
		return pf_fail_errno(f->ctx, PF_E_DOWNLOAD, "%s", t->shown);
	}
	if (fstat(fd, &st) < 0) {
		pf_fail_errno(f->ctx, PF_E_DOWNLOAD, "%s", t->shown);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		pf_fail(f->ctx, PF_E_DOWNLOAD, "%s: not a regular file", t->shown);
		goto out;
	}
	t->x->http_status = 200;
	/* A partial copy is taken up where it ended, as a Range would. */
	if (t->asked) {
		if (lseek(fd, (off_t)t->asked, SEEK_SET) < 0) {
			pf_fail_errno(f->ctx, PF_E_DOWNLOAD, "%s", t->shown);
			goto out;
		}
		t->resumed = true;
	}
	buf = malloc(CHUNK);
	if (!buf) {
		pf_fail(f->ctx, PF_E_OTHER, "out of memory");
		goto out;
	}
	r = read_into(f, t, fd, buf);
out:
	free(buf);
	close(fd);
	return r;
}
