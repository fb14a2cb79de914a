/* index-stanza.c, index-parse.c, index-write.c: the signed repository index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#include "base/hash.h"
#include "format/index.h"

#define HA "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define HE "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

#define REPO \
	"Format: 1\n" \
	"Series: 2.25\n" \
	"Arch: x86_64\n" \
	"Revision: 1042\n" \
	"Date: 2026-11-25T10:00:00Z\n" \
	"Valid-Until: 2026-12-09T10:00:00Z\n"

#define CORE(n, req) \
	"Type: core\n" \
	"Number: " #n "\n" \
	"Requires: " #req "\n" \
	"Reboot: no\n" \
	"Manifest: core/core-" #n ".manifest\n" \
	"Manifest-Size: 100\n" \
	"Manifest-SHA256: " HA "\n" \
	"Package: core/core-" #n ".pak\n" \
	"Package-Size: 2000\n" \
	"Package-SHA256: " HE "\n"

/* Canonical: exactly what pf_index_write emits. */
static const char good[] =
	REPO
	"Successor: 2.27\n"
	"\n"
	"Type: core\n"
	"Number: 140\n"
	"Requires: 139\n"
	"Summary: Core Update 140 (cleanup only)\n"
	"Reboot: no\n"
	"Manifest: core/core-140.manifest\n"
	"Manifest-Size: 33\n"
	"Manifest-SHA256: " HA "\n"
	"Package: core/core-140.pak\n"
	"Package-Size: 512\n"
	"Package-SHA256: " HE "\n"
	"\n"
	"Type: core\n"
	"Number: 141\n"
	"Requires: 140\n"
	"Series-Switch: 2.27\n"
	"Summary: Core Update 141: toolchain, kernel 6.6\n"
	"Reboot: yes\n"
	"Manifest: core/core-141.manifest\n"
	"Manifest-Size: 67108864\n"
	"Manifest-SHA256: " HE "\n"
	"Package: core/core-141+x86_64.pak\n"
	"Package-Size: 68719476736\n"
	"Package-SHA256: " HA "\n"
	"\n"
	"Type: addon\n"
	"Name: wireguard-tools\n"
	"Version: 1.0.20210914\n"
	"Release: 3\n"
	"Depends: libmnl, iproute2 (>= 6)\n"
	"Reboot: no\n"
	"Manifest: addons/wireguard-tools-1.0.20210914-3.manifest\n"
	"Manifest-Size: 1\n"
	"Manifest-SHA256: " HA "\n"
	"Package: addons/wireguard-tools-1.0.20210914-3.pak\n"
	"Package-Size: 1\n"
	"Package-SHA256: " HA "\n";

static int parse(struct pf_ctx *ctx, const char *text, struct pf_index **idx)
{
	return pf_index_parse(ctx, "index", text, strlen(text), idx);
}

static void assert_str_or_null(const char *a, const char *b)
{
	if (!a || !b) {
		assert_ptr_equal(a, b);
		return;
	}
	assert_string_equal(a, b);
}

static void assert_same(const struct pf_index *a, const struct pf_index *b)
{
	assert_int_equal(a->format, b->format);
	assert_string_equal(a->series, b->series);
	assert_string_equal(a->arch, b->arch);
	assert_int_equal(a->revision, b->revision);
	assert_int_equal(a->date, b->date);
	assert_int_equal(a->valid_until, b->valid_until);
	assert_str_or_null(a->successor, b->successor);
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct pf_index_entry *x = &a->entries[i], *y = &b->entries[i];

		assert_int_equal(x->type, y->type);
		assert_int_equal(x->number, y->number);
		assert_int_equal(x->requires, y->requires);
		assert_str_or_null(x->series_switch, y->series_switch);
		assert_str_or_null(x->name, y->name);
		assert_str_or_null(x->version, y->version);
		assert_str_or_null(x->release, y->release);
		assert_str_or_null(x->depends, y->depends);
		assert_str_or_null(x->summary, y->summary);
		assert_int_equal(x->reboot, y->reboot);
		assert_string_equal(x->manifest, y->manifest);
		assert_int_equal(x->manifest_size, y->manifest_size);
		assert_memory_equal(x->manifest_sha256, y->manifest_sha256, 32);
		assert_string_equal(x->package, y->package);
		assert_int_equal(x->package_size, y->package_size);
		assert_memory_equal(x->package_sha256, y->package_sha256, 32);
	}
}

