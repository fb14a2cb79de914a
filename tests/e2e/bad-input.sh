#!/usr/bin/env bash
# Hostile and broken repositories: each is refused with exit 4 and one error
# line that says why, and the appliance is left exactly as it was.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# --- the signed index -------------------------------------------------------

test_index_signed_by_untrusted_key() {
	make_key trusted
	repo_mini 139 --key stranger
	http_start
	root_at_core 138 --trust trusted
	remember_state

	run pakfire --root "$R" update
	assert_refused 4 "trusted"
}

test_index_sig_missing() {
	repo_mini 139
	rm "$REPO/index.sig"
	http_start
	root_at_core 138
	remember_state

	run pakfire --root "$R" update
	assert_refused 4 "signature"
}

test_index_sig_empty() {
	repo_mini 139
	: >"$REPO/index.sig"
	http_start
	root_at_core 138
	remember_state

	run pakfire --root "$R" update
	assert_refused 4 "index.sig"
}

test_index_changed_after_signing() {
	repo_mini 139
	sed -i 's/^Summary: .*/Summary: free upgrade, click here/' "$REPO/index"
	http_start
	root_at_core 138
	remember_state

	run pakfire --root "$R" update
	assert_refused 4 "signature"
}

test_index_expired() {
	repo_mini 139 --valid-days -1
	http_start
	root_at_core 138
	remember_state

	run pakfire --root "$R" update
	assert_refused 4 "Valid-Until"
}

test_index_revision_lower() {
	repo_mini 139 --revision 10
	http_start
	root_at_core 138
	must_update
	repo_publish --revision 5
	remember_state

	run pakfire --root "$R" update
	assert_refused 4 "Revision"
	assert_db "SELECT revision FROM indexes" "10"
}

test_index_same_revision_different_bytes() {
	repo_mini 139 --revision 10
	http_start
	root_at_core 138
	must_update
	sed -i 's/^summary = .*/summary = the same revision, other bytes/' "$SRC/updates/139/update.conf"
	repo_publish --revision 10
	remember_state

	run pakfire --root "$R" update
	assert_refused 4 "Revision"
}

# Not hostile, damaged: a private GnuPG home that lost its keyring is made
# again from the keys folder, and a good index still passes (exit 0, no
# leftover error from the first try in the damaged home).
test_damaged_private_keyring_does_not_refuse_a_good_index() {
	repo_mini 139 --revision 10
	http_start
	root_at_core 138
	must_update
	rm -f "$R/var/lib/pakfire/gnupg/pubring.kbx" "$R/var/lib/pakfire/gnupg/pubring.gpg"
	repo_publish --revision 11

	run pakfire --root "$R" update
	assert_exit 0
	assert_stderr_empty
	assert_db "SELECT revision FROM indexes" "11"
	assert_db "SELECT outcome FROM transactions ORDER BY id DESC LIMIT 1" "ok"
}

test_index_same_revision_same_bytes_is_fine() {
	repo_mini 139 --revision 10
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" update
	assert_exit 0
	assert_nothing_changed
}

# --- the package as served ---------------------------------------------------

test_package_byte_flipped() {
	repo_mini 139
	flip_byte "$REPO/core/core-139.pak"
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "SHA-256"
}

test_package_longer_than_index() {
	repo_mini 139
	append_bytes "$REPO/core/core-139.pak" 4096
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "size"
}

test_package_shorter_than_index() {
	repo_mini 139
	truncate -s -100 "$REPO/core/core-139.pak"
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_exit 4
	assert_one_line_error
	assert_nothing_changed
}

test_manifest_changed_after_publishing() {
	repo_mini 139
	sed -i 's/\tusr\/bin\/mini$/\tusr\/bin\/evil/' "$REPO/core/core-139.manifest"
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "SHA-256"
}

# --- hostile package contents, with an index that matches them -------------

test_pak_crafted_without_changes_is_accepted() {
	# the control: craft-pak.py makes packages the client accepts, so the
	# refusals below are about the hostile member and nothing else
	repo_mini 139
	hostile_pak 139
	http_start
	root_at_core 138
	must_update

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	assert_tree_equal "$R" "$SRC/buildroot-139"
}

