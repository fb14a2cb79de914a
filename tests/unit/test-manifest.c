/* manifest*.c: parse, check, write, find. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "unit.h"

#include "base/hash.h"
#include "format/manifest.h"

#define H0 "0000000000000000000000000000000000000000000000000000000000000000"
#define HA "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define HE "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define MAGIC "pakfire-manifest\t1\n"

static const char good[] =
	MAGIC
	"dir\t0755\t0\t0\tusr\n"
	"dir\t0755\t0\t0\tusr/lib\n"
	"file\t0644\t0\t0\t40000\t" HA "\tusr/lib/libfoo.so.2.0\n"
	"file\t4755\t0\t10\t5000\t" HE "\tusr/bin/tool with space\n"
	"symlink\tlibfoo.so.2.0\tusr/lib/libfoo.so\n"
	"symlink\t/usr/lib\tlib\n"
	"symlink\t../../x/../y\tusr/lib/rel\n"
	"remove\tusr/lib/libfoo.so.1.0\n"
	"remove\tusr/lib/old-dir\n"
	"hook\tpre\t" HA "\tstop-services\n"
	"hook\tpost\t" HE "\tupdate-bootloader.sh\n"
	"dir\t1777\t65534\t4294967294\tvar/tmp\n"
	"file\t0000\t0\t0\t0\t" HE "\tetc/empty\n"
	"file\t0600\t0\t0\t18446744073709551615\t" H0 "\tbig\n";

static int parse(struct pf_ctx *ctx, const char *text, struct pf_manifest **m)
{
	return pf_manifest_parse(ctx, "core-141.manifest", text, strlen(text), m);
}

static void assert_same(const struct pf_manifest *a, const struct pf_manifest *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct pf_entry *x = &a->entries[i], *y = &b->entries[i];

		assert_int_equal(x->type, y->type);
		assert_string_equal(x->path, y->path);
		if (x->target || y->target) {
			assert_non_null(x->target);
			assert_non_null(y->target);
			assert_string_equal(x->target, y->target);
		}
		assert_int_equal(x->mode, y->mode);
		assert_int_equal(x->uid, y->uid);
		assert_int_equal(x->gid, y->gid);
		assert_int_equal(x->size, y->size);
		assert_memory_equal(x->sha256, y->sha256, 32);
		assert_int_equal(x->phase, y->phase);
	}
}

static void test_parse_good(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_manifest *m = NULL;
	const struct pf_entry *e;
	char hex[65];

	assert_int_equal(parse(ctx, good, &m), 0);
	assert_int_equal(m->n, 14);
	assert_non_null(m->sorted);

	e = &m->entries[2];
	assert_int_equal(e->type, PF_ENTRY_FILE);
	assert_string_equal(e->path, "usr/lib/libfoo.so.2.0");
	assert_int_equal(e->mode, 0644);
	assert_int_equal(e->size, 40000);
	pf_hex(e->sha256, hex);
	assert_string_equal(hex, HA);
	assert_null(e->target);

	e = &m->entries[3];
	assert_int_equal(e->mode, 04755);
	assert_int_equal(e->gid, 10);
	assert_string_equal(e->path, "usr/bin/tool with space");

	e = &m->entries[4];
	assert_int_equal(e->type, PF_ENTRY_SYMLINK);
	assert_string_equal(e->target, "libfoo.so.2.0");
	assert_string_equal(e->path, "usr/lib/libfoo.so");
	assert_string_equal(m->entries[5].target, "/usr/lib");

	assert_int_equal(m->entries[7].type, PF_ENTRY_REMOVE);
	assert_string_equal(m->entries[7].path, "usr/lib/libfoo.so.1.0");

	e = &m->entries[9];
	assert_int_equal(e->type, PF_ENTRY_HOOK);
	assert_int_equal(e->phase, PF_HOOK_PRE);
	assert_string_equal(e->path, "stop-services");
	assert_int_equal(m->entries[10].phase, PF_HOOK_POST);

	e = &m->entries[11];
	assert_int_equal(e->mode, 01777);
	assert_int_equal(e->uid, 65534);
	assert_int_equal(e->gid, 4294967294u);
	assert_int_equal(m->entries[13].size, UINT64_MAX);
	pf_manifest_free(m);
}

static void test_magic_only(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_manifest *m = NULL;

	assert_int_equal(parse(ctx, MAGIC, &m), 0);
	assert_int_equal(m->n, 0);
	assert_null(pf_manifest_find(m, "x"));
	pf_manifest_free(m);
	pf_manifest_free(NULL);
}

static void test_siblings_not_through(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_manifest *m = NULL;

	/* "a" is a file and a symlink "a-b" exists; "a-b/c", "ab/c" and "a.d"
	 * do not pass through "a". */
	assert_int_equal(parse(ctx, MAGIC
			       "file\t0644\t0\t0\t1\t" HA "\ta\n"
			       "dir\t0755\t0\t0\ta-b\n"
			       "file\t0644\t0\t0\t1\t" HA "\ta-b/c\n"
			       "dir\t0755\t0\t0\tab\n"
			       "remove\tab/c\n"
			       "symlink\ta\ta.d\n"
			       "remove\ta.e/f\n", &m), 0);
	assert_int_equal(m->n, 7);
	pf_manifest_free(m);
}

