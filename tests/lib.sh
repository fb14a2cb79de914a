# shellcheck shell=bash
# tests/lib.sh: the world that end-to-end tests run in.
#
# An e2e file sources this, defines test_* functions and ends with
# `run_tests "$@"`. Each test runs in its own bash process, in a fresh
# temporary world $T, under a timeout; whatever happens, the world is torn
# down: the web server stopped, gpg agents killed, file systems unmounted,
# $T removed. A test states the world, runs the command, says what must hold:
#
#	test_index_expired() {
#		repo_mini 139 --valid-days -1
#		http_start
#		root_at_core 138
#		remember_state
#		run pakfire --root "$R" update
#		assert_refused 4 "Valid-Until"
#	}
#
# The names a test sees:
#   T        the test's temporary world (short path under $PF_TMP)
#   R        the appliance root (root_at_core), DB its SQLite file
#   WWW      the web server's document root; MIRROR its base URL
#   REPO     the repository folder: $WWW/pakfire/<series>/<arch>
#   SRC      sources of mini repositories (updates/, manifests/, build roots)
#   G        the test's GnuPG home (short, made by make_key)
# File systems (mount_fs: tmpfs with size=, so that statvfs, df and ENOSPC
# are real) are mounted before root_at_core, e.g. mount_fs "$R" 24M, then
# mount_fs "$R/boot" 4M; they are unmounted at teardown.
# Environment: PF_BUILD (build dir holding pakfire and pakfire-repo),
# PF_SAMPLE (the sample repository prebuilt by tests/run.sh; built on demand
# when unset), PF_TMP (where worlds and gpg homes are made: default /tmp;
# tests/run.sh gives each run a folder of its own, which it sweeps).
# Test files run side by side (tests/run.sh): nothing here may use a fixed
# path, a fixed port or kill a process by name.

# (the folder by parameter expansion, not dirname: every test sources this)
PF_TOP=${BASH_SOURCE[0]%/*}
[ "$PF_TOP" != "${BASH_SOURCE[0]}" ] || PF_TOP=.
PF_TOP=$(cd "$PF_TOP/.." && pwd)
: "${PF_BUILD:=$PF_TOP/build}"
PF_BUILD=$(cd "$PF_BUILD" 2>/dev/null && pwd || echo "$PF_BUILD")
PAKFIRE_BIN=$PF_BUILD/pakfire
PAKFIRE_REPO_BIN=$PF_BUILD/pakfire-repo
CRAFT_PAK=$PF_TOP/tests/craft-pak.py

SERIES=2.25                     # the series of made-up repositories (repo_mini); repo_sample sets its own
ARCH=x86_64
MIRROR_PATH=/pakfire            # the repository lives at $MIRROR$MIRROR_PATH
SAMPLE_BASE=138                 # the sample repository holds the updates after this
: "${PF_CLIENT_TIMEOUT:=120}"   # seconds for one pakfire or pakfire-repo call
: "${PF_TEST_TIMEOUT:=900}"     # seconds for one whole test
: "${PF_SAMPLE_SCALE:=1}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LC_ALL=C TZ=UTC
: "${PF_TMP:=/tmp}"

# python3, resolved once (tests/run.sh does it for the whole run): one found
# through a version manager's shim (pyenv) takes up to a second more to
# start, on every call, and the tests call it hundreds of times. In the
# tests, `python3` is that interpreter.
if [ -z "${PF_PY3:-}" ]; then
	PF_PY3=$(command python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
	[ -n "$PF_PY3" ] || PF_PY3=python3
	export PF_PY3
fi
python3() { "$PF_PY3" "$@"; }

# The python3 that validates --json documents (json_check), resolved once
# too and the same on every machine: Debian's /usr/bin/python3 when it can
# import jsonschema (tests/deps.sh installs python3-jsonschema, 4.10 on
# Debian 12), else PF_PY3 when it can; empty when neither can (json_check
# then says so). A python3 found first in PATH (pyenv's, with jsonschema
# >= 4.18) takes the validator's other code path: json-schema.sh runs the
# validator with every python3 it finds that has jsonschema.
if [ -z "${PF_JSONSCHEMA_PY+set}" ]; then
	for PF_JSONSCHEMA_PY in /usr/bin/python3 "$PF_PY3" ""; do
		[ -n "$PF_JSONSCHEMA_PY" ] && "$PF_JSONSCHEMA_PY" -c 'import jsonschema' 2>/dev/null &&
			break
	done
	export PF_JSONSCHEMA_PY
fi

# ---------------------------------------------------------------------------
# Failing, running, asserting

# A regular executable file (a folder passes -x too).
is_program() { [ -f "$1" ] && [ -x "$1" ]; }

# fail WHY: the test fails. The first reason is the one reported; the output
# of the last command run is shown under it.
fail() {
	if [ -n "${PF_RESULT:-}" ] && [ ! -s "$PF_RESULT" ]; then
		printf '%s\n' "$*" >"$PF_RESULT"
	fi
	[ -n "${PF_RESULT:-}" ] || printf 'why: %s\n' "$*"
	show_last_run
	exit 1
}

# The output of the last `run`, indented, at most 40 lines of each stream.
show_last_run() {
	[ -n "${RUN_CMD:-}" ] || return 0
	printf 'last command: %s\n' "$RUN_CMD"
	printf 'exit code: %s\n' "$RUN_RC"
	if [ -s "$RUN_OUT" ]; then
		echo "stdout:"
		head -n 40 "$RUN_OUT" | sed 's/^/  | /'
	fi
	if [ -s "$RUN_ERR" ]; then
		echo "stderr:"
		head -n 40 "$RUN_ERR" | sed 's/^/  | /'
	fi
	return 0
}

# The programs under test, always under a timeout and with stdin closed.
pakfire() {
	timeout -k 5 "$PF_CLIENT_TIMEOUT" "$PAKFIRE_BIN" "$@" </dev/null
}
pakfire_repo() {
	timeout -k 5 "$PF_CLIENT_TIMEOUT" "$PAKFIRE_REPO_BIN" "$@" </dev/null
}

# run CMD...: run the command under test; its stdout, stderr and exit code
# go to $RUN_OUT, $RUN_ERR, $RUN_RC for the assertions.
RUN_N=0
run() {
	RUN_N=$((RUN_N + 1))
	RUN_CMD=$*
	RUN_OUT=$T/run/$RUN_N.out
	RUN_ERR=$T/run/$RUN_N.err
	RUN_RC=0
	"$@" >"$RUN_OUT" 2>"$RUN_ERR" || RUN_RC=$?
	printf '%s\t%s\n' "$RUN_RC" "$RUN_CMD" >>"$T/run/log"
	json_queue "$@"
}

# run_bg CMD...: start the command under test in the background, its output
# going to $BG_OUT and $BG_ERR (also $RUN_OUT and $RUN_ERR until the next
# `run`); BG_PID is its pid, BG_CMD its command line. wait_bg waits for it
# and makes it the last command again: RUN_OUT, RUN_ERR, RUN_CMD are the
# background command's, RUN_RC its exit code (kept in $BG_RC_FILE, so that
# a second wait_bg gives the same), and its --json document is queued for
# validation then, whatever ran in between. It is killed at teardown if
# still running.
run_bg() {
	RUN_N=$((RUN_N + 1))
	BG_CMD=$*
	BG_OUT=$T/run/$RUN_N.out
	BG_ERR=$T/run/$RUN_N.err
	BG_RC_FILE=$T/run/$RUN_N.rc
	BG_ARGS=("$@")
	RUN_CMD=$BG_CMD RUN_OUT=$BG_OUT RUN_ERR=$BG_ERR RUN_RC=""
	# its failure is for wait_bg to report, not for the test's ERR trap
	(
		trap - ERR
		"$@"
	) >"$BG_OUT" 2>"$BG_ERR" &
	BG_PID=$!
	echo "$BG_PID" >>"$T/run/bg.pids"
}

wait_bg() {
	RUN_CMD=$BG_CMD RUN_OUT=$BG_OUT RUN_ERR=$BG_ERR
	if [ -s "$BG_RC_FILE" ]; then
		RUN_RC=$(cat "$BG_RC_FILE")
		return 0
	fi
	RUN_RC=0
	wait "$BG_PID" || RUN_RC=$?
	echo "$RUN_RC" >"$BG_RC_FILE"
	printf '%s\t%s\n' "$RUN_RC" "$RUN_CMD" >>"$T/run/log"
	json_queue ${BG_ARGS[@]+"${BG_ARGS[@]}"}
}

# Every --json document that a test makes pakfire print is checked against
# its schema (docs/schemas, docs/schemas/README.md): `run` and `wait_bg`
# queue each run whose arguments hold --json; the queue is validated in one
# python process when the test function returns (_run_one), or earlier by
# json_check, and a document that does not match fails the test.
# PF_JSON_SCHEMA_CHECK=0 turns it off (for a bench; never by default).
PF_VALIDATE_JSON=$PF_TOP/tests/lib/validate-json.py

# A queued run is one line, "FILE<TAB>EXIT CODE<TAB>COMMAND LINE<TAB>ARGS":
# ARGS a file holding the arguments, each ended by a NUL, from which the
# validator takes the command word exactly (a path may hold spaces, tabs
# and newlines, which the command line shows as spaces).
json_queue() {
	local a cmd=${RUN_CMD//[$'\t\n']/ }
	[ "${PF_JSON_SCHEMA_CHECK:-1}" != 0 ] || return 0
	for a in "$@"; do
		if [ "$a" = --json ]; then
			printf '%s\0' "$@" >"$RUN_OUT.args"
			printf '%s\t%s\t%s\t%s\n' "$RUN_OUT" "$RUN_RC" "$cmd" "$RUN_OUT.args" \
				>>"$T/run/json.queue"
			return 0
		fi
	done
	return 0
}

# json_check: validate the queued documents now; the count of those that
# passed adds up in $T/run/json.checked (json_checked prints it).
json_check() {
	local out n rc=0 q=$T/run/json.queue
	[ -s "$q" ] || return 0
	[ -n "$PF_JSONSCHEMA_PY" ] ||
		fail "no python3 that can import jsonschema: apt-get install python3-jsonschema (tests/deps.sh)"
	out=$("$PF_JSONSCHEMA_PY" "$PF_VALIDATE_JSON" --queue "$q" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then
		RUN_CMD=""
		printf '%s\n' "$out" | head -n 60
		fail "a --json document does not match its schema (docs/schemas): $(printf '%s\n' "$out" | grep -m1 '^  ' | sed 's/^ *//')"
	fi
	n=$(printf '%s\n' "$out" | sed -n 's/^validated \([0-9][0-9]*\) documents$/\1/p')
	[ -n "$n" ] || fail "validate-json.py said: $out"
	echo $(($(json_checked) + n)) >"$T/run/json.checked"
	echo "json: $n documents match their schemas"  # shown with PF_VERBOSE=1
	: >"$q"
}

json_checked() {
	cat "$T/run/json.checked" 2>/dev/null || echo 0
}

