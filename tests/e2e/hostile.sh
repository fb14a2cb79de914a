#!/usr/bin/env bash
# A hostile network (tests/lib/hostile.py): a mirror that trickles, never
# ends, lies in Content-Length, resets mid-body, redirects where it must
# not, answers Range wrongly, or is a captive portal. Each case: the exit
# code and message of docs/exit-codes.md, nothing of the root changed, and
# the partial download (partial/<sha256>.part in the cache) kept or
# removed as the resume rules say. The limits of pakfire.conf are small so
# that each test takes seconds.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# hostile_world [--keep-applied] MODE [hostile_start options]: update 139
# (a 64 KiB package) served by hostile.py in MODE, a root at core 138 that
# has run `update` (the index is always served correctly but by portal),
# small limits. PAK_SIZE is the package's signed size, PAK_HALF half of it.
# --keep-applied: the update has a pre hook that copies the package being
# applied to $T/applied.pak (the pipeline deletes it from the cache once
# applied), for assert_applied_identical.
hostile_world() {
	local extra=()
	if [ "$1" = --keep-applied ]; then
		hook_script keep-pak "cp \"\$PAKFIRE_ROOT/var/cache/pakfire/$SERIES/$ARCH/core/core-139.pak\" \"$T/applied.pak\""
		extra=(--hook "pre=$HOOK")
		REPO_MIN_CLIENT=3 # a package that carries a hook
		shift
	fi
	repo_mini 139 --file usr/share/mini/blob=64K ${extra[@]+"${extra[@]}"}
	hostile_start "$@"
	root_at_core 138
	[ "$MIRROR" = "${MIRROR#https:}" ] || root_trusts_test_ca
	conf_set low-speed-limit 1K
	conf_set low-speed-time 2s
	conf_set transfer-timeout 4s
	conf_set connect-timeout 3s
	must_update
	PAK_SIZE=$(stat -c %s "$REPO/core/core-139.pak")
	PAK_HALF=$((PAK_SIZE / 2))
}

upgrade() {
	run pakfire --root "$R" upgrade --yes
}

# pak_requests: the server's log lines of requests for core-139.pak.
pak_requests() {
	grep -F "/core/core-139.pak " "$HOSTILE_LOG" || true
}

# assert_pak_requests MIN MAX: the server saw MIN to MAX requests for the package.
assert_pak_requests() {
	local n
	n=$(pak_requests | grep -c .) || true
	[ "$n" -ge "$1" ] && [ "$n" -le "$2" ] && return 0
	pak_requests | sed 's/^/  | /'
	fail "the server saw $n requests for core-139.pak; expected $1 to $2"
}

# assert_nothing_downloaded: no byte of the package in the cache, as a
# partial download or as the package.
assert_nothing_downloaded() {
	local f
	for f in $(partial_files); do
		[ ! -s "$f" ] || fail "a partial download holds bytes: ${f#"$R"}"
	done
	[ -z "$(find "$R/var/cache" -name core-139.pak)" ] || fail "core-139.pak is in the cache"
}

# assert_applied: the upgrade succeeded, the root is core 139 exactly, and
# no partial download is left.
assert_applied() {
	assert_exit 0
	assert_db "SELECT core FROM system" "139"
	assert_tree_equal "$R" "$SRC/buildroot-139"
	assert_no_partial
}

# assert_applied_identical: assert_applied, and the package that was
# applied (hostile_world --keep-applied) is the published one byte for byte.
assert_applied_identical() {
	assert_applied
	[ -f "$T/applied.pak" ] || fail "the pre hook kept no copy of the package applied"
	cmp "$T/applied.pak" "$REPO/core/core-139.pak" ||
		fail "the package applied differs from the published one"
}

# ---------------------------------------------------------------------------
# Slow and endless bodies

test_trickle_is_too_slow() {
	hostile_world trickle
	# the low-speed limit, not the transfer timeout, must end it
	conf_set transfer-timeout 30s
	remember_state

	upgrade
	assert_refused 5 "too slow: less than 1.0 KiB/s for 2 s (low-speed-limit, low-speed-time)"
	assert_stderr_contains "is kept in the cache: the next run resumes it"
	assert_partial_kept 139
}

test_steady_but_over_the_transfer_timeout() {
	# 4 KiB/s: four times the low-speed limit, but the package needs 16 s
	hostile_world trickle --rate 4096
	remember_state

	upgrade
	assert_refused 5 "took longer than transfer-timeout (4 s)"
	assert_stderr_contains "is kept in the cache: the next run resumes it"
	assert_partial_kept 139
}

test_endless_body() {
	hostile_world endless
	remember_state

	upgrade
	assert_refused 4 "larger than the $PAK_SIZE bytes allowed (size mismatch)"
	assert_no_partial
}

# ---------------------------------------------------------------------------
# Lies about the length, a reset

test_content_length_too_long() {
	hostile_world lie-long
	remember_state

	upgrade
	assert_refused 4 "larger than the $PAK_SIZE bytes allowed (size mismatch)"
	assert_no_partial
}

test_content_length_too_short() {
	hostile_world lie-short
	remember_state

	upgrade
	# the answer was whole by its own Content-Length: the mirror's file is
	# short, a bad copy (never kept for a resume)
	assert_refused 4 "$PAK_HALF bytes, but the signed index says its size is $PAK_SIZE"
	assert_no_partial
}

test_connection_reset_mid_body() {
	hostile_world reset
	remember_state

	upgrade
	assert_refused 5 "core-139.pak: Recv failure: Connection reset by peer"
	assert_stderr_contains "is kept in the cache: the next run resumes it"
	assert_partial_kept 139
}

