#!/usr/bin/env bash
# pakfire verify: every path that the core updates installed (the files
# table) against the root: missing, type, mode, owner, size, content and
# symlink target, each finding on a line that names the path, what was
# expected, what was found and the update that installed it; exit 4 when
# anything differs. It reads only: no lock, the database byte for byte as
# it was, a symlink where a file belongs is never followed.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# mini_at_139: a root upgraded by pakfire from 138 to repo_mini's 139:
#   etc/mini-release 0644, usr/bin/mini 0755, usr/lib/libmini.so.139 (5000
#   bytes), usr/lib/libmini.so -> libmini.so.139, usr/share/mini/data-139.txt
#   0600; OPTIONS go to repo_mini.
mini_at_139() {
	repo_mini 139 "$@"
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
}

# The SHA-256 that the database recorded for PATH (relative).
recorded_sha() { db_query "SELECT sha256 FROM files WHERE path = '$1'"; }

# "X MiB" as pakfire writes sizes (pf_format_size).
human() {
	python3 -c '
import sys
b = int(sys.argv[1]); v = float(b); u = -1
units = ["KiB", "MiB", "GiB", "TiB"]
if b < 1024:
    print("%d B" % b)
else:
    while v >= 1024 and u < 3:
        v /= 1024; u += 1
    print("%.1f %s" % (v, units[u]))' "$1"
}

# assert_summary PATHS OK CHANGED [UNREAD]: the last line of stdout is the
# summary; the bytes read are those of every file recorded but UNREAD bytes
# (of files missing or of another size, which are not hashed).
assert_summary() {
	local bytes want
	bytes=$(db_query "SELECT total(size) FROM files WHERE type = 'file'")
	bytes=$((${bytes%.0} - ${4:-0}))
	want="^verified $1 paths \($(human "$bytes")\) in [0-9]+\.[0-9]{2} s: $2 ok, $3 changed\$"
	tail -n 1 "$RUN_OUT" | grep -qE "$want" ||
		fail "the summary line is \"$(tail -n 1 "$RUN_OUT")\", expected /$want/: $RUN_CMD"
}

# assert_findings LINE...: stdout is exactly these finding lines (in this
# order, which is the order of the paths) and the summary.
assert_findings() {
	local want
	want=$(printf '%s\n' "$@")
	[ "$(head -n -1 "$RUN_OUT")" = "$want" ] ||
		fail "the findings differ (- expected, + got):
$(diff <(echo "$want") <(head -n -1 "$RUN_OUT"))"
}

# findings_json: the last run's --json findings as lines
# "path|kind|core|expected|found" (null as empty), after checking it parses.
findings_json() {
	python3 -m json.tool "$RUN_OUT" >/dev/null || fail "verify --json is not JSON: $(head -c 300 "$RUN_OUT")"
	python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
for f in doc["verify"]["findings"]:
    v = lambda k: "" if f.get(k) is None else str(f[k])
    print("|".join([v("path"), v("kind"), v("core"), v("expected"), v("found")]))
' "$RUN_OUT"
}

# poke_byte FILE OFFSET: the byte at OFFSET inverted, in place (same inode,
# mode and size).
poke_byte() {
	python3 -c '
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2]))
    f.write(bytes([b[0] ^ 0xff]))' "$1" "$2"
}

test_a_freshly_upgraded_root_verifies_clean() {
	repo_sample
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	local paths
	paths=$(db_query "SELECT count(*) FROM files")
	[ "$paths" -gt 1000 ] || fail "the sample upgrade recorded only $paths paths"

	run pakfire --root "$R" verify
	assert_exit 0
	assert_stderr_empty
	[ "$(wc -l <"$RUN_OUT")" = 1 ] || fail "expected only the summary line: $RUN_CMD"
	assert_summary "$paths" "$paths" 0

	run pakfire --root "$R" --json verify
	assert_exit 0
	assert_json ok true
	[ -z "$(findings_json)" ] || fail "findings on a clean root: $(findings_json)"
	local bytes
	bytes=$(db_query "SELECT total(size) FROM files WHERE type = 'file'")
	python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["verify"]["summary"]
want = {"paths": int(sys.argv[2]), "ok": int(sys.argv[2]), "changed": 0, "findings": 0,
        "bytes": int(float(sys.argv[3])), "complete": True}
got = {k: s[k] for k in want}
sys.exit(0 if got == want else "summary %r, expected %r" % (got, want))' "$RUN_OUT" "$paths" "$bytes" ||
		fail "verify --json: wrong summary"

	# a folder that an update lists: its mode and owner count too
	local dir
	dir=$(db_query "SELECT path FROM files WHERE type = 'dir' AND mode = 493 ORDER BY path LIMIT 1")
	[ -n "$dir" ] || fail "the sample installs no folder of mode 0755"
	chmod 0700 "$R/$dir"
	run pakfire --root "$R" verify
	assert_exit 4
	assert_findings "/$dir: mode changed: expected 0755, found 0700 (installed by core $(db_query "SELECT substr(owner, 6) FROM files WHERE path = '$dir'"))"
	assert_summary "$paths" $((paths - 1)) 1
}

