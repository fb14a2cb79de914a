/* Signature packets: see packets.h.
 *
 * Only the packet framing is read (tag and length), never a packet's
 * contents: whether a signature is good is GnuPG's business; how many there
 * are is what GnuPG does not tell when it skips one. */
#include <nettle/base64.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "verify/packets.h"

#define TAG_SIGNATURE 2
#define TAG_MARKER 10 /* "must be ignored when received" (RFC 4880, 5.8) */
#define ARMOR_BEGIN "-----BEGIN PGP SIGNATURE-----"
#define ARMOR_END "-----END PGP SIGNATURE-----"

/* HL bytes at *POS of B (LEN bytes), big-endian, into *V. */
static bool read_be(const uint8_t *b, size_t len, size_t *pos, size_t hl, uint32_t *v)
{
	if (len - *pos < hl)
		return false;
	*v = 0;
	for (size_t i = 0; i < hl; i++)
		*v = (*v << 8) | b[(*pos)++];
	return true;
}

/* The packets of B (LEN bytes): *N signatures; else WHY says what is wrong. */
static bool walk_packets(const uint8_t *b, size_t len, size_t *n, char *why, size_t why_len)
{
	size_t pos = 0;

	*n = 0;
	while (pos < len) {
		size_t at = pos;
		uint32_t plen = 0, o1 = 0;
		unsigned ctb = b[pos++], tag;
		bool ok;

		if (!(ctb & 0x80)) {
			snprintf(why, why_len, "byte %zu does not start an OpenPGP packet", at);
			return false;
		}
		if (ctb & 0x40) { /* new format: the first length octet says the rest */
			tag = ctb & 0x3f;
			ok = read_be(b, len, &pos, 1, &o1);
			if (ok && o1 >= 224 && o1 < 255) {
				/* partial lengths are for data packets only */
				snprintf(why, why_len, "the packet at byte %zu has a partial length", at);
				return false;
			}
			if (ok && o1 < 192)
				plen = o1;
			else if (ok && o1 < 224) {
				ok = read_be(b, len, &pos, 1, &plen);
				plen += ((o1 - 192) << 8) + 192;
			} else if (ok)
				ok = read_be(b, len, &pos, 4, &plen);
		} else { /* old format: the tag's low bits say the length's size */
			tag = (ctb >> 2) & 0x0f;
			if ((ctb & 3) == 3) {
				snprintf(why, why_len, "the packet at byte %zu has no length", at);
				return false;
			}
			ok = read_be(b, len, &pos, (size_t)1 << (ctb & 3), &plen);
		}
		if (!ok || plen > len - pos) {
			snprintf(why, why_len, "the packet at byte %zu runs past the end", at);
			return false;
		}
		pos += plen;
		if (tag == TAG_SIGNATURE)
			(*n)++;
		else if (tag != TAG_MARKER) {
			snprintf(why, why_len, "the packet at byte %zu is of type %u, not a signature", at,
				 tag);
			return false;
		}
	}
	if (*n == 0)
		snprintf(why, why_len, "no signature in it");
	return *n > 0;
}

/* LINE (L bytes, trailing blanks cut) is TEXT. */
static bool line_is(const char *line, size_t l, const char *text)
{
	return l == strlen(text) && !memcmp(line, text, l);
}

/* The packets inside an ASCII armor (RFC 4880, 6.2): the header line,
 * "Key: value" lines, a blank line, base64, an optional "=CRC" line, the
 * tail line; only blank lines around it. GnuPG checks the CRC. *OUT is the
 * caller's. */
static bool dearmor(const char *s, size_t len, uint8_t **out, size_t *out_len, const char **why)
{
	enum { BEFORE, HEADERS, BODY, CRC, AFTER } st = BEFORE;
	struct base64_decode_ctx b64;
	uint8_t *buf = malloc(BASE64_DECODE_LENGTH(len) + 1);
	size_t n = 0;

	*out = NULL;
	if (!buf) {
		*why = "out of memory";
		return false;
	}
	base64_decode_init(&b64);
	for (size_t pos = 0; pos < len;) {
		const char *line = s + pos, *nl = memchr(line, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - line) : len - pos, got;

		pos += l + (nl != NULL);
		while (l > 0 && (line[l - 1] == '\r' || line[l - 1] == ' ' || line[l - 1] == '\t'))
			l--;
		if (st == BEFORE || st == AFTER) {
			if (l == 0)
				continue;
			if (st == AFTER || !line_is(line, l, ARMOR_BEGIN)) {
				*why = st == AFTER ? "text after the armored signature" :
				       "neither OpenPGP packets nor an armored signature";
				goto fail;
			}
			st = HEADERS;
			continue;
		}
		if (st == HEADERS) {
			if (memchr(line, ':', l))
				continue;
			st = BODY; /* the blank line, or (leniently) the first base64 line */
			if (l == 0)
				continue;
		}
		if (line_is(line, l, ARMOR_END)) {
			st = AFTER;
			continue;
		}
		if (st == CRC) {
			*why = "text after the armor's checksum";
			goto fail;
		}
		if (l > 0 && line[0] == '=') {
			st = CRC;
			continue;
		}
		got = BASE64_DECODE_LENGTH(len) + 1 - n;
		if (!base64_decode_update(&b64, &got, buf + n, l, line)) {
			*why = "the armor is not base64";
			goto fail;
		}
		n += got;
	}
	if (st != AFTER) {
		*why = st == BEFORE ? "empty" : "the armor has no end line";
		goto fail;
	}
	if (!base64_decode_final(&b64)) {
		*why = "the armor is not base64";
		goto fail;
	}
	*out = buf;
	*out_len = n;
	return true;
fail:
	free(buf);
	return false;
}

int pf_sig_count(struct pf_ctx *ctx, const char *what, const void *sig, size_t len, size_t *n)
{
	const uint8_t *b = sig;
	uint8_t *plain = NULL;
	const char *why = "empty";
	char walk_why[96];
	int r = -1;

	*n = 0;
	if (len > 0 && !(b[0] & 0x80)) { /* not a packet: armored, as GnuPG decides */
		if (!dearmor(sig, len, &plain, &len, &why))
			goto out;
		b = plain;
	}
	if (len == 0)
		goto out;
	why = walk_why;
	if (walk_packets(b, len, n, walk_why, sizeof(walk_why)))
		r = 0;
out:
	if (r < 0)
		pf_fail(ctx, PF_E_VERIFY, "%s.sig is not a valid detached signature (%s)", what, why);
	free(plain);
	return r;
}
