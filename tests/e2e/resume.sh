#!/bin/bash
# Resumed downloads (issue 18): a download that breaks off is kept as
# <cache>/<series>/<arch>/partial/<sha256>.part, a prefix of the signed
# file and nothing else, and the next run asks only for the rest with a
# Range request; the result is byte for byte the published one. A partial
# file with wrong bytes costs one fresh download, never a bad install.
. "$(dirname "$0")/../lib.sh"

# http_start_logged [KBPS]: lighttpd serving $WWW as http_start does
# (throttled to KBPS per connection when given), with an access log in
# $HTTP_LOG: one line per request, "request status bytes-sent Range".
# (A helper of this file: lib-net.sh's http_start --log was not on main
# when it was written.)
http_start_logged() {
	local port conf pid tag try throttle=""
	[ -z "${1:-}" ] || throttle="connection.kbytes-per-second = $1"
	HTTP_LOG=$T/httpd/access.log
	mkdir -p "$WWW"
	for try in 1 2 3 4 5; do
		port=$(py free_port)
		conf=$T/httpd/$port.conf
		tag=pakfire-test-${T##*/}-logged-$try
		cat >"$conf" <<-EOF
			server.modules += ( "mod_accesslog" )
			server.document-root = "$WWW"
			server.port = $port
			server.bind = "127.0.0.1"
			server.tag = "$tag"
			server.pid-file = "$T/httpd/$port.pid"
			server.errorlog = "$T/httpd/$port.log"
			accesslog.filename = "$HTTP_LOG"
			accesslog.format = "%r %>s %b %{Range}i"
			mimetype.assign = ("" => "application/octet-stream")
			server.stat-cache-engine = "disable"
			$throttle
		EOF
		lighttpd -D -f "$conf" >>"$T/httpd/$port.out" 2>&1 &
		pid=$!
		echo "$pid" >>"$T/httpd/pids"
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			if curl -s -o /dev/null -D - --max-time 2 "http://127.0.0.1:$port/" 2>/dev/null |
				tr -d '\r' | grep -qxF "Server: $tag"; then
				MIRROR=http://127.0.0.1:$port
				return 0
			fi
			sleep 0.1
		done
		kill "$pid" 2>/dev/null || true
	done
	fail "lighttpd (with an access log) did not start"
}

PAK_REL=core/core-139.pak
REPO_MIN_CLIENT=3 # the packages carry a hook (copy_hook)

# log_line PATTERN WHAT: wait (5 s at most: lighttpd writes its access log
# about once a second) until a line of $HTTP_LOG matches PATTERN (grep
# regex); else fail saying WHAT was expected and what the log holds.
log_line() {
	local i
	for i in $(seq 50); do
		grep -q -- "$1" "$HTTP_LOG" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "$2; the access log says: $(grep -F "$PAK_REL" "$HTTP_LOG" 2>/dev/null | tr '\n' '|')"
}

# The partial folder of the cache, and the one partial file in it.
partial_dir() { echo "$R/var/cache/pakfire/$SERIES/$ARCH/partial"; }
the_partial() {
	local files
	files=$(find "$(partial_dir)" -name '*.part' 2>/dev/null)
	[ "$(echo "$files" | grep -c .)" = 1 ] || fail "expected one partial file, found: $files"
	echo "$files"
}

# A pre hook that keeps a copy of the package being applied (the pipeline
# deletes it from the cache once applied): $T/applied.pak.
copy_hook() {
	hook_script keep-pak "cp \"\$PAKFIRE_ROOT/var/cache/pakfire/$SERIES/$ARCH/$PAK_REL\" \"$T/applied.pak\""
}

test_interrupted_download_resumes_with_a_range_request() {
	copy_hook
	repo_mini 139 --file usr/share/mini/big=320K --hook "pre=$HOOK"
	http_start_logged 64
	root_at_core 138
	must_update
	remember_state
	local pak=$REPO/$PAK_REL sha size part have
	sha=$(sha256sum "$pak" | cut -d' ' -f1)
	size=$(stat -c %s "$pak")

	run_bg "$PAKFIRE_BIN" --root "$R" upgrade --yes
	wait_for_download
	kill -TERM "$(bg_pakfire)"
	wait_bg
	assert_exit 143
	assert_error_line "download interrupted by Terminated"
	assert_nothing_changed
	assert_no_temporaries
	# kept under its signed hash, a proper prefix of the package
	part=$(the_partial)
	[ "$(basename "$part")" = "$sha.part" ] || fail "partial file named $(basename "$part"), not $sha.part"
	have=$(stat -c %s "$part")
	[ "$have" -gt 0 ] && [ "$have" -lt "$size" ] || fail "partial file of $have bytes (package: $size)"
	cmp -s -n "$have" "$part" "$pak" || fail "the partial file is not a prefix of the package"
	[ -z "$(find "$R/var/cache" -name 'core-139.pak*' 2>/dev/null)" ] ||
		fail "a file under the package's name: $(find "$R/var/cache" -name 'core-139.pak*')"

	# the broken-off request, logged once its connection closed
	log_line "$PAK_REL HTTP/1.1 200 [0-9]* -\$" "no trace of the interrupted download"
	local before
	before=$(wc -l <"$HTTP_LOG")

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	# only the rest was asked for, and served as the rest: one request
	log_line "^GET $MIRROR_PATH/$SERIES/$ARCH/$PAK_REL HTTP/1.1 206 $((size - have)) bytes=$have-\$" \
		"no 206 answer of $((size - have)) bytes to 'Range: bytes=$have-'"
	[ "$(tail -n "+$((before + 1))" "$HTTP_LOG" | grep -c -F "$PAK_REL ")" = 1 ] ||
		fail "the package was asked for more than once: $(tail -n "+$((before + 1))" "$HTTP_LOG")"
	assert_tree_equal "$R" "$SRC/buildroot-139"
	cmp "$T/applied.pak" "$pak" || fail "the package applied differs from the published one"
	[ -z "$(find "$(partial_dir)" -name '*.part')" ] || fail "a partial file was left: $(ls "$(partial_dir)")"
	assert_db "SELECT core FROM system" "139"
}

test_a_partial_file_with_wrong_bytes_gets_one_fresh_download() {
	copy_hook
	repo_mini 139 --file usr/share/mini/big=200K --hook "pre=$HOOK"
	http_start_logged
	root_at_core 138
	must_update
	local pak=$REPO/$PAK_REL sha size
	sha=$(sha256sum "$pak" | cut -d' ' -f1)
	size=$(stat -c %s "$pak")
	# what a crash or a bad mirror may leave: a prefix with one byte wrong
	mkdir -p "$(partial_dir)"
	head -c 100000 "$pak" >"$(partial_dir)/$sha.part"
	flip_byte "$(partial_dir)/$sha.part"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	# the resume was asked and answered, the whole file fetched once more
	log_line "$PAK_REL HTTP/1.1 200 $size -\$" "no fresh download after the bad resume"
	grep -q "$PAK_REL HTTP/1.1 206 $((size - 100000)) bytes=100000-\$" "$HTTP_LOG" ||
		fail "no resume asked: $(grep -F "$PAK_REL" "$HTTP_LOG")"
	[ "$(grep -c "$PAK_REL " "$HTTP_LOG")" = 2 ] ||
		fail "expected 2 requests of the package: $(grep -F "$PAK_REL" "$HTTP_LOG")"
	assert_tree_equal "$R" "$SRC/buildroot-139"
	cmp "$T/applied.pak" "$pak" || fail "the package applied differs from the published one"
	[ -z "$(find "$(partial_dir)" -name '*.part')" ] || fail "a partial file was left: $(ls "$(partial_dir)")"
}

test_a_partial_file_as_long_as_the_package_is_not_trusted() {
	repo_mini 139
	http_start_logged
	root_at_core 138
	must_update
	local pak=$REPO/$PAK_REL sha size
	sha=$(sha256sum "$pak" | cut -d' ' -f1)
	size=$(stat -c %s "$pak")
	# as long as the file: it cannot be a prefix of it, so it is dropped
	# and the file downloaded whole; it is never taken as the package
	mkdir -p "$(partial_dir)"
	head -c "$size" /dev/zero >"$(partial_dir)/$sha.part"

	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	log_line "$PAK_REL HTTP/1.1 200 $size -\$" "no whole download"
	[ "$(grep -c "$PAK_REL " "$HTTP_LOG")" = 1 ] ||
		fail "expected 1 request of the package: $(grep -F "$PAK_REL" "$HTTP_LOG")"
	assert_tree_equal "$R" "$SRC/buildroot-139"
}

run_tests "$@"
