#!/usr/bin/env bash
# Every --json document has a documented shape (docs/schemas/<command>.json,
# docs/schemas/README.md) and every one that the tests make pakfire print
# is validated against it (tests/lib.sh: json_queue, json_check). Here:
# each command in a success and a failure case, a path that is not UTF-8
# and holds control characters, and the validator failing on a document
# that does not match (so that the check can fail at all).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

SERIES=2.23

# world: series 2.23 with core 139 and the add-ons foo (needs bar) and bar,
# crafted, signed and served; a root at core 138 with its index.
world() {
	cat >"$T/spec.json" <<-EOF
		{"series":"2.23","revision":5,"updates":[
		 {"number":139,"requires":138,"files":[{"path":"usr/bin/tool","size":5000,"mode":"0755"},{"path":"usr/lib/libtool.so.1","size":9000}]}],
		 "addons":[
		  {"name":"foo","version":"1.0","release":1,"depends":["bar"],"summary":"the foo helper","salt":"a","files":[{"path":"usr/bin/foo","size":3000,"mode":"0755"}]},
		  {"name":"bar","version":"2.0","release":1,"summary":"bar library","salt":"a","files":[{"path":"usr/lib/libbar.so.2","size":900}]}]}
	EOF
	repo_craft "$T/spec.json" "$T/craft"
	http_start
	root_at_core 138
}

# jrun ARG...: pakfire --root $R --json ARG..., counted in JSON_RUNS (each
# prints one document, which the harness validates).
JSON_RUNS=0
jrun() {
	run pakfire --root "$R" --json "$@"
	JSON_RUNS=$((JSON_RUNS + 1))
}

# assert_doc OK CODE: the last document says ok OK and exit_code CODE, and
# the process exited CODE.
assert_doc() {
	assert_exit "$2"
	assert_json ok "$1"
	assert_json exit_code "$2"
}

test_every_command_validates_in_success_and_failure() {
	world
	# init: a new root (success), then again (a database exists: failure)
	local r0=$R
	R=$T/fresh
	mkdir -p "$R/etc/pakfire" "$R/var/lib"
	cp "$r0/etc/pakfire/pakfire.conf" "$R/etc/pakfire/"
	jrun init --series "$SERIES" --core 138
	assert_doc true 0
	jrun init --series "$SERIES" --core 138
	assert_exit_nonzero
	assert_json ok false
	R=$r0

	jrun update
	assert_doc true 0
	assert_json event=index-verified revision 5
	jrun status
	assert_json ok true
	jrun list
	assert_doc true 0
	jrun list --installed
	assert_doc true 0
	jrun info foo
	assert_doc true 0
	jrun info core-139
	assert_doc true 0
	jrun info nosuch
	assert_doc false 2
	jrun upgrade --dry-run
	assert_doc true 0
	jrun upgrade
	assert_doc false 2         # --json without --yes: not on a terminal
	jrun upgrade --yes
	assert_doc true 0
	assert_json event=update-applied unit core-139
	jrun install --yes foo
	assert_doc true 0
	jrun install --yes nosuch
	assert_doc false 2
	jrun remove --yes nosuch
	assert_exit_nonzero
	assert_json ok false
	jrun history
	assert_doc true 0
	jrun history 1
	assert_doc true 0
	jrun history 9999
	assert_exit_nonzero
	assert_json ok false
	jrun hook list
	assert_doc true 0
	jrun hook show 9999
	assert_exit_nonzero
	jrun hook frobnicate
	assert_doc false 2
	jrun verify
	assert_doc true 0
	printf 'changed' >>"$R/usr/bin/foo"
	jrun verify
	assert_doc false 4
	assert_json verify.summary.changed 1
	jrun remove --yes foo bar
	assert_doc true 0
	jrun clean
	assert_doc true 0
	# a mirror that answers nothing: update fails (5), status still reports
	dead_port
	conf_set mirror "http://127.0.0.1:$DEAD_PORT/pakfire"
	jrun update
	assert_doc false 5
	jrun status
	assert_json ok true
	# without a configuration every command fails with a document
	rm "$R/etc/pakfire/pakfire.conf"
	jrun clean
	assert_doc false 2
	jrun status
	assert_doc false 2

	# a usage error on the command line prints a document too: the
	# command's when the line names one, else "command" null
	jrun status --bogus
	assert_doc false 2
	assert_json command status
	assert_json error "status: unknown option '--bogus' (see 'pakfire status --help')"
	assert_error_line "unknown option '--bogus' (see 'pakfire status --help')"
	jrun frobnicate
	assert_doc false 2
	assert_json command null
	assert_json error_class "usage or configuration error"
	assert_error_line "unknown command 'frobnicate' (see 'pakfire --help')"
	jrun
	assert_doc false 2
	assert_json command null
	assert_json error "no command given (see 'pakfire --help')"
	# (an unknown option before the command: the parser never gets to it)
	jrun --bogus status
	assert_doc false 2
	assert_json command null
	# without --json, the same errors print no document
	run pakfire --root "$R" frobnicate
	assert_exit 2
	[ ! -s "$RUN_OUT" ] || fail "a usage error without --json printed on stdout: $(head -c 300 "$RUN_OUT")"

	# every one of them was validated (a broken hook-in cannot pass)
	[ "$(json_checked)" = 0 ] || fail "validated before json_check: $(json_checked)"
	json_check
	[ "$(json_checked)" = "$JSON_RUNS" ] ||
		fail "$JSON_RUNS runs with --json, but $(json_checked) documents validated"
	[ "$JSON_RUNS" -ge 29 ] || fail "only $JSON_RUNS runs"
}

