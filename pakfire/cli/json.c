/* JSON writer: see json.h. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"

int json_open(struct json *j)
{
	memset(j, 0, sizeof(*j));
	j->f = open_memstream(&j->buf, &j->len);
	return j->f ? 0 : -1;
}

void json_close(struct json *j)
{
	if (j->f)
		fclose(j->f);
	free(j->buf);
	memset(j, 0, sizeof(*j));
}

static void put_escaped(struct json *j, const char *s)
{
	fputc('"', j->f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", j->f); break;
		case '\\': fputs("\\\\", j->f); break;
		case '\n': fputs("\\n", j->f); break;
		case '\t': fputs("\\t", j->f); break;
		case '\r': fputs("\\r", j->f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(j->f, "\\u%04x", *p);
			else
				fputc(*p, j->f);
		}
	}
	fputc('"', j->f);
}

static void prefix(struct json *j, const char *key)
{
	if (j->need_comma)
		fputc(',', j->f);
	if (key) {
		put_escaped(j, key);
		fputc(':', j->f);
	}
	j->need_comma = true;
}

void json_begin_object(struct json *j, const char *key)
{
	prefix(j, key);
	fputc('{', j->f);
	j->need_comma = false;
}

void json_end_object(struct json *j)
{
	fputc('}', j->f);
	j->need_comma = true;
}

void json_begin_array(struct json *j, const char *key)
{
	prefix(j, key);
	fputc('[', j->f);
	j->need_comma = false;
}

void json_end_array(struct json *j)
{
	fputc(']', j->f);
	j->need_comma = true;
}

void json_string(struct json *j, const char *key, const char *value)
{
	prefix(j, key);
	if (value)
		put_escaped(j, value);
	else
		fputs("null", j->f);
}

void json_uint(struct json *j, const char *key, uint64_t value)
{
	prefix(j, key);
	fprintf(j->f, "%llu", (unsigned long long)value);
}

void json_int(struct json *j, const char *key, int64_t value)
{
	prefix(j, key);
	fprintf(j->f, "%lld", (long long)value);
}

void json_bool(struct json *j, const char *key, bool value)
{
	prefix(j, key);
	fputs(value ? "true" : "false", j->f);
}

void json_time(struct json *j, const char *key, int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || !gmtime_r(&tt, &tm)) {
		prefix(j, key);
		fputs("null", j->f);
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_string(j, key, buf);
}
