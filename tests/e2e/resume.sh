#!/bin/bash
# Resumed downloads (issue 18): a download that breaks off is kept as
# <cache>/<series>/<arch>/partial/<sha256>.part, a prefix of the signed
# file and nothing else, and the next run asks only for the rest with a
# Range request; the result is byte for byte the published one. A partial
# file with wrong bytes costs one fresh download, never a bad install.
. "$(dirname "$0")/../lib.sh"

PAK_REL=core/core-139.pak
REPO_MIN_CLIENT=3 # the packages carry a hook (copy_hook)

# log_line ERE: wait until a line of $HTTP_LOG matches ERE (lib-net.sh).
log_line() { wait_for_log "$HTTP_LOG" "$1"; }

# The partial file of core-139.pak (lib-net.sh, partial_of).
the_partial() { partial_of 139; }

# A pre hook that keeps a copy of the package being applied (the pipeline
# deletes it from the cache once applied): $T/applied.pak.
copy_hook() {
	hook_script keep-pak "cp \"\$PAKFIRE_ROOT/var/cache/pakfire/$SERIES/$ARCH/$PAK_REL\" \"$T/applied.pak\""
}

test_interrupted_download_resumes_with_a_range_request() {
	copy_hook
	repo_mini 139 --file usr/share/mini/big=320K --hook "pre=$HOOK"
	http_start --log --throttle 64
	root_at_core 138
	must_update
	remember_state
	local pak=$REPO/$PAK_REL size part have
	size=$(stat -c %s "$pak")

	run_bg "$PAKFIRE_BIN" --root "$R" upgrade --yes
	wait_for_download
	kill -TERM "$(bg_pakfire)"
	wait_bg
	assert_exit 143
	assert_error_line "download interrupted by Terminated" "is kept in the cache: the next run resumes it"
	assert_nothing_changed
	assert_no_temporaries
	# kept under its signed hash, a proper prefix of the package
	assert_partial_kept 139
	[ "$(partial_files)" = "$(the_partial)" ] || fail "other partial files: $(partial_files)"
	part=$(the_partial)
	have=$(stat -c %s "$part")
	[ -z "$(find "$R/var/cache" -name 'core-139.pak*' 2>/dev/null)" ] ||
		fail "a file under the package's name: $(find "$R/var/cache" -name 'core-139.pak*')"

	# the broken-off request, logged once its connection closed
	log_line "$PAK_REL HTTP/1.1 200 [0-9]* -\$"
	local before
	before=$(wc -l <"$HTTP_LOG")

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	# only the rest was asked for, and served as the rest: one request
	log_line "^GET $MIRROR_PATH/$SERIES/$ARCH/$PAK_REL HTTP/1.1 206 $((size - have)) bytes=$have-\$"
	[ "$(tail -n "+$((before + 1))" "$HTTP_LOG" | grep -c -F "$PAK_REL ")" = 1 ] ||
		fail "the package was asked for more than once: $(tail -n "+$((before + 1))" "$HTTP_LOG")"
	assert_tree_equal "$R" "$SRC/buildroot-139"
	cmp "$T/applied.pak" "$pak" || fail "the package applied differs from the published one"
	assert_no_partial
	assert_db "SELECT core FROM system" "139"
}

test_a_partial_file_with_wrong_bytes_gets_one_fresh_download() {
	copy_hook
	repo_mini 139 --file usr/share/mini/big=200K --hook "pre=$HOOK"
	http_start --log
	root_at_core 138
	must_update
	local pak=$REPO/$PAK_REL size
	size=$(stat -c %s "$pak")
	# what a crash or a bad mirror may leave: a prefix with one byte wrong
	make_partial 139 100000
	flip_byte "$(the_partial)"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	# the resume was asked and answered, the whole file fetched once more
	log_line "$PAK_REL HTTP/1.1 200 $size -\$"
	grep -q "$PAK_REL HTTP/1.1 206 $((size - 100000)) bytes=100000-\$" "$HTTP_LOG" ||
		fail "no resume asked: $(grep -F "$PAK_REL" "$HTTP_LOG")"
	[ "$(grep -c "$PAK_REL " "$HTTP_LOG")" = 2 ] ||
		fail "expected 2 requests of the package: $(grep -F "$PAK_REL" "$HTTP_LOG")"
	assert_tree_equal "$R" "$SRC/buildroot-139"
	cmp "$T/applied.pak" "$pak" || fail "the package applied differs from the published one"
	assert_no_partial
}

test_a_partial_file_as_long_as_the_package_is_not_trusted() {
	repo_mini 139
	http_start --log
	root_at_core 138
	must_update
	local pak=$REPO/$PAK_REL size
	size=$(stat -c %s "$pak")
	# as long as the file: it cannot be a prefix of it, so it is dropped
	# and the file downloaded whole; it is never taken as the package
	make_partial 139 0
	head -c "$size" /dev/zero >"$(the_partial)"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	log_line "$PAK_REL HTTP/1.1 200 $size -\$"
	[ "$(grep -c "$PAK_REL " "$HTTP_LOG")" = 1 ] ||
		fail "expected 1 request of the package: $(grep -F "$PAK_REL" "$HTTP_LOG")"
	assert_tree_equal "$R" "$SRC/buildroot-139"
}

run_tests "$@"
