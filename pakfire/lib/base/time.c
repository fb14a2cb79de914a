/* UTC times: see time.h. By hand rather than strptime, which accepts more
 * than one spelling and depends on the locale. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/time.h"

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int pf_time_parse(const char *s, time_t *out)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm = { 0 };
	int v[6] = { 0 }, k = 0;
	time_t t;

	if (strlen(s) != sizeof(shape) - 1)
		return -1;
	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd') {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			continue;
		}
		if (s[i] != shape[i])
			return -1;
	}
	for (size_t i = 0; i < sizeof(shape) - 1; ) {
		if (shape[i] != 'd') {
			i++;
			continue;
		}
		while (i < sizeof(shape) - 1 && shape[i] == 'd')
			v[k] = v[k] * 10 + (s[i++] - '0');
		k++;
	}
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
	    v[2] > mdays[v[1] - 1] + (v[1] == 2 && leap(v[0])) ||
	    v[3] > 23 || v[4] > 59 || v[5] > 59)
		return -1;
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t;
	return 0;
}

void pf_time_format(time_t t, char buf[static 21])
{
	struct tm tm;
	char tmp[64];

	/* A time that has no such form gives a string pf_time_parse refuses,
	 * so a writer can never publish it unnoticed. */
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		memcpy(buf, "0000-00-00T00:00:00Z", 21);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
	memcpy(buf, tmp, 20);
	buf[20] = '\0';
}

int64_t pf_monotonic_ns(void)
{
	struct timespec ts;

	/* Cannot fail for CLOCK_MONOTONIC with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bool pf_due(int64_t *last, int64_t every_ns)
{
	int64_t now = pf_monotonic_ns();

	if (*last && now - *last < every_ns)
		return false;
	*last = now;
	return true;
}