static void test_parse_good(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_index *idx = NULL;
	const struct pf_index_entry *e;
	char hex[65];

	assert_int_equal(parse(ctx, good, &idx), 0);
	assert_int_equal(idx->format, 1);
	assert_string_equal(idx->series, "2.25");
	assert_string_equal(idx->arch, "x86_64");
	assert_int_equal(idx->revision, 1042);
	assert_int_equal(idx->date, 1795600800);        /* 2026-11-25T10:00:00Z */
	assert_int_equal(idx->valid_until, 1795600800 + 14 * 86400);
	assert_string_equal(idx->successor, "2.27");
	assert_int_equal(idx->n, 3);

	e = &idx->entries[0];
	assert_int_equal(e->type, PF_STANZA_CORE);
	assert_int_equal(e->number, 140);
	assert_int_equal(e->requires, 139);
	assert_null(e->series_switch);
	assert_string_equal(e->summary, "Core Update 140 (cleanup only)");
	assert_false(e->reboot);
	assert_string_equal(e->manifest, "core/core-140.manifest");
	assert_int_equal(e->manifest_size, 33);
	pf_hex(e->manifest_sha256, hex);
	assert_string_equal(hex, HA);
	assert_int_equal(e->package_size, 512);
	pf_hex(e->package_sha256, hex);
	assert_string_equal(hex, HE);
	assert_null(e->name);

	e = &idx->entries[1];
	assert_string_equal(e->series_switch, "2.27");
	assert_true(e->reboot);
	assert_int_equal(e->manifest_size, 64ULL << 20);
	assert_int_equal(e->package_size, 64ULL << 30);
	assert_string_equal(e->package, "core/core-141+x86_64.pak");

	e = &idx->entries[2];
	assert_int_equal(e->type, PF_STANZA_ADDON);
	assert_string_equal(e->name, "wireguard-tools");
	assert_string_equal(e->version, "1.0.20210914");
	assert_string_equal(e->release, "3");
	assert_string_equal(e->depends, "libmnl, iproute2 (>= 6)");
	assert_null(e->summary);

	assert_ptr_equal(pf_index_find_core(idx, 141), &idx->entries[1]);
	assert_ptr_equal(pf_index_find_core(idx, 140), &idx->entries[0]);
	assert_null(pf_index_find_core(idx, 139));
	assert_null(pf_index_find_core(idx, 0));
	pf_index_free(idx);
	pf_index_free(NULL);
}

static void test_round_trip(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_index *idx = NULL, *idx2 = NULL;
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(parse(ctx, good, &idx), 0);
	assert_int_equal(pf_index_write(ctx, idx, &out, &len), 0);
	if (len != strlen(good) || memcmp(out, good, len) != 0)
		fail_msg("written:\n%.*s", (int)len, out);
	assert_int_equal(pf_index_parse(ctx, "again", out, len, &idx2), 0);
	assert_same(idx, idx2);
	free(out);
	pf_index_free(idx);
	pf_index_free(idx2);
}

static void test_write_built(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_index_entry entries[2] = {
		{ .type = PF_STANZA_CORE, .number = 139, .requires = 138,
		  .manifest = "core/core-139.manifest", .manifest_size = 10,
		  .package = "core/core-139.pak", .package_size = 20 },
		{ .type = PF_STANZA_ADDON, .name = "nano", .version = "7.2", .release = "1",
		  .summary = "editor", .reboot = true,
		  .manifest = "addons/nano-7.2-1.manifest", .manifest_size = 10,
		  .package = "addons/nano-7.2-1.pak", .package_size = 20 },
	};
	struct pf_index idx = {
		.format = 1, .series = "2.23", .arch = "aarch64", .revision = UINT64_MAX,
		.date = 0, .valid_until = 253402300799, /* 9999-12-31T23:59:59Z */
		.entries = entries, .n = 2,
	}, *back = NULL;
	char *out = NULL;
	size_t len = 0;

	pf_sha256_buf("m", 1, entries[0].manifest_sha256);
	pf_sha256_buf("p", 1, entries[0].package_sha256);
	assert_int_equal(pf_index_write(ctx, &idx, &out, &len), 0);
	assert_non_null(strstr(out, "Date: 1970-01-01T00:00:00Z\nValid-Until: 9999-12-31T23:59:59Z\n"));
	assert_non_null(strstr(out, "\n\nType: addon\nName: nano\nVersion: 7.2\nRelease: 1\nSummary: editor\nReboot: yes\n"));
	assert_int_equal(out[len - 1], '\n');
	assert_int_equal(out[len - 2], '0');
	assert_int_equal(pf_index_parse(ctx, "back", out, len, &back), 0);
	assert_same(&idx, back);
	free(out);
	pf_index_free(back);
}

/* Client levels (docs/formats.md) are written when they say more than
 * their default, and read back. */