test_a_changed_byte_of_the_same_size_is_a_content_finding() {
	mini_at_139
	local old new
	old=$(recorded_sha usr/lib/libmini.so.139)
	poke_byte "$R/usr/lib/libmini.so.139" 100
	new=$(sha256sum "$R/usr/lib/libmini.so.139" | cut -d' ' -f1)
	[ "$old" != "$new" ] || fail "the poke did not change the file"

	run pakfire --root "$R" verify
	assert_exit 4
	assert_error_line "1 of 5 paths differ"
	assert_findings "/usr/lib/libmini.so.139: content changed: expected SHA-256 $old, found $new (installed by core 139)"
	assert_summary 5 4 1
}

test_mode_owner_and_size_findings() {
	mini_at_139
	chmod 0700 "$R/usr/bin/mini"
	chown 1000:1001 "$R/usr/share/mini/data-139.txt"
	printf 'more\n' >>"$R/etc/mini-release"

	run pakfire --root "$R" verify
	assert_exit 4
	assert_error_line "3 of 5 paths differ"
	assert_findings \
		"/etc/mini-release: size changed: expected 21 bytes, found 26 bytes (installed by core 139)" \
		"/usr/bin/mini: mode changed: expected 0755, found 0700 (installed by core 139)" \
		"/usr/share/mini/data-139.txt: owner changed: expected 0:0, found 1000:1001 (installed by core 139)"
	assert_summary 5 2 3 21
}

test_a_deleted_file_is_missing() {
	mini_at_139
	local size
	size=$(stat -c %s "$R/usr/bin/mini")
	rm "$R/usr/bin/mini"
	run pakfire --root "$R" verify
	assert_exit 4
	assert_error_line "1 of 5 paths differ"
	assert_findings "/usr/bin/mini: missing (installed by core 139)"
	assert_summary 5 4 1 "$size"
	# a folder above it gone: every path below is missing
	rm -rf "$R/usr/share/mini"
	run pakfire --root "$R" verify
	assert_exit 4
	assert_findings "/usr/bin/mini: missing (installed by core 139)" \
		"/usr/share/mini/data-139.txt: missing (installed by core 139)"
}

test_a_file_replaced_by_a_symlink_is_a_type_change_and_not_followed() {
	mini_at_139
	# its target, outside the root, would pass for the original
	cp -p "$R/usr/bin/mini" "$T/decoy"
	local size
	size=$(stat -c %s "$R/usr/bin/mini")
	rm "$R/usr/bin/mini"
	ln -s "$T/decoy" "$R/usr/bin/mini"
	TRACE_LOG=$T/trace run pakfire_traced -f -y -e trace=%file,%desc -- --root "$R" verify
	assert_exit 4
	assert_error_line "1 of 5 paths differ"
	assert_findings "/usr/bin/mini: type changed: expected file, found symlink (installed by core 139)"
	assert_summary 5 4 1 "$size"
	# neither opened nor read through, nor its target read
	[ -s "$T/trace" ] || fail "strace wrote no trace"
	if grep -F "decoy" "$T/trace"; then
		fail "pakfire followed or read the symlink that replaced /usr/bin/mini"
	fi
	grep -qE 'newfstatat\([0-9]+<[^>]*/usr/bin>, "mini", .*AT_SYMLINK_NOFOLLOW' "$T/trace" ||
		fail "the trace does not show /usr/bin/mini looked at without following it"
}