# progress_valid: every line of the last run's stderr that starts with '{'
# matches docs/schemas/progress.json (the progress stream, docs/progress.md);
# any other line is the error line. PROGRESS_LINES: how many were checked.
progress_valid() {
	local lines=$T/progress.$RUN_N.jsonl
	grep '^{' "$RUN_ERR" >"$lines" || true
	! grep -v '^{' "$RUN_ERR" | grep -qv '^pakfire: error: ' ||
		fail "stderr of a --json run holds a line that is neither JSON nor the error line: $(grep -v '^{' "$RUN_ERR" | head -n 3)"
	if [ -s "$lines" ]; then
		"$PF_JSONSCHEMA_PY" "$PF_VALIDATE_JSON" --schema progress "$lines" >"$lines.out" 2>&1 ||
			fail "a progress line does not match docs/schemas/progress.json: $(head -n 20 "$lines.out")"
	fi
	PROGRESS_LINES=$(wc -l <"$lines")
}

# line_field LINE KEY: KEY of the JSON object LINE (None when absent).
line_field() {
	python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get(sys.argv[2]))' "$1" "$2"
}

# The progress stream of --json on stderr: a download and an apply (the
# index, the manifests, the package, staging and syncing) and a failed
# download (a mirror that serves a bad package: download-failed, then the
# error line, the one line that is not JSON).
test_progress_lines_on_stderr_validate() {
	world
	jrun update
	assert_doc true 0
	progress_valid
	[ "$PROGRESS_LINES" -ge 2 ] || fail "no progress lines for the index and its signature: $(cat "$RUN_ERR")"
	grep -q '"event":"download-done","file":"index"' "$RUN_ERR" || fail "no download-done of the index: $(cat "$RUN_ERR")"
	jrun upgrade --yes
	assert_doc true 0
	progress_valid
	# the set of events: starts, ends and steps always; progress and the
	# batch's total when the transfers took long enough; nothing else (no
	# failure)
	local events
	events=$(grep -o '"event":"[a-z-]*"' "$RUN_ERR" | sed 's/"event":"\(.*\)"/\1/' |
		grep -vx -e download-progress -e download-total | sort -u | tr '\n' ' ')
	[ "$events" = 'activity download-done download-start ' ] ||
		fail "the progress lines of an upgrade are not downloads and steps: $events (expected activity download-done download-start, and download-progress, download-total)"
	# a bad copy of the add-on's package: the mirror fails it, the error
	# line follows the JSON lines
	local pak
	pak=$(find "$WWW" -name 'foo*.pak' | head -n 1)
	[ -n "$pak" ] || fail "no package of foo below $WWW"
	flip_byte "$pak"
	jrun install --yes foo
	assert_doc false 4
	progress_valid
	grep -q '"event":"download-failed",.*"next":false' "$RUN_ERR" ||
		fail "no download-failed line for the last mirror: $(cat "$RUN_ERR")"
	# it names the file and the mirror as the transfer's lines do (the last
	# part, host:port), the path beside them, and the transfer's slot
	local failed file host
	failed=$(grep '"event":"download-failed"' "$RUN_ERR" | tail -n 1)
	file=$(line_field "$failed" file)
	host=${MIRROR#http://}
	[ "$(line_field "$failed" mirror)" = "$host" ] ||
		fail "download-failed names the mirror otherwise than host:port $host: $failed"
	[[ $file == foo*.pak && $file != */* ]] || fail "download-failed's file is not the last part: $failed"
	[[ $(line_field "$failed" path) == */"$file" ]] || fail "download-failed has no path: $failed"
	grep -q "\"event\":\"download-start\",\"file\":\"$file\",.*\"mirror\":\"$host\"" "$RUN_ERR" ||
		fail "no download-start of $file from $host: $(cat "$RUN_ERR")"
	[ "$(line_field "$failed" slot)" != None ] || fail "download-failed has no slot: $failed"
	assert_json event=download-failed file "$file"
	assert_json event=download-failed mirror "$host"
	[ "$(tail -n 1 "$RUN_ERR" | cut -c1-16)" = "pakfire: error: " ] ||
		fail "the error line is not the last line on stderr: $(tail -n 3 "$RUN_ERR")"
}

# hook rerun and hook ack, in success and failure: a post hook of core 139
# fails while $R/blocked is there.
test_hook_rerun_and_ack_validate() {
	REPO_MIN_CLIENT=3 # updates with hooks (docs/formats.md, "Client levels")
	hook_script reload 'if [ -e blocked ]; then echo "still blocked" >&2; exit 1; fi; echo reloaded'
	repo_mini 139 --hook "post=$HOOK"
	repo_mini 140 --hook "post=$HOOK"
	http_start
	root_at_core 138
	touch "$R/blocked"
	must_update
	jrun upgrade --yes --to 139
	assert_doc false 6
	local id
	id=$(db_query "SELECT max(id) FROM hook_runs")
	jrun hook rerun "$id"
	assert_doc false 6
	rm "$R/blocked"
	jrun hook rerun "$id"
	assert_doc true 0
	assert_json hook.action rerun
	assert_json event=hook-done outcome ok
	assert_json hook.run.open false # the failed run, resolved by the rerun
	jrun hook rerun 9999
	assert_exit_nonzero
	assert_json ok false

	touch "$R/blocked"
	jrun upgrade --yes
	assert_doc false 6
	id=$(db_query "SELECT max(id) FROM hook_runs")
	jrun hook ack "$id"
	assert_doc true 0
	assert_json hook.action ack
	jrun hook show "$id"
	assert_doc true 0
	json_check
	[ "$(json_checked)" = "$JSON_RUNS" ] ||
		fail "$JSON_RUNS runs with --json, but $(json_checked) documents validated"
}

# A background run's document is validated, whatever ran after it: wait_bg
# queues the background command's own stdout.
test_a_background_run_is_validated_after_later_runs() {
	world
	must_update
	run_bg "$PAKFIRE_BIN" --root "$R" --json list
	local bg_out=$BG_OUT
	jrun status
	assert_exit 33
	wait_bg
	assert_exit 0
	[ "$RUN_OUT" = "$bg_out" ] || fail "after wait_bg, RUN_OUT is $RUN_OUT, not the background run's $bg_out"
	assert_json command list
	[ "$(cut -f1 "$T/run/json.queue" | tail -n 1)" = "$bg_out" ] ||
		fail "wait_bg did not queue the background run's stdout: $(cat "$T/run/json.queue")"
	# its document, spoiled, fails the check: it is the one validated
	cp "$bg_out" "$T/list.json"
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["list"]["extra"] = 1
print(json.dumps(d))' "$T/list.json" >"$bg_out"
	local rc=0
	(PF_RESULT="" json_check) >"$T/check.out" 2>&1 || rc=$?
	[ "$rc" = 1 ] || fail "json_check passed the spoiled background document (exit $rc)"
	if ! grep -qF "$bg_out (" "$T/check.out" ||
		! grep -qF "docs/schemas/list.json at /list" "$T/check.out"; then
		fail "json_check did not name the background run's document: $(cat "$T/check.out")"
	fi
	cp "$T/list.json" "$bg_out"
	json_check
	[ "$(json_checked)" = 2 ] || fail "expected the status and the list documents validated, got $(json_checked)"
}

# The bytes of a path reach the document in two ways: a string made valid
# UTF-8 (each ill-formed byte U+FFFD, control characters escaped by JSON)
# and, for paths, "<key>_escaped" with the exact bytes (\xHH).
test_invalid_utf8_and_control_characters_in_paths() {
	world
	must_update
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	local name=$'usr/bin/tool\xff\x01\n' hex
	hex=$(printf '%s' "$name" | od -An -tx1 | tr -d ' \n')
	mv "$R/usr/bin/tool" "$R/$name"
	db_query "UPDATE files SET path = CAST(X'$hex' AS TEXT) WHERE path = 'usr/bin/tool'" >/dev/null ||
		fail "could not rename the row"
	chmod 0700 "$R/$name"

	run pakfire --root "$R" --json verify
	assert_exit 4
	json_check
	[ "$(json_checked)" = 1 ] || fail "the verify document was not validated"
	# the exact rendering: U+FFFD as UTF-8 bytes, \u0001 and \n escaped
	grep -qF "\"path\":\"/usr/bin/tool"$'\xef\xbf\xbd'"\\u0001\\n\"" "$RUN_OUT" ||
		fail "path not rendered as /usr/bin/tool<U+FFFD>\\u0001\\n: $(grep -o '"path":"[^"]*"' "$RUN_OUT" | od -c | head)"
	grep -qF '"path_escaped":"/usr/bin/tool\\xff\\x01\\x0a"' "$RUN_OUT" ||
		fail "path_escaped is not the exact bytes: $(grep -o '"path_escaped":"[^"]*"' "$RUN_OUT")"
	python3 -c '
import json, sys
doc = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))  # strict UTF-8
f = doc["verify"]["findings"]
sys.exit(0 if [(x["path"], x["kind"]) for x in f] == [("/usr/bin/tool\ufffd\x01\n", "mode")]
         else "findings %r" % f)' "$RUN_OUT" || fail "verify --json findings"
	if LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$RUN_OUT" ||
		[ "$(wc -l <"$RUN_OUT")" != 1 ]; then
		fail "a raw control character in the document"
	fi

	# a root whose name holds them: the error names it
	local bad=$T/bad$'\xff\x01\n'root
	mkdir -p "$bad"
	run pakfire --root "$bad" --json status
	assert_exit 2
	json_check
	[ "$(json_checked)" = 2 ] || fail "the status document was not validated"
	grep -qF "/bad"$'\xef\xbf\xbd'"\\u0001\\nroot/etc/pakfire/pakfire.conf" "$RUN_OUT" ||
		fail "the root's name is not rendered as bad<U+FFFD>\\u0001\\nroot: $(od -c "$RUN_OUT" | head -n 20)"
	python3 -c '
import json, sys
doc = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
sys.exit(0 if "/bad\ufffd\x01\nroot/etc/pakfire" in doc["error"] else "error %r" % doc["error"])' "$RUN_OUT" ||
		fail "status --json error"
}

# The validator fails on what does not match, and the harness counts it
# as a failure of the test.
test_a_document_that_does_not_match_fails() {
	world
	run pakfire --root "$R" --json status
	assert_exit 48 # no index fetched yet (docs/monitoring.md)
	json_check
	local good=$T/good.json
	cp "$RUN_OUT" "$good"
	run "$PF_PY3" "$PF_VALIDATE_JSON" --check-schemas "$good"
	assert_exit 0
	assert_output_contains "validated 1 documents"

	# (--check-schemas: the schemas themselves are valid draft 2020-12)
	# an extra field at the top, in the report, in an event; a wrong type;
	# a missing field; invalid UTF-8; a document that is not JSON
	local i=0 edit
	for edit in 'd["extra"] = 1' 'd["status"]["extra"] = 1' \
		'd["events"].append({"event": "info", "message": "m", "extra": 1})' \
		'd["status"]["core"] = "138"' 'del d["status"]["pending"]' \
		'd["events"].append({"event": "no-such-event"})'; do
		i=$((i + 1))
		python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
print(json.dumps(d))' "$good" "$edit" >"$T/bad$i.json" || fail "could not edit: $edit"
		run "$PF_PY3" "$PF_VALIDATE_JSON" "$T/bad$i.json"
		assert_exit 1
		assert_output_contains "docs/schemas/status.json at /"
	done
	run "$PF_PY3" "$PF_VALIDATE_JSON" "$T/bad1.json"
	assert_output_contains "at / (schema path /additionalProperties): Additional properties are not allowed ('extra' was unexpected)"
	run "$PF_PY3" "$PF_VALIDATE_JSON" "$T/bad4.json"
	assert_output_contains "at /status/core"
	run "$PF_PY3" "$PF_VALIDATE_JSON" "$T/bad5.json"
	assert_output_contains "'pending' is a required property"
	sed 's/"series":"2.23"/"series":"2.2\xff"/' "$good" >"$T/bad-utf8.json"
	run "$PF_PY3" "$PF_VALIDATE_JSON" "$T/bad-utf8.json"
	assert_exit 1
	assert_output_contains "not valid UTF-8"
	head -c 40 "$good" >"$T/cut.json"
	run "$PF_PY3" "$PF_VALIDATE_JSON" "$T/cut.json"
	assert_exit 1
	assert_output_contains "not JSON"

	# through the harness: a queued document that does not match fails the
	# test, naming the pointer
	printf '%s\t0\tpakfire --json status\n' "$T/bad2.json" >"$T/run/json.queue"
	local rc=0
	(PF_RESULT="" json_check) >"$T/check.out" 2>&1 || rc=$?
	: >"$T/run/json.queue"
	[ "$rc" = 1 ] || fail "json_check passed a document with an extra field (exit $rc)"
	grep -qF "docs/schemas/status.json at /status (schema path /properties/status/additionalProperties)" "$T/check.out" ||
		fail "json_check did not name the pointer: $(cat "$T/check.out")"
	# a run that printed nothing with --json where a document was due
	: >"$T/empty.json"
	printf '%s\t0\tpakfire --json status\n' "$T/empty.json" >"$T/run/json.queue"
	rc=0
	(PF_RESULT="" json_check) >"$T/check.out" 2>&1 || rc=$?
	: >"$T/run/json.queue"
	[ "$rc" = 1 ] || fail "json_check passed a run that printed no document (exit $rc)"
	grep -qF "no JSON document on stdout" "$T/check.out" ||
		fail "json_check did not say that no document was printed: $(cat "$T/check.out")"

	# nothing on stdout is excused only for a run killed outright (124,
	# 137), and --help prints text: a usage error (2) or a signal that
	# pakfire caught (129, 130, 143) prints its document
	local code
	for code in 2 129 130 143; do
		printf '%s\t%s\tpakfire --json status\n' "$T/empty.json" "$code" >"$T/q"
		run "$PF_JSONSCHEMA_PY" "$PF_VALIDATE_JSON" --queue "$T/q"
		assert_exit 1
		assert_output_contains "no JSON document on stdout"
	done
	printf '%s\t124\tpakfire --json status\n%s\t137\tpakfire --json upgrade --yes\n' \
		"$T/empty.json" "$T/empty.json" >"$T/q"
	printf 'usage: pakfire [GLOBAL OPTIONS] status\n' >"$T/help.txt"
	printf '%s\t0\tpakfire --json status --help\n' "$T/help.txt" >>"$T/q"
	run "$PF_JSONSCHEMA_PY" "$PF_VALIDATE_JSON" --queue "$T/q"
	assert_exit 0
	assert_output_contains "validated 0 documents"

	# the document's "command" is the command line's: the first word after
	# the global options, read from the arguments as queued (a path with a
	# newline is one word), after the wrapper's "--" (pakfire_traced)
	printf '%s\t48\tpakfire --root /x --json list\n' "$good" >"$T/q"
	run "$PF_JSONSCHEMA_PY" "$PF_VALIDATE_JSON" --queue "$T/q"
	assert_exit 1
	assert_output_contains "the command line runs 'list' but the document says \"command\": 'status'"
	printf '%s\0' pakfire --config "$T/a b"$'\n'list --root "$T/x"$'\n'history --json status >"$T/args"
	printf '%s\t48\tpakfire (as queued)\t%s\n' "$good" "$T/args" >"$T/q"
	printf '%s\0' pakfire_traced -y -e trace=all -- -q --json status >"$T/args2"
	printf '%s\t48\tpakfire_traced (as queued)\t%s\n' "$good" "$T/args2" >>"$T/q"
	run "$PF_JSONSCHEMA_PY" "$PF_VALIDATE_JSON" --queue "$T/q"
	assert_exit 0
	assert_output_contains "validated 2 documents"
	printf '%s\0' pakfire --root "$T/x" --json -- list >"$T/args"
	printf '%s\t48\tpakfire (as queued)\t%s\n' "$good" "$T/args" >"$T/q"
	run "$PF_JSONSCHEMA_PY" "$PF_VALIDATE_JSON" --queue "$T/q"
	assert_exit 1
	assert_output_contains "the command line runs 'list'"

	# ok true without the report, for every command that has one; the
	# commands without a report pass with the same envelope; and a
	# document with no command is a usage error, never ok
	local c
	for c in status list info history hook verify init update upgrade install remove clean; do
		printf '{"command":"%s","ok":true,"exit_code":0,"error_class":null,"error":null,"reboot_needed":false,"events":[]}\n' \
			"$c" >"$T/bare-$c.json"
		run "$PF_JSONSCHEMA_PY" "$PF_VALIDATE_JSON" "$T/bare-$c.json"
		case $c in
		status|list|info|history|hook|verify)
			assert_exit 1
			assert_output_contains "docs/schemas/$c.json at / (schema path /then/required): '$c' is a required property" ;;
		*)	assert_exit 0 ;;
		esac
	done
	sed 's/"ok":true/"ok":false/; s/"exit_code":0/"exit_code":2/; s/"error_class":null/"error_class":"error"/; s/"error":null/"error":"e"/' \
		"$T/bare-status.json" >"$T/failed-status.json"
	run "$PF_JSONSCHEMA_PY" "$PF_VALIDATE_JSON" "$T/failed-status.json"
	assert_exit 0
	sed 's/"command":"clean"/"command":null/' "$T/bare-clean.json" >"$T/null-ok.json"
	run "$PF_JSONSCHEMA_PY" "$PF_VALIDATE_JSON" "$T/null-ok.json"
	assert_exit 1
	assert_output_contains "docs/schemas/no-command.json at /ok"
}