static void test_three_digit_mode(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_manifest *m = NULL;
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(parse(ctx, MAGIC "dir\t755\t0\t0\ta\n", &m), 0);
	assert_int_equal(m->entries[0].mode, 0755);
	/* The writer is canonical: four digits. */
	assert_int_equal(pf_manifest_write(ctx, m, &out, &len), 0);
	assert_int_equal(len, strlen(MAGIC "dir\t0755\t0\t0\ta\n"));
	assert_memory_equal(out, MAGIC "dir\t0755\t0\t0\ta\n", len);
	free(out);
	pf_manifest_free(m);
}

static void test_round_trip(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_manifest *m = NULL, *m2 = NULL;
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(parse(ctx, good, &m), 0);
	assert_int_equal(pf_manifest_write(ctx, m, &out, &len), 0);
	/* The input is canonical, so the bytes come back unchanged. */
	assert_int_equal(len, strlen(good));
	assert_memory_equal(out, good, len);
	assert_int_equal(pf_manifest_parse(ctx, "again", out, len, &m2), 0);
	assert_same(m, m2);
	free(out);
	pf_manifest_free(m);
	pf_manifest_free(m2);
}

static void test_not_nul_terminated(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_manifest *m = NULL;
	size_t n = strlen(good);
	char *copy = malloc(n);

	/* An exact-size buffer with no NUL after it (ASan checks the reads). */
	assert_non_null(copy);
	memcpy(copy, good, n);
	assert_int_equal(pf_manifest_parse(ctx, "x", copy, n, &m), 0);
	assert_int_equal(m->n, 14);
	pf_manifest_free(m);
	free(copy);
}

static void test_find(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_manifest *m = NULL;
	const struct pf_entry *e;

	assert_int_equal(parse(ctx, good, &m), 0);
	e = pf_manifest_find(m, "usr/lib/libfoo.so.2.0");
	assert_non_null(e);
	assert_int_equal(e->type, PF_ENTRY_FILE);
	assert_ptr_equal(e, &m->entries[2]);
	e = pf_manifest_find(m, "usr/lib");
	assert_non_null(e);
	assert_int_equal(e->type, PF_ENTRY_DIR);
	e = pf_manifest_find(m, "lib");
	assert_non_null(e);
	assert_int_equal(e->type, PF_ENTRY_SYMLINK);
	assert_non_null(pf_manifest_find(m, "big"));
	/* Removals and hooks are not found, nor prefixes or absent paths. */
	assert_null(pf_manifest_find(m, "usr/lib/libfoo.so.1.0"));
	assert_null(pf_manifest_find(m, "stop-services"));
	assert_null(pf_manifest_find(m, "us"));
	assert_null(pf_manifest_find(m, "usr/li"));
	assert_null(pf_manifest_find(m, "usr/lib/"));
	assert_null(pf_manifest_find(m, "zzz"));
	assert_null(pf_manifest_find(m, ""));
	/* The sorted view has every entry and a NULL after them. */
	assert_null(m->sorted[m->n]);
	pf_manifest_free(m);
}