test_a_retargeted_symlink_is_a_target_finding() {
	mini_at_139
	ln -sfn libmini.so.138 "$R/usr/lib/libmini.so"
	run pakfire --root "$R" verify
	assert_exit 4
	assert_error_line "1 of 5 paths differ"
	assert_findings "/usr/lib/libmini.so: target changed: expected 'libmini.so.139', found 'libmini.so.138' (installed by core 139)"
	assert_summary 5 4 1
}

test_json_has_the_same_findings() {
	mini_at_139
	local old new
	old=$(recorded_sha usr/lib/libmini.so.139)
	poke_byte "$R/usr/lib/libmini.so.139" 7
	new=$(sha256sum "$R/usr/lib/libmini.so.139" | cut -d' ' -f1)
	chmod 0644 "$R/usr/share/mini/data-139.txt"
	rm "$R/etc/mini-release"
	ln -sfn /etc/passwd "$R/usr/lib/libmini.so"
	rm "$R/usr/bin/mini"
	mkdir "$R/usr/bin/mini"

	run pakfire --root "$R" verify
	assert_exit 4
	local text
	text=$(head -n -1 "$RUN_OUT")
	run pakfire --root "$R" --json verify
	assert_exit 4
	assert_error_line "5 of 5 paths differ"
	assert_json ok false
	assert_json exit_code 4
	assert_json error_class "verification failed"
	local want
	want=$(printf '%s\n' \
		"/etc/mini-release|missing|139||" \
		"/usr/bin/mini|type|139|file|dir" \
		"/usr/lib/libmini.so|target|139|libmini.so.139|/etc/passwd" \
		"/usr/lib/libmini.so.139|content|139|$old|$new" \
		"/usr/share/mini/data-139.txt|mode|139|0600|0644")
	[ "$(findings_json)" = "$want" ] ||
		fail "verify --json findings (- expected, + got):
$(diff <(echo "$want") <(findings_json))"
	# the same paths and kinds as the text
	[ "$(findings_json | cut -d'|' -f1,2)" = "$(sed -E 's/^([^:]*): (missing|[a-z]+ changed).*/\1|\2/; s/ changed$//' <<<"$text")" ] ||
		fail "text and --json disagree: $text"
	python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["verify"]["summary"]
sys.exit(0 if (s["paths"], s["ok"], s["changed"], s["findings"], s["complete"]) == (5, 0, 5, 5, True)
         else "summary %r" % s)' "$RUN_OUT" || fail "verify --json: wrong summary"
}

# A path is bytes: one that is not UTF-8 and holds a control character
# still gives a JSON document that a strict parser reads (U+FFFD in "path",
# the exact bytes in "path_escaped"), and the text names it escaped.
test_json_is_valid_utf8_whatever_bytes_a_path_holds() {
	mini_at_139
	local name=$'usr/bin/mini\xff\x01' hex
	hex=$(printf '%s' "$name" | od -An -tx1 | tr -d ' \n')
	mv "$R/usr/bin/mini" "$R/$name"
	db_query "UPDATE files SET path = CAST(X'$hex' AS TEXT) WHERE path = 'usr/bin/mini'" >/dev/null ||
		fail "could not rename the row"
	assert_db "SELECT hex(path) FROM files WHERE path = CAST(X'$hex' AS TEXT)" "${hex^^}"
	chmod 0700 "$R/$name"
	# and a symlink whose target is not UTF-8 either
	ln -sfn $'libmini\xfe\x1b[0m' "$R/usr/lib/libmini.so"

	run pakfire --root "$R" verify
	assert_exit 4
	assert_findings \
		"/usr/bin/mini\\xff\\x01: mode changed: expected 0755, found 0700 (installed by core 139)" \
		"/usr/lib/libmini.so: target changed: expected 'libmini.so.139', found 'libmini\\xfe\\x1b[0m' (installed by core 139)"

	run pakfire --root "$R" --json verify
	assert_exit 4
	python3 -c '
import json, sys
doc = json.loads(sys.stdin.buffer.read().decode("utf-8"))  # strict: fails on invalid UTF-8
got = [(f["path"], f.get("path_escaped"), f["kind"], f["found"], f.get("found_escaped"))
       for f in doc["verify"]["findings"]]
want = [("/usr/bin/mini\ufffd\x01", "/usr/bin/mini\\xff\\x01", "mode", "0700", None),
        ("/usr/lib/libmini.so", None, "target", "libmini\ufffd\x1b[0m", "libmini\\xfe\\x1b[0m")]
sys.exit(0 if got == want else "findings %r, expected %r" % (got, want))' <"$RUN_OUT" ||
		fail "verify --json: not valid UTF-8 JSON naming the path: $(head -c 600 "$RUN_OUT" | od -c | head -n 20)"
	# the control characters are escaped, never raw
	if LC_ALL=C grep -q $'[\x01-\x1f]' "$RUN_OUT"; then
		fail "a raw control character in the JSON document"
	fi
}

