/* The bounded record of a hook's output (run-parts.h) and the result
 * built from it (run.h). A hook that writes 100 MB costs the same 64 KiB
 * as one that writes 64 KiB, and each read is copied at most once into
 * the head and once into the ring. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hooks/run-parts.h"

#define HEAD PF_HOOK_KEEP_HEAD
#define TAIL PF_HOOK_KEEP_TAIL

static const char *const outcome_names[] = {
	[PF_HOOK_OK] = "ok",
	[PF_HOOK_FAILED] = "failed",
	[PF_HOOK_KILLED] = "killed",
	[PF_HOOK_TIMEOUT] = "timeout",
	[PF_HOOK_INTERRUPTED] = "interrupted",
};

const char *pf_hook_outcome_name(enum pf_hook_outcome o)
{
	if ((unsigned)o >= sizeof(outcome_names) / sizeof(outcome_names[0]))
		return "unknown";
	return outcome_names[o];
}

void pf_hook_result_clear(struct pf_hook_result *res)
{
	if (!res)
		return;
	free(res->output);
	memset(res, 0, sizeof(*res));
}

const char *pf_hook_output_tail(const struct pf_hook_result *res, unsigned lines)
{
	const char *s = res->output;
	size_t i;

	if (!s || res->output_len == 0 || lines == 0)
		return "";
	i = res->output_len;
	if (s[i - 1] == '\n')
		i--; /* the last line's own end is not a line before it */
	for (; i > 0; i--)
		if (s[i - 1] == '\n' && --lines == 0)
			return s + i;
	return s;
}

int pf_capture_init(struct pf_capture *c)
{
	memset(c, 0, sizeof(*c));
	c->buf = malloc(HEAD + TAIL);
	return c->buf ? 0 : -1;
}

void pf_capture_free(struct pf_capture *c)
{
	free(c->buf);
	c->buf = NULL;
}

void pf_capture_add(struct pf_capture *c, const char *data, size_t len)
{
	char *ring = c->buf + HEAD;
	size_t n;

	c->total += len;
	if (c->head_len < HEAD) {
		n = len < HEAD - c->head_len ? len : HEAD - c->head_len;
		memcpy(c->buf + c->head_len, data, n);
		c->head_len += n;
		data += n;
		len -= n;
	}
	if (len == 0)
		return;
	if (len >= TAIL) {
		/* Only the last TAIL bytes of this read can survive. */
		memcpy(ring, data + len - TAIL, TAIL);
		c->ring_pos = 0;
		c->ring_len = TAIL;
		return;
	}
	n = len < TAIL - c->ring_pos ? len : TAIL - c->ring_pos;
	memcpy(ring + c->ring_pos, data, n);
	memcpy(ring, data + n, len - n);
	c->ring_pos = (c->ring_pos + len) % TAIL;
	c->ring_len = c->ring_len + len < TAIL ? c->ring_len + len : TAIL;
}

void pf_capture_note(struct pf_capture *c, const char *fmt, ...)
{
	size_t room = sizeof(c->notes) - c->notes_len;
	va_list ap;
	int n;

	if (room < 16)
		return;
	n = snprintf(c->notes + c->notes_len, room, "pakfire: ");
	va_start(ap, fmt);
	n += vsnprintf(c->notes + c->notes_len + (size_t)n, room - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if ((size_t)n > room - 2)
		n = (int)room - 2; /* shortened: keep the line's end */
	c->notes[c->notes_len + (size_t)n] = '\n';
	c->notes_len += (size_t)n + 1;
	c->notes[c->notes_len] = '\0';
}

static char *put(char *p, const void *data, size_t len)
{
	memcpy(p, data, len);
	return p + len;
}

int pf_capture_finish(struct pf_capture *c, struct pf_hook_result *res)
{
	const char *ring = c->buf + HEAD;
	uint64_t dropped = c->total - c->head_len - c->ring_len;
	char marker[64] = "";
	size_t mlen = 0, size;
	char *out, *p;
	bool nl;

	if (dropped > 0) {
		nl = c->head_len > 0 && c->buf[c->head_len - 1] != '\n';
		mlen = (size_t)snprintf(marker, sizeof(marker), "%s[... %" PRIu64 " bytes dropped ...]\n",
					nl ? "\n" : "", dropped);
	}
	size = c->head_len + mlen + c->ring_len + 1 + c->notes_len + 1;
	out = malloc(size);
	if (!out)
		return -1;
	p = put(out, c->buf, c->head_len);
	p = put(p, marker, mlen);
	if (c->ring_len < TAIL) {
		p = put(p, ring, c->ring_len);
	} else {
		p = put(p, ring + c->ring_pos, TAIL - c->ring_pos);
		p = put(p, ring, c->ring_pos);
	}
	/* pakfire's notes start on a line of their own. */
	if (c->notes_len > 0 && p > out && p[-1] != '\n')
		*p++ = '\n';
	p = put(p, c->notes, c->notes_len);
	*p = '\0';
	res->output = out;
	res->output_len = (size_t)(p - out);
	res->output_total = c->total;
	res->dropped = dropped;
	return 0;
}
