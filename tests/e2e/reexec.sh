#!/usr/bin/env bash
# Self-update and re-exec (issue 14; docs/formats.md, "Self-update and
# re-exec"). The pakfire inside a root, running on the root's own C library,
# applies an update that replaces both: that update ends its segment, and
# once it commits pakfire re-executes itself and goes on with the next.
# SIGKILL just before the re-exec and just after it (the new image's first
# calls): every file is entirely old or entirely new, the pakfire of the
# root still runs, and the next run completes the upgrade. An image
# replaced after it started (the lock's recovery rolled back an update of
# pakfire cut short) restarts before it changes anything.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# Where the C library lives in the root (Debian's multiarch folder).
LIBDIR=lib/x86_64-linux-gnu

# rpf ARG...: the root's pakfire, R/usr/sbin/pakfire, on the root's C
# library (LD_LIBRARY_PATH: what it maps is the root's libc.so.6).
rpf() {
	timeout -k 5 "$PF_CLIENT_TIMEOUT" env "LD_LIBRARY_PATH=$R/$LIBDIR" \
		"$R/usr/sbin/pakfire" "$@" </dev/null
}

# rpf_traced STRACE_OPTION... -- ARG...: rpf under strace (pakfire_traced:
# the trace goes to $TRACE_LOG; no leak checks under ptrace).
rpf_traced() {
	PAKFIRE_BIN=$R/usr/sbin/pakfire pakfire_traced -E "LD_LIBRARY_PATH=$R/$LIBDIR" "$@"
}

# reexec_world: core 139 installs pakfire (a copy of the build under test)
# and the host's C library into the root; 140 replaces both with new
# versions (the same bytes with a trailer: an ELF file with bytes appended
# still runs, and old and new differ) and its other files; 141 ships more.
# A root at core 139, installed by the build under test from outside (it
# maps nothing of the root, so it never re-executes), with 140 and 141
# downloaded; $T/base keeps it (fresh_root). $SRC/states.json describes the
# root at each core level (after_kill, assert_final).
reexec_world() {
	local libc
	libc=$(ldd "$PAKFIRE_BIN" | awk '$1 == "libc.so.6" {print $3}')
	libc=$(readlink -f "$libc")
	is_program "$libc" || fail "ldd names no C library for $PAKFIRE_BIN (got \"$libc\")"
	mkdir -p "$T/bin"
	cp "$PAKFIRE_BIN" "$T/bin/pakfire.old"
	cp "$libc" "$T/bin/libc.old"
	{ cat "$PAKFIRE_BIN"; printf '\npakfire of core 140\n'; } >"$T/bin/pakfire.new"
	{ cat "$libc"; printf '\nC library of core 140\n'; } >"$T/bin/libc.new"
	chmod 0755 "$T/bin/"*
	repo_mini 139 --copy "usr/sbin/pakfire=$T/bin/pakfire.old" --copy "$LIBDIR/libc.so.6=$T/bin/libc.old"
	repo_mini 140 --copy "usr/sbin/pakfire=$T/bin/pakfire.new" --copy "$LIBDIR/libc.so.6=$T/bin/libc.new" \
		--file usr/share/other/data=20K
	repo_mini 141 --files usr/share/more=20 --file usr/lib/libmore.so.1=30K
	must scenario states "$SRC" 139 141
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 0
	assert_final 139
	seed_cache 140 141
	# the root's pakfire maps the root's C library, not the host's
	local mapped
	mapped=$(LD_LIBRARY_PATH=$R/$LIBDIR ldd "$R/usr/sbin/pakfire" | awk '$1 == "libc.so.6" {print $3}')
	[ "$mapped" = "$R/$LIBDIR/libc.so.6" ] ||
		fail "with LD_LIBRARY_PATH, the root's pakfire loads $mapped, not the root's C library"
	mkdir -p "$T/base"
	cp -a "$R/." "$T/base/"
}

# execs LOG: the execve calls of the root's pakfire in an strace log, one a
# line (with -f, each prefixed by its pid).
execs() {
	grep -E "^([0-9]+ +)?execve\(\"$R/usr/sbin/pakfire\"" "$1" || true
}

# last_tx: the id of the last transaction, 0 without one.
last_tx() { db_query "SELECT coalesce(max(id), 0) FROM transactions"; }