test_reads_only_and_while_another_pakfire_holds_the_lock() {
	mini_at_139
	poke_byte "$R/usr/bin/mini" 3
	remember_state
	local before listing
	before=$(sha256sum "$DB" | cut -d' ' -f1)
	listing=$(ls -la --time-style=+ "$R/var/lib/pakfire")
	flock -o "$R/var/lib/pakfire/lock" sleep 60 &
	local holder=$!
	for _ in $(seq 50); do flock -n "$R/var/lib/pakfire/lock" true || break; sleep 0.1; done
	flock -n "$R/var/lib/pakfire/lock" true && fail "the lock holder did not take the lock"

	run pakfire --root "$R" verify
	assert_exit 4
	assert_error_line "1 of 5 paths differ"
	assert_output_contains "/usr/bin/mini: content changed"
	run pakfire --root "$R" --json verify
	assert_exit 4
	assert_json ok false

	kill "$(pgrep -P "$holder")" 2>/dev/null || true
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	[ "$(sha256sum "$DB" | cut -d' ' -f1)" = "$before" ] || fail "verify changed the database file"
	[ "$(ls -la --time-style=+ "$R/var/lib/pakfire")" = "$listing" ] ||
		fail "verify changed pakfire's state folder: $(ls -la "$R/var/lib/pakfire")"
	assert_nothing_changed
}

test_an_update_in_flight_is_a_warning() {
	repo_mini 139
	repo_mini 140
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 0
	# killed while 140 is staged (its symlink): the journal says staging
	run pakfire_traced -e trace=symlinkat -e inject=symlinkat:signal=KILL:when=1 -- \
		--root "$R" upgrade --yes
	assert_exit 137
	run pakfire --root "$R" verify
	assert_exit 0
	assert_stderr_contains "warning: core 140 is being applied, or was interrupted (journal: staging)"
	assert_stderr_contains "half-way"
	assert_summary 5 5 0
	# verify recovers nothing: the next upgrade does
	assert_db "SELECT unit || ' ' || state FROM journal" "core-140 staging"
}

test_ctrl_c_stops_a_long_verify_cleanly() {
	mini_at_139 --files usr/share/many=400
	local paths
	paths=$(db_query "SELECT count(*) FROM files")
	# SIGINT arrives while the paths are being looked at
	run pakfire_traced -e trace=newfstatat -e inject=newfstatat:signal=INT:when=200 -- \
		--root "$R" verify
	assert_exit 130
	assert_error_line "interrupted by Interrupt" "nothing was changed"
	local checked
	checked=$(tail -n 1 "$RUN_OUT" | sed -nE 's/^verified ([0-9]+) paths .*/\1/p')
	if ! [[ $checked =~ ^[0-9]+$ ]] || [ "$checked" -eq 0 ] || [ "$checked" -ge "$paths" ]; then
		fail "expected a summary of part of the $paths paths: $(tail -n 1 "$RUN_OUT")"
	fi
}

test_without_a_database_and_with_bad_usage() {
	make_key signer
	MIRROR=http://127.0.0.1:9
	root_at_core 138 --trust signer --no-init
	run pakfire --root "$R" status
	assert_exit 2
	assert_error_line "pakfire init"
	local status_error=$ERROR_LINE
	run pakfire --root "$R" verify
	assert_exit 2
	assert_error_line "pakfire init"
	[ "$ERROR_LINE" = "$status_error" ] || fail "verify and status word a missing database differently"
	[ ! -e "$R/var/lib/pakfire/pakfire.db" ] || fail "verify made a database"

	# --fix (verify-fix.sh) needs the database as much
	run pakfire --root "$R" --yes verify --fix
	assert_exit 2
	assert_error_line "pakfire init"
	[ ! -e "$R/var/lib/pakfire/pakfire.db" ] || fail "verify --fix made a database"
	run pakfire --root "$R" verify usr/bin/mini
	assert_exit 2
	assert_one_line_error
	assert_stderr_contains "unexpected argument"
}

run_tests "$@"
