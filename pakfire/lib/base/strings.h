/* Small string helpers that several stages need. */
#ifndef PF_STRINGS_H
#define PF_STRINGS_H

#include <stdbool.h>
#include <stddef.h>

/* The last component of a '/'-separated name (a path or a URL): what
 * follows the last '/', or NAME itself when it has none. Points into
 * NAME. */
const char *pf_basename(const char *name);

/* The host[:port] of URL as events and messages name a mirror: "local"
 * for a file:// URL (or one with no scheme), never a user:password@ part.
 * Cut to SIZE. */
void pf_url_host(const char *url, char *buf, size_t size);

/* LINES[0..N) as one malloc'd string, each line followed by "\n" ("" when
 * N is 0). NULL only when out of memory. */
char *pf_join_lines(char *const *lines, size_t n);

/* Whether PATH (relative to the root, as manifests write it) lies inside
 * FOLDER (absolute, as pakfire.conf writes it: "/etc/pakfire/keys"): right
 * inside it when DIRECT, else at any depth. */
bool pf_path_inside(const char *path, const char *folder, bool direct);

/* Where the host of URL (scheme, "://", [userinfo@]host[:port], path) starts:
 * past the scheme and any userinfo; NULL when URL has no "://". Points
 * into URL. */
const char *pf_url_after_userinfo(const char *url);

/* URL as every message, event, log line and database row shows it: its
 * userinfo (the user and password of a mirror such as
 * http, then user:secret@host/pakfire), if any, replaced by three '*':
 * the host and the rest stay (pakfire.conf(5), mirror). A malloc'd copy;
 * NULL only when out of memory. */
char *pf_url_redact(const char *url);

#endif