# assert_restarted_and_done TX: the run re-executed (it said so) and ended
# at core 141: the root is exactly core 141 (every file of 140 and 141 the
# new one), the database agrees, and the run was one transaction, the
# 'upgrade' after TX, that committed both updates.
assert_restarted_and_done() {
	local tx=$1
	assert_exit 0
	assert_output_contains "restarting pakfire"
	assert_final 141
	cmp -s "$R/usr/sbin/pakfire" "$T/bin/pakfire.new" || fail "usr/sbin/pakfire is not core 140's"
	cmp -s "$R/$LIBDIR/libc.so.6" "$T/bin/libc.new" || fail "$LIBDIR/libc.so.6 is not core 140's"
	assert_db "SELECT group_concat(command || ':' || outcome || ':' || exit_code, ' ')
		FROM transactions WHERE id > $tx" "upgrade:ok:0"
	assert_db "SELECT group_concat(unit, ' ') FROM (SELECT unit FROM steps WHERE step = 'committed'
		AND transaction_id = (SELECT max(id) FROM transactions) ORDER BY id)" "core-140 core-141"
	assert_db "SELECT count(*) FROM transactions WHERE ended IS NULL" "0"
}

test_an_update_of_pakfire_and_its_c_library_restarts_it() {
	reexec_world
	local tx
	tx=$(last_tx)
	run rpf --root "$R" upgrade --yes
	assert_restarted_and_done "$tx"
	assert_output_contains "core 140 replaced what pakfire runs from (lib/x86_64-linux-gnu/libc.so.6, usr/sbin/pakfire): restarting pakfire to go on"
	run rpf --version
	assert_exit 0

	# Again, traced: the root's pakfire is executed twice (the start and
	# the re-exec), and each image loads the root's C library.
	fresh_root
	tx=$(last_tx)
	TRACE_LOG=$T/exec.log run rpf_traced -f -e trace=execve,openat -- --root "$R" upgrade --yes
	assert_restarted_and_done "$tx"
	# (a line may be split by another thread's call: counted whole or not)
	if [ "$(execs "$T/exec.log" | wc -l)" != 2 ] || execs "$T/exec.log" | grep -q ' = -1 '; then
		execs "$T/exec.log" | sed 's/^/  /'
		fail "expected exactly two execve of $R/usr/sbin/pakfire (the start and the re-exec)"
	fi
	# in order: exec, the root's libc opened, exec, the root's libc opened
	local pid seq
	pid=$(execs "$T/exec.log" | awk 'NR == 1 {print $1}')
	seq=$(grep -E "^$pid +(openat\(AT_FDCWD, \"$R/$LIBDIR/libc.so.6\"|execve\(\"$R/usr/sbin/pakfire\")" "$T/exec.log" |
		awk '{printf "%s", ($2 ~ /^execve/) ? "E" : "L"}')
	[ "$seq" = ELEL ] ||
		fail "the two images of pakfire (pid $pid) did not each load $R/$LIBDIR/libc.so.6 (execve/load: $seq)"
	# the lock is held across the exec: only the first image opens it
	[ "$(grep -cE "^$pid +openat\([0-9]+, \"lock\"" "$T/exec.log")" = 1 ] ||
		fail "the lock file was not opened exactly once (the restarted pakfire must adopt the lock it inherits)"
}

test_killed_just_before_the_reexec_the_next_run_completes() {
	reexec_world
	# KILL at the re-exec, on entering it. strace's counter leaves out the
	# execve by which it starts the command (tried: strace 6.1 kills
	# `sh -c 'exec echo'` at echo's execve with when=1, not with when=2),
	# and each process counts its own calls (with -f, a child's first
	# execve is its when=1): without -f, when=1 is the re-exec.
	TRACE_LOG=$T/kill.log run rpf_traced -e trace=execve -e inject=execve:signal=KILL:when=1 -- \
		--root "$R" upgrade --yes
	[ "$RUN_RC" = 137 ] || fail "pakfire was to be killed at its re-exec, but it exited $RUN_RC"
	assert_output_contains "restarting pakfire"
	if ! { [ "$(execs "$T/kill.log" | wc -l)" = 2 ] &&
		execs "$T/kill.log" | tail -n 1 | grep -q ' = ?$' &&
		[ "$(tail -n 1 "$T/kill.log")" = "+++ killed by SIGKILL +++" ]; }; then
		sed 's/^/  /' "$T/kill.log"
		fail "the kill did not come at the re-exec"
	fi
	after_kill
	[ "$CORE" = 140 ] || fail "killed at the re-exec, after 140 committed, the database says core $CORE"
	still_runs
	run rpf --root "$R" upgrade --yes
	assert_exit 0
	assert_final 141
}

# reexec_point LOG: "SYSCALL N" for the new image's first calls in the
# reference trace LOG (main process, every call): among the five calls right
# after the re-exec, the one the run made least often before it (the
# dynamic loader's, not malloc's), and its count there.
reexec_point() {
	"$PF_PY3" - "$1" "$R/usr/sbin/pakfire" <<-'EOF'
		import re, sys
		log, exe = sys.argv[1], sys.argv[2]
		calls, reexec, seen = [], None, 0
		for line in open(log):
		    m = re.match(r"^(\w+)\(", line)
		    if not m:
		        continue
		    if line.startswith('execve("%s"' % exe):
		        seen += 1
		        if seen == 2:
		            reexec = len(calls)
		    calls.append(m.group(1))
		if reexec is None:
		    sys.exit("the reference trace has no re-exec of " + exe)
		before, after = calls[:reexec], calls[reexec + 1:reexec + 6]
		j = min(range(len(after)), key=lambda j: (before.count(after[j]), j))
		print(after[j], calls[:reexec + 2 + j].count(after[j]))
	EOF
}

test_killed_just_after_the_reexec_the_next_run_completes() {
	reexec_world
	local tx sc n point
	tx=$(last_tx)
	TRACE_LOG=$T/ref.log run rpf_traced -- --root "$R" upgrade --yes
	assert_restarted_and_done "$tx"
	point=$(reexec_point "$T/ref.log") || fail "no kill point after the re-exec: $point"
	read -r sc n <<<"$point"
	echo "kill point: $sc #$n (the new image's first $sc)"

	fresh_root
	TRACE_LOG=$T/kill.log run rpf_traced -e trace="execve,$sc" -e inject="$sc:signal=KILL:when=$n" -- \
		--root "$R" upgrade --yes
	[ "$RUN_RC" = 137 ] || fail "pakfire was to be killed right after its re-exec, but it exited $RUN_RC"
	assert_output_contains "restarting pakfire"
	# the log ends: the re-exec (done), the new image's call, killed there
	if ! { [ "$(execs "$T/kill.log" | wc -l)" = 2 ] &&
		tail -n 3 "$T/kill.log" | head -n 1 | grep -qE "^execve\(\"$R/usr/sbin/pakfire\".* = 0$" &&
		tail -n 2 "$T/kill.log" | head -n 1 | grep -qE "^$sc\(.* = \?$" &&
		[ "$(tail -n 1 "$T/kill.log")" = "+++ killed by SIGKILL +++" ]; }; then
		tail -n 20 "$T/kill.log" | sed 's/^/  /'
		fail "the kill did not come right after the re-exec"
	fi
	after_kill
	[ "$CORE" = 140 ] || fail "killed right after the re-exec, the database says core $CORE"
	[ -z "$STATE" ] || fail "killed right after the re-exec, the journal still holds core $NUMBER ($STATE)"
	still_runs
	run rpf --root "$R" upgrade --yes
	assert_exit 0
	assert_final 141
}

# PAKFIRE_REEXEC is the caller's environment: one that names an open
# transaction without the token of its 'restarting' step (and an open fd
# that is not the lock) adopts nothing.
# The run is a new one: it asks as any run does (no terminal, no --yes:
# refused), and the killed run's transaction is told as interrupted.
test_a_made_up_reexec_variable_adopts_nothing() {
	reexec_world
	TRACE_LOG=$T/kill.log run rpf_traced -e trace=execve -e inject=execve:signal=KILL:when=1 -- \
		--root "$R" upgrade --yes
	[ "$RUN_RC" = 137 ] || fail "pakfire was to be killed at its re-exec, but it exited $RUN_RC"
	local tx
	tx=$(db_query "SELECT id FROM transactions WHERE ended IS NULL")
	[ -n "$tx" ] || fail "the killed run left no open transaction"
	assert_db "SELECT step FROM steps WHERE transaction_id = $tx ORDER BY id DESC LIMIT 1" "restarting"
	run env "PAKFIRE_REEXEC=$tx:0123456789abcdef:3:0" "LD_LIBRARY_PATH=$R/$LIBDIR" \
		timeout -k 5 "$PF_CLIENT_TIMEOUT" "$R/usr/sbin/pakfire" --root "$R" upgrade </dev/null 3</dev/null
	assert_exit 2
	assert_stderr_contains "--yes"
	assert_stderr_contains "PAKFIRE_REEXEC names transaction $tx, which no restart of pakfire left open: this run is a new one"
	assert_db "SELECT outcome FROM transactions WHERE id = $tx" "interrupted"
	assert_db "SELECT error FROM transactions WHERE id = $tx" "pakfire restarted itself to go on, and the restarted pakfire did not go on with it (killed, or it could not start: see the transactions after it)"
	assert_db "SELECT count(*) FROM steps WHERE step = 'restarted'" "0"
	assert_db "SELECT core FROM system" "140"
}

# With --json, each process prints its document: the one that restarts says
# "restarting": true and names the update it applied, the last one the rest
# and the outcome; the restarted pakfire asks nothing again (no --yes is
# needed for what was confirmed: here --yes is given once, in the argv).
test_json_output_of_a_restarted_run() {
	reexec_world
	run rpf --json --root "$R" upgrade --yes
	assert_exit 0
	[ "$(wc -l <"$RUN_OUT")" = 2 ] || fail "expected two JSON documents (one per process), got $(wc -l <"$RUN_OUT") lines"
	"$PF_PY3" - "$RUN_OUT" <<-'EOF' || fail "the two documents are not what a restarted run prints"
		import json, sys
		docs = [json.loads(l) for l in open(sys.argv[1])]
		first, last = docs
		assert first["ok"] and first.get("restarting") is True, first
		assert "restarting" not in last and last["ok"] and last["exit_code"] == 0, last
		def applied(d):
		    return [e["unit"] for e in d["events"] if e["event"] == "update-applied"]
		assert applied(first) == ["core-140"], applied(first)
		assert applied(last) == ["core-141"], applied(last)
	EOF
	assert_final 141
}

# still_runs: after a kill, the root's pakfire runs (on the root's C
# library, whichever version of each is there).
still_runs() {
	run rpf --version
	assert_exit 0
	assert_output_contains "client level"
}

# A pakfire whose image was replaced after it started, before it changed
# anything: the lock's recovery, run as the session opens, rolled back an
# update of pakfire that a killed run left half done, putting the old
# usr/sbin/pakfire back at the path the running (new) image came from. That
# image changes nothing (it says so, records a 'restarting' step) and
# re-executes; the old pakfire goes on in the same transaction, applies 140
# (which replaces it: the usual restart) and 141.
test_an_image_replaced_by_the_recovery_restarts_before_it_changes_anything() {
	reexec_world
	# Reference: the build under test from outside the root (it maps
	# nothing of the root, so it never restarts); where it renames core
	# 140's usr/sbin/pakfire into place, and the rename of 140 after it.
	TRACE_LOG=$T/ref.log run pakfire_traced -y -e trace="$PF_TRACED" -- --root "$R" upgrade --yes
	assert_exit 0
	assert_final 141
	local n line sbin='usr/sbin>, "pakfire")'
	n=$(scenario find "$T/ref.log" renames:140 renameat first "$sbin") || fail "$n"
	[ "$(scenario find "$T/ref.log" renames:140 renameat last)" -gt "$n" ] ||
		fail "usr/sbin/pakfire is core 140's last rename in the reference trace: no rename after it to kill at"

	# Killed on entering the next rename of 140: pakfire is the new file
	# at its path, the journal says committing (140 not committed).
	fresh_root
	TRACE_LOG=$T/kill.log run pakfire_traced -y -e trace=renameat \
		-e inject="renameat:signal=KILL:when=$((n + 1))" -- --root "$R" upgrade --yes
	[ "$RUN_RC" = 137 ] || fail "pakfire was to be killed at its rename $((n + 1)), but it exited $RUN_RC"
	if ! { tail -n 3 "$T/kill.log" | head -n 1 | grep -qF "$sbin = 0" &&
		tail -n 2 "$T/kill.log" | head -n 1 | grep -qE '^renameat\(.*"\.pakfire-core-140-[0-9]+",.* = \?$' &&
		[ "$(tail -n 1 "$T/kill.log")" = "+++ killed by SIGKILL +++" ]; }; then
		tail -n 5 "$T/kill.log" | sed 's/^/  /'
		fail "the kill did not come at the rename of 140 right after usr/sbin/pakfire's"
	fi
	after_kill
	[ "$CORE/$NUMBER/$STATE" = 139/140/committing ] ||
		fail "expected core 139 with 140 committing after the kill, got core $CORE, journal ${STATE:-empty}${NUMBER:+ of core $NUMBER}"
	cmp -s "$R/usr/sbin/pakfire" "$T/bin/pakfire.new" || fail "after the kill, usr/sbin/pakfire is not core 140's"
	local killed=$TX

	# The root's pakfire: started from the new file, stale once the
	# recovery rolled 140 back.
	run rpf --root "$R" upgrade --yes
	assert_exit 0
	assert_stderr_contains "core 140 was interrupted before it was applied; it was rolled back"
	# The first thing the run says: the path it was started from (not
	# /proc/self/exe's "... (deleted)" once the file is replaced).
	line=$(head -n 1 "$RUN_OUT")
	case $line in
	"$R/usr/sbin/pakfire was replaced since this pakfire started: restarting pakfire to go on") ;;
	*) fail "the run does not begin with \"$R/usr/sbin/pakfire was replaced since this pakfire started: restarting pakfire to go on\" (got \"$line\")" ;;
	esac
	assert_output_contains "core 140 replaced what pakfire runs from (lib/x86_64-linux-gnu/libc.so.6, usr/sbin/pakfire): restarting pakfire to go on"
	assert_final 141
	cmp -s "$R/usr/sbin/pakfire" "$T/bin/pakfire.new" || fail "usr/sbin/pakfire is not core 140's"
	cmp -s "$R/$LIBDIR/libc.so.6" "$T/bin/libc.new" || fail "$LIBDIR/libc.so.6 is not core 140's"
	# the killed run interrupted; this one a recovery and one upgrade
	assert_db "SELECT outcome FROM transactions WHERE id = $killed" "interrupted"
	assert_db "SELECT group_concat(command || ':' || outcome || ':' || exit_code, ' ')
		FROM transactions WHERE id > $killed" "recover:ok:0 upgrade:ok:0"
	assert_db "SELECT count(*) FROM transactions WHERE ended IS NULL" "0"
	# whose first step is the stale image's restart, before any of 140's,
	# then the restart after 140; both updates committed in it
	local steps="FROM steps WHERE transaction_id = (SELECT max(id) FROM transactions)"
	assert_db "SELECT coalesce(unit, '-') || ':' || step $steps ORDER BY id LIMIT 1" "-:restarting"
	# (its detail: the path, then the token the restarted pakfire adopts)
	line=$(db_query "SELECT detail $steps ORDER BY id LIMIT 1")
	local re='^(.*) \(restart [0-9a-f]{16}\)$'
	[[ $line =~ $re ]] || fail "the first 'restarting' step says \"$line\", not PATH (restart TOKEN)"
	case ${BASH_REMATCH[1]} in
	"$R/usr/sbin/pakfire") ;;
	*) fail "the first 'restarting' step names ${BASH_REMATCH[1]}, not $R/usr/sbin/pakfire" ;;
	esac
	assert_db "SELECT group_concat(coalesce(unit, '-'), ' ') FROM (SELECT unit $steps
		AND step = 'restarting' ORDER BY id)" "- core-140"
	assert_db "SELECT group_concat(unit, ' ') FROM (SELECT unit $steps AND step = 'committed'
		ORDER BY id)" "core-140 core-141"
	still_runs
}

