/* hash.c: SHA-256 and hex. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/context.h"
#include "base/error.h"
#include "base/hash.h"

/* FIPS 180-2 test vectors. */
#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_ABC   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_MILLION_A "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static void hex_of(const uint8_t d[32], char out[65])
{
	pf_hex(d, out);
}

static void test_buf(void **state)
{
	uint8_t d[32];
	char hex[65];
	(void)state;

	pf_sha256_buf("", 0, d);
	hex_of(d, hex);
	assert_string_equal(hex, SHA_EMPTY);
	pf_sha256_buf("abc", 3, d);
	hex_of(d, hex);
	assert_string_equal(hex, SHA_ABC);
}

static void test_stream(void **state)
{
	struct pf_sha256 *h = pf_sha256_new();
	char chunk[1000];
	uint8_t d[32];
	char hex[65];
	(void)state;

	assert_non_null(h);
	memset(chunk, 'a', sizeof(chunk));
	for (int i = 0; i < 1000; i++)
		pf_sha256_update(h, chunk, sizeof(chunk));
	pf_sha256_update(h, NULL, 0);
	pf_sha256_final(h, d);
	pf_sha256_free(h);
	hex_of(d, hex);
	assert_string_equal(hex, SHA_MILLION_A);
	pf_sha256_free(NULL);
}

static void test_fd(void **state)
{
	struct pf_ctx *ctx = pf_ctx_new();
	char path[] = "/tmp/pf-test-hash.XXXXXX";
	char *data = malloc(1000000), hex[65];
	uint64_t size = 0;
	uint8_t d[32];
	int fd;
	(void)state;

	assert_non_null(ctx);
	assert_non_null(data);
	memset(data, 'a', 1000000);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, data, 1000000), 1000000);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(pf_sha256_fd(ctx, fd, "a.pak", d, &size), 0);
	hex_of(d, hex);
	assert_string_equal(hex, SHA_MILLION_A);
	assert_int_equal(size, 1000000);

	/* From the current offset: the last 3 bytes of "...aaa" + "abc". */
	assert_int_equal(lseek(fd, 0, SEEK_END), 1000000);
	assert_int_equal(write(fd, "abc", 3), 3);
	assert_int_equal(lseek(fd, 1000000, SEEK_SET), 1000000);
	assert_int_equal(pf_sha256_fd(ctx, fd, "a.pak", d, NULL), 0);
	hex_of(d, hex);
	assert_string_equal(hex, SHA_ABC);
	close(fd);

	/* A read error names the file. */
	fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(pf_sha256_fd(ctx, fd, "dir.pak", d, &size), -1);
	assert_int_equal(pf_error_class(ctx), PF_E_OTHER);
	assert_non_null(strstr(pf_error_message(ctx), "dir.pak: read: Is a directory"));
	close(fd);
	free(data);
	pf_ctx_free(ctx);
}

static void test_hex(void **state)
{
	uint8_t d[32], back[32];
	char hex[65], bad[65];
	(void)state;

	for (int i = 0; i < 32; i++)
		d[i] = (uint8_t)(i * 37 + 5);
	pf_hex(d, hex);
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(pf_unhex(hex, 64, back), 0);
	assert_memory_equal(d, back, 32);

	assert_int_equal(pf_unhex(SHA_ABC, 64, back), 0);
	assert_int_equal(back[0], 0xba);
	assert_int_equal(back[31], 0xad);
	/* Exactly 64 lowercase hex digits. */
	assert_int_equal(pf_unhex(SHA_ABC, 63, back), -1);
	assert_int_equal(pf_unhex(SHA_ABC "0", 65, back), -1);
	assert_int_equal(pf_unhex("", 0, back), -1);
	memcpy(bad, SHA_ABC, 65);
	bad[0] = 'B';
	assert_int_equal(pf_unhex(bad, 64, back), -1);
	bad[0] = 'g';
	assert_int_equal(pf_unhex(bad, 64, back), -1);
	bad[0] = ' ';
	assert_int_equal(pf_unhex(bad, 64, back), -1);
	memcpy(bad, SHA_ABC, 65);
	bad[63] = '\0';
	assert_int_equal(pf_unhex(bad, 64, back), -1);
	/* A failed conversion leaves out alone. */
	memset(back, 0x11, 32);
	assert_int_equal(pf_unhex(bad, 64, back), -1);
	assert_int_equal(back[0], 0x11);
}

/* The check of fetched or cached bytes against the signed index. */
static void test_signed(void **state)
{
	struct pf_ctx *ctx = pf_ctx_new();
	uint8_t abc[32], other[32];
	(void)state;

	assert_non_null(ctx);
	pf_sha256_buf("abc", 3, abc);
	pf_sha256_buf("abd", 3, other);

	assert_true(pf_sha256_matches("abc", 3, 3, abc));
	assert_false(pf_sha256_matches("abd", 3, 3, abc));
	assert_false(pf_sha256_matches("abc", 3, 4, abc));
	assert_false(pf_sha256_matches("ab", 2, 3, abc));

	assert_int_equal(pf_check_signed_size_hash(ctx, "core-141.manifest", 3, abc, 3, abc), 0);
	assert_int_equal(pf_error_class(ctx), PF_E_OK);

	/* The size first: it is what a truncated or padded copy shows. */
	assert_int_equal(pf_check_signed_size_hash(ctx, "http://m/core-141.manifest", 2, other,
						   3, abc), -1);
	assert_int_equal(pf_error_class(ctx), PF_E_VERIFY);
	assert_string_equal(pf_error_message(ctx), "http://m/core-141.manifest: 2 bytes, but the"
			    " signed index says its size is 3");
	pf_clear_error(ctx);

	assert_int_equal(pf_check_signed_size_hash(ctx, "http://m/core-141.pak", 3, other, 3, abc),
			 -1);
	assert_int_equal(pf_error_class(ctx), PF_E_VERIFY);
	assert_non_null(strstr(pf_error_message(ctx), "http://m/core-141.pak: SHA-256 "));
	assert_non_null(strstr(pf_error_message(ctx), " does not match the signed index (" SHA_ABC ")"));
	pf_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_fd),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_signed),
	};

	return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
