#!/usr/bin/env bash
# Key rotation (docs/key-rotation.md): the client trusts exactly the keys of
# its keys folder at the time of verification; an index signed by OLD and NEW
# passes on a client that trusts either; one bad signature refuses the index
# whoever made it; a key shipped or removed by a core update is trusted or
# no longer trusted at the next `pakfire update`.
# The indexes are signed here with gpg directly (one index.sig holding the
# signatures of every key named), as `pakfire-repo publish --key A --key B`
# does.
# (FPR_<name> is set by make_key.)
# shellcheck source=tests/lib.sh disable=SC2034,SC2154
. "$(dirname "$0")/../lib.sh"

# sign_index NAME...: replace $REPO/index.sig by one signature file holding a
# signature of $REPO/index by each key NAME (made by make_key), in order.
# NAME may be a fingerprint followed by "!" (a given subkey).
sign_index() {
	local args=() k v
	for k in "$@"; do
		v="FPR_$k"
		[[ $k =~ ^[A-Za-z0-9_]+$ ]] && [ -n "${!v:-}" ] && k=${!v}
		args+=(--local-user "$k")
	done
	rm -f "$REPO/index.sig"
	must gpg --homedir "$G" --batch --yes "${args[@]}" --detach-sign \
		--output "$REPO/index.sig" "$REPO/index"
}

# publish_signed NAME...: a new revision of the repository, signed by the
# keys NAME... only.
publish_signed() {
	repo_publish
	sign_index "$@"
}

# sig_packet KEYID: "OFFSET HLEN PLEN" of the signature packet of $REPO/index.sig
# made by the key whose key ID (the last 16 digits of its fingerprint) is KEYID.
sig_packet() {
	gpg --homedir "$G" --list-packets "$REPO/index.sig" 2>/dev/null | awk -v id="$1" '
		/^# off=/ { n = split($0, f, /[ =]+/); for (i = 1; i < n; i++) h[f[i]] = f[i + 1]; next }
		/:signature packet:/ && toupper($0) ~ ("KEYID " id) { print h["off"], h["hlen"], h["plen"]; exit }'
}

# flip_at FILE OFFSET [MASK]: the byte at OFFSET of FILE xor MASK (default
# 255), in a new file.
flip_at() {
	python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[int(sys.argv[2])] ^= int(sys.argv[3]); open(p + ".new", "wb").write(b)' \
		"$1" "$2" "${3:-255}" || fail "flip_at $1 $2"
	mv -f "$1.new" "$1"
}