static void test_build(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_manifest *m = pf_manifest_new(), *m2 = NULL;
	struct pf_entry e;
	char *out = NULL, path[64];
	size_t len = 0;

	assert_non_null(m);
	/* Fields a type does not have are dropped, so that what is written
	 * and read back is the same manifest. */
	e = (struct pf_entry){ .type = PF_ENTRY_DIR, .path = "etc", .mode = 0755,
			       .size = 99, .target = "ignored" };
	assert_int_equal(pf_manifest_add(ctx, m, &e), 0);
	e = (struct pf_entry){ .type = PF_ENTRY_SYMLINK, .path = "etc/link",
			       .target = "../x", .mode = 0777, .uid = 5 };
	assert_int_equal(pf_manifest_add(ctx, m, &e), 0);
	e = (struct pf_entry){ .type = PF_ENTRY_HOOK, .path = "cleanup", .phase = PF_HOOK_POST };
	pf_sha256_buf("#!/bin/sh\n", 10, e.sha256);
	assert_int_equal(pf_manifest_add(ctx, m, &e), 0);
	e = (struct pf_entry){ .type = PF_ENTRY_REMOVE, .path = "etc/old", .mode = 0644 };
	assert_int_equal(pf_manifest_add(ctx, m, &e), 0);
	/* Enough entries to make the array grow several times. */
	for (int i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "usr/share/f%03d", i);
		e = (struct pf_entry){ .type = PF_ENTRY_FILE, .path = path, .mode = 0644,
				       .uid = (uid_t)i, .gid = 2, .size = (uint64_t)i * 1000 };
		pf_sha256_buf(path, strlen(path), e.sha256);
		assert_int_equal(pf_manifest_add(ctx, m, &e), 0);
	}
	assert_null(m->entries[0].target);
	assert_int_equal(m->entries[0].size, 0);
	assert_int_equal(m->entries[1].mode, 0);
	assert_int_equal(m->entries[1].uid, 0);
	assert_int_equal(m->entries[3].mode, 0);

	/* No sorted view before check. */
	assert_null(pf_manifest_find(m, "etc"));
	assert_int_equal(pf_manifest_check(ctx, "built", m), 0);
	assert_non_null(pf_manifest_find(m, "usr/share/f123"));
	assert_int_equal(pf_manifest_find(m, "usr/share/f123")->uid, 123);

	assert_int_equal(pf_manifest_write(ctx, m, &out, &len), 0);
	assert_int_equal(pf_manifest_parse(ctx, "built", out, len, &m2), 0);
	assert_same(m, m2);
	assert_string_equal(m2->entries[1].target, "../x");

	/* Adding invalidates the sorted view until the next check. */
	e = (struct pf_entry){ .type = PF_ENTRY_DIR, .path = "var", .mode = 0755 };
	assert_int_equal(pf_manifest_add(ctx, m, &e), 0);
	assert_null(m->sorted);
	assert_null(pf_manifest_find(m, "etc"));
	assert_int_equal(pf_manifest_check(ctx, "built", m), 0);
	assert_non_null(pf_manifest_find(m, "var"));

	free(out);
	pf_manifest_free(m);
	pf_manifest_free(m2);
}

static void test_check_refuses(void **state)
{
	static const struct {
		struct pf_entry e[3];
		size_t n;
		const char *needle;
	} cases[] = {
		{ { { .type = PF_ENTRY_DIR, .path = "a" }, { .type = PF_ENTRY_FILE, .path = "a" } }, 2,
		  "built line 3: path 'a' is listed twice (first on line 2)" },
		{ { { .type = PF_ENTRY_SYMLINK, .path = "x", .target = "/etc" },
		    { .type = PF_ENTRY_FILE, .path = "x/passwd" } }, 2,
		  "built line 3: path 'x/passwd' passes through symlink 'x'" },
		{ { { .type = PF_ENTRY_FILE, .path = "a/../../etc/passwd" } }, 1,
		  "built line 2: path 'a/../../etc/passwd': '..' component" },
		{ { { .type = PF_ENTRY_FILE, .path = "a\nfile\t0644" } }, 1,
		  "built line 2: path 'a\\x0afile\\x090644': control character" },
		{ { { .type = PF_ENTRY_DIR, .path = "d", .mode = 010000 } }, 1,
		  "built line 2: mode 10000 of 'd' is above 07777" },
		{ { { .type = PF_ENTRY_SYMLINK, .path = "s" } }, 1,
		  "built line 2: symlink 's' has an empty target" },
		{ { { .type = PF_ENTRY_SYMLINK, .path = "s", .target = "a\nb" } }, 1,
		  "built line 2: symlink 's': control character in target 'a\\x0ab'" },
		{ { { .type = PF_ENTRY_HOOK, .path = "../evil" } }, 1,
		  "built line 2: hook name '../evil' is not made of" },
		{ { { .type = PF_ENTRY_HOOK, .path = "h", .phase = 7 } }, 1,
		  "built line 2: hook 'h': bad phase 7" },
		{ { { .type = 42, .path = "x" } }, 1, "built line 2: unknown entry type 42" },
		{ { { .type = PF_ENTRY_FILE, .path = "f", .uid = (uid_t)-1 } }, 1,
		  "built line 2: 'f': UID/GID 4294967295 is reserved" },
		{ { { .type = PF_ENTRY_REMOVE, .path = ".pakfire/manifest" } }, 1,
		  "path '.pakfire/manifest': .pakfire/ is reserved" },
	};
	struct pf_ctx *ctx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pf_manifest *m = pf_manifest_new();
		char *out = (char *)"not reset";
		size_t len = 1;

		assert_non_null(m);
		for (size_t j = 0; j < cases[i].n; j++)
			assert_int_equal(pf_manifest_add(ctx, m, &cases[i].e[j]), 0);
		expect_error(ctx, pf_manifest_check(ctx, "built", m), PF_E_VERIFY,
			     cases[i].needle);
		assert_null(m->sorted);
		/* The writer refuses the same manifest. */
		expect_error(ctx, pf_manifest_write(ctx, m, &out, &len), PF_E_VERIFY, "line 2");
		assert_null(out);
		assert_int_equal(len, 0);
		pf_manifest_free(m);
	}
}

