/* Min-Partition, the repository stanza's advice on partition sizes: see
 * index.h and docs/formats.md. The syntax is pakfire.conf's reserve
 * (MOUNT=SIZE items), read with the same mount and size parsers, so that
 * an admin and a maintainer write sizes one way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/config.h"
#include "format/index.h"

#define ITEMS_MAX 64

/* Each item of VALUE, in order, normalised: FN(mount, bytes, data) stops
 * the walk when it returns non-zero (returned). -1 with WHY on a
 * malformed value. */
static int each_item(const char *value, int (*fn)(const char *, uint64_t, void *), void *data,
		     char *why, size_t size)
{
	char *seen[ITEMS_MAX];
	size_t n_seen = 0;
	const char *p = value + strspn(value, " \t");
	int r = 0;

	while (*p && r == 0) {
		size_t len = strcspn(p, " \t");
		char *item = strndup(p, len), *eq, *mount = NULL;
		const char *problem;
		uint64_t bytes = 0;

		if (!item) {
			snprintf(why, size, "out of memory");
			r = -1;
			break;
		}
		eq = strchr(item, '=');
		if (!eq || eq == item || !eq[1]) {
			snprintf(why, size, "'%s' is not MOUNT=SIZE (like /boot=128M)", item);
			r = -1;
		} else {
			*eq = '\0';
			mount = pf_mount_normalise(item, &problem);
			if (!mount) {
				snprintf(why, size, "mount point '%s': %s", item,
					 problem ? problem : "out of memory");
				r = -1;
			} else if (pf_parse_size(eq + 1, &bytes) < 0 || bytes == 0) {
				snprintf(why, size, "size '%s' for %s is not a size (like 128M, 4G)",
					 eq + 1, mount);
				r = -1;
			}
		}
		for (size_t i = 0; r == 0 && i < n_seen; i++)
			if (!strcmp(seen[i], mount)) {
				snprintf(why, size, "mount point %s given twice", mount);
				r = -1;
			}
		if (r == 0 && n_seen == ITEMS_MAX) {
			snprintf(why, size, "more than %d mount points", ITEMS_MAX);
			r = -1;
		}
		if (r == 0) {
			seen[n_seen++] = mount;
			mount = NULL;
			r = fn ? fn(seen[n_seen - 1], bytes, data) : 0;
		}
		free(mount);
		free(item);
		p += len;
		p += strspn(p, " \t");
	}
	if (r == 0 && n_seen == 0) {
		snprintf(why, size, "no MOUNT=SIZE item");
		r = -1;
	}
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i]);
	return r;
}

int pf_min_partition_check(const char *value, char *why, size_t size)
{
	return each_item(value, NULL, NULL, why, size) < 0 ? -1 : 0;
}

struct lookup {
	const char *mount;
	uint64_t bytes;
};

static int match(const char *mount, uint64_t bytes, void *data)
{
	struct lookup *l = data;

	if (strcmp(mount, l->mount))
		return 0;
	l->bytes = bytes;
	return 1;
}

uint64_t pf_index_min_partition(const struct pf_index *idx, const char *mount)
{
	struct lookup l = { mount, 0 };
	char why[256];

	/* The whole value must be well formed before any of it is believed. */
	if (!idx || !idx->min_partition || pf_min_partition_check(idx->min_partition, why,
								   sizeof(why)) < 0)
		return 0;
	return each_item(idx->min_partition, match, &l, why, sizeof(why)) == 1 ? l.bytes : 0;
}