# keys_world TRUST... [-- OPTION...]: keys "old" and "new"; core 139 signed by
# old (repo_mini 139 with the OPTIONs); the server; a root at core 138 whose
# keys folder holds the keys TRUST...
keys_world() {
	local trust=() opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		trust+=(--trust "$1")
		shift
	done
	[ $# -eq 0 ] || { shift; opts=("$@"); }
	make_key old
	make_key new
	repo_mini 139 --key old ${opts[@]+"${opts[@]}"}
	http_start
	root_at_core 138 "${trust[@]}"
}

# assert_accepted_from NAME: the last update verified the index published last,
# signed by key NAME: said so, and kept it in the database.
assert_accepted_from() {
	local v="FPR_$1"
	assert_exit 0
	assert_output_contains "revision $REPO_REVISION"
	assert_output_contains "signed by ${!v}"
	assert_db "SELECT revision, signer FROM indexes" "$REPO_REVISION|${!v}"
}

# assert_untrusted FPR: the update was refused (exit 4, one error line naming
# FPR, saying it is not trusted and how a key becomes trusted), nothing changed.
assert_untrusted() {
	assert_exit 4
	assert_error_line "signed by $1, which is not a trusted key" \
		"a key becomes trusted when its public key (*.asc) is in $R/etc/pakfire/keys" \
		"shipped by a core update, or placed there by the administrator"
	assert_nothing_changed
}

# --- the overlap: one index, two signatures --------------------------------

test_overlap_accepted_when_only_old_is_trusted() {
	keys_world old
	sign_index old new

	run pakfire --root "$R" update
	assert_accepted_from old
	assert_stderr_empty
}

test_overlap_accepted_when_only_new_is_trusted() {
	keys_world new
	sign_index old new

	run pakfire --root "$R" update
	assert_accepted_from new
	assert_stderr_empty
}

# --- a key not (yet) trusted, then trusted; a key removed ---------------------

test_new_key_refused_until_its_file_is_in_the_keys_folder() {
	keys_world old
	must_update
	publish_signed new
	remember_state

	run pakfire --root "$R" update
	assert_untrusted "$FPR_new"
	assert_db "SELECT revision, signer FROM indexes" "$((REPO_REVISION - 1))|$FPR_old"

	# the administrator (or a core update) puts the key into the folder
	cp "$T/keys/new.asc" "$R/etc/pakfire/keys/"
	run pakfire --root "$R" update
	assert_accepted_from new
}

test_key_removed_from_the_folder_is_no_longer_trusted() {
	keys_world old new
	must_update
	# the kept home knows both keys now
	grep -qi "$FPR_old" "$R/var/lib/pakfire/gnupg/pakfire-keys" || fail "the stamp does not name the old key"

	rm "$R/etc/pakfire/keys/old.asc"
	publish_signed old
	remember_state
	run pakfire --root "$R" update
	assert_untrusted "$FPR_old"
	! grep -qi "$FPR_old" "$R/var/lib/pakfire/gnupg/pakfire-keys" ||
		fail "the home was not rebuilt: its stamp still names the removed key"

	# the key that is left still counts
	publish_signed new
	run pakfire --root "$R" update
	assert_accepted_from new
}

test_only_unknown_signers_are_all_named() {
	make_key trusted
	make_key stranger1
	make_key stranger2
	repo_mini 139 --key stranger1
	sign_index stranger1 stranger2
	http_start
	root_at_core 138 --trust trusted
	remember_state

	run pakfire --root "$R" update
	assert_exit 4
	assert_error_line "signed by $FPR_stranger1, which is not a trusted key, and by $FPR_stranger2," \
		"a key becomes trusted when"
	assert_nothing_changed
}

# A key file replaced by the same key with its revocation: the key's
# signatures no longer count, and refuse nothing beside a good one.
test_revoked_key_no_longer_counts() {
	local rev
	keys_world old new
	must_update
	assert_db "SELECT signer FROM indexes" "$FPR_old"
	# signed before the key is revoked (nobody signs with a revoked key)
	REPO_KEY=new
	publish_signed old new
	rev=$REPO_REVISION
	cp "$REPO/index" "$T/index.both"
	cp "$REPO/index.sig" "$T/index.sig.both"
	publish_signed old

	# gpg made a revocation certificate with the key; the key file is
	# replaced by the key with it
	sed 's/^:-----BEGIN/-----BEGIN/' "$G/openpgp-revocs.d/$FPR_old.rev" >"$T/old.rev"
	must gpg --homedir "$G" --batch --import "$T/old.rev"
	gpg --homedir "$G" --armor --export "$FPR_old" >"$R/etc/pakfire/keys/old.asc"

	# the index signed by OLD only
	remember_state
	run pakfire --root "$R" update
	assert_exit 4
	assert_error_line "signed by $FPR_old, with a revoked key"
	assert_nothing_changed

	# OLD's signature beside NEW's refuses nothing
	cp "$T/index.both" "$REPO/index"
	cp "$T/index.sig.both" "$REPO/index.sig"
	run pakfire --root "$R" update
	assert_exit 0
	assert_db "SELECT revision, signer FROM indexes" "$rev|$FPR_new"
}

# An appliance that missed the whole overlap: the index is signed by NEW only
# before it applied the update that ships NEW. The administrator installs the
# key by hand; the update that ships the same file then applies as usual.
test_appliance_that_missed_the_overlap() {
	keys_world old -- --copy "etc/pakfire/keys/new.asc=$T/keys/new.asc"
	must_update
	repo_mini 140 --key old
	sign_index new
	remember_state
	run pakfire --root "$R" update
	assert_untrusted "$FPR_new"

	cp "$T/keys/new.asc" "$R/etc/pakfire/keys/new.asc"
	run pakfire --root "$R" update
	assert_accepted_from new
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "140"
	cmp -s "$R/etc/pakfire/keys/new.asc" "$T/keys/new.asc" || fail "new.asc changed"
	run pakfire --root "$R" update
	assert_accepted_from new
}

# --- a bad signature refuses the index, whoever made it ----------------------

test_bad_signature_beside_a_good_one_is_refused() {
	keys_world old new
	must_update
	# OLD signs the index, NEW signs other bytes: the packets spliced into
	# one index.sig
	publish_signed old
	printf 'not the index\n' >"$T/other"
	must gpg --homedir "$G" --batch --yes --local-user "$FPR_new" --detach-sign \
		--output "$T/other.sig" "$T/other"
	cat "$T/other.sig" >>"$REPO/index.sig"
	remember_state

	run pakfire --root "$R" update
	assert_exit 4
	assert_error_line "signed by $FPR_new, bad signature" "refuses the index, even beside a good one"
	assert_nothing_changed

	# the same file without the bad signature passes
	sign_index old
	run pakfire --root "$R" update
	assert_accepted_from old
}

test_damaged_signature_packet_is_refused() {
	local p
	keys_world old new
	must_update
	publish_signed old new
	remember_state

	# the last byte of NEW's signature (its S value): the maths fails
	read -r -a p <<<"$(sig_packet "${FPR_new: -16}")"
	[ "${#p[@]}" = 3 ] || fail "no packet of the new key in index.sig"
	flip_at "$REPO/index.sig" $((p[0] + p[1] + p[2] - 1))
	run pakfire --root "$R" update
	assert_exit 4
	assert_error_line "signed by $FPR_new" "refuses the index, even beside a good one"
	assert_nothing_changed

	# NEW's signature class byte: GnuPG passes over that packet without a
	# word ("only the first will be checked"), even on a client that does
	# not know NEW; the packets say there were two
	sign_index old new
	read -r -a p <<<"$(sig_packet "${FPR_new: -16}")"
	flip_at "$REPO/index.sig" $((p[0] + p[1] + 1)) 1
	rm "$R/etc/pakfire/keys/new.asc"
	remember_state
	run pakfire --root "$R" update
	assert_exit 4
	assert_error_line "index.sig holds 2 signatures, but GnuPG read only 1"
	assert_nothing_changed

	# bytes after the last packet
	sign_index old
	printf 'junk after the signature packets\n' >>"$REPO/index.sig"
	run pakfire --root "$R" update
	assert_exit 4
	assert_error_line "index.sig is not a valid detached signature"
	assert_nothing_changed
}

test_armored_signature_with_two_keys() {
	keys_world new
	rm -f "$REPO/index.sig"
	must gpg --homedir "$G" --batch --yes --armor --local-user "$FPR_old" \
		--local-user "$FPR_new" --detach-sign --output "$REPO/index.sig" "$REPO/index"
	head -n 1 "$REPO/index.sig" | grep -q "BEGIN PGP SIGNATURE" || fail "gpg did not armor"

	run pakfire --root "$R" update
	assert_accepted_from new
}

# --- subkeys ------------------------------------------------------------------

test_signing_subkey_of_a_trusted_primary() {
	local sub
	make_key prim
	must gpg --homedir "$G" --batch --passphrase '' --quick-add-key "$FPR_prim" ed25519 sign never
	sub=$(gpg --homedir "$G" --with-colons --list-keys "$FPR_prim" | awk -F: '/^sub/ {s = 1} s && /^fpr/ {print $10; exit}')
	[ -n "$sub" ] || fail "no subkey"
	gpg --homedir "$G" --armor --export "$FPR_prim" >"$T/keys/prim.asc"
	make_key stranger
	repo_mini 139 --key prim
	sign_index "$sub!"
	gpg --homedir "$G" --list-packets "$REPO/index.sig" 2>/dev/null | grep -qi "keyid ${sub: -16}" ||
		fail "the index was not signed by the subkey"
	http_start

	# an appliance that trusts another key names the subkey that signed
	root_at_core 138 --trust stranger
	remember_state
	run pakfire --root "$R" update
	assert_untrusted "$sub"

	# one that trusts the primary accepts it, and names the primary
	rm "$R/etc/pakfire/keys/stranger.asc"
	cp "$T/keys/prim.asc" "$R/etc/pakfire/keys/"
	run pakfire --root "$R" update
	assert_accepted_from prim
}

# --- through core updates -----------------------------------------------------

test_core_update_ships_the_new_key() {
	keys_world old -- --copy "etc/pakfire/keys/new.asc=$T/keys/new.asc"
	grep -q "etc/pakfire/keys/new.asc" "$REPO/core/core-139.manifest" ||
		fail "core 139 does not list the key file"
	must_update
	# a later index, signed by NEW only, before core 139 is applied
	publish_signed new
	remember_state
	run pakfire --root "$R" update
	assert_untrusted "$FPR_new"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	cmp -s "$R/etc/pakfire/keys/new.asc" "$T/keys/new.asc" || fail "core 139 did not install new.asc"
	run pakfire --root "$R" update
	assert_accepted_from new
}

# The lead's rule in apply lets a core update remove a *.asc of the keys
# folder even when the installer put it there (no earlier update owns it).
# Level 1 would keep it: pakfire-repo publishes it only in an index that
# level-1 clients do not read (docs/key-rotation.md).
test_core_update_removes_the_old_key() {
	REPO_MIN_CLIENT=2
	keys_world old new -- --remove etc/pakfire/keys/old.asc
	must_update
	assert_db "SELECT signer FROM indexes" "$FPR_old"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	[ ! -e "$R/etc/pakfire/keys/old.asc" ] ||
		fail "core 139 did not remove etc/pakfire/keys/old.asc (placed there by the installer)"
	[ -f "$R/etc/pakfire/keys/new.asc" ] || fail "core 139 removed new.asc too"

	publish_signed old
	remember_state
	run pakfire --root "$R" update
	assert_untrusted "$FPR_old"

	publish_signed new
	run pakfire --root "$R" update
	assert_accepted_from new
}

run_tests "$@"