static void test_add_without_path(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_manifest *m = pf_manifest_new();
	struct pf_entry e = { .type = PF_ENTRY_FILE };

	assert_non_null(m);
	expect_error(ctx, pf_manifest_add(ctx, m, &e), PF_E_VERIFY, "file entry without a path");
	assert_int_equal(m->n, 0);
	pf_manifest_free(m);
}

/* Each case: the manifest after the magic line, and what the message says. */
static const struct {
	const char *body;
	const char *needle;
} malformed[] = {
	/* paths */
	{ "file\t0644\t0\t0\t1\t" HA "\t../etc/passwd\n",
	  "core-141.manifest line 2: path '../etc/passwd': '..' component" },
	{ "dir\t0755\t0\t0\tusr\nfile\t0644\t0\t0\t1\t" HA "\tusr/../../x\n",
	  "line 3: path 'usr/../../x': '..' component" },
	{ "remove\t..\n", "line 2: path '..': '..' component" },
	{ "file\t0644\t0\t0\t1\t" HA "\t/etc/passwd\n", "line 2: path '/etc/passwd': absolute path" },
	{ "symlink\tx\t/lib\n", "line 2: path '/lib': absolute path" },
	{ "file\t0644\t0\t0\t1\t" HA "\t./x\n", "line 2: path './x': '.' component" },
	{ "dir\t0755\t0\t0\ta/./b\n", "line 2: path 'a/./b': '.' component" },
	{ "file\t0644\t0\t0\t1\t" HA "\ta//b\n", "line 2: path 'a//b': empty component" },
	{ "dir\t0755\t0\t0\tusr/\n", "line 2: path 'usr/': trailing '/'" },
	{ "remove\tusr/lib/x\x1b[2J\n", "line 2: path 'usr/lib/x\\x1b[2J': control character" },
	{ "remove\ta\x7f\n", "line 2: path 'a\\x7f': control character" },
	{ "remove\tok\nremove\ta\rb\n", "line 3: path 'a\\x0db': control character" },
	{ "file\t0644\t0\t0\t1\t" HA "\t.pakfire/x\n",
	  "line 2: path '.pakfire/x': .pakfire/ is reserved" },
	{ "dir\t0755\t0\t0\t.pakfire\n", "line 2: path '.pakfire': .pakfire/ is reserved" },
	/* tabs, lines, newlines */
	{ "file\t0644\t0\t0\t1\t" HA "\tusr/bin/a\tb\n",
	  "line 2: 8 fields where 'file' has 7" },
	{ "file\t0644\t0\t0\t1\t" HA "\t\tusr/bin/a\n",
	  "line 2: field 7 is empty (fields are separated by exactly one tab)" },
	{ "file 0644 0 0 1 " HA " usr/bin/a\n", "line 2: unknown entry type 'file 0644 0 0 1 " },
	{ "remove\tx\t\n", "line 2: field 3 is empty" },
	{ "\tremove\tx\n", "line 2: field 1 is empty" },
	{ "remove\n", "line 2: 1 fields where 'remove' has 2" },
	{ "symlink\ttarget\n", "line 2: 2 fields where 'symlink' has 3" },
	{ "dir\t0755\t0\t0\t0\tx\n", "line 2: 6 fields where 'dir' has 5" },
	{ "remove\ta\nremove\tb", "line 3: no newline at the end of the last line" },
	{ "remove\ta\r\nremove\tb\r\n", "line 2: carriage return at the end of the line" },
	{ "remove\ta\n\nremove\tb\n", "line 3: empty line" },
	{ "remove\ta\n\n", "line 3: empty line" },
	{ "\n", "line 2: empty line" },
	/* modes, numbers, hashes */
	{ "file\t08777\t0\t0\t1\t" HA "\tx\n", "line 2: mode '08777' is not 3 or 4 octal digits" },
	{ "dir\t10000\t0\t0\tx\n", "line 2: mode '10000' is not 3 or 4 octal digits" },
	{ "dir\t0758\t0\t0\tx\n", "line 2: mode '0758'" },
	{ "dir\t75\t0\t0\tx\n", "line 2: mode '75'" },
	{ "dir\t+755\t0\t0\tx\n", "line 2: mode '+755'" },
	{ "dir\t0755\t-1\t0\tx\n", "line 2: UID '-1' is not a decimal number" },
	{ "dir\t0755\t+1\t0\tx\n", "line 2: UID '+1'" },
	{ "dir\t0755\t0\t4294967295\tx\n", "line 2: GID '4294967295' is not a decimal number below 4294967295" },
	{ "dir\t0755\t0\t99999999999\tx\n", "line 2: GID '99999999999'" },
	{ "dir\t0755\t0x1\t0\tx\n", "line 2: UID '0x1'" },
	{ "dir\t0755\t 1\t0\tx\n", "line 2: UID ' 1'" },
	{ "file\t0644\t0\t0\t99999999999999999999\t" HA "\tx\n",
	  "line 2: SIZE '99999999999999999999' is not a decimal number below 2^64" },
	{ "file\t0644\t0\t0\t18446744073709551616\t" HA "\tx\n", "line 2: SIZE '18446744073709551616'" },
	{ "file\t0644\t0\t0\t-1\t" HA "\tx\n", "line 2: SIZE '-1'" },
	{ "file\t0644\t0\t0\t12k\t" HA "\tx\n", "line 2: SIZE '12k'" },
	{ "file\t0644\t0\t0\t1\tBA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD\tx\n",
	  "line 2: SHA256 'BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD' is not 64 lowercase hex digits" },
	{ "file\t0644\t0\t0\t1\tba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a\tx\n",
	  "line 2: SHA256 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a' is not 64" },
	{ "file\t0644\t0\t0\t1\t" HA "0\tx\n", "line 2: SHA256" },
	{ "file\t0644\t0\t0\t1\tzz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\tx\n",
	  "line 2: SHA256" },
	/* whole-manifest rules */
	{ "file\t0644\t0\t0\t1\t" HA "\ta\nremove\tb\ndir\t0755\t0\t0\ta\n",
	  "line 4: path 'a' is listed twice (first on line 2)" },
	{ "remove\ta\nremove\ta\n", "line 3: path 'a' is listed twice (first on line 2)" },
	{ "symlink\tt\ta\nsymlink\tu\tb\nremove\tb\nsymlink\tv\ta\n",
	  "line 4: path 'b' is listed twice (first on line 3)" },
	{ "symlink\t/etc\tx\nfile\t0644\t0\t0\t1\t" HA "\tx/passwd\n",
	  "line 3: path 'x/passwd' passes through symlink 'x' that this manifest creates (line 2)" },
	{ "dir\t0755\t0\t0\ta/b/c/d\nsymlink\t/\ta/b\n",
	  "line 2: path 'a/b/c/d' passes through symlink 'a/b' that this manifest creates (line 3)" },
	{ "symlink\t/root\tx\nremove\tx/.ssh/authorized_keys\n",
	  "line 3: path 'x/.ssh/authorized_keys' passes through symlink 'x'" },
	{ "file\t0644\t0\t0\t1\t" HA "\ta\ndir\t0755\t0\t0\ta/b\n",
	  "line 3: path 'a/b' passes through file 'a' that this manifest creates (line 2)" },
	{ "file\t0644\t0\t0\t1\t" HA "\ta\nfile\t0644\t0\t0\t1\t" HA "\ta-b\ndir\t0755\t0\t0\ta/c\n",
	  "line 4: path 'a/c' passes through file 'a' that this manifest creates (line 2)" },
	{ "symlink\tt\ta\nsymlink\tt\tab\ndir\t0755\t0\t0\tabc\nremove\tab/x\n",
	  "line 5: path 'ab/x' passes through symlink 'ab' that this manifest creates (line 3)" },
	{ "dir\t0755\t0\t0\td\nsymlink\tt\td/a\nremove\td/a/b/c\nremove\td/a/b\n",
	  "line 4: path 'd/a/b/c' passes through symlink 'd/a'" },
	{ "hook\tpre\t" HA "\tx\nhook\tpost\t" HA "\tx\n",
	  "line 3: hook 'x' is listed twice (first on line 2)" },
	/* hooks */
	{ "hook\tmid\t" HA "\tx\n", "line 2: hook phase 'mid' is not pre, post, pre-install" },
	{ "hook\tPRE\t" HA "\tx\n", "line 2: hook phase 'PRE'" },
	{ "hook\tpre\t" HA "\t../x\n", "line 2: hook name '../x' is not made of" },
	{ "hook\tpre\t" HA "\t..\n", "line 2: hook name '..'" },
	{ "hook\tpre\t" HA "\t.\n", "line 2: hook name '.'" },
	{ "hook\tpre\t" HA "\ta b\n", "line 2: hook name 'a b'" },
	{ "hook\tpre\t" HA "\ta/b\n", "line 2: hook name 'a/b'" },
	{ "hook\tpre\tnothex\tx\n", "line 2: SHA256 'nothex'" },
	/* symlink targets */
	{ "symlink\ta\x01" "b\tl\n", "line 2: symlink 'l': control character in target 'a\\x01b'" },
	/* entry types */
	{ "hardlink\ta\tb\n", "line 2: unknown entry type 'hardlink' (file, dir, symlink, remove or hook)" },
	{ "File\t0644\t0\t0\t1\t" HA "\tx\n", "line 2: unknown entry type 'File'" },
	{ "# comment\n", "line 2: unknown entry type '# comment'" },
};

