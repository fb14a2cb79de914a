/* One line of pakfire.log: see log-line.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log-line.h"

/* Room kept at the end of the buffer: " ..." when a field did not fit, and
 * the newline. */
#define LINE_TAIL 8

/* Appends S (N bytes) whole; once one does not fit, " ..." and nothing more:
 * a line never grows past its buffer. */
static void put(struct log_line *l, const char *s, size_t n)
{
	if (l->cut)
		return;
	if (l->len + n + LINE_TAIL > LOG_LINE_MAX) {
		memcpy(l->buf + l->len, " ...", 4);
		l->len += 4;
		l->cut = true;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static bool bare(const unsigned char *s, size_t n)
{
	if (n == 0 || n > LOG_VALUE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '"' || s[i] == '\\')
			return false;
	return true;
}

/* S quoted and escaped into OUT (LOG_VALUE_MAX + 1 bytes); its length. */
static size_t quote(const unsigned char *s, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	out[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		char piece[4];
		size_t k = 0;

		if (s[i] == '\\') {
			piece[k++] = '\\';
			piece[k++] = '\\';
		} else if (s[i] < 0x20 || s[i] >= 0x7f || s[i] == '"') {
			piece[k++] = '\\';
			piece[k++] = 'x';
			piece[k++] = hex[s[i] >> 4];
			piece[k++] = hex[s[i] & 15];
		} else {
			piece[k++] = (char)s[i];
		}
		/* Room for "..." and the closing quote. */
		if (o + k + 4 > LOG_VALUE_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, piece, k);
		o += k;
	}
	out[o++] = '"';
	return o;
}

void log_line_mem(struct log_line *l, const char *key, const char *value, size_t len)
{
	const unsigned char *v = (const unsigned char *)value;
	char q[LOG_VALUE_MAX + 1];

	if (!value)
		return;
	put(l, " ", 1);
	put(l, key, strlen(key));
	put(l, "=", 1);
	if (bare(v, len))
		put(l, value, len);
	else
		put(l, q, quote(v, len, q));
}

void log_line_str(struct log_line *l, const char *key, const char *value)
{
	if (value)
		log_line_mem(l, key, value, strlen(value));
}

void log_line_uint(struct log_line *l, const char *key, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	log_line_str(l, key, num);
}

void log_line_int(struct log_line *l, const char *key, int64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRId64, v);
	log_line_str(l, key, num);
}

void log_line_bool(struct log_line *l, const char *key, bool v)
{
	log_line_str(l, key, v ? "yes" : "no");
}

void log_line_start(struct log_line *l, time_t t, long pid, int64_t tx, const char *cmd,
		    const char *event)
{
	struct tm tm;
	char stamp[32] = "0000-00-00T00:00:00Z";

	l->len = 0;
	l->cut = false;
	if (gmtime_r(&t, &tm))
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	put(l, stamp, strlen(stamp));
	log_line_int(l, "pid", pid);
	if (tx > 0)
		log_line_int(l, "tx", tx);
	else
		log_line_str(l, "tx", "-");
	log_line_str(l, "cmd", cmd ? cmd : "-");
	log_line_str(l, "event", event);
}

const char *log_line_end(struct log_line *l, size_t *len)
{
	l->buf[l->len++] = '\n';
	l->buf[l->len] = '\0'; /* for syslog(3), not written */
	*len = l->len;
	return l->buf;
}
