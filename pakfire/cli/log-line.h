/* One line of pakfire.log (docs/log.md), built in a fixed buffer so that it
 * reaches the file with one write(2): with O_APPEND, lines of two runs that
 * write at once never mix.
 *
 *   2026-12-06T08:58:00Z pid=4242 tx=17 cmd=upgrade event=update-begin unit=core-141
 *
 * A value made of printable ASCII but space, '"' and '\' is written as it
 * is; any other is quoted: "..." with '\' doubled and '"' and every byte
 * outside printable ASCII written \xHH (the rule of the text output's paths,
 * base/path.h pf_quote), so no newline, control character or invalid UTF-8
 * reaches the file, and a line is one event. A value longer than
 * LOG_VALUE_MAX bytes once escaped is cut with "...". Pure: the unit test
 * checks it byte for byte. */
#ifndef PF_CLI_LOG_LINE_H
#define PF_CLI_LOG_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define LOG_LINE_MAX 8192
#define LOG_VALUE_MAX 1024

struct log_line {
	char buf[LOG_LINE_MAX];
	size_t len;            /* without the newline, which log_line_end adds */
	bool cut;              /* a field did not fit: the line ends in " ..." */
};

/* The prefix every line has: time (UTC, seconds), pid, tx (0 or less:
 * "tx=-"), cmd and event. */
void log_line_start(struct log_line *l, time_t t, long pid, int64_t tx, const char *cmd,
		    const char *event);

/* " KEY=VALUE"; VALUE NULL: nothing. log_line_mem takes LEN bytes (a NUL
 * among them is escaped like any control character). */
void log_line_str(struct log_line *l, const char *key, const char *value);
void log_line_mem(struct log_line *l, const char *key, const char *value, size_t len);
void log_line_uint(struct log_line *l, const char *key, uint64_t v);
void log_line_int(struct log_line *l, const char *key, int64_t v);
/* "yes" or "no", as the index writes Reboot. */
void log_line_bool(struct log_line *l, const char *key, bool v);

/* The line with its newline (and a NUL after it); *LEN its length,
 * without the NUL. Always fits (a field that
 * would not is cut, never the newline). */
const char *log_line_end(struct log_line *l, size_t *len);

#endif