static void test_malformed(void **state)
{
	struct pf_ctx *ctx = *state;
	char text[4096];

	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		struct pf_manifest *m = (struct pf_manifest *)&m; /* must be reset */

		snprintf(text, sizeof(text), MAGIC "%s", malformed[i].body);
		expect_error(ctx, parse(ctx, text, &m), PF_E_VERIFY, malformed[i].needle);
		assert_null(m);
	}
}

static void test_bad_magic(void **state)
{
	static const struct {
		const char *text;
		const char *needle;
	} cases[] = {
		{ "", "core-141.manifest: empty file" },
		{ "pakfire-manifest\t2\n", "line 1: 'pakfire-manifest\\x092' is not 'pakfire-manifest<TAB>1'" },
		{ "pakfire-manifest 1\n", "line 1: 'pakfire-manifest 1' is not" },
		{ "pakfire-manifest\t1\r\n", "line 1: 'pakfire-manifest\\x091\\x0d' is not" },
		{ "pakfire-manifest\t1", "line 1: no newline at the end" },
		{ "\npakfire-manifest\t1\n", "line 1: '' is not" },
		{ "remove\tx\n", "line 1: 'remove\\x09x' is not" },
		{ "<html>\n", "line 1: '<html>' is not" },
	};
	struct pf_ctx *ctx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pf_manifest *m = NULL;
		expect_error(ctx, parse(ctx, cases[i].text, &m), PF_E_VERIFY, cases[i].needle);
	}
}

