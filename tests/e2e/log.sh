#!/usr/bin/env bash
# pakfire.log (docs/log.md): every run appends one line per event to
# <root>/var/log/pakfire/pakfire.log, with its time, pid, transaction id and
# command; a failure's lines tell the same story as `history ID`; the log
# stays bounded (rotated to pakfire.log.1); a symlink planted at its name is
# never followed; hostile names stay escaped on their line; --json and -q
# log all the same; --verbose shows the debug trail on stderr.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

LOG_DIR=var/log/pakfire
logf() { echo "$R/$LOG_DIR/pakfire.log"; }

# log_records [FILE]: each line of the log as one JSON object (the prefix
# and every key=value, values unescaped to latin-1 text so that any byte
# survives), after checking the form of every line: the time, pid=N,
# tx=N|-, cmd=, event=, and nothing but printable ASCII.
log_records() {
	python3 - "${1:-$(logf)}" <<-'PY' || fail "pakfire.log is malformed"
	import json, re, sys
	data = open(sys.argv[1], "rb").read()
	assert data.endswith(b"\n") or not data, "the log does not end with a newline"
	prefix = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ pid=[1-9]\d* tx=(?:[1-9]\d*|-) cmd=[a-z-]+ event=[a-z-]+( |$)')
	field = re.compile(r' ([a-z_]+)=("(?:[^"\\]|\\\\|\\x[0-9a-f]{2})*"|[^ "\\]+)')
	def unq(v):
	    if not v.startswith('"'):
	        return v
	    return re.sub(r'\\(\\|x([0-9a-f]{2}))', lambda m: "\\" if m.group(1) == "\\" else chr(int(m.group(2), 16)), v[1:-1])
	for n, raw in enumerate(data.split(b"\n")[:-1], 1):
	    if any(b < 0x20 or b > 0x7e for b in raw):
	        sys.exit("line %d holds a byte outside printable ASCII: %r" % (n, raw))
	    line = raw.decode("ascii")
	    if not prefix.match(line):
	        sys.exit("line %d has no prefix: %s" % (n, line))
	    rec = {"time": line[:20]}
	    pos = 20
	    while pos < len(line):
	        m = field.match(line, pos)
	        if not m:
	            sys.exit("line %d: no field at %d: %s" % (n, pos, line))
	        rec[m.group(1)] = unq(m.group(2))
	        pos = m.end()
	    print(json.dumps(rec))
	PY
}

# log_select FILTER: the records (log_records) for which the python
# expression FILTER over r holds, as JSON lines.
log_select() {
	log_records >"$T/log.json"
	python3 - "$T/log.json" "$1" <<-'PY'
	import json, sys
	for l in open(sys.argv[1]):
	    r = json.loads(l)
	    if eval(sys.argv[2]):
	        print(json.dumps(r))
	PY
}