static void test_levels_round_trip(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_index_entry entries[2] = {
		{ .type = PF_STANZA_CORE, .number = 140, .requires = 139, .min_client = 1,
		  .provides_client = 4, .series_switch = "2.27",
		  .manifest = "core/core-140.manifest", .manifest_size = 10,
		  .package = "core/core-140.pak", .package_size = 20 },
		{ .type = PF_STANZA_CORE, .number = 141, .requires = 140, .min_client = 4,
		  .optional_keys = "X-Note",
		  .manifest = "core/core-141.manifest", .manifest_size = 10,
		  .package = "core/core-141.pak", .package_size = 20 },
	};
	struct pf_index idx = {
		.format = 1, .series = "2.25", .arch = "x86_64", .revision = 1,
		.min_client = 2, .entries = entries, .n = 2,
	}, *back = NULL;
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(pf_index_write(ctx, &idx, &out, &len), 0);
	assert_non_null(strstr(out, "Valid-Until: 1970-01-01T00:00:00Z\nMin-Client: 2\n\n"));
	assert_non_null(strstr(out, "Series-Switch: 2.27\nProvides-Client: 4\nReboot: no\n"));
	assert_non_null(strstr(out, "Requires: 140\nMin-Client: 4\nOptional-Keys: X-Note\n"));
	assert_int_equal(pf_index_parse(ctx, "back", out, len, &back), 0);
	assert_int_equal(back->min_client, 2);
	assert_int_equal(back->entries[0].min_client, 1);
	assert_int_equal(back->entries[0].provides_client, 4);
	assert_int_equal(back->entries[1].min_client, 4);
	assert_string_equal(back->entries[1].optional_keys, "X-Note");
	assert_true(pf_index_entry_honoured(&back->entries[0]));
	assert_false(pf_index_entry_honoured(&back->entries[1]));
	assert_ptr_equal(pf_index_find_provider(back, 141, 4), &back->entries[0]);
	assert_null(pf_index_find_provider(back, 140, 4));
	assert_null(pf_index_find_provider(back, 200, 5));
	pf_index_free(back);
	free(out);
	out = NULL;

	/* A known key in a stanza of another kind is one this pakfire does
	 * not know there: never ignored. */
	{
		const char text[] = REPO "\n" CORE(141, 140) "Depends: foo\n\n"
			"Type: addon\nName: foo\nVersion: 1\nRelease: 1\nSeries-Switch: 2.27\n"
			"Manifest: addons/foo-1-1.manifest\nManifest-Size: 1\nManifest-SHA256: " HA "\n"
			"Package: addons/foo-1-1.pak\nPackage-Size: 1\nPackage-SHA256: " HE "\n";

		assert_int_equal(pf_index_parse(ctx, "index", text, strlen(text), &back), 0);
		assert_string_equal(back->entries[0].unknown_key, "Depends");
		assert_string_equal(back->entries[1].unknown_key, "Series-Switch");
		assert_false(pf_index_entry_honoured(&back->entries[1]));
		pf_index_free(back);
	}
	/* A kind of stanza for newer clients only is skipped, as it says. */
	{
		const char text[] = REPO "\nType: mirrors\nMin-Client: 4\nList: m\n\n" CORE(141, 140);

		assert_int_equal(pf_index_parse(ctx, "index", text, strlen(text), &back), 0);
		assert_int_equal(back->n, 1);
		assert_int_equal(back->entries[0].number, 141);
	}
	free(out);
	pf_index_free(back);
}