static void test_nul_byte(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_manifest *m = NULL;
	const char text[] = MAGIC "remove\ta\nremove\tb\0c\n";

	expect_error(ctx, pf_manifest_parse(ctx, "n.manifest", text, sizeof(text) - 1, &m),
		     PF_E_VERIFY, "n.manifest line 3: NUL byte");
	assert_null(m);
}

static void test_long_fields(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_manifest *m = NULL;
	size_t n = 20000;
	char *text = malloc(n + 64), *p;

	/* A huge target is refused with a message of one bounded line. */
	assert_non_null(text);
	p = text + sprintf(text, MAGIC "symlink\t");
	memset(p, 'x', n);
	p += n;
	strcpy(p, "\tlink\n");
	expect_error(ctx, parse(ctx, text, &m), PF_E_VERIFY,
		     "line 2: symlink 'link': target longer than PATH_MAX");
	/* A huge path too, and the message quotes it cut short. */
	p = text + sprintf(text, MAGIC "remove\t");
	memset(p, 'y', n);
	p[n] = '\n';
	p[n + 1] = '\0';
	assert_int_equal(parse(ctx, text, &m), -1);
	assert_true(strlen(pf_error_message(ctx)) < 400);
	assert_non_null(strstr(pf_error_message(ctx), "yyy...': path longer than PATH_MAX"));
	pf_clear_error(ctx);
	free(text);
}