# ---------------------------------------------------------------------------
# Redirects: only http(s), never https -> http, no control characters, at
# most 3 hops; a refused redirect downloads nothing

test_redirect_to_file_is_refused() {
	hostile_world redirect-file
	remember_state

	upgrade
	assert_refused 5 "redirect to 'file:///etc/passwd' refused: only http and https are followed"
	assert_nothing_downloaded
}

test_redirect_to_ftp_is_refused() {
	hostile_world redirect-ftp
	remember_state

	upgrade
	assert_refused 5 "redirect to 'ftp://127.0.0.1/x' refused: only http and https are followed"
	assert_nothing_downloaded
}

test_redirect_from_https_to_http_is_refused() {
	# the http side serves the right package: following would succeed
	hostile_world redirect-downgrade --tls
	remember_state

	upgrade
	assert_refused 5 "redirect from https to http refused"
	assert_nothing_downloaded
	# the http side was never asked
	assert_pak_requests 1 1
	pak_requests | grep -q ' 302 ' || fail "the one request for the package was not the redirect"
}

test_redirect_with_control_characters_is_refused() {
	hostile_world redirect-crlf
	remember_state

	upgrade
	assert_refused 5 "redirect to a URL with control characters refused"
	assert_nothing_downloaded
	assert_pak_requests 1 1
	! grep -qi "injected" "$HOSTILE_LOG" || fail "the redirect was followed: $(grep -i injected "$HOSTILE_LOG")"
}

test_redirect_loop_is_cut() {
	hostile_world redirect-loop
	remember_state

	upgrade
	assert_refused 5 "more than 3 redirects"
	assert_nothing_downloaded
	# the first request and at most 3 hops
	assert_pak_requests 2 4
}

test_redirect_to_http_is_followed() {
	# the control: a redirect to the same server, http to http
	hostile_world redirect-ok

	upgrade
	assert_applied
	wait_for_log "$HOSTILE_LOG" "^GET /redirected$MIRROR_PATH/$SERIES/$ARCH/core/core-139.pak HTTP/1.1 200 "
}

test_transfer_timeout_covers_every_redirect() {
	# each answer takes 2 s (a third of the limit), the package comes
	# after 3 redirects: 8 s for the try, over the transfer-timeout of
	# 6 s that each request alone keeps to
	hostile_world redirect-slow
	conf_set transfer-timeout 6s
	conf_set low-speed-time 30s
	remember_state

	upgrade
	assert_refused 5 "took longer than transfer-timeout (6 s)"
}

# ---------------------------------------------------------------------------
# Range: a partial download is resumed; a server that answers the Range
# request wrongly gets one fresh download, and the final check (signed size
# and SHA-256 over every byte) holds either way

# range_world MODE: hostile_world --keep-applied MODE with the first half
# of the package in partial/, as an interrupted download leaves it.
range_world() {
	hostile_world --keep-applied "$1"
	make_partial 139 "$PAK_HALF"
}

# assert_range_then_full: the package's first request asked for the bytes
# after the partial; its last was answered with the whole file (200).
assert_range_then_full() {
	local first last
	first=$(pak_requests | head -n 1)
	last=$(pak_requests | tail -n 1)
	[[ $first == *" bytes=$PAK_HALF-" ]] ||
		fail "the first request for the package did not ask for bytes=$PAK_HALF-: $first"
	[[ $last == "GET "*" 200 $PAK_SIZE -" || $last == "GET "*" 200 $PAK_SIZE bytes="* ]] ||
		fail "the last request for the package was not answered with the whole file: $last"
}

test_resume_from_a_partial_download() {
	# the control: a correct server answers 206 and only the rest is sent
	range_world ok

	upgrade
	assert_applied_identical
	assert_pak_requests 1 1
	wait_for_log "$HOSTILE_LOG" "core-139.pak HTTP/1.1 206 $((PAK_SIZE - PAK_HALF)) bytes=$PAK_HALF-\$"
}

test_range_answered_with_200() {
	range_world range-200

	upgrade
	assert_applied_identical
	assert_range_then_full
	# the 200 is taken whole or asked once more: never a loop of retries
	assert_pak_requests 1 2
}

test_range_answered_with_416() {
	range_world range-416

	upgrade
	assert_applied_identical
	assert_range_then_full
	assert_pak_requests 2 2
	pak_requests | head -n 1 | grep -q " 416 " || fail "the Range request was not answered 416"
}

test_range_answered_with_other_bytes() {
	range_world range-other

	upgrade
	assert_applied_identical
	assert_range_then_full
	assert_pak_requests 2 2
	pak_requests | head -n 1 | grep -q " 206 " || fail "the Range request was not answered 206"
}

# ---------------------------------------------------------------------------
# A captive portal, and a bad copy with a good one behind it

test_captive_portal() {
	repo_mini 139
	hostile_start portal
	root_at_core 138
	remember_state

	run pakfire --root "$R" update
	assert_refused 5 "mirror returned something that is not a pakfire repository"
}

test_bad_copy_then_a_good_mirror() {
	repo_mini 139 --file usr/share/mini/blob=64K
	# the first mirror serves the package with a byte changed
	cp -a "$WWW" "$T/bad"
	flip_byte "$T/bad$MIRROR_PATH/$SERIES/$ARCH/core/core-139.pak"
	hostile_start ok "$T/bad"
	local bad=$MIRROR
	http_start
	root_at_core 138 --mirror "$bad$MIRROR_PATH"
	printf 'mirror = %s\n' "$MIRROR$MIRROR_PATH" >>"$R/etc/pakfire/pakfire.conf"
	must_update

	upgrade
	assert_applied
	assert_stderr_contains "trying the next mirror"
	assert_stderr_contains "$bad"
	assert_pak_requests 1 2
}

run_tests "$@"