# wait_for_output TEXT [SECONDS]: until the background command's stdout
# holds TEXT (fixed string); fails if it ends or the time runs out first.
wait_for_output() {
	local text=$1 tries=$((${2:-60} * 20))
	while [ "$tries" -gt 0 ]; do
		grep -qF -- "$text" "$RUN_OUT" 2>/dev/null && return 0
		kill -0 "$BG_PID" 2>/dev/null || {
			grep -qF -- "$text" "$RUN_OUT" 2>/dev/null && return 0
			wait_bg
			fail "the command ended (exit $RUN_RC) before it printed \"$text\": $RUN_CMD"
		}
		sleep 0.05
		tries=$((tries - 1))
	done
	fail "no \"$text\" from the command after ${2:-60}s: $RUN_CMD"
}

# wait_for_download: until the background command's download has put more
# than 8 KiB into a partial file in R's cache (partial/<sha256>.part; 30 s
# at most; serve with http_start --throttle so that it lasts); fails if it
# ends first.
wait_for_download() {
	local i
	for i in $(seq 300); do
		[ -n "$(find "$R/var/cache" -path '*/partial/*.part' -size +8k 2>/dev/null | head -n 1)" ] &&
			return 0
		kill -0 "$BG_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait_bg
	fail "the download never started (or ended before it could be interrupted): $RUN_CMD"
}

# must CMD...: a step that sets up the world; if it fails, the test fails
# with its output (these are not the commands under test).
must() {
	local rc=0 log=$T/run/must.log
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		RUN_CMD=""
		echo "output of the failed step:"
		tail -n 40 "$log" | sed 's/^/  | /'
		fail "setup step failed (exit $rc$(timed_out_note "$rc")): $*"
	fi
}

timed_out_note() {
	case $1 in
	124|137) echo ", timed out" ;;
	*) [ "$1" -gt 128 ] && echo ", killed by signal $(($1 - 128))" ;;
	esac
	return 0
}

assert_exit() {
	[ "$RUN_RC" = "$1" ] ||
		fail "expected exit $1, got $RUN_RC$(timed_out_note "$RUN_RC"): $RUN_CMD"
}

assert_exit_nonzero() {
	[ "$RUN_RC" != 0 ] || fail "expected a failure, got exit 0: $RUN_CMD"
	[ "$RUN_RC" -lt 124 ] ||
		fail "expected a clean failure, got exit $RUN_RC$(timed_out_note "$RUN_RC"): $RUN_CMD"
}

# Keywords are matched as fixed strings, ignoring case.
assert_stderr_contains() {
	grep -qiF -- "$1" "$RUN_ERR" || fail "stderr does not mention \"$1\": $RUN_CMD"
}
assert_output_contains() {
	grep -qiF -- "$1" "$RUN_OUT" || fail "stdout does not mention \"$1\": $RUN_CMD"
}
assert_stderr_empty() {
	[ ! -s "$RUN_ERR" ] || fail "expected nothing on stderr: $RUN_CMD"
}

# The last run's stderr without the progress lines that --json writes
# there (one JSON object a line, docs/progress.md): the lines a person reads.
stderr_text_lines() {
	if [[ " $RUN_CMD " == *" --json "* ]]; then
		grep -v '^{' "$RUN_ERR" || true
	else
		cat "$RUN_ERR"
	fi
}

# stderr is exactly one line, and it starts with "pakfire: " (with --json:
# besides the progress lines).
assert_one_line_error() {
	local lines=()
	mapfile -t lines < <(stderr_text_lines)
	[ "${#lines[@]}" -eq 1 ] ||
		fail "expected exactly one line on stderr, got ${#lines[@]}: $RUN_CMD"
	[[ ${lines[0]} == "pakfire: "* ]] ||
		fail "the error line does not start with \"pakfire: \": $RUN_CMD"
}

# assert_error_line KEYWORD...: exactly one line of stderr is the error
# ("pakfire: error: ..."), it mentions every KEYWORD (fixed strings, any
# case), and every other line is a warning ("pakfire: warning: ...") or,
# with --json, a progress line. ERROR_LINE is the message, without
# "pakfire: error: ".
assert_error_line() {
	local lines=() l errors=0 k
	ERROR_LINE=""
	mapfile -t lines < <(stderr_text_lines)
	for l in ${lines[@]+"${lines[@]}"}; do
		case $l in
		"pakfire: error: "*) errors=$((errors + 1)); ERROR_LINE=${l#pakfire: error: } ;;
		"pakfire: warning: "*) ;;
		*) fail "stderr has a line that is neither the error nor a warning: \"$l\": $RUN_CMD" ;;
		esac
	done
	[ "$errors" -eq 1 ] || fail "expected exactly one error line on stderr, got $errors: $RUN_CMD"
	for k in "$@"; do
		grep -qiF -- "$k" <<<"$ERROR_LINE" ||
			fail "the error line does not mention \"$k\": $RUN_CMD"
	done
}

# assert_no_temporaries: no staging leftover (.pakfire-*) anywhere below
# $R, pakfire's own folders included.
assert_no_temporaries() {
	local left
	left=$(find "$R" -name '.pakfire-*' 2>/dev/null | head -n 5)
	[ -z "$left" ] || fail "staging temporaries left behind: $(echo "$left" | tr '\n' ' ')"
}

# JSON documents (pakfire --json): the last run's stdout.
# json_get [KEY=VALUE...] FIELD: without filters, FIELD of the document
# (a dotted FIELD, status.series, reaches into its objects);
# with filters, FIELD of the first event whose fields match (values compared
# as text; true, false and null as JSON spells them). Prints the value as
# JSON (strings without quotes); fails the test when nothing matches.
json_get() {
	local out
	out=$(py json "$RUN_OUT" "$@" 2>&1) || fail "json: $out: $RUN_CMD"
	printf '%s\n' "$out"
}

# json_count KEY=VALUE...: how many events match.
json_count() {
	local out
	out=$(py json "$RUN_OUT" --count "$@" 2>&1) || fail "json: $out: $RUN_CMD"
	printf '%s\n' "$out"
}

# assert_json [KEY=VALUE...] FIELD EXPECTED
assert_json() {
	local want=${*: -1} got
	got=$(json_get "${@:1:$#-1}")
	[ "$got" = "$want" ] ||
		fail "json: ${*:1:$#-1}: expected \"$want\", got \"$got\": $RUN_CMD"
}

# assert_near GOT WANT SLACK WHAT: the numbers differ by at most SLACK.
assert_near() {
	{ [[ $1 =~ ^[0-9]+$ ]] && [[ $2 =~ ^[0-9]+$ ]]; } || fail "$4: expected a number near $2, got \"$1\""
	local d=$(($1 - $2))
	[ "${d#-}" -le "$3" ] || fail "$4: $1, expected $2 (give or take $3)"
}

# assert_db SQL EXPECTED: the query's output (sqlite3 list mode) is EXPECTED.
assert_db() {
	local got
	got=$(db_query "$1") || fail "database query failed: $1: $got"
	[ "$got" = "$2" ] || fail "database: $1 -> expected \"$2\", got \"$got\""
}

db_query() {
	[ -f "$DB" ] || { echo "no database at $DB"; return 1; }
	sqlite3 -batch -cmd ".timeout 5000" "$DB" "$1" 2>&1
}

# The state that a refused command must leave as it was: every path of the
# root (but pakfire's own var/lib, var/cache and var/log folders) and the
# database's rows (but the transactions and steps, which record the failure).
db_state() {
	db_query "SELECT * FROM system;
		SELECT * FROM updates ORDER BY number;
		SELECT id, kind, version, series, reason, outcome FROM units ORDER BY id;
		SELECT * FROM files ORDER BY path;
		SELECT series, arch, revision, sha256 FROM indexes ORDER BY series, arch;"
}

snapshot_root() {
	py snapshot "$R"
}

remember_state() {
	mkdir -p "$T/state"
	snapshot_root >"$T/state/root.before" || fail "could not snapshot $R"
	db_state >"$T/state/db.before" || fail "could not read the database: $(cat "$T/state/db.before")"
}

assert_root_unchanged() {
	snapshot_root >"$T/state/root.after" || fail "could not snapshot $R"
	if ! diff -u "$T/state/root.before" "$T/state/root.after" >"$T/state/root.diff"; then
		echo "the root changed (- before, + after):"
		grep '^[-+][^-+]' "$T/state/root.diff" | head -n 30 | sed 's/^/  /'
		fail "the root changed"
	fi
}

assert_db_unchanged() {
	db_state >"$T/state/db.after" || fail "could not read the database: $(cat "$T/state/db.after")"
	if ! diff -u "$T/state/db.before" "$T/state/db.after" >"$T/state/db.diff"; then
		echo "the database changed (- before, + after):"
		grep '^[-+][^-+]' "$T/state/db.diff" | head -n 30 | sed 's/^/  /'
		fail "the database changed"
	fi
}

assert_nothing_changed() {
	assert_root_unchanged
	assert_db_unchanged
}

# assert_refused CODE KEYWORD: the command was refused with exit CODE and one
# error line that mentions KEYWORD, and it changed nothing.
assert_refused() {
	assert_exit "$1"
	assert_one_line_error
	assert_stderr_contains "$2"
	assert_nothing_changed
}