test_a_failed_upgrade_tells_in_the_log_what_history_tells() {
	repo_mini 139
	repo_mini 140
	http_start
	root_at_core 138
	must_update
	flip_byte "$REPO/core/core-140.pak"
	run pakfire --root "$R" upgrade --yes
	assert_exit 4
	assert_error_line "core-140.pak"
	local id
	id=$(db_query "SELECT max(id) FROM transactions")
	run pakfire --root "$R" --json history "$id"
	assert_exit 0
	cp "$RUN_OUT" "$T/history.json"
	log_records >"$T/log.json"

	python3 - "$T/history.json" "$T/log.json" "$id" <<-'PY' || fail "the log and history $id disagree"
	import json, sys
	hist = json.load(open(sys.argv[1]))["history"]["transactions"]
	assert len(hist) == 1, hist
	t = hist[0]
	tx = sys.argv[3]
	recs = [json.loads(l) for l in open(sys.argv[2])]
	mine = [r for r in recs if r["tx"] == tx]
	# one process wrote them all, from its record's beginning to its end
	assert len({r["pid"] for r in mine}) == 1, "several pids"
	assert all(r["cmd"] == "upgrade" for r in mine)
	pid = mine[0]["pid"]
	run = [r for r in recs if r["pid"] == pid]
	assert run[0]["event"] == "start" and run[0]["tx"] == "-", run[0]
	assert "upgrade --yes" in run[0]["args"], run[0]
	assert run[-1]["event"] == "end" and run[-1]["exit"] == "4", run[-1]
	assert run[-1]["error"] == t["error"], (run[-1], t["error"])
	# the steps, in order, with their unit and detail
	steps = [(r.get("unit"), r["step"], r.get("detail")) for r in mine if r["event"] == "transaction-step"]
	want = [(s.get("unit"), s["step"], s.get("detail")) for s in t["steps"]]
	assert steps == want, "log %s\nhistory %s" % (steps, want)
	assert ("core-139", "committed", None) in [(u, s, None) for u, s, d in steps], steps
	ends = [r for r in mine if r["event"] == "transaction-end"]
	assert len(ends) == 1, ends
	e = ends[0]
	assert (e["outcome"], int(e["exit"]), e["error"]) == (t["outcome"], t["exit_code"], t["error"]), (e, t)
	assert "core-140.pak" in e["error"], e
	begin = [r for r in mine if r["event"] == "transaction"]
	assert len(begin) == 1 and begin[0]["command"] == "upgrade" and begin[0]["dry_run"] == "no", begin
	# what the user saw: core 139 begun and applied, core 140 begun
	seen = [(r["event"], r.get("unit")) for r in mine if r["event"].startswith("update-")]
	assert ("update-begin", "core-139") in seen and ("update-applied", "core-139") in seen, seen
	assert ("update-begin", "core-140") in seen and ("update-applied", "core-140") not in seen, seen
	PY
	# the file is the owner's alone to read
	[ "$(stat -c %a "$(logf)")" = 640 ] || fail "pakfire.log has mode $(stat -c %a "$(logf)")"
	[ "$(stat -c %a "$R/$LOG_DIR")" = 750 ] || fail "$LOG_DIR has mode $(stat -c %a "$R/$LOG_DIR")"
}

test_the_log_stays_bounded_and_keeps_the_newest_lines() {
	repo_mini 139
	http_start
	root_at_core 138
	conf_set log-size 4K
	local i
	# (status exits 48 = 32 + 16: no index fetched yet, pakfire(8))
	for i in $(seq 49); do
		run pakfire --root "$R" status
		assert_exit 48
	done
	run pakfire --root "$R" --json status
	assert_exit 48
	local size old
	size=$(stat -c %s "$(logf)")
	old=$(stat -c %s "$(logf).1")
	# rotated at 4K: each file at most 4K plus one run's lines
	[ "$old" -ge 4096 ] && [ "$old" -le $((4096 + 1024)) ] || fail "pakfire.log.1 has $old bytes"
	[ "$size" -le $((4096 + 1024)) ] || fail "pakfire.log has $size bytes"
	[ ! -e "$(logf).2" ] || fail "a third log file"
	log_records "$(logf).1" >/dev/null
	# the newest run is the last in pakfire.log, whole: a read-only run
	# that ended well is one line
	log_records >"$T/log.json"
	tail -n 1 "$T/log.json" | python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
assert r["event"] == "run" and "--json status" in r["args"] and r["exit"] == "48", r
assert int(r["duration_ms"]) >= 0, r
' || fail "the newest run is not at the end of pakfire.log: $(tail -n 1 "$(logf)")"
	# a read-only command that ends well is one line, never a start and an end
	[ "$(grep -c ' cmd=status ' "$(logf)")" = "$(grep -c ' cmd=status event=run ' "$(logf)")" ] ||
		fail "status logged more than one line a run: $(grep ' cmd=status ' "$(logf)" | grep -v 'event=run' | head -3)"
}

test_one_run_that_writes_too_much_stops_logging_with_one_line() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	conf_set log-size 4K
	# 80 local hooks that others may write to: each refused, before and
	# after the transaction, with a line each: far more than 4 x 4K
	mkdir -p "$R/etc/pakfire/hooks.d"
	local i
	for i in $(seq 10 89); do
		printf '#!/bin/sh\n' >"$R/etc/pakfire/hooks.d/$i-group-writable-hook-with-a-long-name"
		chmod 0775 "$R/etc/pakfire/hooks.d/$i-group-writable-hook-with-a-long-name"
	done
	: >"$(logf)"
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	local size
	size=$(stat -c %s "$(logf)")
	[ "$size" -le $((4 * 4096 + 1024)) ] || fail "one run wrote $size bytes into pakfire.log"
	[ "$(log_select 'r["event"] == "log-stopped"' | wc -l)" = 1 ] ||
		fail "no line says that the rest of the run is not logged: $(tail -n 2 "$(logf)")"
	tail -n 1 "$(logf)" | grep -q ' event=log-stopped ' || fail "lines after log-stopped"
	# the next run logs again (into a fresh file: this one is past 4K)
	run pakfire --root "$R" status
	assert_exit 0
	grep -q ' cmd=status event=run .* exit=0 ' "$(logf)" || fail "the next run was not logged"
}

