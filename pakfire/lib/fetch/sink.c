/* A transfer's sink: see engine.h. The cap is counted here, on the bytes
 * that actually came, whatever a server announced; the hash covers every
 * byte held (a resumed prefix too), so the final check is one SHA-256 over
 * the whole file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/context.h"
#include "base/hash.h"
#include "base/strings.h"
#include "fetch/engine.h"

long long pf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void pf_sink_init(struct pf_sink *s, struct pf_ctx *ctx, int fd, uint64_t max)
{
	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->fd = fd;
	s->max = max;
	s->ev.mirror = s->host;
}

void pf_sink_free(struct pf_sink *s)
{
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
	pf_sha256_free(s->sha);
	s->sha = NULL;
}

void pf_sink_host(struct pf_sink *s, const char *url)
{
	/* past user:password@, which never goes into an event */
	const char *p = pf_url_host(url), *end;

	if (strncmp(url, "file://", 7) == 0 || !p) {
		snprintf(s->host, sizeof(s->host), "local");
		return;
	}
	end = p + strcspn(p, "/?#");
	snprintf(s->host, sizeof(s->host), "%.*s", (int)(end - p), p);
}

static int store(struct pf_sink *s, const char *data, size_t n)
{
	if (s->fd >= 0) {
		for (size_t done = 0; done < n;) {
			ssize_t w = write(s->fd, data + done, n - done);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				s->write_errno = errno;
				return -1;
			}
			done += (size_t)w;
		}
		return 0;
	}
	if (s->got + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 64 * 1024;
		char *p;

		while (cap < s->got + n + 1)
			cap *= 2;
		p = realloc(s->buf, cap);
		if (!p) {
			s->write_errno = ENOMEM;
			return -1;
		}
		s->buf = p;
		s->cap = cap;
	}
	memcpy(s->buf + s->got, data, n);
	s->buf[s->got + n] = '\0';
	return 0;
}

int pf_sink_write(struct pf_sink *s, const void *data, size_t n)
{
	if (n > s->max - s->got) {
		s->too_large = true;
		return -1;
	}
	if (store(s, data, n) < 0)
		return -1;
	if (s->sha)
		pf_sha256_update(s->sha, data, n);
	s->got += n;
	pf_sink_event(s, PF_EV_DOWNLOAD_PROGRESS, false);
	return 0;
}

int pf_sink_rewind(struct pf_sink *s)
{
	if (s->fd >= 0 && (ftruncate(s->fd, 0) < 0 || lseek(s->fd, 0, SEEK_SET) < 0)) {
		s->write_errno = errno;
		return -1;
	}
	if (s->sha) {
		pf_sha256_free(s->sha);
		s->sha = pf_sha256_new();
		if (!s->sha) {
			s->write_errno = ENOMEM;
			return -1;
		}
	}
	s->got = 0;
	s->ev.offset = 0;
	return 0;
}

void pf_sink_event(struct pf_sink *s, enum pf_event_type type, bool force)
{
	long long t = pf_now_ns();

	if (type == PF_EV_DOWNLOAD_PROGRESS && !force && t - s->last_ns < PF_PROGRESS_STEP_NS)
		return;
	if (type != PF_EV_DOWNLOAD_START)
		s->last_ns = t;
	s->ev.done = s->got;
	pf_emit(s->ctx, &(struct pf_event){ .type = type, .download = s->ev });
}

int pf_sink_fail(struct pf_sink *s, const char *url)
{
	if (s->too_large)
		return pf_fail(s->ctx, PF_E_VERIFY, "%s: larger than the %llu bytes allowed (size mismatch)",
			       url, (unsigned long long)s->max);
	errno = s->write_errno;
	if (s->write_errno == ENOMEM)
		return pf_fail(s->ctx, PF_E_OTHER, "%s: out of memory", url);
	return pf_fail_errno(s->ctx, s->write_errno == ENOSPC ? PF_E_SPACE : PF_E_OTHER,
			     "%s: cannot store download", url);
}