# assert_tree_equal R [--remove LIST] BUILDROOT [[--remove LIST] BUILDROOT]...
# The build roots, overlaid in order (each LIST, one path a line, deleted
# before the next build root is laid on), must be in R byte for byte, with
# the same type, mode, owner and symlink targets; removed paths must be gone;
# and R must hold nothing else (but pakfire's own folders, etc/pakfire and
# the mount points of mount_fs).
assert_tree_equal() {
	local out mnt allow=()
	# the points where mount_fs mounted file systems inside R are R's own
	if [ -f "$T/mounts" ]; then
		while read -r mnt; do
			case $mnt in "$1"/*) allow+=(--allow "${mnt#"$1"/}") ;; esac
		done <"$T/mounts"
	fi
	out=$(py tree "$1" ${allow[@]+"${allow[@]}"} "${@:2}" 2>&1) || {
		echo "$out" | head -n 40 | sed 's/^/  /'
		fail "the root is not the expected tree ($(echo "$out" | grep -c .) difference(s))"
	}
}

# ---------------------------------------------------------------------------
# The world

world_begin() {
	umask 022
	T=$(mktemp -d "$PF_TMP/pft.XXXXXX")
	mkdir -p "$T/run" "$T/state" "$T/keys" "$T/httpd"
	R=$T/root
	DB=$R/var/lib/pakfire/pakfire.db
	WWW=$T/www
	REPO=$WWW${MIRROR_PATH}/$SERIES/$ARCH
	SRC=$T/src
	G=""
	MIRROR=""
	TRUST=()
}

world_end() {
	trap - ERR
	# a second Ctrl-C or TERM must not cut the teardown short
	trap '' INT TERM HUP
	[ -n "${T:-}" ] && [ -d "$T" ] || return 0
	local pid ok=1
	# commands under test still running in the background: TERM to the
	# timeout that runs each (it passes the signal on), then KILL
	if [ -f "$T/run/bg.pids" ]; then
		while read -r pid; do
			pkill -TERM -P "$pid" 2>/dev/null || true
		done <"$T/run/bg.pids"
		while read -r pid; do
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			pkill -9 -P "$pid" 2>/dev/null || true
			kill -9 "$pid" 2>/dev/null || true
		done <"$T/run/bg.pids"
	fi
	# the web servers
	if [ -f "$T/httpd/pids" ]; then
		while read -r pid; do
			kill "$pid" 2>/dev/null || true
		done <"$T/httpd/pids"
		while read -r pid; do
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -9 "$pid" 2>/dev/null || true
		done <"$T/httpd/pids"
	fi
	# gpg agents: ours, and any that a client started in a home below $T
	# or on the file systems that mount_fs mounted
	local mnts=()
	[ ! -f "$T/mounts" ] || mapfile -t mnts <"$T/mounts"
	[ -z "$G" ] || gpgconf --homedir "$G" --kill all >/dev/null 2>&1 || true
	stop_agents "$T" ${mnts[@]+"${mnts[@]}"}
	# file systems mounted below $T (and any that mount_fs mounted
	# elsewhere), then their loop devices
	if ! unmount_below "$T" ${mnts[@]+"${mnts[@]}"}; then
		echo "warning: something is still mounted below $T; not removing it" >&2
		ok=0
	fi
	[ "$ok" = 1 ] && rm -rf "$T"
	[ -n "$G" ] && rm -rf "$G"
	return 0
}

# stop_agents DIR...: stop the gpg agent of every GnuPG home below each DIR
# (where its sockets are), each DIR searched on its own file system.
stop_agents() {
	local d
	local -A seen=()
	# (deduplicated by bash itself: every teardown calls this, and a sort
	# process per test added up over the suite)
	while read -r d; do
		[ -z "${seen[$d]:-}" ] || continue
		seen[$d]=1
		gpgconf --homedir "$d" --kill all >/dev/null 2>&1 || true
	done < <(for d in "$@"; do
		find "$d" -xdev -name 'S.gpg-agent*' -printf '%h\n' 2>/dev/null
	done)
}

# unmount_below DIR [MOUNT...]: unmount every file system mounted below DIR
# and on each MOUNT, deepest first, then detach the loop devices of files
# below DIR; false when something is still mounted below DIR.
unmount_below() {
	local d=$1 mnt f back
	shift
	mounts_below "$d"
	# most tests mount nothing: then no process is started at all (every
	# teardown of the suite comes here)
	if [ "${#MOUNTS_BELOW[@]}" -gt 0 ] || [ $# -gt 0 ]; then
		{
			[ "${#MOUNTS_BELOW[@]}" -eq 0 ] || printf '%s\n' "${MOUNTS_BELOW[@]}"
			[ $# -eq 0 ] || printf '%s\n' "$@"
		} | sort -ru | while read -r mnt; do
			# one point may hold more than one mount: down to the bottom one
			for _ in 1 2 3 4; do
				mountpoint -q "$mnt" 2>/dev/null || break
				umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || break
			done
		done
	fi
	# loop devices whose backing file is below DIR (the kernel names it in
	# /sys; a loop mount detaches itself at umount, this is for the rest)
	for f in /sys/block/loop*/loop/backing_file; do
		[ -r "$f" ] || continue
		read -r back <"$f" 2>/dev/null || continue
		case $back in
		"$d"/*) f=${f#/sys/block/}; losetup -d "/dev/${f%%/*}" 2>/dev/null || true ;;
		esac
	done
	mounts_below "$d"
	[ "${#MOUNTS_BELOW[@]}" -eq 0 ]
}

# mounts_below DIR: MOUNTS_BELOW, the mount points at DIR or below it, as
# /proc/self/mounts lists them (its octal escapes decoded), read by bash
# itself.
mounts_below() {
	local src mp rest
	MOUNTS_BELOW=()
	while read -r src mp rest; do
		case $mp in
		*\\*) printf -v mp '%b' "$mp" ;;
		esac
		case $mp in
		"$1" | "$1"/*) MOUNTS_BELOW+=("$mp") ;;
		esac
	done </proc/self/mounts
}

# ---------------------------------------------------------------------------
# File systems

# size_bytes SIZE: 3M, 100K, 1G (powers of 1024) or plain bytes -> bytes.
size_bytes() {
	case $1 in
	[0-9]*[Kk]) [[ ${1%?} =~ ^[0-9]+$ ]] && echo $((${1%?} * 1024)) ;;
	[0-9]*M) [[ ${1%M} =~ ^[0-9]+$ ]] && echo $((${1%M} * 1024 * 1024)) ;;
	[0-9]*G) [[ ${1%G} =~ ^[0-9]+$ ]] && echo $((${1%G} * 1024 * 1024 * 1024)) ;;
	*) [[ $1 =~ ^[0-9]+$ ]] && echo "$1" ;;
	esac
}

# round_up BYTES BLOCK: BYTES rounded up to a multiple of BLOCK.
round_up() { echo $((($1 + $2 - 1) / $2 * $2)); }

# mount_fs DIR SIZE [OPTIONS]: a tmpfs of SIZE (size=, e.g. 24M) on DIR
# (made first), mode 0755 like a real root, with extra mount OPTIONS
# (e.g. nr_inodes=200); unmounted at teardown. Mounting needs root: as
# another user the test fails (CI runs as root; a space test never skips).
mount_fs() {
	local dir=$1 size=$2 opts=${3:-}
	[ "$(id -u)" = 0 ] ||
		fail "mount_fs $dir: mounting a file system needs root, and this test runs as $(id -un) (uid $(id -u)); run the tests as root, as CI does"
	{ [ -n "${T:-}" ] && [ -d "$T" ]; } || fail "mount_fs: no test world"
	mkdir -p "$dir"
	# remembered before mounting: teardown unmounts it whatever happens
	echo "$dir" >>"$T/mounts"
	must mount -t tmpfs -o "size=$size,mode=0755${opts:+,$opts}" pakfire-test "$dir"
}

# bind_mount FROM DIR: FROM (a folder of a mounted file system) bind-mounted
# on DIR (made first); unmounted at teardown.
bind_mount() {
	[ "$(id -u)" = 0 ] ||
		fail "bind_mount $2: mounting needs root, and this test runs as $(id -un) (uid $(id -u)); run the tests as root, as CI does"
	mkdir -p "$1" "$2"
	echo "$2" >>"$T/mounts"
	must mount --bind "$1" "$2"
}

# mount_fat DIR IMAGE: the FAT file system in IMAGE (made by mkfs.vfat)
# mounted on DIR (made first) as an EFI system partition is: every file and
# folder mode 0700, owned by root. The kernel's vfat (a loop device) where
# the kernel has it; else fusefat, FAT in user space, for kernels built
# without vfat (CI's). Unmounted at teardown; fat_unmount DIR unmounts it
# earlier and returns once IMAGE is written.
declare -A FAT_PIDS=()
mount_fat() {
	local dir=$1 img=$2 i
	[ "$(id -u)" = 0 ] ||
		fail "mount_fat $dir: mounting a file system needs root, and this test runs as $(id -un) (uid $(id -u)); run the tests as root, as CI does"
	mkdir -p "$dir"
	echo "$dir" >>"$T/mounts"
	if grep -qw vfat /proc/filesystems; then
		must mount -t vfat -o loop,fmask=0077,dmask=0077 "$img" "$dir"
		return 0
	fi
	command -v fusefat >/dev/null ||
		fail "mount_fat $dir: this kernel has no vfat, and fusefat is not installed (tests/deps.sh)"
	# how it ends (at the unmount) is no failure of the test
	(
		trap - ERR
		exec fusefat -f -o rw+ "$img" "$dir"
	) >>"$T/fusefat.log" 2>&1 &
	FAT_PIDS[$dir]=$!
	for i in $(seq 100); do
		mountpoint -q "$dir" && return 0
		kill -0 "${FAT_PIDS[$dir]}" 2>/dev/null || break
		sleep 0.05
	done
	fail "mount_fat $dir: fusefat did not mount $img: $(tail -n 3 "$T/fusefat.log")"
}

fat_unmount() {
	local dir=$1 pid=${FAT_PIDS[$1]:-}
	must umount "$dir"
	[ -z "$pid" ] || wait "$pid" 2>/dev/null || true
	unset "FAT_PIDS[$dir]"
}

# mount_ext4 DIR SIZE [MKFS_OPTION...]: an ext4 file system of SIZE (as
# size_bytes reads it) made by mkfs.ext4 in an image file below $T and
# loop-mounted on DIR (made first); unmounted and detached at teardown.
# Needs root, as mount_fs.
mount_ext4() {
	local dir=$1 size=$2 img
	shift 2
	[ "$(id -u)" = 0 ] ||
		fail "mount_ext4 $dir: mounting a file system needs root, and this test runs as $(id -un) (uid $(id -u)); run the tests as root, as CI does"
	{ [ -n "${T:-}" ] && [ -d "$T" ]; } || fail "mount_ext4: no test world"
	mkdir -p "$dir" "$T/images"
	img=$(mktemp "$T/images/ext4.XXXXXX")
	must truncate -s "$(size_bytes "$size")" "$img"
	must mkfs.ext4 -q -F "$@" "$img"
	echo "$dir" >>"$T/mounts"
	must mount -o loop "$img" "$dir"
}

# df_avail DIR: the bytes available on the file system of DIR, as df shows
# them (f_bavail * f_frsize). df_inodes DIR: the inodes available.
df_avail() { df -B1 --output=avail "$1" | tail -n 1 | tr -d ' '; }
df_inodes() { df --output=iavail "$1" | tail -n 1 | tr -d ' '; }

# fill_fs FILE: take every byte still available on the file system that
# holds FILE's folder, as another process would (fallocate, else zeros
# until ENOSPC).
fill_fs() {
	local file=$1 avail
	avail=$(df_avail "$(dirname "$file")")
	if [ "$avail" -gt 0 ] && ! fallocate -l "$avail" "$file" 2>/dev/null; then
		dd if=/dev/zero of="$file" bs=64K 2>/dev/null || true
	fi
	# what fallocate could not place (metadata rounding): zeros until ENOSPC
	dd if=/dev/zero of="$file" bs=4K oflag=append conv=notrunc 2>/dev/null || true
	avail=$(df_avail "$(dirname "$file")")
	[ "$avail" -lt 65536 ] || fail "fill_fs $file: $avail bytes still available"
}

# ---------------------------------------------------------------------------
# Keys

gpg_home() {
	if [ -z "$G" ]; then
		G=$(mktemp -d "$PF_TMP/pfg.XXXXXX")
		chmod 700 "$G"
	fi
}

# make_key NAME: an ed25519 signing key without passphrase in $G; exports
# $T/keys/NAME.asc and sets FPR_<NAME>.
make_key() {
	local name=$1 fpr
	gpg_home
	must gpg --homedir "$G" --batch --passphrase '' \
		--quick-gen-key "$name <$name@pakfire.test>" ed25519 sign never
	fpr=$(gpg --homedir "$G" --with-colons --list-keys "<$name@pakfire.test>" 2>/dev/null |
		awk -F: '/^fpr/ {print $10; exit}')
	[ -n "$fpr" ] || fail "make_key $name: no fingerprint"
	gpg --homedir "$G" --armor --export "$fpr" >"$T/keys/$name.asc"
	[ -s "$T/keys/$name.asc" ] || fail "make_key $name: export failed"
	printf -v "FPR_$name" '%s' "$fpr"
}

# ensure_key NAME: make the key unless it exists; KEY_FPR is its fingerprint.
ensure_key() {
	local v="FPR_$1"
	[ -n "${!v:-}" ] || make_key "$1"
	KEY_FPR=${!v}
}

# A key by name (made by make_key) or an .asc file.
key_file() {
	if [ -f "$1" ]; then echo "$1"; else echo "$T/keys/$1.asc"; fi
}

# ---------------------------------------------------------------------------
# The web server

# http_start [--throttle KBPS] [--log] [DIR]: lighttpd serving DIR (default
# $WWW) on 127.0.0.1 on a free port; sets MIRROR=http://127.0.0.1:PORT. With
# --throttle, each connection gets KBPS kilobytes per second (a download
# that takes a while). With --log, every request is a line of $HTTP_LOG:
# "REQUEST-LINE STATUS BYTES RANGE" (RANGE the Range header, or "-");
# lighttpd writes it within a second or so: read it with wait_for_log.
# shellcheck disable=SC2120
http_start() {
	local conf=()
	while [ $# -gt 0 ]; do
		case $1 in
		--throttle)
			[[ ${2:-} =~ ^[0-9]+$ ]] || fail "http_start --throttle: KBPS must be a number"
			conf+=("connection.kbytes-per-second = $2")
			shift 2
			;;
		--log)
			HTTP_LOG=$(mktemp "$T/httpd/access.XXXXXX")
			conf+=('server.modules += ("mod_accesslog")'
				"accesslog.filename = \"$HTTP_LOG\""
				'accesslog.format = "%r %>s %b %{Range}i"')
			shift
			;;
		*) break ;;
		esac
	done
	lighttpd_start http "${1:-$WWW}" ${conf[@]+"${conf[@]}"}
}

# lighttpd_start SCHEME DIR [CONF-LINE...]: lighttpd serving DIR on
# 127.0.0.1 on a free port with the extra configuration lines; sets
# MIRROR=SCHEME://127.0.0.1:PORT (http_start, https_start).
# Other test files run beside this one: between the moment free_port finds
# a port and the moment lighttpd binds it, another test's server may take
# it. Our lighttpd then fails to bind and exits, but the port answers, with
# the other server. So each start has a tag of its own (the Server header)
# and only an answer with that tag counts; else the next port is tried.
lighttpd_start() {
	local scheme=$1 dir=$2 port conf pid try tag line
	shift 2
	mkdir -p "$dir"
	for try in 1 2 3 4 5; do
		port=$(py free_port)
		conf=$T/httpd/$port.conf
		HTTP_N=$((${HTTP_N:-0} + 1))
		tag=pakfire-test-${T##*/}-$HTTP_N
		cat >"$conf" <<-EOF
			server.document-root = "$dir"
			server.port = $port
			server.bind = "127.0.0.1"
			server.tag = "$tag"
			server.pid-file = "$T/httpd/$port.pid"
			server.errorlog = "$T/httpd/$port.log"
			mimetype.assign = ("" => "application/octet-stream")
			# tests replace served files: no stale cached copies
			server.stat-cache-engine = "disable"
		EOF
		for line in "$@"; do
			printf '%s\n' "$line" >>"$conf"
		done
		lighttpd -D -f "$conf" >>"$T/httpd/$port.out" 2>&1 &
		pid=$!
		echo "$pid" >>"$T/httpd/pids"
		for _ in $(seq 100); do
			if ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			# the tag is what this asks, not the certificate (-k): tls.sh
			# tests the certificates with pakfire itself; header names in
			# any case (https may be HTTP/2, where they are lowercase)
			if curl -s -k --noproxy '*' -o /dev/null -D - --max-time 2 \
				"$scheme://127.0.0.1:$port/" 2>/dev/null |
				tr -d '\r' | grep -qixF "Server: $tag"; then
				MIRROR=$scheme://127.0.0.1:$port
				return 0
			fi
			sleep 0.1
		done
		kill "$pid" 2>/dev/null || true
		echo "lighttpd attempt $try on port $port:"
		cat "$T/httpd/$port.out" "$T/httpd/$port.log" 2>/dev/null | tail -n 5 | sed 's/^/  | /'
	done
	fail "lighttpd did not start"
}