test_a_symlink_planted_at_the_log_is_not_followed() {
	repo_mini 139
	http_start
	root_at_core 138
	mkdir -p "$R/$LOG_DIR"
	rm -f "$(logf)"
	printf 'precious\n' >"$T/target"
	ln -s "$T/target" "$(logf)"
	run pakfire --root "$R" status
	assert_exit 48 # no index yet: status's bits, not an error
	assert_stderr_contains "warning: cannot write the log $R/$LOG_DIR/pakfire.log"
	assert_stderr_contains "symbolic link"
	[ "$(grep -c 'cannot write the log' "$RUN_ERR")" = 1 ] || fail "the warning is not said once"
	[ "$(cat "$T/target")" = precious ] || fail "the symlink's target was written"
	[ -L "$(logf)" ] || fail "the symlink was replaced"
	# a symlinked folder leads inside the root, never outside it
	rm -rf "${R:?}/$LOG_DIR"
	mkdir "$T/outside"
	ln -s "$T/outside" "$R/$LOG_DIR"
	run pakfire --root "$R" status
	assert_exit 48
	[ -z "$(ls -A "$T/outside")" ] || fail "the log was written outside the root: $(ls -A "$T/outside")"
}

test_hostile_names_stay_escaped_on_their_line() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	local name=$'20-evil\nevent=forged\x01\xff\xc3'
	mkdir -p "$R/etc/pakfire/hooks.d"
	printf '#!/bin/sh\n' >"$R/etc/pakfire/hooks.d/$name"
	chmod 0775 "$R/etc/pakfire/hooks.d/$name"
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	log_records >/dev/null
	grep -qF ' hook="20-evil\x0aevent=forged\x01\xff\xc3"' "$(logf)" ||
		fail "the hook's name is not escaped: $(grep -a 'hook-refused' "$(logf)" | head -2)"
	[ "$(log_select 'r["event"] == "hook-refused"' | wc -l)" = 2 ] ||
		fail "the refusals (before and after the transaction) are not one line each"
	! grep -q '^event=forged' "$(logf)" || fail "a name began a line of its own"
	# an error naming a path with such bytes: the end line, escaped (a
	# root whose pakfire.conf cannot be read is logged into an existing
	# log only)
	local bad=$T/$'root\n\x02\xfe'
	mkdir -p "$bad/$LOG_DIR"
	: >"$bad/$LOG_DIR/pakfire.log"
	run pakfire --root "$bad" status
	assert_exit 2
	R=$bad log_records >"$T/bad.json"
	grep -qF '\x0a\x02\xfe/etc/pakfire/pakfire.conf' "$bad/$LOG_DIR/pakfire.log" ||
		fail "the error's path is not escaped: $(cat -v "$bad/$LOG_DIR/pakfire.log")"
	[ "$(wc -l <"$bad/$LOG_DIR/pakfire.log")" = 2 ] || fail "not two lines: $(cat -v "$bad/$LOG_DIR/pakfire.log")"
}

test_json_and_quiet_runs_are_logged_all_the_same() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" --json -q upgrade --yes
	assert_exit 0
	python3 -m json.tool "$RUN_OUT" >/dev/null || fail "stdout is not one JSON document"
	local pid
	pid=$(log_select 'r["event"] == "start" and "--json -q upgrade" in r["args"]' |
		python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["pid"])')
	[ -n "$pid" ] || fail "the run is not in the log"
	log_select "r['pid'] == '$pid'" | python3 -c '
import json, sys
ev = [json.loads(l)["event"] for l in sys.stdin]
for e in ("start", "transaction", "update-begin", "update-applied", "transaction-step", "transaction-end", "end"):
    assert e in ev, (e, ev)