static void test_write_refuses(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_index_entry e = {
		.type = PF_STANZA_CORE, .number = 139, .requires = 138,
		.manifest = "core/core-139.manifest", .manifest_size = 10,
		.package = "core/core-139.pak", .package_size = 20,
	};
	struct pf_index idx = {
		.format = 1, .series = "2.23", .arch = "x86_64", .revision = 1,
		.date = 1, .valid_until = 2, .entries = &e, .n = 1,
	};
	char *out = (char *)"not reset";
	size_t len = 1;

	/* A summary that would inject a line, or a stanza. */
	e.summary = "fine\nType: addon";
	expect_error(ctx, pf_index_write(ctx, &idx, &out, &len), PF_E_VERIFY,
		     "index stanza 2: Summary: control character");
	assert_null(out);
	assert_int_equal(len, 0);
	e.summary = " padded";
	expect_error(ctx, pf_index_write(ctx, &idx, &out, &len), PF_E_VERIFY,
		     "index stanza 2: Summary: empty or starts or ends with a blank");
	e.summary = "";
	expect_error(ctx, pf_index_write(ctx, &idx, &out, &len), PF_E_VERIFY, "Summary");
	e.summary = NULL;
	/* What the parser refuses, the writer does not publish. */
	e.package = "../core-139.pak";
	expect_error(ctx, pf_index_write(ctx, &idx, &out, &len), PF_E_VERIFY,
		     "stanza 2 (core 139): Package: '../core-139.pak' is not a relative path");
	e.package = "core/core-139.pak";
	idx.series = "2.23/../x";
	expect_error(ctx, pf_index_write(ctx, &idx, &out, &len), PF_E_VERIFY, "Series");
	idx.series = NULL;
	expect_error(ctx, pf_index_write(ctx, &idx, &out, &len), PF_E_VERIFY,
		     "index stanza 1: Series: missing");
	idx.series = "2.23";
	idx.format = 2;
	expect_error(ctx, pf_index_write(ctx, &idx, &out, &len), PF_E_VERIFY, "Format");
	idx.format = 1;
	idx.valid_until = (time_t)300000000000;  /* year 11476 */
	expect_error(ctx, pf_index_write(ctx, &idx, &out, &len), PF_E_VERIFY,
		     "Valid-Until: '0000-00-00T00:00:00Z' is not a UTC time");
	idx.valid_until = 2;
	e.manifest = NULL;
	expect_error(ctx, pf_index_write(ctx, &idx, &out, &len), PF_E_VERIFY,
		     "index stanza 2: Manifest: missing");
	e.manifest = "core/core-139.manifest";
	assert_int_equal(pf_index_write(ctx, &idx, &out, &len), 0);
	free(out);
}

/* Min-Partition: read from the repository stanza, advice only (a malformed
 * value is kept but reads as no advice), written back as given, and known
 * only there. */
static void test_min_partition(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_index *idx = NULL, *back = NULL;
	char *out = NULL, why[256];
	size_t len = 0;

	assert_int_equal(parse(ctx, REPO "Min-Partition: /boot=128M  /=4G /var//log/=512k\n"
			       "Optional-Keys: Min-Partition\n", &idx), 0);
	assert_string_equal(idx->min_partition, "/boot=128M  /=4G /var//log/=512k");
	assert_int_equal(pf_index_min_partition(idx, "/boot"), 128ULL << 20);
	assert_int_equal(pf_index_min_partition(idx, "/"), 4ULL << 30);
	assert_int_equal(pf_index_min_partition(idx, "/var/log"), 512ULL << 10);
	assert_int_equal(pf_index_min_partition(idx, "/boot/efi"), 0);
	assert_true(pf_index_optional_lists(idx->optional_keys, "min-partition"));
	/* Written back as given, and read back the same. */
	assert_int_equal(pf_index_write(ctx, idx, &out, &len), 0);
	assert_non_null(strstr(out, "\nMin-Partition: /boot=128M  /=4G /var//log/=512k\n"));
	assert_int_equal(pf_index_parse(ctx, "index", out, len, &back), 0);
	assert_int_equal(pf_index_min_partition(back, "/boot"), 128ULL << 20);
	pf_index_free(back);
	free(out);
	pf_index_free(idx);

	/* Malformed: the index is read (advice never blocks an update), the
	 * advice is not believed, not even its well-formed items. */
	assert_int_equal(parse(ctx, REPO "Min-Partition: /boot=128M /=lots\n", &idx), 0);
	assert_int_equal(pf_index_min_partition(idx, "/boot"), 0);
	assert_int_equal(pf_index_min_partition(idx, "/"), 0);
	/* ... but nobody publishes it. */
	expect_error(ctx, pf_index_write(ctx, idx, &out, &len), PF_E_VERIFY,
		     "index stanza 1: Min-Partition: size 'lots' for / is not a size");
	pf_index_free(idx);

	assert_int_equal(pf_min_partition_check("/boot=128M /=4G", why, sizeof(why)), 0);
	assert_int_equal(pf_min_partition_check("boot=128M", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "mount point 'boot': not an absolute path"));
	assert_int_equal(pf_min_partition_check("/boot=128M /boot/=1G", why, sizeof(why)), -1);
	assert_string_equal(why, "mount point /boot given twice");
	assert_int_equal(pf_min_partition_check("/boot=0", why, sizeof(why)), -1);
	assert_int_equal(pf_min_partition_check("/boot", why, sizeof(why)), -1);
	assert_string_equal(why, "'/boot' is not MOUNT=SIZE (like /boot=128M)");
	assert_int_equal(pf_min_partition_check("/../x=1M", why, sizeof(why)), -1);
	assert_int_equal(pf_min_partition_check("/boot=16E", why, sizeof(why)), -1);
	assert_int_equal(pf_min_partition_check(" ", why, sizeof(why)), -1);
	assert_string_equal(why, "no MOUNT=SIZE item");

	/* A key of the repository stanza: on an update it is one this
	 * pakfire does not know there. */
	assert_int_equal(parse(ctx, REPO "\n" CORE(139, 138) "Min-Partition: /boot=1G\n", &idx), 0);
	assert_string_equal(idx->entries[0].unknown_key, "Min-Partition");
	pf_index_free(idx);
}