# dead_port: DEAD_PORT is a port of 127.0.0.1 where nothing answers (the
# connection is refused) for the rest of the test: a process of the test
# holds it bound without listening, so that no server of a test running
# beside this one can take it meanwhile (a port that free_port found free a
# moment ago promises nothing).
dead_port() {
	local f=$T/httpd/dead.$RANDOM pid
	"$PF_PY3" -c '
import signal, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
signal.pause()
' >"$f" 2>&1 &
	pid=$!
	echo "$pid" >>"$T/httpd/pids"
	DEAD_PORT=""
	for _ in $(seq 100); do
		read -r DEAD_PORT <"$f" 2>/dev/null || true
		[[ $DEAD_PORT =~ ^[0-9]+$ ]] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	fail "dead_port: no port held: $(cat "$f" 2>/dev/null)"
}

# TLS, access logs and the hostile server: tests/lib-net.sh.
# shellcheck source=tests/lib-net.sh
source "$PF_TOP/tests/lib-net.sh"

# ---------------------------------------------------------------------------
# Repositories

# repo_sample: the sample repository (updates 139.. of updates/ and the
# add-ons of updates/addons/, built by pakfire-repo from make-buildroot
# trees, in two series: 2.23 closed by core 140, which switches to 2.25),
# hardlinked into $WWW. Files there are shared with other tests: replace
# them, never edit them in place. Sets SERIES to the series a system at
# core $SAMPLE_BASE is on (the sample's first: 2.23) and REPO to its folder,
# SAMPLE_ROOTS (the build roots: N/ per core update, addons/S/NAME/ per
# add-on and series) and TRUST.
repo_sample() {
	if [ -z "${PF_SAMPLE:-}" ]; then
		PF_SAMPLE=$T/sample
		mkdir -p "$PF_SAMPLE"
		build_sample_repo "$PF_SAMPLE" "$PAKFIRE_REPO_BIN" "$PF_SAMPLE_SCALE" \
			>"$PF_SAMPLE/build.log" 2>&1 || true
	fi
	if [ ! -f "$PF_SAMPLE/ok" ]; then
		echo "sample repository build log (tail):"
		tail -n 30 "$PF_SAMPLE/build.log" 2>/dev/null | sed 's/^/  | /'
		fail "the sample repository could not be built: $(cat "$PF_SAMPLE/error" 2>/dev/null)"
	fi
	mkdir -p "$WWW"
	cp -al "$PF_SAMPLE/www/." "$WWW/"
	SERIES=$(head -n 1 "$PF_SAMPLE/series")
	REPO=$WWW${MIRROR_PATH}/$SERIES/$ARCH
	SAMPLE_ROOTS=$PF_SAMPLE/roots
	TRUST=("$PF_SAMPLE/key.asc")
}

# sample_conf N KEY: the value of KEY in updates/N/update.conf (empty when
# it has none).
sample_conf() {
	awk -v k="$2" '
		/^[ \t]*#/ { next }
		{ i = index($0, "="); if (!i) next
		  key = substr($0, 1, i - 1); gsub(/[ \t]/, "", key)
		  if (key != k) next
		  v = substr($0, i + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v)
		  print v; exit }' "$PF_TOP/updates/$1/update.conf"
}

# sample_run OUT WHY CMD...: one step of the sample's build, printed first
# as a maintainer types it in the source tree (its paths relative to it,
# pakfire-repo by name), under a timeout; when it fails, OUT/error says WHY.
sample_run() {
	local out=$1 why=$2 a shown=""
	shift 2
	for a in "$@"; do
		a=${a//"$PF_TOP"\//}
		case $a in */pakfire-repo) a=pakfire-repo ;; esac
		shown+=" $a"
	done
	echo "\$$shown"
	timeout 1200 "$@" </dev/null && return 0
	echo "$why" >"$out/error"
	echo "sample: $why" >&2
	return 1
}

# sample_build_core OUT REPO_BIN N REPO PREV: pakfire-repo build of core N
# of the sample into REPO, run in the source tree as its maintainers do
# (update.conf's hooks are paths from there). With updates/N/dropped and
# the build root of the update before it (PREV), it is built as the
# distribution builds it, from the whole system, with --previous: OUT/
# systems/N is PREV's build root with N's on top, without the paths that N's
# build no longer makes (updates/N/dropped), and --previous OUT/roots/PREV
# adds the removals of the libraries that went away.
sample_build_core() {
	local out=$1 repobin=$2 n=$3 repo=$4 prev=$5 root=$1/roots/$3 previous=() p
	if [ -f "$PF_TOP/updates/$n/dropped" ] && [ -n "$prev" ]; then
		root=$out/systems/$n
		rm -rf "$root"
		mkdir -p "$root" &&
			cp -a --link "$out/roots/$prev/." "$root/" &&
			cp -a --link --remove-destination "$out/roots/$n/." "$root/" ||
			{ sample_error "cannot make $root"; return 1; }
		while read -r p; do
			case $p in '' | '#'*) continue ;; esac
			rm -f "$root/$p" || { sample_error "cannot drop $p from $root"; return 1; }
		done <"$PF_TOP/updates/$n/dropped"
		previous=(--previous "$out/roots/$prev")
	fi
	(cd "$PF_TOP" && sample_run "$out" "pakfire-repo build of core $n failed" \
		"$repobin" build --update "updates/$n" --filelist "manifests/core-$n.filelist" \
		--root "$root" ${previous[@]+"${previous[@]}"} --out "$repo")
}

