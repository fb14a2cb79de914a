/* Add-on names: see names.h. */
#include <string.h>

#include "format/names.h"

/* The message below spells the limit out. */
_Static_assert(PF_ADDON_NAME_MAX == 63, "update the message of pf_addon_name_problem");

const char *pf_addon_name_problem(const char *name)
{
	size_t len = strlen(name);

	if (len == 0)
		return "is empty";
	if (len > PF_ADDON_NAME_MAX)
		return "is longer than 63 bytes";
	if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789._+-") != len)
		return "has a character outside [A-Za-z0-9._+-]";
	if (name[0] == '.')
		return "starts with '.'";
	if (strncmp(name, "core-", 5) == 0)
		return "starts with 'core-', which is reserved for core updates";
	if (strncmp(name, "old-", 4) == 0)
		return "starts with 'old-', which is reserved for pakfire's backups";
	if (strspn(name, "0123456789") == len)
		return "is all digits, which is reserved for core updates";
	return NULL;
}