static void test_tolerated(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_index *idx = NULL;
	const char text[] =
		"\n\n"
		"Format:1\n"
		"series:  2.25  \n"          /* keys match without case, values trimmed */
		"Arch:\tx86_64\n"
		"Revision: 7\n"
		"Date: 2024-02-29T23:59:59Z\n"
		"Valid-Until: 2024-03-01T00:00:00Z\n"
		"X-Future-Key: whatever: it is\n"
		"Optional-Keys: X-Future-Key, X-Other\n"  /* listed: may be ignored */
		"\n\n\n"
		CORE(139, 138)
		"X-Unknown: an update this pakfire cannot honour\n"
		"Name: ignored for core\n"
		"\n"
		"Type: core\n"
		"Number: 140\n"
		"Requires: 139\n"
		"Manifest: core/core-140.manifest\n"
		"Manifest-Size: 100\n"
		"Manifest-SHA256: " HA "\n"
		"Package: core/core-140.pak\n"
		"Package-Size: 2000\n"
		"Package-SHA256: " HE "\n"
		"\n";

	assert_int_equal(parse(ctx, text, &idx), 0);
	assert_string_equal(idx->series, "2.25");
	assert_string_equal(idx->arch, "x86_64");
	assert_int_equal(idx->date + 1, idx->valid_until);
	assert_int_equal(idx->n, 2);
	assert_null(idx->entries[0].name);
	/* Kept, not ignored: the resolver stops before it. */
	assert_string_equal(idx->entries[0].unknown_key, "X-Unknown");
	assert_false(pf_index_entry_honoured(&idx->entries[0]));
	assert_true(pf_index_entry_honoured(&idx->entries[1]));
	assert_int_equal(idx->entries[1].min_client, 1);
	assert_int_equal(idx->entries[1].provides_client, 0);
	assert_false(idx->entries[1].reboot); /* absent: no */
	assert_null(idx->entries[1].summary);
	pf_index_free(idx);

	/* The last line need not end in a newline. */
	assert_int_equal(pf_index_parse(ctx, "index", REPO, strlen(REPO) - 1, &idx), 0);
	assert_int_equal(idx->n, 0);
	pf_index_free(idx);
}