# build_sample_repo OUT REPO_BIN SCALE [BASE]: the sample repository as its
# maintainers publish it, with pakfire-repo. Every core update after BASE
# (default $SAMPLE_BASE) that has updates/N/update.conf and
# manifests/core-N.filelist goes into the series its update.conf names, and
# every add-on of updates/addons/ into each of those series (built for it:
# its release there). Series by series, in the order of the updates: the
# build roots (updates/make-buildroot), `build` of its core updates but the
# switching one and of the add-ons, `publish`; then the switching update is
# built and `bump` closes the series towards the one it switches to, which
# comes next (its first publish gives it Min-Client: 2, as a series reached
# through a switch: docs/formats.md, "Client levels"). Lays out OUT/www (the document root: <mirror path>/<series>/
# <arch>/), OUT/roots/N and OUT/roots/addons/S/NAME (the build roots),
# OUT/key.asc, OUT/numbers, OUT/series (in order: the first is the series of
# a system at BASE); OUT/ok when done, OUT/error saying why not.
# A core update whose file list has usr/sbin/pakfire (core 140, which
# carries systems across) ships the pakfire beside REPO_BIN, the build
# under test (make-buildroot --pakfire): an appliance that applies it runs
# that pakfire from then on (OUT/roots/N/usr/sbin/pakfire is the copy).
build_sample_repo() {
	local out=$1 repobin=$2 scale=${3:-1} base=${4:-$SAMPLE_BASE}
	local n s a fpr sw to repo mirror nums=() all_series=() addons=() prev="" prev_of_sw="" level=()
	local upd=$PF_TOP/updates mbr=$PF_TOP/updates/make-buildroot client ship=()
	sample_error() { echo "$*" >"$out/error"; echo "sample: $*" >&2; return 1; }
	mkdir -p "$out/roots" "$out/g" || { sample_error "cannot create $out"; return 1; }
	# absolute: the builds run in the source tree (sample_build_core)
	out=$(cd "$out" && pwd) || { sample_error "cannot enter $1"; return 1; }
	mirror=$out/www${MIRROR_PATH}
	mkdir -p "$mirror" || { sample_error "cannot create $mirror"; return 1; }
	chmod 700 "$out/g"
	is_program "$mbr" || { sample_error "updates/make-buildroot is missing or not executable"; return 1; }
	is_program "$repobin" || { sample_error "$repobin was not built"; return 1; }
	client=$(dirname "$repobin")/pakfire
	is_program "$client" || { sample_error "$client (the pakfire core updates ship) was not built"; return 1; }
	for n in $(find "$upd" -mindepth 2 -maxdepth 2 -name update.conf -printf '%h\n' |
		xargs -rn1 basename | grep -E '^[0-9]+$' | sort -n); do
		[ "$n" -gt "$base" ] && [ -f "$PF_TOP/manifests/core-$n.filelist" ] && nums+=("$n")
	done
	[ "${#nums[@]}" -gt 0 ] ||
		{ sample_error "no updates after $base in updates/ with a manifests/core-N.filelist"; return 1; }
	for n in "${nums[@]}"; do
		s=$(sample_conf "$n" series)
		[ -n "$s" ] || { sample_error "updates/$n/update.conf names no series"; return 1; }
		if [ "${#all_series[@]}" -eq 0 ] || [ "${all_series[-1]}" != "$s" ]; then
			all_series+=("$s")
		fi
	done
	mapfile -t addons < <(find "$upd/addons" -mindepth 2 -maxdepth 2 -name addon.conf -printf '%h\n' 2>/dev/null |
		xargs -rn1 basename | sort)
	gpg --homedir "$out/g" --batch --passphrase '' \
		--quick-gen-key 'Sample Signer <sample@pakfire.test>' ed25519 sign never \
		>"$out/gpg.log" 2>&1 ||
		{ cat "$out/gpg.log" >&2; sample_error "gpg could not make the sample key"; return 1; }
	fpr=$(gpg --homedir "$out/g" --with-colons --list-keys 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}')
	gpg --homedir "$out/g" --armor --export "$fpr" >"$out/key.asc"
	for s in "${all_series[@]}"; do
		repo=$mirror/$s/$ARCH
		sw=""
		echo "# series $s"
		for n in "${nums[@]}"; do
			[ "$(sample_conf "$n" series)" = "$s" ] || continue
			ship=()
			grep -qx 'usr/sbin/pakfire' "$PF_TOP/manifests/core-$n.filelist" && ship=(--pakfire "$client")
			sample_run "$out" "updates/make-buildroot --scale $scale $n failed" \
				"$mbr" --scale "$scale" ${ship[@]+"${ship[@]}"} "$n" "$out/roots/$n" || return 1
			# the update that switches series comes once the series is published
			if [ -n "$(sample_conf "$n" series-switch)" ]; then
				sw=$n
				prev_of_sw=$prev
				prev=$n
				continue
			fi
			sample_build_core "$out" "$repobin" "$n" "$repo" "$prev" || return 1
			prev=$n
		done
		for a in ${addons[@]+"${addons[@]}"}; do
			sample_run "$out" "updates/make-buildroot --addon $a --series $s failed" \
				"$mbr" --scale "$scale" --addon "$a" --series "$s" "$out/roots/addons/$s/$a" || return 1
			sample_run "$out" "pakfire-repo build of add-on $a for $s failed" \
				"$repobin" build --addon "$upd/addons/$a" --series "$s" \
				--root "$out/roots/addons/$s/$a" --out "$repo" || return 1
		done
		# A series whose own updates run hooks before any of them brings a
		# pakfire that can (core 138, from a base of 137: make demo) is
		# for clients of level 3: its index says so (docs/hooks.md).
		level=()
		for n in "${nums[@]}"; do
			[ -n "$(sample_conf "$n" provides-client)" ] && break
			[ "$(sample_conf "$n" series)" = "$s" ] || continue
			[ -n "$(sample_conf "$n" hook)" ] && { level=(--min-client 3); break; }
		done
		sample_run "$out" "pakfire-repo publish of $s failed" \
			"$repobin" publish --repo "$repo" --updates "$upd" --series "$s" --arch "$ARCH" \
			--key "$fpr" --gnupghome "$out/g" --revision 1 --valid-days 30 \
			--min-partition "$(cat "$upd/min-partition")" ${level[@]+"${level[@]}"} || return 1
		[ -n "$sw" ] || continue
		to=$(sample_conf "$sw" series-switch)
		case " ${all_series[*]} " in
		*" $to "*) ;;
		*) sample_error "core $sw switches to series $to, to which no update after it belongs"; return 1 ;;
		esac
		echo "# the last update of $s, which moves systems to $to; then $s closed"
		sample_build_core "$out" "$repobin" "$sw" "$repo" "$prev_of_sw" || return 1
		sample_run "$out" "pakfire-repo bump --from $s --to $to failed" \
			"$repobin" bump --mirror "$mirror" --from "$s" --to "$to" --arch "$ARCH" \
			--updates "$upd" --key "$fpr" --gnupghome "$out/g" --valid-days 30 || return 1
	done
	# what the maintainers published passes their own check, every series
	for s in "${all_series[@]}"; do
		sample_run "$out" "pakfire-repo check of series $s failed" \
			"$repobin" check --key "$out/key.asc" "$mirror/$s/$ARCH" || return 1
	done
	gpgconf --homedir "$out/g" --kill all >/dev/null 2>&1 || true
	printf '%s\n' "${nums[@]}" >"$out/numbers"
	printf '%s\n' "${all_series[@]}" >"$out/series"
	touch "$out/ok"
}

# The paths that core N of the sample removes, one a line (for the
# overlay): the remove entries of its published manifest (update.conf's and
# those build --previous found).
sample_removals() {
	local m
	m=$(find "${SAMPLE_ROOTS%/roots}/www" -name "core-$1.manifest" -print -quit)
	[ -n "$m" ] || fail "the sample has no core-$1.manifest"
	awk -F '\t' '$1 == "remove" { print $2 }' "$m"
}

