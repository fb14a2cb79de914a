/* pak-hooks.c and the hook rule of pak-member.c: the hooks of a package,
 * read before anything is staged, against packages written here with
 * libarchive as pakfire-repo writes them (and as it must not). */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "unit.h"

#include "base/hash.h"
#include "format/manifest.h"
#include "format/pak.h"

#define PAK "core-141.pak"
#define PRE "#!/bin/sh\necho stopping\n"
#define POST "#!/bin/sh\necho done\n"
#define PAYLOAD "payload bytes\n"

/* One member: a regular file NAME holding LEN bytes of DATA; with LINK, a
 * hard link to it instead. */
struct member {
	const char *name;
	const char *data;
	size_t len;
	const char *link;
};

static void hex_of(const char *data, char hex[65])
{
	uint8_t sha[32];

	pf_sha256_buf(data, strlen(data), sha);
	pf_hex(sha, hex);
}

/* The manifest of the tests: one payload file, and the hooks pre and post
 * (when HOOKS). The text is malloc'd. */
static char *manifest_text(bool hooks)
{
	char *s = NULL, body[65], pre[65], post[65];

	hex_of(PAYLOAD, body);
	hex_of(PRE, pre);
	hex_of(POST, post);
	if (asprintf(&s, "pakfire-manifest\t1\nfile\t0644\t0\t0\t%zu\t%s\tetc/x\n%s%s%s%s%s%s",
		     strlen(PAYLOAD), body, hooks ? "hook\tpre\t" : "", hooks ? pre : "",
		     hooks ? "\tstop\n" : "", hooks ? "hook\tpost\t" : "", hooks ? post : "",
		     hooks ? "\tstart\n" : "") < 0)
		fail_msg("out of memory");
	return s;
}

/* A package of the members MS (N), the manifest first; an fd on it. */
static int write_pak(const char *manifest, const struct member *ms, size_t n)
{
	FILE *f = tmpfile();
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	int fd;

	assert_non_null(f);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_fd(a, fileno(f)), ARCHIVE_OK);
	for (size_t i = 0; i <= n; i++) {
		const char *name = i ? ms[i - 1].name : PF_PAK_MANIFEST;
		const char *data = i ? ms[i - 1].data : manifest;
		size_t len = i ? ms[i - 1].len : strlen(manifest);

		archive_entry_clear(ae);
		archive_entry_copy_pathname(ae, name);
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, 0644);
		if (i && ms[i - 1].link) {
			archive_entry_copy_hardlink(ae, ms[i - 1].link);
			len = 0;
		}
		archive_entry_set_size(ae, (la_int64_t)len);
		assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
		if (len)
			assert_int_equal(archive_write_data(a, data, len), (la_ssize_t)len);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(ae);
	fd = dup(fileno(f));
	fclose(f);
	assert_true(fd >= 0);
	return fd;
}

#define HOOK(n, d) { ".pakfire/hooks/" n, d, sizeof(d) - 1, NULL }
#define BODY { "etc/x", PAYLOAD, sizeof(PAYLOAD) - 1, NULL }

/* Read the hooks of the package of MS with the manifest (hooks or not). */
static int read_hooks(struct pf_ctx *ctx, bool hooks, const struct member *ms, size_t n,
		      struct pf_pak_hook **out, size_t *count)
{
	char *text = manifest_text(hooks);
	struct pf_manifest *m = NULL;
	int fd = write_pak(text, ms, n), r;

	assert_int_equal(pf_manifest_parse(ctx, "core-141.manifest", text, strlen(text), &m), 0);
	r = pf_pak_read_hooks(ctx, fd, PAK, m, text, strlen(text), out, count);
	/* the entries belong to m: what the tests look at is copied first */
	if (r == 0)
		for (size_t i = 0; i < *count; i++)
			assert_true((*out)[i].e >= m->entries && (*out)[i].e < m->entries + m->n);
	close(fd);
	if (r == 0 && *count)
		assert_string_equal((*out)[0].e->path, "stop");
	pf_manifest_free(m);
	free(text);
	return r;
}

