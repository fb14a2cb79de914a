/* hashq.c: the hashing thread that staging hands its blocks to. */
#include "unit.h"

#include "base/hash.h"
#include "apply/hashq.h"

/* Hand DATA (LEN bytes) to Q as file ID in blocks of at most STEP bytes,
 * the last one marked so (an empty file: one empty block). */
static void push_file(struct pf_hashq *q, size_t id, const char *data, size_t len, size_t step,
		      const uint8_t expect[32])
{
	size_t off = 0;

	do {
		size_t n = len - off < step ? len - off : step;
		char *block = pf_hashq_block(q);

		memcpy(block, data + off, n);
		off += n;
		pf_hashq_push(q, id, n, off == len, expect);
	} while (off < len);
}

/* Many files, big and small (empty too), all matching: no mismatch. */
static void test_all_match(void **state)
{
	struct pf_ctx *ctx = *state;
	enum { FILES = 40 };
	static uint8_t sums[FILES][32];
	size_t big = 3 * PF_HASHQ_BLOCK + 17, bad = 0;
	char *data = malloc(big);
	struct pf_hashq *q;

	assert_non_null(data);
	for (size_t i = 0; i < big; i++)
		data[i] = (char)(i * 31 + 7);
	q = pf_hashq_start(ctx);
	assert_non_null(q);
	for (size_t i = 0; i < FILES; i++) {
		size_t len = i % 4 == 0 ? 0 : i % 4 == 1 ? big : i * 1000;

		pf_sha256_buf(data, len, sums[i]);
		push_file(q, i, data, len, PF_HASHQ_BLOCK, sums[i]);
	}
	assert_int_equal(pf_hashq_finish(ctx, q, &bad), 0);
	assert_true(bad == PF_HASHQ_NONE);
	pf_hashq_free(q);
	free(data);
}

/* The first file that does not match is the one reported, whatever the
 * block size; later mismatches do not replace it. */
static void test_first_mismatch_is_reported(void **state)
{
	struct pf_ctx *ctx = *state;
	static uint8_t good[32], wrong[32];
	const char *text = "the quick brown fox jumps over the lazy dog";
	size_t bad = 0;
	struct pf_hashq *q = pf_hashq_start(ctx);

	assert_non_null(q);
	pf_sha256_buf(text, strlen(text), good);
	memcpy(wrong, good, 32);
	wrong[31] ^= 1;
	push_file(q, 0, text, strlen(text), 5, good);
	push_file(q, 1, text, strlen(text), 7, good);
	push_file(q, 2, text, strlen(text), 3, wrong);
	push_file(q, 3, text, strlen(text), 11, good);
	push_file(q, 4, text, strlen(text), 1, wrong);
	assert_int_equal(pf_hashq_finish(ctx, q, &bad), 0);
	assert_int_equal(bad, 2);
	pf_hashq_free(q);
}

/* Stopping half way through a file (staging failed) frees everything. */
static void test_free_half_way(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_hashq *q = pf_hashq_start(ctx);
	char *block;

	assert_non_null(q);
	block = pf_hashq_block(q);
	memset(block, 'x', 1000);
	pf_hashq_push(q, 0, 1000, false, NULL);
	pf_hashq_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_all_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_mismatch_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_half_way, setup, teardown),
	};

	return cmocka_run_group_tests_name("hashq", tests, NULL, NULL);
}