' || fail "the --json -q run lacks lines"
}

test_verbose_shows_the_debug_trail_on_stderr() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" --verbose upgrade --yes
	assert_exit 0
	grep -q '^pakfire: debug: transaction [0-9]* begins: upgrade' "$RUN_ERR" || fail "no debug trail on stderr"
	grep -q '^pakfire: debug: core-139: manifest taken from the verified package in the cache\|^pakfire: debug: ' "$RUN_ERR" ||
		fail "no debug line on stderr"
	! grep -q 'debug' "$RUN_OUT" || fail "debug lines on stdout: $(grep debug "$RUN_OUT" | head -2)"
	! grep -q 'manifest taken from\|already downloaded' "$RUN_OUT" || fail "a debug line on stdout"
}

# A mistyped --root must not leave junk: a run whose pakfire.conf cannot be
# read makes no folder (it appends only to a pakfire.log that exists), and
# init makes the log only when it succeeded.
test_a_root_without_a_configuration_gets_no_log_folder() {
	local new=$T/new c
	mkdir -p "$new"
	for c in status "init --series $SERIES --core 138" update; do
		# shellcheck disable=SC2086
		run pakfire --root "$new" $c
		assert_exit 2
		assert_stderr_contains "pakfire.conf"
		! grep -q 'cannot write the log' "$RUN_ERR" || fail "a warning about a log that is not to be made"
	done
	run pakfire --root "$new" --config "$T/none.conf" status
	assert_exit 2
	[ -z "$(ls -A "$new")" ] || fail "the refused runs left files in the root: $(ls -A "$new")"
	# the folder alone: still no file
	mkdir -p "$new/$LOG_DIR"
	run pakfire --root "$new" status
	assert_exit 2
	[ ! -e "$new/$LOG_DIR/pakfire.log" ] || fail "pakfire.log made for a root without pakfire.conf"
	# a log that exists is appended to: the run and its error
	printf 'earlier\n' >"$new/$LOG_DIR/pakfire.log"
	run pakfire --root "$new" status
	assert_exit 2
	[ "$(wc -l <"$new/$LOG_DIR/pakfire.log")" = 3 ] || fail "not appended: $(cat "$new/$LOG_DIR/pakfire.log")"
	grep -q ' cmd=status event=end exit=2 duration_ms=[0-9]* error_class=.* error=.*pakfire.conf' \
		"$new/$LOG_DIR/pakfire.log" || fail "no end line with the error: $(cat "$new/$LOG_DIR/pakfire.log")"

	# init with a configuration that it refuses: nothing, also with a
	# pakfire.conf from the host on an empty root
	repo_mini 139
	http_start
	root_at_core 138 --no-init
	rm -rf "${new:?}"/*
	run pakfire --root "$new" --config "$R/etc/pakfire/pakfire.conf" init --series 9.99 --core 138
	assert_exit 2
	assert_stderr_contains "but pakfire.conf says series = $SERIES"
	[ -z "$(ls -A "$new")" ] || fail "a refused init left files in the root: $(ls -A "$new")"
	run pakfire --root "$R" init --series 9.99 --core 138
	assert_exit 2
	[ ! -e "$R/$LOG_DIR" ] || fail "a refused init made $LOG_DIR"
	# and one that succeeds makes the log, its start line first
	run pakfire --root "$R" init --series "$SERIES" --core 138
	assert_exit 0
	log_records >"$T/log.json"
	python3 -c '
import json, sys
ev = [json.loads(l)["event"] for l in open(sys.argv[1])]
assert ev == ["start", "info", "end"], ev
' "$T/log.json" || fail "init's lines: $(cat "$(logf)")"
	[ "$(stat -c %a "$R/$LOG_DIR")" = 750 ] || fail "$LOG_DIR has mode $(stat -c %a "$R/$LOG_DIR")"
}

# A monitoring check every 5 minutes must not push a failure's lines out of
# the bounded log: a read-only run that ends without warning or error is
# one line (docs/log.md has the arithmetic); with a warning or an error it
# keeps its start, what it said and its end.
test_a_read_only_run_is_one_line_unless_it_has_news() {
	repo_mini 139 --reboot
	http_start
	root_at_core 138
	must_update
	: >"$(logf)"
	run pakfire --root "$R" --quiet status
	assert_exit 33
	[ "$(wc -l <"$(logf)")" = 1 ] || fail "status wrote $(wc -l <"$(logf)") lines: $(cat "$(logf)")"
	grep -qE '^\S+ pid=[0-9]+ tx=- cmd=status event=run args="--root \S+ --quiet status" exit=33 duration_ms=[0-9]+$' \
		"$(logf)" || fail "not the run line: $(cat "$(logf)")"
	echo "bytes of one 'status' run: $(stat -c %s "$(logf)") ($(cat "$(logf)"))"
	# a dry run: its record named by tx=, not repeated
	: >"$(logf)"
	run pakfire --root "$R" upgrade --dry-run
	assert_exit 0
	local id
	id=$(db_query "SELECT max(id) FROM transactions WHERE dry_run = 1")
	[ "$(wc -l <"$(logf)")" = 1 ] || fail "a dry run wrote $(wc -l <"$(logf)") lines: $(cat "$(logf)")"
	grep -q " tx=$id cmd=upgrade event=run args=.* exit=0 duration_ms=" "$(logf)" ||
		fail "the dry run's line does not name its record $id: $(cat "$(logf)")"
	for c in list "info core-139" history verify "hook list"; do
		: >"$(logf)"
		# shellcheck disable=SC2086
		run pakfire --root "$R" $c
		[ "$(grep -c ' event=run ' "$(logf)")" = 1 ] && [ "$(wc -l <"$(logf)")" = 1 ] ||
			fail "'$c' (exit $RUN_RC) did not write one run line: $(cat "$(logf)")"
	done
	# an error: the start and the end with the error
	: >"$(logf)"
	run pakfire --root "$R" history 9999
	assert_exit_nonzero
	log_records >"$T/log.json"
	python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["event"] for r in recs] == ["start", "end"], recs
assert recs[0]["args"].endswith("history 9999") and recs[1]["error"], recs
assert recs[0]["time"] <= recs[1]["time"] and "duration_ms" in recs[1], recs
' "$T/log.json" || fail "history's error: $(cat "$(logf)")"
	# a warning: the start, the warning, the end
	run pakfire --root "$R" upgrade --yes
	assert_exit 0
	conf_set boot-id-file "$T/no-boot-id"
	: >"$(logf)"
	run pakfire --root "$R" status
	assert_stderr_contains "cannot read the id of this boot"
	log_records >"$T/log.json"
	python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["event"] for r in recs] == ["start", "warning", "end"], recs
assert "cannot read the id of this boot" in recs[1]["msg"], recs
' "$T/log.json" || fail "status's warning: $(cat "$(logf)")"
}

# Rotation never waits: another process that holds an flock on pakfire.log
# (anyone reading it may) does not hang pakfire, whose SIGINT and SIGTERM
# come through a signalfd only; the run appends, and a later one rotates.
test_a_lock_held_on_the_log_never_blocks_pakfire() {
	repo_mini 139
	http_start
	root_at_core 138
	must_update
	conf_set log-size 4K
	head -c 8192 /dev/zero | tr '\0' 'x' | fold -w 63 >>"$(logf)"
	# -o: only flock(1) holds the lock, not its sleep: killing it frees it
	flock -o "$(logf)" sleep 120 &
	local holder=$! i t0 ms
	echo "$holder" >>"$T/run/bg.pids"
	for i in $(seq 50); do
		flock -n "$(logf)" true || break
		sleep 0.1
	done
	! flock -n "$(logf)" true || fail "the test could not lock $(logf)"
	t0=$(date +%s%N)
	PF_CLIENT_TIMEOUT=20 run pakfire --root "$R" upgrade --yes
	ms=$((($(date +%s%N) - t0) / 1000000))
	assert_exit 0
	[ "$ms" -lt 5000 ] || fail "pakfire took $ms ms beside a held lock on its log"
	[ ! -e "$(logf).1" ] || fail "rotated while another process held the log's lock"
	grep -q ' cmd=upgrade event=end exit=0 ' "$(logf)" || fail "the run was not appended"
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	run pakfire --root "$R" status
	assert_exit 0
	[ -e "$(logf).1" ] || fail "the next run did not rotate"
}

run_tests "$@"
