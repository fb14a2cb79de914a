/* packets.c: how many signatures a detached signature holds, from its
 * packet framing, binary or armored; anything else is refused. */
#include "unit.h"
#include "verify/packets.h"

#define WHAT "http://m/index"

/* The count of SIG (LEN bytes), which must be accepted. */
static size_t count(struct pf_ctx *ctx, const char *sig, size_t len)
{
	size_t n = 99;

	assert_int_equal(pf_sig_count(ctx, WHAT, sig, len, &n), 0);
	return n;
}

static void refused(struct pf_ctx *ctx, const char *sig, size_t len, const char *why)
{
	size_t n = 99;
	char needle[256];

	snprintf(needle, sizeof(needle), WHAT ".sig is not a valid detached signature (%s)", why);
	expect_error(ctx, pf_sig_count(ctx, WHAT, sig, len, &n), PF_E_VERIFY, needle);
}

#define S(lit) lit, sizeof(lit) - 1

static void test_binary(void **state)
{
	struct pf_ctx *ctx = *state;
	char big[203 + 6 + 70000];

	/* old format, one-octet length (what gpg writes), one and two */
	assert_int_equal(count(ctx, S("\x88\x03" "abc")), 1);
	assert_int_equal(count(ctx, S("\x88\x03" "abc" "\x88\x02" "de")), 2);
	/* old format, two-octet length; new format, one-octet length */
	assert_int_equal(count(ctx, S("\x89\x00\x01" "a" "\xc2\x01" "b")), 2);
	/* a marker packet is ignored */
	assert_int_equal(count(ctx, S("\xa8\x03" "PGP" "\x88\x01" "a")), 1);
	/* new format, two-octet (192..8383) and five-octet lengths */
	memset(big, 'x', sizeof(big));
	big[0] = (char)0xc2;
	big[1] = (char)(192 + 0); /* (0 << 8) + o2 + 192 = 200: o2 = 8 */
	big[2] = 8;
	big[203] = (char)0xc2;
	big[204] = (char)0xff;
	memcpy(big + 205, "\x00\x01\x11\x70", 4); /* 70000 */
	assert_int_equal(count(ctx, big, 203 + 6 + 70000), 2);
	/* and one byte short */
	refused(ctx, big, 203 + 6 + 69999, "the packet at byte 203 runs past the end");
}

static void test_binary_refused(void **state)
{
	struct pf_ctx *ctx = *state;

	refused(ctx, "", 0, "empty");
	refused(ctx, S("\xa8\x03" "PGP"), "no signature in it");
	refused(ctx, S("\x88\x03" "abc" "junk"), "byte 5 does not start an OpenPGP packet");
	refused(ctx, S("\x88\x03" "abc" "\xac\x01" "x"),
		"the packet at byte 5 is of type 11, not a signature");
	refused(ctx, S("\x88\x04" "abc"), "the packet at byte 0 runs past the end");
	refused(ctx, S("\x88"), "the packet at byte 0 runs past the end");
	refused(ctx, S("\x8a\x00\x00"), "the packet at byte 0 runs past the end");
	refused(ctx, S("\xc2\xe0" "a"), "the packet at byte 0 has a partial length");
	refused(ctx, S("\x8b" "abc"), "the packet at byte 0 has no length");
}

static void test_armored(void **state)
{
	struct pf_ctx *ctx = *state;

	/* "\x88\x03abc\x88\x02de", as gpg --armor writes it */
	assert_int_equal(count(ctx, S("-----BEGIN PGP SIGNATURE-----\n"
				      "Comment: two\n"
				      "\n"
				      "iANhYm\n"
				      "OIAmRl\n"
				      "=abcd\n"
				      "-----END PGP SIGNATURE-----\n")), 2);
	/* CRLF, blank lines around it, no headers, no checksum */
	assert_int_equal(count(ctx, S("\r\n-----BEGIN PGP SIGNATURE-----\r\n\r\n"
				      "iANhYmOIAmRl\r\n-----END PGP SIGNATURE-----\r\n\r\n")), 2);
	/* the packets inside are held to the same rules */
	refused(ctx, S("-----BEGIN PGP SIGNATURE-----\n\niANhYmOsAXg=\n-----END PGP SIGNATURE-----\n"),
		"the packet at byte 5 is of type 11, not a signature");
}

static void test_armored_refused(void **state)
{
	struct pf_ctx *ctx = *state;

	refused(ctx, S("hello\n"), "neither OpenPGP packets nor an armored signature");
	refused(ctx, S("-----BEGIN PGP SIGNED MESSAGE-----\n\niANhYmOIAmRl\n"),
		"neither OpenPGP packets nor an armored signature");
	refused(ctx, S("-----BEGIN PGP SIGNATURE-----\n\niANhYmOIAmRl\n"),
		"the armor has no end line");
	refused(ctx, S("-----BEGIN PGP SIGNATURE-----\n\niANh*mOIAmRl\n-----END PGP SIGNATURE-----\n"),
		"the armor is not base64");
	refused(ctx, S("-----BEGIN PGP SIGNATURE-----\n\niANhYmOIAmRl\n-----END PGP SIGNATURE-----\n"
		       "more\n"), "text after the armored signature");
	refused(ctx, S("-----BEGIN PGP SIGNATURE-----\n\niANhYmOIAmRl\n=abcd\niANh\n"
		       "-----END PGP SIGNATURE-----\n"), "text after the armor's checksum");
	refused(ctx, S("\n\n"), "empty");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_binary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binary_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_armored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_armored_refused, setup, teardown),
	};

	return cmocka_run_group_tests_name("packets", tests, NULL, NULL);
}