static void test_empty_line_flood(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_manifest *m = NULL;
	size_t n = 8 << 20;
	char *text = malloc(n);

	/* Millions of lines: refused as malformed, not as out of memory. */
	assert_non_null(text);
	memset(text, '\n', n);
	memcpy(text, MAGIC, strlen(MAGIC));
	expect_error(ctx, pf_manifest_parse(ctx, "flood", text, n, &m), PF_E_VERIFY,
		     "flood line 2: empty line");
	free(text);
}

/* A manifest shaped like a real core update: ~2,500 entries. */
static char *big_manifest(size_t files, size_t *len)
{
	size_t cap = files * 140 + 4096, o = 0;
	char *t = malloc(cap);

	if (!t)
		return NULL;
	o += (size_t)snprintf(t + o, cap - o, MAGIC);
	for (size_t d = 0; d < 50; d++)
		o += (size_t)snprintf(t + o, cap - o, "dir\t0755\t0\t0\tusr/lib/pkg%02zu\n", d);
	for (size_t i = 0; i < files; i++)
		o += (size_t)snprintf(t + o, cap - o,
				      "file\t0644\t0\t0\t%zu\t" HA "\tusr/lib/pkg%02zu/sub/file-%06zu.so\n",
				      i * 7, i % 50, i);
	o += (size_t)snprintf(t + o, cap - o, "symlink\tpkg00\tusr/lib/current\n");
	o += (size_t)snprintf(t + o, cap - o, "remove\tusr/lib/old\n");
	*len = o;
	return t;
}

static void test_speed(void **state)
{
	struct pf_ctx *ctx = *state;
	struct timespec a, b;
	size_t len;
	char *text = big_manifest(2450, &len);
	double ms;

	assert_non_null(text);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 50; i++) {
		struct pf_manifest *m = NULL;
		assert_int_equal(pf_manifest_parse(ctx, "big", text, len, &m), 0);
		assert_int_equal(m->n, 2502);
		pf_manifest_free(m);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	print_message("50 manifests of 2502 entries parsed in %.1f ms\n", ms);
	/* Generous: sanitizer builds are slower; this catches only quadratic
	 * behaviour, the benchmark measures the rest. */
	assert_true(ms < 2000);
	free(text);

	/* 200,000 entries: quadratic work would take minutes. */
	text = big_manifest(200000, &len);
	assert_non_null(text);
	clock_gettime(CLOCK_MONOTONIC, &a);
	{
		struct pf_manifest *m = NULL;
		assert_int_equal(pf_manifest_parse(ctx, "huge", text, len, &m), 0);
		assert_non_null(pf_manifest_find(m, "usr/lib/pkg07/sub/file-000007.so"));
		pf_manifest_free(m);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	print_message("one manifest of 200052 entries parsed in %.1f ms\n", ms);
	assert_true(ms < 10000);
	free(text);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(pf_entry_type_name(PF_ENTRY_FILE), "file");
	assert_string_equal(pf_entry_type_name(PF_ENTRY_DIR), "dir");
	assert_string_equal(pf_entry_type_name(PF_ENTRY_SYMLINK), "symlink");
	assert_string_equal(pf_entry_type_name(PF_ENTRY_REMOVE), "remove");
	assert_string_equal(pf_entry_type_name(PF_ENTRY_HOOK), "hook");
	assert_string_equal(pf_entry_type_name((enum pf_entry_type)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_magic_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_siblings_not_through, setup, teardown),
		cmocka_unit_test_setup_teardown(test_three_digit_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_nul_terminated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_build, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_without_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_magic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_line_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_speed, setup, teardown),
		cmocka_unit_test(test_type_names),
	};

	return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