# assert_root_is_sample UNIT...: R is the overlay of the sample build roots
# of UNITs in order: a core update N (its removals applied before its
# files), or an add-on as series S built it (S/NAME).
assert_root_is_sample() {
	local n args=()
	for n in "$@"; do
		case $n in
		*/*) args+=("$SAMPLE_ROOTS/addons/$n") ;;
		*)
			sample_removals "$n" >"$T/state/removals-$n"
			args+=(--remove "$T/state/removals-$n" "$SAMPLE_ROOTS/$n")
			;;
		esac
	done
	assert_tree_equal "$R" "${args[@]}"
}

# repo_mini N [--key NAME] [--revision N] [--valid-days D] [--requires N]
#           [--remove PATH]... [--file PATH=SIZE]... [--files DIR=COUNT]...
#           [--copy PATH=FILE]... [--dir PATH=MODE]... [--hook PHASE=FILE[=NAME]]...
#           [--reboot]
# A small update N: a build root of a few files made on the fly under
# $SRC/buildroot-N, its file list and update.conf, built and published into
# $REPO with pakfire-repo, signed by key NAME (default "signer", made if
# needed). May be called again for further updates; each call republishes.
# --file adds a file of SIZE bytes (3M, 100K: powers of 1024; or bytes) of
# random content, which zstd cannot shrink: the package is as big as the
# files. --files adds COUNT tiny files DIR/f1... (inodes, not bytes).
# --dir lists folder PATH with MODE (octal) in the manifest.
# --hook ships FILE (an executable) as a hook of PHASE (pre, post), named
# NAME in the package (default: FILE's name): `hook =` in update.conf.
# --reboot: the update says `reboot = yes` (Reboot: yes in the index).
# Sets TRUST to the signing key, REPO_KEY, REPO_REVISION.
repo_mini() {
	local n=$1 key=signer revision=${REPO_REVISION:-9} days=7 requires removes=()
	local files=() many=() copies=() dirs=() hooks=() f p size count i reboot=no
	shift
	requires=$((n - 1))
	revision=$((revision + 1))
	while [ $# -gt 0 ]; do
		case $1 in
		--key) key=$2; shift 2 ;;
		--revision) revision=$2; shift 2 ;;
		--valid-days) days=$2; shift 2 ;;
		--requires) requires=$2; shift 2 ;;
		--remove) removes+=("$2"); shift 2 ;;
		--file) files+=("$2"); shift 2 ;;
		--files) many+=("$2"); shift 2 ;;
		--copy) copies+=("$2"); shift 2 ;;
		--dir) dirs+=("$2"); shift 2 ;;
		--hook) hooks+=("$2"); shift 2 ;;
		--reboot) reboot=yes; shift ;;
		*) fail "repo_mini: unknown option $1" ;;
		esac
	done
	local b=$SRC/buildroot-$n
	rm -rf "$b"
	for f in ${files[@]+"${files[@]}"}; do
		p=${f%=*}
		size=$(size_bytes "${f##*=}") || fail "repo_mini --file $f: SIZE must be bytes or end in K, M, G"
		{ [ -n "$p" ] && [ "$p" != "$f" ]; } || fail "repo_mini --file $f: expected PATH=SIZE"
		mkdir -p "$(dirname "$b/$p")"
		head -c "$size" /dev/urandom >"$b/$p"
	done
	for f in ${many[@]+"${many[@]}"}; do
		p=${f%=*}
		count=${f##*=}
		{ [[ $count =~ ^[0-9]+$ ]] && [ "$p" != "$f" ]; } || fail "repo_mini --files $f: expected DIR=COUNT"
		mkdir -p "$b/$p"
		for ((i = 1; i <= count; i++)); do
			printf '%s\n' "$i" >"$b/$p/f$i"
		done
	done
	for f in ${copies[@]+"${copies[@]}"}; do
		p=${f%%=*}
		{ [ -n "$p" ] && [ "$p" != "$f" ] && [ -f "${f#*=}" ]; } ||
			fail "repo_mini --copy $f: expected PATH=FILE, FILE an existing file"
		mkdir -p "$(dirname "$b/$p")"
		cp "${f#*=}" "$b/$p"
	done
	mkdir -p "$b/etc" "$b/usr/bin" "$b/usr/lib" "$b/usr/share/mini" "$SRC/updates/$n" "$SRC/manifests"
	printf 'Mini Linux - core%s\n' "$n" >"$b/etc/mini-release"
	printf '#!/bin/sh\necho "mini core %s"\n' "$n" >"$b/usr/bin/mini"
	chmod 0755 "$b/usr/bin/mini"
	yes "libmini core $n" | head -c 5000 >"$b/usr/lib/libmini.so.$n"
	ln -sfn "libmini.so.$n" "$b/usr/lib/libmini.so"
	printf 'data of core %s\n' "$n" >"$b/usr/share/mini/data-$n.txt"
	chmod 0600 "$b/usr/share/mini/data-$n.txt"
	for f in ${dirs[@]+"${dirs[@]}"}; do
		p=${f%=*}
		{ [ -n "$p" ] && [ "$p" != "$f" ]; } || fail "repo_mini --dir $f: expected PATH=MODE"
		mkdir -p "$b/$p"
		chmod "${f##*=}" "$b/$p"
	done
	(cd "$b" && find . ! -type d | sed 's|^\./||'
		for f in ${dirs[@]+"${dirs[@]}"}; do echo "${f%=*}"; done) | sort >"$SRC/manifests/core-$n.filelist"
	{
		echo "number = $n"
		echo "series = $SERIES"
		echo "summary = Mini core update $n"
		echo "reboot = $reboot"
		echo "requires = $requires"
		local p
		for p in ${removes[@]+"${removes[@]}"}; do echo "remove = $p"; done
		for p in ${hooks[@]+"${hooks[@]}"}; do
			local phase=${p%%=*} rest=${p#*=} hfile hname=
			[ "$phase" != "$p" ] || fail "repo_mini --hook $p: expected PHASE=FILE[=NAME]"
			hfile=${rest%%=*}
			[ "$hfile" = "$rest" ] || hname=${rest#*=}
			echo "hook = $phase $hfile${hname:+ $hname}"
		done
	} >"$SRC/updates/$n/update.conf"
	mkdir -p "$REPO"
	must pakfire_repo build --update "$SRC/updates/$n" --filelist "$SRC/manifests/core-$n.filelist" \
		--root "$b" --out "$REPO"
	REPO_KEY=$key
	REPO_DAYS=$days
	repo_publish --revision "$revision" --valid-days "$days"
	TRUST=("$(key_file "$key")")
}

# repo_publish [--revision N] [other publish options]: (re)publish $REPO from
# what is in $REPO/core now, signed by $REPO_KEY; the revision goes up by one
# unless given; the index's Min-Client is $REPO_MIN_CLIENT when set (a
# series that level-1 clients do not read: docs/formats.md).
repo_publish() {
	local revision=$((${REPO_REVISION:-9} + 1)) opts=()
	while [ $# -gt 0 ]; do
		case $1 in
		--revision) revision=$2; shift 2 ;;
		*) opts+=("$1"); shift ;;
		esac
	done
	case " ${opts[*]-} " in
	*" --valid-days "*|*" --valid-until "*) ;;
	*) opts+=(--valid-days "${REPO_DAYS:-7}") ;;
	esac
	[ -z "${REPO_MIN_CLIENT:-}" ] || opts+=(--min-client "$REPO_MIN_CLIENT")
	ensure_key "${REPO_KEY:-signer}"
	must pakfire_repo publish --repo "$REPO" --updates "$SRC/updates" \
		--series "$SERIES" --arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G" \
		--revision "$revision" "${opts[@]}"
	REPO_REVISION=$revision
}

# hostile_pak N [craft-pak options]: replace $REPO/core/core-N.pak by one that
# tests/craft-pak.py builds from the published manifest and $SRC/buildroot-N
# with the given changes, then sign an index whose sizes and hashes match
# the hostile package and its manifest (index_resign: pakfire-repo publish
# refuses to sign a package that is not what its manifest says).
hostile_pak() {
	local n=$1
	shift
	must python3 "$CRAFT_PAK" --manifest "$REPO/core/core-$n.manifest" \
		--root "$SRC/buildroot-$n" --out "$SRC/core-$n.pak" "$@"
	mv -f "$SRC/core-$n.pak" "$REPO/core/core-$n.pak"
	index_resign "core/core-$n.manifest" "core/core-$n.pak"
}

# index_resign FILE...: $REPO/index as a careless maintainer's own tool
# would write it: the Size and SHA256 lines of each FILE (a path of the
# index, e.g. core/core-140.pak) taken from the file as it is now, the
# Revision one up (REPO_REVISION), signed by $REPO_KEY with gpg. No check
# is made: for repositories that pakfire-repo publish would refuse.
index_resign() {
	local revision=$((${REPO_REVISION:-9} + 1))
	ensure_key "${REPO_KEY:-signer}"
	must python3 - "$REPO" "$revision" "$@" <<-'EOF'
		import hashlib, os, re, sys
		repo, revision, files = sys.argv[1], sys.argv[2], sys.argv[3:]
		path = os.path.join(repo, "index")
		stanzas = open(path).read().rstrip("\n").split("\n\n")
		stanzas[0] = re.sub(r"(?m)^Revision: .*$", "Revision: " + revision, stanzas[0])
		for rel in files:
		    data = open(os.path.join(repo, rel), "rb").read()
		    hits = 0
		    for i, st in enumerate(stanzas):
		        for key in ("Manifest", "Package"):
		            if re.search(r"(?m)^%s: %s$" % (key, re.escape(rel)), st):
		                st = re.sub(r"(?m)^%s-Size: .*$" % key, "%s-Size: %d" % (key, len(data)), st)
		                st = re.sub(r"(?m)^%s-SHA256: .*$" % key,
		                            "%s-SHA256: %s" % (key, hashlib.sha256(data).hexdigest()), st)
		                hits += 1
		        stanzas[i] = st
		    if hits != 1:
		        sys.exit("index_resign: %s is listed %d times in %s" % (rel, hits, path))
		open(path + ".new", "w").write("\n\n".join(stanzas) + "\n")
		os.rename(path + ".new", path)
	EOF
	rm -f "$REPO/index.sig"
	must gpg --homedir "$G" --batch --yes --local-user "$KEY_FPR" --detach-sign \
		--output "$REPO/index.sig" "$REPO/index"
	REPO_REVISION=$revision
}

# flip_byte FILE: replace FILE by a copy with its middle byte inverted.
flip_byte() { py flip "$1"; }

# append_bytes FILE N: replace FILE by a copy with N more bytes at its end.
append_bytes() {
	{ cat "$1"; head -c "$2" /dev/zero; } >"$1.new" && mv -f "$1.new" "$1"
}

# ---------------------------------------------------------------------------
# The appliance

# root_at_core N [--trust KEY]... [--mirror URL] [--no-init]
#              [--reserve "MOUNT=SIZE..."] [--cache-fs SIZE]
# The root $R of an appliance installed at core N: pakfire.conf, the
# trusted keys (default: the repository's signer) in etc/pakfire/keys, then
# `pakfire init`. --reserve writes `reserve = ...` into pakfire.conf;
# --cache-fs gives the download cache (var/cache) a tmpfs of its own.
root_at_core() {
	local core=$1 trust=() mirror k init=1 reserve="" cache_fs=""
	shift
	mirror=${MIRROR:+$MIRROR$MIRROR_PATH}
	while [ $# -gt 0 ]; do
		case $1 in
		--trust) trust+=("$(key_file "$2")"); shift 2 ;;
		--mirror) mirror=$2; shift 2 ;;
		--no-init) init=0; shift ;;
		--reserve) reserve=$2; shift 2 ;;
		--cache-fs) cache_fs=$2; shift 2 ;;
		*) fail "root_at_core: unknown option $1" ;;
		esac
	done
	[ -z "$cache_fs" ] || mount_fs "$R/var/cache" "$cache_fs"
	[ "${#trust[@]}" -gt 0 ] || trust=(${TRUST[@]+"${TRUST[@]}"})
	[ "${#trust[@]}" -gt 0 ] || fail "root_at_core: no trusted key (make a repository or a key first)"
	[ -n "$mirror" ] || fail "root_at_core: no mirror (call http_start or set MIRROR first)"
	# an installed system: the folders that every root has
	mkdir -p "$R/etc/pakfire/keys" "$R/var/lib" "$R/var/cache" "$R/var/log"
	for k in "${trust[@]}"; do
		[ -s "$k" ] || fail "root_at_core: no key file $k"
		cp "$k" "$R/etc/pakfire/keys/"
	done
	cat >"$R/etc/pakfire/pakfire.conf" <<-EOF
		series = $SERIES
		arch = $ARCH
		mirror = $mirror
		keys = /etc/pakfire/keys
		cache = /var/cache/pakfire
		database = /var/lib/pakfire/pakfire.db
	EOF
	[ -z "$reserve" ] || conf_set reserve "$reserve"
	[ "$init" = 1 ] || return 0
	must pakfire --root "$R" init --series "$SERIES" --core "$core"
	[ -f "$DB" ] || fail "pakfire init made no database at $DB"
}

# conf_set KEY VALUE: pakfire.conf of $R says `KEY = VALUE` (once).
conf_set() {
	local conf=$R/etc/pakfire/pakfire.conf
	[ -f "$conf" ] || fail "conf_set: no $conf"
	grep -v -E "^[[:space:]]*$1[[:space:]]*=" "$conf" >"$conf.new" || true
	printf '%s = %s\n' "$1" "$2" >>"$conf.new"
	mv -f "$conf.new" "$conf"
}

# must_update: `pakfire update` succeeds (a step before the command under test).
must_update() {
	run pakfire --root "$R" update
	assert_exit 0
}

# ---------------------------------------------------------------------------
# Hooks: scripts made at test time, and a pakfire in the background that runs
# one (hooks.sh, truth.sh).

# hook_script NAME BODY: an executable sh script $T/hooks/NAME.
hook_script() {
	mkdir -p "$T/hooks"
	printf '#!/bin/sh\n%s\n' "$2" >"$T/hooks/$1"
	chmod 0755 "$T/hooks/$1"
	HOOK=$T/hooks/$1
}

# hook_started FILE WHAT: wait (10 s at most) until the hook the
# background pakfire runs has made $R/FILE; else the test fails naming WHAT
# and what pakfire said.
hook_started() {
	local i
	for i in $(seq 200); do
		[ -e "$R/$1" ] && return 0
		sleep 0.05
	done
	wait_bg
	fail "the $2 never started: $(cat "$RUN_ERR")"
}

# bg_pakfire: the pid of the pakfire that run_bg started (its shell may
# have exec'd it, or not).
bg_pakfire() {
	if [ "$(cat "/proc/$BG_PID/comm" 2>/dev/null)" = pakfire ]; then
		echo "$BG_PID"
	else
		pgrep -x -P "$BG_PID" pakfire
	fi
}

# ---------------------------------------------------------------------------
# Python helpers: snapshots and tree comparison need hashes and lstat.

# The tree code (describe, walk, compare) is tests/lib/tree.py, which
# tests/fault/scenario.py and bench/apply/helper.py share. -S (no site
# module, as scenario() runs): the helpers need the standard library and
# tests/lib only, and a site-packages with .pth files (pyenv's) cost 40-50
# ms of processor time at every start; the tests call py about 1,600
# times a run (each assert_json, snapshot, free port).
py() { PYTHONPATH=$PF_TOP/tests/lib "$PF_PY3" -S -c "$PF_PY" "$@"; }

# shellcheck disable=SC2016
PF_PY='
import os, socket, sys
import tree as T

OWN = T.PAKFIRE_OWN

def snapshot(root):
    for p, d in sorted(T.snapshot(root, OWN).items()):
        print(p, d)

# tree ROOT [--allow PATH] [--remove LIST] BUILDROOT...: see assert_tree_equal.
def tree(args):
    root, args = args[0], args[1:]
    exp, removed, extra = {}, set(), set()
    i = 0
    while i < len(args):
        if args[i] == "--allow":
            extra.add(args[i + 1].strip("/"))
            i += 2
            continue
        if args[i] == "--remove":
            for r in T.read_list(args[i + 1]):
                removed.add(r)
                T.drop(exp, r)
            i += 2
            continue
        src = args[i]
        if not os.path.isdir(src):
            print("build root %s does not exist" % src)
            sys.exit(1)
        for p in T.walk(src):
            exp[p] = src
        i += 1
    errs = T.compare(root, exp, removed, OWN + ("etc/pakfire",), extra)
    sys.exit(T.report(errs, 40))

def flip(path):
    b = bytearray(open(path, "rb").read())
    b[len(b) // 2] ^= 0xFF
    open(path + ".new", "wb").write(b)
    os.rename(path + ".new", path)

def jsonq(path, args):
    import json
    with open(path) as f:
        doc = json.load(f)
    count = args[:1] == ["--count"]
    if count:
        args = args[1:]
    filters = [a.split("=", 1) for a in args if "=" in a]
    rest = [a for a in args if "=" not in a]
    def text(v):
        return v if isinstance(v, str) else json.dumps(v)
    if count:
        print(sum(1 for e in doc.get("events", [])
                  if all(k in e and text(e[k]) == v for k, v in filters)))
        return
    if len(rest) != 1:
        sys.exit("expected one field name, got %r" % rest)
    field = rest[0]
    if not filters:
        # a dotted FIELD reaches into objects: status.series; a number
        # into arrays: hook.runs.0.id
        v = doc
        for k in field.split("."):
            if isinstance(v, list) and k.isdigit() and int(k) < len(v):
                v = v[int(k)]
                continue
            if not isinstance(v, dict) or k not in v:
                sys.exit("the document has no field %s" % field)
            v = v[k]
        print(text(v))
        return
    for e in doc.get("events", []):
        if all(k in e and text(e[k]) == v for k, v in filters):
            if field not in e:
                sys.exit("event %s has no field %s" % (json.dumps(e), field))
            print(text(e[field]))
            return
    sys.exit("no event with %s" % " ".join(args[:-1]))

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()

cmd, rest = sys.argv[1], sys.argv[2:]
if cmd == "snapshot":
    snapshot(rest[0])
elif cmd == "tree":
    tree(rest)
elif cmd == "flip":
    flip(rest[0])
elif cmd == "json":
    jsonq(rest[0], rest[1:])
elif cmd == "free_port":
    free_port()
else:
    sys.exit("unknown helper " + cmd)
'

# ---------------------------------------------------------------------------
# Running the tests of one file

_on_err() {
	fail "a command failed (exit $2) at line $1: $3"
}

# run_tests [TEST...]: run every test_* function of the calling file (or the
# named ones), each in its own process and world, printing
# "ok   BUILD FILE TEST" or "FAIL BUILD FILE TEST: WHY" and the test's output.
run_tests() {
	local name
	if [ -n "${PF_ONE:-}" ]; then
		_run_one "$PF_ONE"
		exit 0
	fi
	local file=e2e/${0##*/} build=${PF_BUILD%/} tests=() t out res rc passed=0 failed=0
	build=${build##*/}
	mapfile -t tests < <(grep -oE '^test_[A-Za-z0-9_]+[[:space:]]*\(\)' "$0" | sed 's/[[:space:]]*()$//')
	[ $# -gt 0 ] && tests=("$@")
	if [ "${#tests[@]}" -eq 0 ]; then
		echo "FAIL $build $file: no test_* functions"
		exit 1
	fi
	# one output file and one result file for all the tests of the file,
	# emptied before each (processes per test add up over the suite)
	out=$(mktemp "$PF_TMP/pfo.XXXXXX")
	res=$(mktemp "$PF_TMP/pfr.XXXXXX")
	for name in "${tests[@]}"; do
		: >"$res"
		rc=0
		PF_ONE=$name PF_RESULT=$res timeout -k 15 "$PF_TEST_TIMEOUT" "$BASH" "$0" >"$out" 2>&1 || rc=$?
		if [ "$rc" -eq 0 ]; then
			echo "ok   $build $file $name"
			passed=$((passed + 1))
		else
			t=""
			read -r t <"$res" || true
			[ -n "$t" ] || t="exited $rc$(timed_out_note "$rc")"
			[ "$rc" -eq 124 ] && t="timed out after ${PF_TEST_TIMEOUT}s ($t)"
			echo "FAIL $build $file $name: $t"
			sed 's/^/    /' "$out"
			failed=$((failed + 1))
		fi
		[ "${PF_VERBOSE:-0}" = 1 ] && [ "$rc" -eq 0 ] && sed 's/^/    /' "$out"
	done
	rm -f "$out" "$res"
	echo "# $build $file: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

_run_one() {
	local name=$1
	declare -F "$name" >/dev/null || { echo "no such test: $name" >"$PF_RESULT"; exit 1; }
	world_begin
	trap world_end EXIT
	trap 'exit 143' TERM INT HUP
	is_program "$PAKFIRE_BIN" || fail "$PAKFIRE_BIN does not exist (make did not build it)"
	is_program "$PAKFIRE_REPO_BIN" || fail "$PAKFIRE_REPO_BIN does not exist (make did not build it)"
	set -E
	trap '_on_err "$LINENO" "$?" "$BASH_COMMAND"' ERR
	"$name"
	json_check
	trap - ERR
}

# ---------------------------------------------------------------------------
# Crash safety and faults (issue 5: tests/e2e/crash.sh, faults.sh,
# history.sh). Added below the rest; nothing above depends on it.

PF_SCENARIO=$PF_TOP/tests/fault/scenario.py

# scenario COMMAND...: tests/fault/scenario.py, with the interpreter
# resolved once (PF_PY3, at the top). scenario_python is what resolved it
# before that; the test files still call it.
scenario() {
	if [ -n "${SCENARIO_PID:-}" ]; then
		_scenario_ask "$@"
		return
	fi
	"$PF_PY3" -S "$PF_SCENARIO" "$@"
}
scenario_python() { :; }

# scenario_serve: from here on, the test's scenario commands run in one
# python process (scenario.py serve, a coprocess of the test's shell; it
# ends with it): the crash loop checks the root twice per kill point, and
# a python start with its imports cost 0.08 s of CPU each time. Same
# output (stdout and stderr together, as every caller reads it) and exit
# code. Call it from the test's shell itself, not from a subshell;
# command substitutions may then call scenario.
scenario_serve() {
	[ -z "${SCENARIO_PID:-}" ] || return 0
	coproc SCENARIO_CO { "$PF_PY3" -S "$PF_SCENARIO" serve 2>&1; }
	SCENARIO_PID=$SCENARIO_CO_PID
}

_scenario_ask() {
	local line IFS=$'\t'
	printf '%s\n' "$*" >&"${SCENARIO_CO[1]}" 2>/dev/null ||
		{ echo "tests/fault/scenario.py serve is gone"; return 1; }
	while IFS= read -r line <&"${SCENARIO_CO[0]}"; do
		case $line in
		$'\001 '*) return "${line#$'\001 '}" ;;
		esac
		printf '%s\n' "$line"
	done
	echo "tests/fault/scenario.py serve ended without answering: $*"
	return 1
}

# repo_chain COUNT [FIRST]: a chain of three realistic updates FIRST..FIRST+2
# (default 139..141; tests/fault/scenario.py trees says what each does:
# replacements, removals, symlinks, new folders), built into $SRC/buildroot-N
# with their removals in $SRC/removals-N, published into $REPO by
# pakfire-repo and signed by "signer". $SRC/states.json describes the root at
# each core level (for assert_root_at_core and assert_old_or_new).
repo_chain() {
	local count=$1 first=${2:-139} n p
	scenario_serve
	must scenario trees "$SRC" "$count" "$first"
	must scenario states "$SRC" "$first" $((first + 2))
	mkdir -p "$REPO"
	for n in $first $((first + 1)) $((first + 2)); do
		mkdir -p "$SRC/updates/$n" "$SRC/manifests"
		# files and symlinks; folders that hold nothing or have a mode of
		# their own (listed as dirs)
		(cd "$SRC/buildroot-$n" && { find . ! -type d; find . -mindepth 1 -type d \( -empty -o ! -perm 0755 \); } |
			sed 's|^\./||' | sort) >"$SRC/manifests/core-$n.filelist"
		{
			echo "number = $n"
			echo "series = $SERIES"
			echo "summary = Chain update $n"
			echo "reboot = no"
			echo "requires = $((n - 1))"
			while read -r p; do echo "remove = $p"; done <"$SRC/removals-$n"
		} >"$SRC/updates/$n/update.conf"
		must pakfire_repo build --update "$SRC/updates/$n" \
			--filelist "$SRC/manifests/core-$n.filelist" --root "$SRC/buildroot-$n" --out "$REPO"
	done
	REPO_KEY=signer
	repo_publish
	TRUST=("$(key_file signer)")
}

# chain_tree_args K: the arguments of assert_tree_equal for the root at core
# K of repo_chain (build roots overlaid with the removals between them).
chain_tree_args() {
	local k=$1 n first
	first=$(find "$SRC/updates" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | head -n 1)
	CHAIN_ARGS=()
	for ((n = first; n <= k; n++)); do
		CHAIN_ARGS+=(--remove "$SRC/removals-$n" "$SRC/buildroot-$n")
	done
}

# assert_root_at_core K: R is exactly the root at core K of repo_chain
# (type, mode, owner, bytes, symlink target of every path; nothing else), the
# files table agrees with it path by path, and no staging temporaries are
# left anywhere.
assert_root_at_core() {
	assert_old_or_new "$1"
	assert_no_temporaries
	assert_files_table_agrees
}

# assert_files_table_agrees: every row of the files table is on disk as it
# says (type, sha256, target), and every file and symlink is owned.
assert_files_table_agrees() {
	local out
	out=$(scenario files "$R" "$DB" 2>&1) || {
		echo "$out" | head -n 30 | sed 's/^/  /'
		fail "the files table does not agree with the root"
	}
}

# assert_old_or_new K N: right after pakfire was stopped while update N
# (= K + 1) was in flight, every path of the root is entirely its version at
# core K or at core N (folders: only that they are folders), and nothing else
# is there but N's temporaries. Without N: the root is exactly core K.
assert_old_or_new() {
	local out
	out=$(scenario check "$R" "$SRC/states.json" "$@" 2>&1) || {
		echo "$out" | head -n 30 | sed 's/^/  /'
		fail "after the kill, the root is not core $1${2:+ or core $2} path by path"
	}
}

# assert_final K: in one go (the crash loop runs it after every kill): R is
# exactly core K, the files table agrees with it, the database says core K,
# its journal is empty, and no temporaries are left anywhere.
assert_final() {
	local out
	out=$(scenario final "$R" "$SRC/states.json" "$1" "$DB" 2>&1) || {
		echo "$out" | head -n 30 | sed 's/^/  /'
		fail "the root or the database is not core $1"
	}
	assert_no_temporaries
}

# after_kill: what a killed pakfire left, read as the next run will see it
# (from a copy of the database and its WAL, so that SQLite recovers the copy
# and the real files stay as they are): CORE, and the journal's NUMBER,
# STATE and TX (empty without a journal row). Then every path must be
# entirely old or new for the update in flight, and agree with the journal:
# staging, every file is old (nothing was renamed); committing, old or new;
# committed, new (a path it removes may still be there); no journal, the
# root is exactly CORE.
after_kill() {
	local out rc=0 row
	out=$(scenario killed "$R" "$SRC/states.json" "$DB" 2>&1) || rc=$?
	row=$(head -n 1 <<<"$out")
	# shellcheck disable=SC2034 # TX is for the tests
	IFS='|' read -r CORE NUMBER STATE TX <<<"$row"
	if [ "$rc" -ne 0 ] || ! [[ $CORE =~ ^[0-9]+$ ]]; then
		echo "$out" | head -n 30 | sed 's/^/  /'
		fail "right after the kill (core $CORE, journal ${STATE:-empty}${NUMBER:+ of core $NUMBER}), the root does not agree with the database path by path"
	fi
}

# kill_at SYSCALL N [PAKFIRE ARGS]: run pakfire (default: upgrade --yes)
# and SIGKILL it on entering its Nth SYSCALL; it must die there.
kill_at() {
	local sc=$1 n=$2
	shift 2
	[ $# -gt 0 ] || set -- upgrade --yes
	run pakfire_traced -e trace="$sc" -e inject="$sc:signal=KILL:when=$n" -- --root "$R" "$@"
	[ "$RUN_RC" = 137 ] ||
		fail "pakfire was to be killed at its call $n of $sc, but it exited $RUN_RC (the run differs from the reference trace)"
}

# recovered_by_last_run: the run after a kill said what it did with the
# journal (STATE of after_kill), recorded it as a transaction 'recover', and
# marked the killed transaction interrupted; no transaction is left open.
recovered_by_last_run() {
	local marks="SELECT (SELECT count(*) FROM transactions WHERE ended IS NULL),
			(SELECT outcome FROM transactions WHERE id = ${TX:-0}), step, detail
		FROM steps WHERE transaction_id =
			(SELECT max(id) FROM transactions WHERE command = 'recover')"
	case $STATE in
	staging|committing)
		assert_stderr_contains "core $NUMBER was interrupted before it was applied; it was rolled back"
		assert_db "$marks" "0|interrupted|rolled back|$STATE"
		;;
	committed)
		assert_stderr_contains "core $NUMBER had been applied when pakfire was interrupted; its cleanup is now finished"
		assert_db "$marks" "0|interrupted|rolled forward|committed"
		;;
	"")
		if grep -qi "interrupted" "$RUN_ERR"; then
			fail "no update was in flight, yet the run reports a recovery"
		fi
		assert_db "SELECT count(*) FROM transactions WHERE ended IS NULL" "0"
		;;
	*) fail "the journal has an unknown state \"$STATE\"" ;;
	esac
}