static void test_time(void **state)
{
	char buf[21];
	time_t t;
	(void)state;

	assert_int_equal(pf_time_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(pf_time_parse("2026-11-25T10:00:00Z", &t), 0);
	assert_int_equal(t, 1795600800);
	pf_time_format(t, buf);
	assert_string_equal(buf, "2026-11-25T10:00:00Z");
	assert_int_equal(pf_time_parse("2000-02-29T12:34:56Z", &t), 0);
	pf_time_format(t, buf);
	assert_string_equal(buf, "2000-02-29T12:34:56Z");
	assert_int_equal(pf_time_parse("2038-01-19T03:14:08Z", &t), 0);
	assert_int_equal(t, 2147483648);
	assert_int_equal(pf_time_parse("9999-12-31T23:59:59Z", &t), 0);
	pf_time_format(t, buf);
	assert_string_equal(buf, "9999-12-31T23:59:59Z");

	static const char *bad[] = {
		"", "2026-11-25", "2026-11-25T10:00:00", "2026-11-25T10:00:00+00:00",
		"2026-11-25 10:00:00Z", "2026-11-25t10:00:00z", "2026-11-25T10:00:00ZZ",
		" 2026-11-25T10:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
		"2026-11-31T00:00:00Z", "2026-11-00T00:00:00Z", "2023-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T10:60:00Z",
		"2026-11-25T10:00:60Z", "1969-12-31T23:59:59Z", "2026-1-25T10:00:00Z",
		"+026-11-25T10:00:00Z", "2026-11-25T1a:00:00Z",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (pf_time_parse(bad[i], &t) == 0)
			fail_msg("time \"%s\" accepted", bad[i]);
}

/* Each case is a whole index and what the message says. */
static const struct {
	const char *text;
	const char *needle;
} malformed[] = {
	/* the repository stanza */
	{ "Format: 1\nSeries: 2.25\nArch: x86_64\nDate: 2026-11-25T10:00:00Z\n"
	  "Valid-Until: 2026-12-09T10:00:00Z\n",
	  "index stanza 1 (repository): Revision: missing" },
	{ "Format: 1\nSeries: 2.25\nArch: x86_64\nRevision: -1\nDate: 2026-11-25T10:00:00Z\n"
	  "Valid-Until: 2026-12-09T10:00:00Z\n",
	  "index stanza 1 (repository): Revision: '-1' is not a decimal number" },
	{ "Format: 1\nSeries: 2.25\nArch: x86_64\nRevision: 12a\nDate: 2026-11-25T10:00:00Z\n"
	  "Valid-Until: 2026-12-09T10:00:00Z\n",
	  "Revision: '12a' is not a decimal number" },
	{ "Format: 1\nSeries: 2.25\nArch: x86_64\nRevision: 18446744073709551616\n"
	  "Date: 2026-11-25T10:00:00Z\nValid-Until: 2026-12-09T10:00:00Z\n",
	  "Revision: '18446744073709551616' is not a decimal number" },
	{ "Format: 1\nSeries: 2.25\nArch: x86_64\nRevision: 0x10\nDate: 2026-11-25T10:00:00Z\n"
	  "Valid-Until: 2026-12-09T10:00:00Z\n", "Revision: '0x10'" },
	{ "Format: 1\nSeries: 2.25\nArch: x86_64\nRevision: 1\nDate: 2026-11-25 10:00:00\n"
	  "Valid-Until: 2026-12-09T10:00:00Z\n",
	  "index stanza 1 (repository): Date: '2026-11-25 10:00:00' is not a UTC time" },
	{ "Format: 1\nSeries: 2.25\nArch: x86_64\nRevision: 1\nDate: 2026-11-25T10:00:00Z\n"
	  "Valid-Until: 2026-02-30T10:00:00Z\n", "Valid-Until: '2026-02-30T10:00:00Z' is not a UTC time" },
	{ "Format: 1\nSeries: 2.25\nArch: x86_64\nRevision: 1\nDate: 2026-11-25T10:00:00Z\n",
	  "Valid-Until: missing" },
	{ "Format: 2\nSeries: 2.25\nArch: x86_64\nRevision: 1\nDate: 2026-11-25T10:00:00Z\n"
	  "Valid-Until: 2026-12-09T10:00:00Z\n",
	  "index stanza 1 (repository): Format: unsupported format '2' (this pakfire reads 1;"
	  " a newer format needs a newer pakfire)" },
	{ REPO "Min-Client: 4\n",
	  "index stanza 1 (repository): Min-Client: the index of series 2.25 needs pakfire client"
	  " level 4 or newer (this one is 3)" },
	{ REPO "Min-Client: 0\n", "index stanza 1 (repository): Min-Client: client levels start at 1" },
	{ REPO "Mirror-List: mirrors\n",
	  "index stanza 1 (repository): Mirror-List: a key this pakfire (client level 3) does not"
	  " know, and Optional-Keys does not list it: the index of series 2.25 needs a newer pakfire" },
	{ REPO "Mirror-List: mirrors\nOptional-Keys: Mirror-Lists\n", "Mirror-List: a key this pakfire" },
	{ REPO "\nType: mirrors\nMin-Client: 2\n", "index stanza 2: Type: 'mirrors' is not core or addon" },
	{ REPO "Number: 141\n",
	  "index stanza 1 (repository): Number: a key this pakfire (client level 3) does not know" },
	{ REPO "\n" CORE(141, 140) "Provides-Client: two\n",
	  "index stanza 2 (core 141): Provides-Client: 'two' is not a decimal number" },
	{ "Series: 2.25\nArch: x86_64\nRevision: 1\n", "Format: missing" },
	{ REPO "Revision: 1043\n", "index stanza 1 (repository): Revision: given twice (lines 4 and 7)" },
	{ REPO "revision: 1043\n", "revision: given twice (lines 4 and 7)" },
	{ REPO "X-Mirror-Note: a\nx-mirror-note: b\n",
	  "index stanza 1 (repository): x-mirror-note: given twice (lines 7 and 8)" },
	{ REPO "\n\n\n" CORE(141, 140) "\n\n" "Type: core\nNumber: 142\nNumber: 143\n",
	  "index stanza 3 (core 142): Number: given twice (lines 23 and 24)" },
	{ REPO "Successor: 2.27/..\n", "Successor: '2.27/..' is not a series name" },
	{ "Format: 1\nSeries: ..\nArch: x86_64\n", "Series: '..' is not a series name" },
	{ "Format: 1\nSeries: 2.25\nArch: x86 64\n", "Arch: 'x86 64' is not an architecture" },
	/* syntax */
	{ REPO " continued\n", "index line 7: starts with a blank (continuation lines are not allowed)" },
	{ REPO "\tcontinued\n", "index line 7: starts with a blank" },
	{ REPO "\n  \n" CORE(141, 140), "index line 8: starts with a blank" },
	{ REPO "Just a line\n", "index line 7: not a 'Key: value' line" },
	{ REPO ": value\n", "index line 7: not a 'Key: value' line" },
	{ REPO "Key With Space: value\n", "index line 7: not a 'Key: value' line" },
	{ REPO "Summary:\n", "index line 7: Summary: empty value" },
	{ REPO "Summary: a\x1b[2Jb\n", "index line 7: Summary: control character 0x1b" },
	{ "Format: 1\r\nSeries: 2.25\r\n", "index line 1: Format: control character 0x0d in the value (CRLF" },
	{ "", "index: empty (no repository stanza)" },
	{ "\n\n\n", "index: empty (no repository stanza)" },
	/* update stanzas */
	{ REPO "\n" "Number: 141\nRequires: 140\n", "index stanza 2: Type: missing" },
	{ REPO "\n" "Type: kernel\nNumber: 141\n", "index stanza 2: Type: 'kernel' is not core or addon" },
	{ REPO "\n" "Type: core\nRequires: 140\n", "index stanza 2: Number: missing" },
	{ REPO "\n" CORE(141, 140) "Number: 142\n",
	  "index stanza 2 (core 141): Number: given twice (lines 9 and 18)" },
	{ REPO "\n" CORE(141, 141), "index stanza 2 (core 141): Requires: 141 is not below Number 141" },
	{ REPO "\n" CORE(141, 140) "\n" CORE(139, 138) "\n" CORE(141, 139),
	  "index stanza 4 (core 141): Number: core 141 is listed twice (first in stanza 2)" },
	{ REPO "\n" CORE(141, 140) "\n" CORE(142, 140),
	  "index stanza 3 (core 142): Requires: core 141 also requires 140 (stanza 2)" },
	{ REPO "\n" CORE(4294967296, 140), "Number: 4294967296 is above the limit of 4294967295" },
	{ REPO "\n" CORE(141, 140) "Reboot: maybe\n", "index stanza 2 (core 141): Reboot: given twice" },
	{ REPO "\n" "Type: core\nNumber: 141\nRequires: 140\nReboot: maybe\n",
	  "index stanza 2 (core 141): Reboot: 'maybe' is not yes or no" },
	{ REPO "\n" "Type: core\nNumber: 141\nRequires: 140\nSeries-Switch: 2 27\n",
	  "Series-Switch: '2 27' is not a series name" },
	{ REPO "\n" "Type: core\nNumber: 141\nRequires: 140\nManifest: ../x\n",
	  "index stanza 2 (core 141): Manifest: '../x' is not a relative path in the repository: '..' component" },
	{ REPO "\n" "Type: core\nNumber: 141\nRequires: 140\nManifest: core/core-141.manifest\n"
	  "Manifest-Size: 67108865\n",
	  "index stanza 2 (core 141): Manifest-Size: 67108865 is above the limit of 67108864" },
	{ REPO "\n" "Type: core\nNumber: 141\nRequires: 140\nManifest: core/core-141.manifest\n"
	  "Manifest-Size: 0\n", "Manifest-Size: 0 bytes" },
	{ REPO "\n" "Type: core\nNumber: 141\nRequires: 140\nManifest: core/core-141.manifest\n"
	  "Manifest-Size: 10\nManifest-SHA256: " "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD" "\n",
	  "Manifest-SHA256: 'BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD' is not 64 lowercase hex digits" },
	{ REPO "\n" "Type: core\nNumber: 141\nRequires: 140\nManifest: core/core-141.manifest\n"
	  "Manifest-Size: 10\nManifest-SHA256: " HA "\nPackage: ../x\n",
	  "index stanza 2 (core 141): Package: '../x' is not a relative path in the repository" },
	{ REPO "\n" "Type: core\nNumber: 141\nRequires: 140\nManifest: core/core-141.manifest\n"
	  "Manifest-Size: 10\nManifest-SHA256: " HA "\nPackage: core/core-141.pak?x=1\n",
	  "index stanza 2 (core 141): Package: 'core/core-141.pak?x=1' has characters outside [A-Za-z0-9._+/-]" },
	{ REPO "\n" "Type: core\nNumber: 141\nRequires: 140\nManifest: core/core-141.manifest\n"
	  "Manifest-Size: 10\nManifest-SHA256: " HA "\nPackage: /srv/core-141.pak\n",
	  "Package: '/srv/core-141.pak' is not a relative path in the repository: absolute path" },
	{ REPO "\n" "Type: core\nNumber: 141\nRequires: 140\nManifest: core/core-141.manifest\n"
	  "Manifest-Size: 10\nManifest-SHA256: " HA "\nPackage: core//core-141.pak\n",
	  "Package: 'core//core-141.pak' is not a relative path in the repository: empty component" },
	{ REPO "\n" "Type: core\nNumber: 141\nRequires: 140\nManifest: core/core-141.manifest\n"
	  "Manifest-Size: 10\nManifest-SHA256: " HA "\nPackage: core/caf\xc3\xa9.pak\n",
	  "Package: 'core/caf\\xc3\\xa9.pak' has characters outside" },
	{ REPO "\n" "Type: core\nNumber: 141\nRequires: 140\nManifest: core/core-141.manifest\n"
	  "Manifest-Size: 10\nManifest-SHA256: " HA "\nPackage: core/core-141.pak\n"
	  "Package-Size: 68719476737\n",
	  "Package-Size: 68719476737 is above the limit of 68719476736" },
	{ REPO "\n" "Type: core\nNumber: 141\nRequires: 140\nManifest: core/core-141.manifest\n"
	  "Manifest-Size: 10\nManifest-SHA256: " HA "\nPackage: core/core-141.pak\n"
	  "Package-Size: 10\nPackage-SHA256: " HA "0\n",
	  "Package-SHA256: '" HA "0' is not 64 lowercase hex digits" },
	{ REPO "\n" "Type: addon\nVersion: 1\nRelease: 1\n", "index stanza 2: Name: missing" },
	{ REPO "\n" "Type: addon\nName: a/b\nVersion: 1\nRelease: 1\n",
	  "index stanza 2 (addon a/b): Name: 'a/b' is not a name" },
	{ REPO "\n" "Type: addon\nName: nano\nVersion: 7 2\nRelease: 1\n",
	  "index stanza 2 (addon nano): Version: '7 2' is not a version" },
	{ REPO "\n" "Type: addon\nName: nano\nVersion: 7.2\n", "(addon nano): Release: missing" },
};

static void test_malformed(void **state)
{
	struct pf_ctx *ctx = *state;

	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		struct pf_index *idx = (struct pf_index *)&idx; /* must be reset */
		expect_error(ctx, parse(ctx, malformed[i].text, &idx), PF_E_VERIFY,
			     malformed[i].needle);
		assert_null(idx);
	}
}

static void test_nul_byte(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_index *idx = NULL;
	const char text[] = REPO "Summary: a\0b\n";

	expect_error(ctx, pf_index_parse(ctx, "index", text, sizeof(text) - 1, &idx),
		     PF_E_VERIFY, "index line 7: NUL byte");
	assert_null(idx);
}

static void test_too_big(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_index *idx = NULL;
	size_t n = (16u << 20) + 1;
	char *text = malloc(n);

	assert_non_null(text);
	memset(text, '\n', n);
	memcpy(text, REPO, strlen(REPO));
	expect_error(ctx, pf_index_parse(ctx, "index", text, n, &idx), PF_E_VERIFY,
		     "index: 16777217 bytes, more than the 16777216 an index may have");
	/* 16 MiB exactly is fine. */
	assert_int_equal(pf_index_parse(ctx, "index", text, n - 1, &idx), 0);
	pf_index_free(idx);
	free(text);
}

static void test_many_stanzas(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_index *idx = NULL, *idx2 = NULL;
	size_t cap = 5000 * 420 + 1024, o = 0;
	char *text = malloc(cap), *out = NULL;
	size_t len = 0;

	assert_non_null(text);
	o += (size_t)snprintf(text, cap, REPO);
	for (unsigned n = 1; n <= 5000; n++)
		o += (size_t)snprintf(text + o, cap - o,
				      "\nType: core\nNumber: %u\nRequires: %u\nReboot: no\n"
				      "Manifest: core/core-%u.manifest\nManifest-Size: 1\n"
				      "Manifest-SHA256: " HA "\nPackage: core/core-%u.pak\n"
				      "Package-Size: 1\nPackage-SHA256: " HE "\n",
				      n, n - 1, n, n);
	assert_int_equal(pf_index_parse(ctx, "index", text, o, &idx), 0);
	assert_int_equal(idx->n, 5000);
	assert_int_equal(pf_index_find_core(idx, 4321)->requires, 4320);
	assert_int_equal(pf_index_write(ctx, idx, &out, &len), 0);
	assert_int_equal(len, o);
	assert_memory_equal(out, text, len);
	assert_int_equal(pf_index_parse(ctx, "index", out, len, &idx2), 0);
	assert_same(idx, idx2);
	pf_index_free(idx);
	pf_index_free(idx2);
	free(out);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_built, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_levels_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tolerated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_min_partition, setup, teardown),
		cmocka_unit_test(test_time),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_stanzas, setup, teardown),
	};

	return cmocka_run_group_tests_name("index", tests, NULL, NULL);
}