# The log of a restarted pakfire (docs/log.md): the new image's start line
# names the transaction it goes on with, and it never rotates: the
# transaction's lines stay in one file, even once they took it past
# log-size.
test_a_restarted_pakfire_logs_its_transaction_into_one_file() {
	reexec_world
	local tx log=$R/var/log/pakfire/pakfire.log
	tx=$(last_tx)
	conf_set log-size 4K
	# just under log-size: the first image does not rotate, and its own
	# lines take the log past it
	: >"$log"
	head -c 4000 /dev/zero | tr '\0' 'x' | fold -w 79 >>"$log"
	run rpf --root "$R" upgrade --yes
	assert_restarted_and_done "$tx"
	[ ! -e "$log.1" ] || fail "the restarted pakfire rotated the log: its transaction's lines are split"
	local id
	id=$(last_tx)
	python3 - "$log" "$id" <<-'PY' || fail "the log of the restarted run: $(grep ' cmd=upgrade ' "$log")"
	import re, sys
	tx = sys.argv[2]
	lines = [l for l in open(sys.argv[1]) if " cmd=upgrade " in l]
	pid = lambda l: re.search(r" pid=(\d+) ", l).group(1)
	starts = [l for l in lines if " event=start " in l]
	assert len(starts) == 2, starts
	first, second = starts
	assert " tx=- " in first, first
	# the restarted image goes on with the record: its start line says so
	assert " tx=%s " % tx in second, second
	ends = [l for l in lines if " event=end " in l]
	assert [pid(l) for l in ends] == [pid(first), pid(second)], ends
	assert "restarting=yes" in ends[0] and " tx=%s " % tx in ends[1], ends
	# every line of the transaction in this one file, the end last
	assert any(" event=transaction-end outcome=ok " in l and " tx=%s " % tx in l for l in lines), lines
	assert lines[-1] == ends[1], lines[-1]
	PY
}

run_tests "$@"