# assert_rolled_back K N: update N was rolled back by a later run: R is
# exactly core K (the folders N made are gone, the modes of folders it
# changed are back); the files table agrees; no temporaries.
assert_rolled_back() {
	local out
	out=$(scenario check "$R" "$SRC/states.json" "$1" 2>&1) || {
		echo "$out" | head -n 30 | sed 's/^/  /'
		fail "after the rollback of core $2, the root is not core $1 path by path"
	}
	assert_no_temporaries
	assert_files_table_agrees
}

# db_peek SQL: the query on a copy of the database and its -wal, so that
# SQLite's recovery of a hot WAL left by a killed pakfire happens in the copy
# and the real files stay as the next pakfire run will find them.
db_peek() {
	local d=$T/peek
	rm -rf "$d"
	mkdir -p "$d"
	cp "$DB" "$d/pakfire.db"
	[ ! -e "$DB-wal" ] || cp "$DB-wal" "$d/pakfire.db-wal"
	sqlite3 -batch "$d/pakfire.db" "$1" 2>&1
}

# pakfire_traced STRACE_OPTION... -- PAKFIRE_ARG...: pakfire under strace
# (main thread only, no -f), e.g. with -e inject=...; the trace goes to
# $TRACE_LOG (default /dev/null). LeakSanitizer cannot run under ptrace, so
# leak checks are off for these runs (every other run keeps them).
pakfire_traced() {
	local opts=()
	command -v strace >/dev/null ||
		fail "strace is not installed (the crash and fault scenarios need it; see tests/deps.sh)"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		timeout -k 5 "$PF_CLIENT_TIMEOUT" strace -o "${TRACE_LOG:-/dev/null}" "${opts[@]}" \
		"$PAKFIRE_BIN" "$@" </dev/null
}

