/* The repository index, written (pakfire-repo publish): the exact bytes
 * that get signed. Every value is checked to read back unchanged, and the
 * result is parsed again, so a maintainer can only ever publish what the
 * client accepts. See index.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/path.h"
#include "base/time.h"
#include "format/index.h"
#include "format/names.h"

/* A value the writer may emit: present, no control character, no blank at
 * either end (the parser trims), so it reads back unchanged. */
static int value_ok(struct pf_ctx *ctx, size_t stanza, const char *key,
		    const char *v, bool required)
{
	size_t n;

	if (!v) {
		if (!required)
			return 0;
		return pf_fail(ctx, PF_E_VERIFY, "index stanza %zu: %s: missing", stanza, key);
	}
	n = strlen(v);
	if (n == 0 || v[0] == ' ' || v[n - 1] == ' ')
		return pf_fail(ctx, PF_E_VERIFY,
			       "index stanza %zu: %s: empty or starts or ends with a blank",
			       stanza, key);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return pf_fail(ctx, PF_E_VERIFY,
				       "index stanza %zu: %s: control character in the value",
				       stanza, key);
	return 0;
}

static int entry_values_ok(struct pf_ctx *ctx, size_t st, const struct pf_index_entry *e)
{
	bool addon = e->type == PF_STANZA_ADDON;
	const char *why;
	char q[96];

	/* The parser reads any token; the client's resolver refuses more. */
	if (addon && e->name && (why = pf_addon_name_problem(e->name)))
		return pf_fail(ctx, PF_E_VERIFY, "index stanza %zu: Name: add-on name '%s' %s",
			       st, pf_quote(e->name, strlen(e->name), q, sizeof(q)), why);
	return value_ok(ctx, st, "Series-Switch", e->series_switch, false) < 0 ||
	       value_ok(ctx, st, "Name", e->name, addon) < 0 ||
	       value_ok(ctx, st, "Version", e->version, addon) < 0 ||
	       value_ok(ctx, st, "Release", e->release, addon) < 0 ||
	       value_ok(ctx, st, "Depends", e->depends, false) < 0 ||
	       value_ok(ctx, st, "Summary", e->summary, false) < 0 ||
	       value_ok(ctx, st, "Optional-Keys", e->optional_keys, false) < 0 ||
	       value_ok(ctx, st, "Manifest", e->manifest, true) < 0 ||
	       value_ok(ctx, st, "Package", e->package, true) < 0 ? -1 : 0;
}

/* The keys of docs/formats.md's "Client levels", when they say more than
 * their default. */
static void write_levels(FILE *f, unsigned min_client, unsigned provides, const char *optional)
{
	if (min_client > 1)
		fprintf(f, "Min-Client: %u\n", min_client);
	if (provides)
		fprintf(f, "Provides-Client: %u\n", provides);
	if (optional)
		fprintf(f, "Optional-Keys: %s\n", optional);
}

int pf_index_write(struct pf_ctx *ctx, const struct pf_index *idx,
		   char **buf, size_t *len)
{
	struct pf_index *check = NULL;
	char *data = NULL, date[21], until[21], hex[65];
	size_t size = 0;
	FILE *f;

	*buf = NULL;
	*len = 0;
	if (value_ok(ctx, 1, "Series", idx->series, true) < 0 ||
	    value_ok(ctx, 1, "Arch", idx->arch, true) < 0 ||
	    value_ok(ctx, 1, "Successor", idx->successor, false) < 0 ||
	    value_ok(ctx, 1, "Optional-Keys", idx->optional_keys, false) < 0 ||
	    value_ok(ctx, 1, "Min-Partition", idx->min_partition, false) < 0 ||
	    value_ok(ctx, 1, "Mirrors", idx->mirrors, false) < 0)
		return -1;
	if (idx->min_partition) {
		char why[256];

		/* The client ignores a malformed one; nobody publishes it. */
		if (pf_min_partition_check(idx->min_partition, why, sizeof(why)) < 0)
			return pf_fail(ctx, PF_E_VERIFY, "index stanza 1: Min-Partition: %s", why);
	}
	for (size_t i = 0; i < idx->n; i++)
		if (entry_values_ok(ctx, i + 2, &idx->entries[i]) < 0)
			return -1;

	f = open_memstream(&data, &size);
	if (!f)
		return pf_fail_errno(ctx, PF_E_OTHER, "index: open_memstream");
	pf_time_format(idx->date, date);
	pf_time_format(idx->valid_until, until);
	fprintf(f, "Format: %u\nSeries: %s\nArch: %s\nRevision: %" PRIu64 "\n"
		"Date: %s\nValid-Until: %s\n",
		idx->format, idx->series, idx->arch, idx->revision, date, until);
	if (idx->successor)
		fprintf(f, "Successor: %s\n", idx->successor);
	if (idx->min_partition)
		fprintf(f, "Min-Partition: %s\n", idx->min_partition);
	if (idx->mirrors) {
		pf_hex(idx->mirrors_sha256, hex);
		fprintf(f, "Mirrors: %s\nMirrors-Size: %" PRIu64 "\nMirrors-SHA256: %s\n",
			idx->mirrors, idx->mirrors_size, hex);
	}
	write_levels(f, idx->min_client, 0, idx->optional_keys);
	for (size_t i = 0; i < idx->n; i++) {
		const struct pf_index_entry *e = &idx->entries[i];

		if (e->type == PF_STANZA_CORE) {
			fprintf(f, "\nType: core\nNumber: %u\nRequires: %u\n",
				e->number, e->requires);
			if (e->series_switch)
				fprintf(f, "Series-Switch: %s\n", e->series_switch);
		} else {
			fprintf(f, "\nType: addon\nName: %s\nVersion: %s\nRelease: %s\n",
				e->name, e->version, e->release);
			if (e->depends)
				fprintf(f, "Depends: %s\n", e->depends);
		}
		write_levels(f, e->min_client, e->provides_client, e->optional_keys);
		if (e->summary)
			fprintf(f, "Summary: %s\n", e->summary);
		fprintf(f, "Reboot: %s\n", e->reboot ? "yes" : "no");
		pf_hex(e->manifest_sha256, hex);
		fprintf(f, "Manifest: %s\nManifest-Size: %" PRIu64 "\nManifest-SHA256: %s\n",
			e->manifest, e->manifest_size, hex);
		pf_hex(e->package_sha256, hex);
		fprintf(f, "Package: %s\nPackage-Size: %" PRIu64 "\nPackage-SHA256: %s\n",
			e->package, e->package_size, hex);
	}
	if (ferror(f)) {
		fclose(f);
		free(data);
		errno = ENOMEM;
		return pf_fail_errno(ctx, PF_E_OTHER, "index: write");
	}
	if (fclose(f) != 0) {
		free(data);
		return pf_fail_errno(ctx, PF_E_OTHER, "index: write");
	}
	/* Publish only what a client accepts. */
	if (pf_index_parse(ctx, "index (as written)", data, size, &check) < 0) {
		free(data);
		return -1;
	}
	pf_index_free(check);
	*buf = data;
	*len = size;
	return 0;
}
