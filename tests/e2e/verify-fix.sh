#!/usr/bin/env bash
# pakfire verify --fix (docs/diagnose.md): every owned path that differs is
# restored from the package of the unit that installed it, downloaded again
# and verified against the signed index of the system's series, through the
# same pipeline as an upgrade (space plan, staging, journal, one commit,
# recovery). Config files under etc/ the admin changed are kept unless
# --fix-config; a path the index no longer vouches for exactly as the
# database recorded it is not repairable (exit 4, left as it is); nothing
# the database does not own is touched.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

SERIES=2.23

# fix_world: series 2.23 with core 139 (a tool, its library, data, a config
# file), core 140 (a library) and the add-on foo; the root upgraded to 140
# with foo installed, then the download cache emptied. The server logs
# every request ($HTTP_LOG).
fix_world() {
	ensure_key signer
	mkdir -p "$WWW$MIRROR_PATH" "$T/spec"
	cat >"$T/spec/23.json" <<-EOF
	{"series": "2.23", "revision": 20, "gnupghome": "$G", "keys": ["$KEY_FPR"],
	 "core": [{"number": 139, "files": {"usr/bin/tool": 5000, "usr/lib/libtool.so.1": 8000,
	                                    "usr/share/tool/data": 3000, "etc/tool.conf": "mode = fast\n"},
	           "modes": {"usr/bin/tool": "0755", "usr/share/tool/data": "0640"}},
	          {"number": 140, "files": {"usr/lib/libc.so.6": 20000}}],
	 "addons": [{"name": "foo", "version": "1.0", "release": 1,
	             "files": {"usr/bin/foo": 3000, "etc/foo.conf": "setting = 1\n"}}]}
	EOF
	publish_spec
	BUILD=$WWW$MIRROR_PATH/build/2.23
	TRUST=("$T/keys/signer.asc")
	http_start --log
	root_at_core 138
	must_update
	must pakfire --root "$R" --yes upgrade
	must pakfire --root "$R" --yes install foo
	CACHE=$R/var/cache/pakfire
	rm -rf "${CACHE:?}"/*
	: >"$HTTP_LOG"
}

# publish_spec: tests/lib/series.py writes $T/spec/23.json into the mirror.
publish_spec() {
	must "$PF_PY3" "$PF_TOP/tests/lib/series.py" "$T/spec/23.json" "$WWW$MIRROR_PATH"
}

# spec_edit PYTHON: PYTHON changes `spec` ($T/spec/23.json), which is
# written back with its revision one up.
spec_edit() {
	must "$PF_PY3" -c '
import json, sys
spec = json.load(open(sys.argv[1]))
exec(sys.argv[2])
spec["revision"] += 1
json.dump(spec, open(sys.argv[1], "w"))
' "$T/spec/23.json" "$1"
}

# member UNIT PATH: the member PATH of UNIT's published package, on stdout.
member() {
	local pak=$WWW$MIRROR_PATH/2.23/x86_64/core/$1.pak
	[ -f "$pak" ] || pak=$(ls "$WWW$MIRROR_PATH"/2.23/x86_64/addons/"$1"-*.pak)
	tar -I zstd -xOf "$pak" "$2"
}

# restored UNIT PATH MODE: the root's PATH is the package member byte for
# byte, with MODE and owner root:root.
restored() {
	cmp -s <(member "$1" "$2") "$R/$2" || fail "/$2 is not $1's member byte for byte"
	[ "$(stat -c '%a %u:%g %F' "$R/$2")" = "$3 0:0 regular file" ] ||
		fail "/$2: $(stat -c '%a %u:%g %F' "$R/$2"), expected $3 0:0 regular file"
}

# poke FILE: one byte inverted in place (same size, mode, inode).
poke() {
	python3 -c '
import sys
with open(sys.argv[1], "r+b") as f:
    b = f.read(1); f.seek(0); f.write(bytes([b[0] ^ 0xff]))' "$1"
}

# damage: core 139's tool changed, its library missing, its data chmod-ed,
# foo's binary replaced by a symlink; the admin's config changed, and an
# unowned file and folder beside owned ones.
damage() {
	poke "$R/usr/bin/tool"
	rm "$R/usr/lib/libtool.so.1"
	chmod 0644 "$R/usr/share/tool/data"
	rm "$R/usr/bin/foo"
	ln -s /etc/passwd "$R/usr/bin/foo"
	printf 'mode = slow\n' >"$R/etc/tool.conf"
	printf 'mine\n' >"$R/usr/bin/admin-tool"
	mkdir "$R/usr/share/tool/local"
	printf 'local\n' >"$R/usr/share/tool/local/notes"
}

test_fix_restores_from_a_downloaded_package_and_keeps_config() {
	fix_world
	damage
	run pakfire --root "$R" verify
	assert_exit 4
	assert_error_line "5 of"

	# a dry run shows and changes nothing
	remember_state
	run pakfire --root "$R" verify --fix --dry-run
	assert_exit 0
	assert_output_contains "/usr/bin/tool: would be restored from core 139"
	assert_output_contains "/usr/bin/foo: would be restored from foo"
	assert_output_contains "verify --fix --dry-run: 4 would be restored, 1 kept, 0 not repairable"
	assert_root_unchanged

	run pakfire --root "$R" --yes verify --fix-config
	assert_exit 2
	assert_error_line "verify: --fix-config only goes with --fix"
	assert_root_unchanged

	run pakfire --root "$R" --yes verify --fix
	assert_exit 0
	assert_output_contains "/usr/bin/tool: restored from core 139"
	assert_output_contains "/usr/lib/libtool.so.1: restored from core 139"
	assert_output_contains "/usr/share/tool/data: restored from core 139"
	assert_output_contains "/usr/bin/foo: restored from foo"
	assert_output_contains "/etc/tool.conf: kept: a config file the admin changed; use --fix-config to restore it (installed by core 139)"
	# the last line: what the fix came to, not the state verify found
	[ "$(tail -n 1 "$RUN_OUT")" = "verify --fix: 4 restored, 1 kept, 0 not repairable" ] ||
		fail "the last line is not the fix's counts: $(tail -n 2 "$RUN_OUT")"
	restored core-139 usr/bin/tool 755
	restored core-139 usr/lib/libtool.so.1 644
	restored core-139 usr/share/tool/data 640
	restored foo usr/bin/foo 644
	# downloaded again, verified like any download
	wait_for_log "$HTTP_LOG" "GET $MIRROR_PATH/2.23/x86_64/core/core-139.pak HTTP/1.1 200"
	wait_for_log "$HTTP_LOG" "GET $MIRROR_PATH/2.23/x86_64/addons/foo-1.0-1.pak HTTP/1.1 200"
	# the admin's own: untouched
	[ "$(cat "$R/etc/tool.conf")" = "mode = slow" ] || fail "the changed config file was not kept"
	[ "$(cat "$R/usr/bin/admin-tool")" = mine ] || fail "an unowned file was touched"
	[ "$(cat "$R/usr/share/tool/local/notes")" = local ] || fail "an unowned folder was touched"
	assert_no_temporaries
	# recorded as a run of its own, without moving anything
	assert_db "SELECT command, outcome FROM transactions ORDER BY id DESC LIMIT 1" "verify --fix|ok"
	assert_db "SELECT group_concat(unit || ':' || detail, ' ') FROM steps WHERE step = 'repaired'
		AND transaction_id = (SELECT max(id) FROM transactions)" "core-139:3 paths restored foo:1 paths restored"
	assert_db "SELECT core FROM system" 140
	assert_db "SELECT count(*) FROM journal" 0
	grep -q "verify --fix" "$R/var/log/pakfire/pakfire.log" || fail "pakfire.log does not tell the run"

	run pakfire --root "$R" verify
	assert_exit 4
	assert_error_line "1 of"
	assert_output_contains "/etc/tool.conf: content changed"

	run pakfire --root "$R" --json --yes verify --fix --fix-config
	assert_exit 0
	python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))["verify"]
got = ([r["path"] for r in v["restored"]], v["kept"], v["not_repairable"])
sys.exit(0 if got == (["/etc/tool.conf"], [], []) else "verify --fix --json: %r" % (got,))' "$RUN_OUT" ||
		fail "the JSON report is wrong"
	restored core-139 etc/tool.conf 644
	run pakfire --root "$R" verify
	assert_exit 0
}

# The index vouches for nothing else: core 139 no longer listed, foo
# republished under the same version with other bytes, a database row
# tampered with. Each path is reported not repairable and left as it is;
# what can be restored still is; exit 4.
test_what_the_index_no_longer_vouches_for_is_not_repairable() {
	fix_world
	spec_edit '
spec["core"] = [c for c in spec["core"] if c["number"] != 139]
spec["addons"][0]["files"]["usr/bin/foo"] = 3100'
	publish_spec
	must_update
	poke "$R/usr/bin/tool"
	poke "$R/usr/bin/foo"
	rm "$R/usr/lib/libc.so.6"
	local tool foo
	tool=$(sha256sum <"$R/usr/bin/tool")
	foo=$(sha256sum <"$R/usr/bin/foo")

	run pakfire --root "$R" --yes verify --fix
	assert_exit 4
	assert_output_contains "/usr/bin/tool: not repairable: the index of series 2.23 no longer lists core 139, so nothing vouches for its package (installed by core 139)"
	assert_output_contains "/usr/bin/foo: not repairable: the signed manifest addons/foo-1.0-1.manifest of series 2.23 describes it otherwise than the database recorded (the unit was published again with other bytes) (installed by foo)"
	assert_output_contains "/usr/lib/libc.so.6: restored from core 140"
	assert_error_line "2 paths are not repairable and stay as they are"
	[ "$(tail -n 1 "$RUN_OUT")" = "verify --fix: 1 restored, 0 kept, 2 not repairable" ] ||
		fail "the last line is not the fix's counts: $(tail -n 2 "$RUN_OUT")"
	# recorded as the failure it exited with
	assert_db "SELECT command, outcome, exit_code, cause FROM transactions ORDER BY id DESC LIMIT 1" \
		"verify --fix|failed|4|failed"
	[ "$(sha256sum <"$R/usr/bin/tool")" = "$tool" ] || fail "/usr/bin/tool changed"
	[ "$(sha256sum <"$R/usr/bin/foo")" = "$foo" ] || fail "/usr/bin/foo changed"
	restored core-140 usr/lib/libc.so.6 644

	# a row tampered with: the signed manifest disagrees with it
	db_query "UPDATE files SET sha256 = '$(printf '%064d' 0)' WHERE path = 'usr/lib/libc.so.6'" >/dev/null
	run pakfire --root "$R" --json --yes verify --fix
	assert_exit 4
	python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))["verify"]
got = sorted(r["path"] for r in v["not_repairable"])
sys.exit(0 if got == ["/usr/bin/foo", "/usr/bin/tool", "/usr/lib/libc.so.6"] and not v["restored"]
         else "not_repairable %r, restored %r" % (got, v["restored"]))' "$RUN_OUT" ||
		fail "the JSON report is wrong"
	restored core-140 usr/lib/libc.so.6 644
	# nothing left to restore: still a run of its own, failed, exit 4
	assert_db "SELECT count(*), min(outcome), min(exit_code), min(cause) FROM transactions
		WHERE command = 'verify --fix'" "2|failed|4|failed"
	local last
	last=$(db_query "SELECT max(id) FROM transactions")
	run pakfire --root "$R" diagnose
	assert_exit_nonzero
	grep -q "Verdict: healthy" "$RUN_OUT" && fail "diagnose calls healthy a failed verify --fix"
	assert_output_contains "run #$last (verify --fix) failed"
}

# A mirror that serves a package with a flipped byte: it fails its signed
# hash, nothing changes, exit 4; the same for its manifest.
test_a_package_that_fails_verification_changes_nothing() {
	fix_world
	damage
	flip_byte "$WWW$MIRROR_PATH/2.23/x86_64/core/core-139.pak"
	remember_state
	run pakfire --root "$R" --yes verify --fix
	assert_exit 4
	assert_error_line "core 139: nothing of it was restored; its files are as they were" \
		"core-139.pak: SHA-256" "does not match the signed index"
	assert_root_unchanged
	assert_no_temporaries
	# a verified package in the cache would serve its manifest
	publish_spec
	rm -rf "${CACHE:?}"/*
	flip_byte "$WWW$MIRROR_PATH/2.23/x86_64/addons/foo-1.0-1.manifest"
	run pakfire --root "$R" --yes verify --fix
	assert_exit 4
	assert_stderr_contains "foo-1.0-1.manifest"
	assert_root_unchanged
}

# state_of PATH: "missing", or its mode (stat %a) and SHA-256.
state_of() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		echo "$(stat -c %a "$1") $(sha256sum <"$1")"
	else
		echo missing
	fi
}

# kill_fix SYSCALL N: verify --fix killed on entering its Nth SYSCALL.
kill_fix() {
	run pakfire_traced -e trace="$1" -e inject="$1:signal=KILL:when=$2" -- --root "$R" --yes verify --fix
	[ "$RUN_RC" = 137 ] || fail "verify --fix was to be killed at its call $2 of $1, but it exited $RUN_RC"
}

# Killed while staging, in the middle of the renames, and after the commit:
# every file is old or new, and the next run that takes the lock undoes or
# finishes it: verify then shows exactly the old damage, or nothing.
test_killed_half_way_every_file_is_old_or_new() {
	fix_world
	damage
	rm "$R/usr/bin/foo"
	cp -a "$R" "$T/damaged"
	run pakfire --root "$R" verify
	assert_exit 4
	head -n -1 "$RUN_OUT" >"$T/damage.txt"
	# the reference: which calls stage, rename and clean up
	TRACE_LOG=$T/ref.log run pakfire_traced -y -e trace=linkat,renameat,unlinkat -- --root "$R" --yes verify --fix
	assert_exit 0
	local keep rename clean
	keep=$(grep -nE '^linkat\(.*\.pakfire-old-core-139-' "$T/ref.log" | head -n 1 | cut -d: -f1)
	rename=$(grep -nE '^renameat\(.*\.pakfire-core-139-' "$T/ref.log" | sed -n 2p | cut -d: -f1)
	clean=$(grep -nE '^unlinkat\(.*\.pakfire-old-core-139-' "$T/ref.log" | head -n 1 | cut -d: -f1)
	[ -n "$keep" ] && [ -n "$rename" ] && [ -n "$clean" ] || fail "the reference trace shows no staging, renames or clean-up: $(head -n 30 "$T/ref.log")"
	local sc n want point
	for point in "linkat staging old" "renameat committing old" "unlinkat committed new"; do
		read -r sc want_state want <<<"$point"
		case $sc in
		linkat) n=$(head -n "$keep" "$T/ref.log" | grep -c '^linkat(') ;;
		renameat) n=$(head -n "$rename" "$T/ref.log" | grep -c '^renameat(') ;;
		unlinkat) n=$(head -n "$clean" "$T/ref.log" | grep -c '^unlinkat(') ;;
		esac
		rm -rf "$R" && cp -a "$T/damaged" "$R"
		kill_fix "$sc" "$n"
		assert_db "SELECT unit, state FROM journal" "core-139|$want_state"
		# every path old or new, never half: bytes and mode; missing
		# only where it was missing before
		local p mode got
		for p in usr/bin/tool:755 usr/lib/libtool.so.1:644 usr/share/tool/data:640; do
			mode=${p#*:} p=${p%:*}
			got=$(state_of "$R/$p")
			[ "$got" = "$(state_of "$T/damaged/$p")" ] ||
				[ "$got" = "$mode $(member core-139 "$p" | sha256sum)" ] ||
				fail "killed at $sc #$n: /$p is neither old ($(state_of "$T/damaged/$p")) nor new: $got"
		done
		run pakfire --root "$R" clean
		assert_exit 0
		# recovery names the repair, not an update of core 139
		if [ "$want" = old ]; then
			assert_stderr_contains "the repair of core 139 (verify --fix) was interrupted before its commit; it was rolled back"
		else
			assert_stderr_contains "the repair of core 139 (verify --fix) was interrupted after its commit; it was rolled forward"
		fi
		assert_db "SELECT count(*) FROM journal" 0
		assert_no_temporaries
		run pakfire --root "$R" verify
		if [ "$want" = old ]; then
			assert_exit 4
			diff <(head -n -1 "$RUN_OUT") "$T/damage.txt" >/dev/null ||
				fail "killed at $sc #$n and rolled back, verify shows other damage:
$(diff <(head -n -1 "$RUN_OUT") "$T/damage.txt")"
		else
			# core 139's paths are restored; foo's were not reached
			assert_exit 4
			grep -q '/usr/bin/tool\|libtool\|/usr/share/tool/data' "$RUN_OUT" &&
				fail "killed after core 139's commit, its paths are not all restored: $(cat "$RUN_OUT")"
			assert_output_contains "/usr/bin/foo: missing"
		fi
	done
}

run_tests "$@"