# seed_cache N...: the packages of updates N... already downloaded into R's
# cache (pakfire uses a cached package whose size and hash the index
# confirms), so that a run applies without downloading.
seed_cache() {
	local n dir=$R/var/cache/pakfire/$SERIES/$ARCH/core
	mkdir -p "$dir"
	for n in "$@"; do cp "$REPO/core/core-$n.pak" "$dir/"; done
}

# The syscalls that a reference run is traced for: every call that changes
# a file, the database's included (SQLite writes with pwrite64 and syncs with
# fdatasync), and opens (temporaries are made by openat).
PF_TRACED=write,pwrite64,openat,linkat,symlinkat,mkdirat,renameat,renameat2,rename,syncfs,fsync,fdatasync,unlinkat,unlink

# chain_world [COUNT]: the world of the crash and fault scenarios. A chain of
# three updates (repo_chain COUNT, default 200: 139 installs COUNT libraries
# and more; 140 replaces, removes, retypes and adds about 240 entries, 141
# about 130), a root on a tmpfs of its own at core 139, installed by pakfire
# itself (so 140 and 141 replace and remove files that the database owns),
# with 140 and 141 already in the download cache (so that faults and kills
# hit the apply, and syscall counts do not depend on network chunks).
# $T/base keeps that root; fresh_root copies it back before each run.
chain_world() {
	mount_fs "$R" 128M
	repo_chain "${1:-200}"
	http_start
	root_at_core 138
	must_update
	run pakfire --root "$R" upgrade --yes --to 139
	assert_exit 0
	assert_root_at_core 139
	seed_cache 140 141
	mkdir -p "$T/base"
	cp -a "$R/." "$T/base/"
}

fresh_root() {
	find "$R" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
	cp -a "$T/base/." "$R/"
}

# reference_trace: the whole upgrade 139 -> 141 from a fresh root, traced
# with paths (strace -y) into $T/ref.log, which `scenario pick` and
# `scenario find` read; it must succeed (the world is right).
reference_trace() {
	fresh_root
	TRACE_LOG=$T/ref.log run pakfire_traced -y -e trace="$PF_TRACED" -- --root "$R" upgrade --yes
	assert_exit 0
	assert_root_at_core 141
	# and once by the build roots themselves (states.json is right)
	chain_tree_args 141
	assert_tree_equal "$R" "${CHAIN_ARGS[@]}"
}

# ---------------------------------------------------------------------------
# Repositories crafted from the formats alone (issue 13: add-ons, series)

# repo_craft SPEC OUT [--key NAME]: the repository of one series written by
# tests/lib/series.py straight from the formats (its header: core updates
# and add-ons; the spec form of the contract's craft.py is read too), signed
# by key NAME (default "signer", made if needed: repo_craft fills in
# gnupghome and keys). OUT keeps the payload trees (OUT/repo/build/SERIES/
# core-N, OUT/repo/build/SERIES/NAME, for byte comparisons); the repository
# is served at
# $WWW$MIRROR_PATH/SERIES/ARCH, replacing what was there for that series
# (call it once per series, with the same OUT). Sets TRUST to the signing
# key and REPO_KEY.
repo_craft() {
	local spec=$1 out=$2 key=signer full series arch
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		--key) key=$2; shift 2 ;;
		*) fail "repo_craft: unknown option $1" ;;
		esac
	done
	[ -f "$spec" ] || fail "repo_craft: no spec $spec"
	ensure_key "$key"
	mkdir -p "$out"
	full=$out/spec-$RANDOM.json
	must "$PF_PY3" -c '
import json, sys
s = json.load(open(sys.argv[1]))
s["gnupghome"], s["keys"] = sys.argv[2], [sys.argv[3]]
s.setdefault("series", "2.23")
json.dump(s, open(sys.argv[4], "w"))
print(s["series"], s.get("arch", "x86_64"), file=open(sys.argv[4] + ".where", "w"))
' "$spec" "$G" "$KEY_FPR" "$full"
	read -r series arch <"$full.where"
	rm -rf "$out/repo/$series/$arch"
	must "$PF_PY3" "$PF_TOP/tests/lib/series.py" "$full" "$out/repo"
	rm -rf "$WWW$MIRROR_PATH/$series/$arch"
	mkdir -p "$WWW$MIRROR_PATH/$series"
	cp -a "$out/repo/$series/$arch" "$WWW$MIRROR_PATH/$series/"
	REPO_KEY=$key
	TRUST=("$(key_file "$key")")
}

# ---------------------------------------------------------------------------
# The previous release (issue 14: tests/e2e/migrate.sh, oldclient.sh)

# The release before units and client levels (schema 3, client level 1):
# what appliances in the field run.
OLD_RELEASE=b8473da

# old_pakfire: build the previous release from the repository's history;
# OLD is its pakfire, `old` runs it as `pakfire` runs the build under test.
# In a run of tests/run.sh (PF_TMP a folder of the run) it is built once,
# into PF_TMP/old-RELEASE, and shared read-only by every test and build of
# the run (the release and its flags are the same whichever build is under
# test: four builds of it took a minute of processor time); a test that
# needs it while another builds it waits for that build. Run alone (PF_TMP
# /tmp), each test builds its own in $T/old.
old_pakfire() {
	local dir=$T/old fd=""
	git -C "$PF_TOP" cat-file -e "$OLD_RELEASE^{commit}" 2>/dev/null ||
		fail "commit $OLD_RELEASE is not in the history of $PF_TOP: this test needs a clone of main with its history (not --depth)"
	if [ "$PF_TMP" != /tmp ]; then
		dir=$PF_TMP/old-$OLD_RELEASE
		exec {fd}>"$dir.lock"
		flock "$fd" || fail "could not lock $dir.lock"
	fi
	if ! is_program "$dir/build/pakfire"; then
		rm -rf "$dir.new"
		mkdir -p "$dir.new"
		git -C "$PF_TOP" archive "$OLD_RELEASE" | tar -x -C "$dir.new" ||
			fail "could not unpack $OLD_RELEASE"
		make -s -C "$dir.new" BUILD=build OPT=-O1 CFLAGS=-Wno-error all >"$dir.new/build.log" 2>&1 ||
			fail "the release $OLD_RELEASE does not build: $(tail -n 5 "$dir.new/build.log")"
		rm -rf "$dir"
		mv "$dir.new" "$dir"
	fi
	[ -z "$fd" ] || exec {fd}>&-
	OLD=$dir/build/pakfire
}

old() { timeout -k 5 "$PF_CLIENT_TIMEOUT" "$OLD" "$@" </dev/null; }