static void test_good(void **state)
{
	/* post shipped before pre: OUT is in manifest order all the same */
	const struct member ms[] = { HOOK("start", POST), HOOK("stop", PRE), BODY };
	struct pf_pak_hook *h = NULL;
	size_t n = 0;

	assert_int_equal(read_hooks(*state, true, ms, 3, &h, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(h[0].len, strlen(PRE));
	assert_memory_equal(h[0].bytes, PRE, strlen(PRE));
	assert_int_equal(h[1].len, strlen(POST));
	assert_memory_equal(h[1].bytes, POST, strlen(POST));
	pf_pak_hooks_free(h, n);
	pf_pak_hooks_free(NULL, 0);
}

static void test_no_hooks(void **state)
{
	const struct member ms[] = { BODY };
	struct pf_pak_hook *h = (void *)1;
	size_t n = 7;

	/* a manifest without hooks: nothing read, nothing given */
	assert_int_equal(read_hooks(*state, false, ms, 1, &h, &n), 0);
	assert_null(h);
	assert_int_equal(n, 0);
}

static void refused(void **state, const struct member *ms, size_t n, const char *needle)
{
	struct pf_pak_hook *h = (void *)1;
	size_t count = 7;

	expect_error(*state, read_hooks(*state, true, ms, n, &h, &count), PF_E_VERIFY, needle);
	assert_null(h);
	assert_int_equal(count, 0);
}

static void test_missing(void **state)
{
	const struct member ms[] = { HOOK("stop", PRE), BODY };

	refused(state, ms, 2, PAK ": member '.pakfire/hooks/start' is in the manifest but missing from the package");
}

static void test_wrong_bytes(void **state)
{
	const struct member ms[] = { HOOK("stop", PRE), HOOK("start", "#!/bin/sh\nrm -rf /\n"), BODY };

	refused(state, ms, 3, PAK ": member '.pakfire/hooks/start' does not match the SHA-256 in its manifest");
}

static void test_unlisted(void **state)
{
	const struct member ms[] = { HOOK("stop", PRE), HOOK("start", POST), HOOK("extra", POST), BODY };

	refused(state, ms, 4, PAK ": member '.pakfire/hooks/extra' is not a hook of the manifest");
}

static void test_twice(void **state)
{
	const struct member ms[] = { HOOK("stop", PRE), HOOK("start", POST), HOOK("stop", PRE), BODY };

	refused(state, ms, 4, PAK ": member '.pakfire/hooks/stop' appears twice");
}

static void test_hard_link(void **state)
{
	const struct member ms[] = { HOOK("stop", PRE),
				     { ".pakfire/hooks/start", NULL, 0, ".pakfire/hooks/stop" }, BODY };

	refused(state, ms, 3, PAK ": member '.pakfire/hooks/start' is not a regular file");
}

/* Read up to the first payload member only: a hook after it is not met
 * (staging says why: below), and the payload is never decompressed. */
static void test_after_payload(void **state)
{
	const struct member ms[] = { HOOK("stop", PRE), BODY, HOOK("start", POST) };

	refused(state, ms, 3, PAK ": member '.pakfire/hooks/start' is in the manifest but missing from the package");
}

static void test_oversized(void **state)
{
	size_t big = PF_PAK_HOOK_MAX + 1;
	char *data = malloc(big);
	struct member ms[] = { HOOK("stop", PRE), { ".pakfire/hooks/start", NULL, 0, NULL }, BODY };

	assert_non_null(data);
	memset(data, '#', big);
	ms[1].data = data;
	ms[1].len = big;
	refused(state, ms, 3, PAK ": member '.pakfire/hooks/start' is larger than a hook may be (1 MiB)");
	free(data);
}

/* The rule staging applies to every member under .pakfire/hooks/: after a
 * payload member, a hook is refused whatever it holds. */
static void test_rule_after_payload(void **state)
{
	struct pf_ctx *ctx = *state;
	char *text = manifest_text(true);
	struct pf_manifest *m = NULL;
	struct archive_entry *ae = archive_entry_new();
	bool seen[3] = { false };

	assert_int_equal(pf_manifest_parse(ctx, "m", text, strlen(text), &m), 0);
	archive_entry_copy_pathname(ae, ".pakfire/hooks/start");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_size(ae, (la_int64_t)strlen(POST));
	assert_true(pf_pak_is_hook(".pakfire/hooks/start"));
	assert_false(pf_pak_is_hook(".pakfire/hook"));
	assert_false(pf_pak_is_hook(NULL));
	assert_ptr_equal(pf_pak_hook_member(ctx, PAK, m, ae, seen, false), &m->entries[2]);
	seen[2] = false;
	assert_null(pf_pak_hook_member(ctx, PAK, m, ae, seen, true));
	expect_error(ctx, -1, PF_E_VERIFY,
		     PAK ": member '.pakfire/hooks/start' comes after the payload (hooks come right after the manifest)");
	archive_entry_free(ae);
	pf_manifest_free(m);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_hooks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlisted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hard_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_after_payload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_after_payload, setup, teardown),
	};

	return cmocka_run_group_tests_name("pak-hooks", tests, NULL, NULL);
}