test_pak_extra_member() {
	repo_mini 139
	hostile_pak 139 --extra usr/bin/intruder
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "not in the manifest"
}

test_pak_member_dotdot() {
	repo_mini 139
	hostile_pak 139 --extra ../x
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "../x"
	run find "$T" \( -path "$WWW" -o -path "$SRC" \) -prune -o -name x -print
	[ ! -s "$RUN_OUT" ] || fail "a file named x appeared: $(head -n 3 "$RUN_OUT")"
}

test_pak_absolute_member() {
	repo_mini 139
	hostile_pak 139 --extra "$T/absolute-x"
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "absolute-x"
	[ ! -e "$T/absolute-x" ] || fail "the absolute member was written at $T/absolute-x"
}

test_pak_symlink_escape() {
	# a symlink that leads out of the root, then a file through it
	repo_mini 139
	hostile_pak 139 --symlink usr/escape=../../.. --extra usr/escape/escaped-x
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "usr/escape"
	if [ -e "$T/escaped-x" ] || [ -e "$(dirname "$T")/escaped-x" ]; then
		fail "a file was written through the symlink"
	fi
}

test_pak_file_member_is_a_symlink() {
	# the manifest says file, the archive has a symlink out of the root
	repo_mini 139
	hostile_pak 139 --symlink etc/mini-release=/etc/passwd
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "etc/mini-release"
}

test_pak_hardlink() {
	repo_mini 139
	hostile_pak 139 --hardlink usr/bin/mini=etc/mini-release
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "usr/bin/mini"
}

test_pak_device_node() {
	repo_mini 139
	hostile_pak 139 --device etc/mini-release
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "etc/mini-release"
}

test_pak_missing_member() {
	repo_mini 139
	hostile_pak 139 --omit usr/lib/libmini.so.139
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "usr/lib/libmini.so.139"
}

test_pak_wrong_mode() {
	repo_mini 139
	hostile_pak 139 --mode usr/bin/mini=4755
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "mode"
}

test_pak_wrong_size() {
	repo_mini 139
	hostile_pak 139 --size usr/lib/libmini.so.139=6000
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "size"
}

test_pak_wrong_content_same_size() {
	repo_mini 139
	hostile_pak 139 --content "etc/mini-release=Evil Linux - core139"$'\n'
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "etc/mini-release"
}

test_pak_manifest_member_differs() {
	repo_mini 139
	sed 's/core139/core666/' "$REPO/core/core-139.manifest" >"$SRC/other.manifest"
	printf 'file\t0644\t0\t0\t1\t%s\tetc/other\n' "$(printf x | sha256sum | cut -d' ' -f1)" >>"$SRC/other.manifest"
	hostile_pak 139 --manifest-member "$SRC/other.manifest"
	http_start
	root_at_core 138
	must_update
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_refused 4 "manifest"
}

# --- a hostile system -------------------------------------------------------

test_planted_symlink_resolves_inside_the_root() {
	# usr/share on the appliance is an absolute symlink to a folder that
	# exists both on the host and inside the root: it must resolve inside
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	mkdir -p "$T/outside" "$R$T/outside" "$R/usr"
	ln -s "$T/outside" "$R/usr/share"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	run find "$T/outside" -mindepth 1
	[ ! -s "$RUN_OUT" ] || fail "pakfire wrote outside the root: $(head -n 3 "$RUN_OUT")"
	cmp -s "$SRC/buildroot-139/usr/share/mini/data-139.txt" "$R$T/outside/mini/data-139.txt" ||
		fail "usr/share/mini/data-139.txt did not land inside the root"
}

test_dangling_symlink_on_the_system_is_named() {
	# usr/share is an absolute symlink to a folder that exists on the host
	# only: inside the root it leads nowhere. Refuse, name it, write nothing.
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	mkdir -p "$T/outside" "$R/usr"
	ln -s "$T/outside" "$R/usr/share"
	remember_state

	run pakfire --root "$R" upgrade --yes
	assert_exit 1
	assert_one_line_error
	assert_stderr_contains "usr/share is a symlink to $T/outside"
	assert_nothing_changed
	run find "$T/outside" -mindepth 1
	[ ! -s "$RUN_OUT" ] || fail "pakfire wrote outside the root: $(head -n 3 "$RUN_OUT")"
}

run_tests "$@"