# jsonschema_pythons: every python3 here that can import jsonschema, once
# each (by the file it runs): Debian's, PF_PY3, PF_JSONSCHEMA_PY and each
# python3 in PATH.
jsonschema_pythons() {
	local p exe real seen=" "
	# shellcheck disable=SC2046
	for p in /usr/bin/python3 "$PF_PY3" "$PF_JSONSCHEMA_PY" $(type -ap python3); do
		exe=$("$p" -c 'import jsonschema, sys; print(sys.executable)' 2>/dev/null) || continue
		real=$(readlink -f "$exe")
		[[ $seen == *" $real "* ]] && continue
		seen+="$real "
		echo "$exe"
	done
}

# The validator's two code paths: jsonschema 4.10 (Debian 12) resolves
# common.json with a RefResolver, >= 4.18 with a `referencing` registry.
# Each python3 here that has jsonschema validates a good document and
# refuses a bad one; the tests' own choice (PF_JSONSCHEMA_PY) is Debian's
# python3 whenever that has jsonschema.
test_the_validator_runs_with_every_python_that_has_jsonschema() {
	world
	run pakfire --root "$R" --json status
	assert_exit 48
	json_check
	cp "$RUN_OUT" "$T/good.json"
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
del d["status"]
print(json.dumps(d))' "$T/good.json" >"$T/bad.json"

	if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
		[ "$PF_JSONSCHEMA_PY" = /usr/bin/python3 ] ||
			fail "Debian's python3 has jsonschema, but the tests validate with \"$PF_JSONSCHEMA_PY\""
	fi
	local py paths="" n=0
	while read -r py; do
		n=$((n + 1))
		paths+=" $("$py" -c 'import importlib.util as u; print("referencing" if u.find_spec("referencing") else "RefResolver")')"
		run "$py" "$PF_VALIDATE_JSON" --check-schemas "$T/good.json"
		assert_exit 0
		assert_output_contains "validated 1 documents"
		run "$py" "$PF_VALIDATE_JSON" "$T/bad.json"
		assert_exit 1
		assert_output_contains "'status' is a required property"
	done < <(jsonschema_pythons)
	[ "$n" -ge 1 ] || fail "no python3 here can import jsonschema (tests/deps.sh)"
	echo "validator ran with $n python3:$paths" # shown with PF_VERBOSE=1
}

run_tests "$@"
