/* pakfire.conf without credentials: see config-redact.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strings.h"
#include "format/config-redact.h"

/* What may stand in a URL's scheme (RFC 3986: ALPHA *( ALPHA / DIGIT /
 * "+" / "-" / "." )). */
static bool scheme_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '-' || c == '.';
}

/* Where a URL word ends: blanks and control characters (line ends, NUL:
 * pf_url_redact takes a string) only. Not at a quote or '<' '>': a
 * password may hold them (RFC 3986 allows '\'' in userinfo, and pakfire
 * takes such a mirror), and a word cut there would leave the rest of the
 * password in the bundle. */
static bool word_end(char c)
{
	unsigned char u = (unsigned char)c;

	return u == ' ' || u < 0x20 || u == 0x7f;
}

/* The quotes a comment may put around a URL ("...", '...', <...>) are
 * trimmed from the end of the word only, after the word was found: the
 * userinfo ends at an '@' further on, so a trailing quote is never part
 * of a password that would be shown. */
static bool trailing_quote(char c)
{
	return c == '"' || c == '\'' || c == '<' || c == '>';
}

/* URL as pf_url_redact shows it, and stricter: its userinfo ends at the
 * last '@' before the first '/', even past a '?' or '#' (a password
 * "pa#ss" written unencoded is still a password). malloc'd; NULL when out
 * of memory. */
static char *redact_url(const char *url)
{
	char *shown = pf_url_redact(url), *auth, *at = NULL, *again;

	if (!shown)
		return NULL;
	auth = strstr(shown, "://") + 3;
	for (char *p = auth; *p && *p != '/'; p++)
		if (*p == '@')
			at = p;
	if (!at || (at == auth + 3 && !strncmp(auth, "***", 3)))
		return shown;
	if (asprintf(&again, "%.*s***%s", (int)(auth - shown), shown, at) < 0)
		again = NULL;
	free(shown);
	return again;
}

char *pf_config_redact(const char *text, size_t len, size_t *out_len)
{
	char *out = NULL;
	size_t size = 0, done = 0;
	FILE *f = open_memstream(&out, &size);

	if (!f)
		return NULL;
	for (size_t i = 0; i + 3 <= len; i++) {
		size_t start = i, end = i + 3;
		char *url, *shown;

		if (memcmp(text + i, "://", 3))
			continue;
		while (start > done && scheme_char(text[start - 1]))
			start--;
		while (end < len && !word_end(text[end]))
			end++;
		while (end > i + 3 && trailing_quote(text[end - 1]))
			end--;
		if (start == i) /* no scheme: not a URL */
			continue;
		url = strndup(text + start, end - start);
		shown = url ? redact_url(url) : NULL;
		if (!shown || fwrite(text + done, 1, start - done, f) != start - done ||
		    fputs(shown, f) == EOF) {
			free(url);
			free(shown);
			goto fail;
		}
		free(url);
		free(shown);
		done = end;
		i = end - 1;
	}
	if (fwrite(text + done, 1, len - done, f) != len - done)
		goto fail;
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	*out_len = size;
	return out;
fail:
	fclose(f);
	free(out);
	return NULL;
}
