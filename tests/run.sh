#!/usr/bin/env bash
# tests/run.sh BUILD...: the whole suite, once per build folder (`make check`
# calls it as `tests/run.sh build build-asan`):
#   - every unit test binary BUILD/tests/test-* (cmocka, TAP output; each
#     test case counts; a binary that crashes counts as a failure),
#   - every tests/e2e/*.sh with PF_BUILD=BUILD (each test_* function counts),
# and once ../shared/contract/check.sh when it exists.
# Each unit binary, each e2e file of each build and the contract check is a
# job; up to PF_JOBS jobs run at the same time. The default is nproc + 1.
# When the tests kept the processors busy, mostly in the kernel, nproc was
# best (on 2 cores the plain build's suite took 154 s with 2 jobs, 162-184 s
# with 3, 167 s with 4: each extra job cost CPU time of its own). Since
# issue 18 many tests wait on purpose (throttled and trickling servers,
# timeouts, a terminal redrawn in time): with 2 jobs the processors stood
# idle a fifth of the suite (41.6 CPU minutes in 24.6 minutes on 2 cores),
# and one job more fills that.
# A job runs in a session of its own and writes its output to a file of its
# own; that output is printed whole once the job and every job before it
# have ended, in a fixed order (build by build: the unit binaries, then the
# e2e files; the contract last), so it reads the same whatever the timing.
# The longest jobs start first: the times of the last run are kept in
# FIRST_BUILD/test-times.
# Every test builds its world below one folder of this run (PF_TMP, handed
# to tests/lib.sh): Ctrl-C or TERM stops every job (each test tears its
# world down) and the folder is swept of what is left (mounts, gpg agents).
# The sample repository is built once (with the first BUILD's pakfire-repo)
# and shared read-only with the tests through PF_SAMPLE.
# The last line is "N passed, N failed"; the exit code is 1 on any failure.
# shellcheck disable=SC2031,SC2094
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
export LC_ALL=C

PASSED=0
FAILED=0
: "${PF_UNIT_TIMEOUT:=300}"
: "${PF_FILE_TIMEOUT:=3600}"
: "${PF_SAMPLE_SCALE:=1}"
export PF_SAMPLE_SCALE PF_UNIT_TIMEOUT PF_FILE_TIMEOUT

pass() { PASSED=$((PASSED + $1)); }
failn() { FAILED=$((FAILED + $1)); }

# --- the jobs (each runs as `run.sh --job DIR I KIND BUILD PATH`) ------------

# run_unit BUILD BIN: one cmocka binary; counts its test cases from TAP.
run_unit() {
	local build=$1 bin=$2 name out rc=0 plan ok notok missing
	name=unit/$(basename "$bin")
	if ! [ -f "$bin" ] || ! [ -x "$bin" ]; then
		echo "FAIL $build $name: not built (expected $bin from tests/unit/$(basename "$bin").c)"
		failn 1
		return
	fi
	out=$JOB_DIR/$JOB_I.raw
	CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 10 "$PF_UNIT_TIMEOUT" "$bin" >"$out" 2>&1 </dev/null || rc=$?
	plan=$(grep -E '^1\.\.[0-9]+' "$out" | sed 's/^1\.\.//' | awk '{s += $1} END {print s + 0}')
	ok=$(grep -cE '^ok [0-9]+' "$out")
	notok=$(grep -cE '^not ok [0-9]+' "$out")
	missing=$((plan - ok - notok))
	[ "$missing" -ge 0 ] || missing=0
	grep -E '^ok [0-9]+' "$out" | sed -E "s|^ok [0-9]+ - |ok   $build $name |"
	grep -E '^not ok [0-9]+' "$out" | sed -E "s|^not ok [0-9]+ - |FAIL $build $name |"
	pass "$ok"
	failn "$notok"
	if [ "$plan" -eq 0 ] && [ "$ok" -eq 0 ] && [ "$notok" -eq 0 ]; then
		echo "FAIL $build $name: reported no test case (exit $rc)"
		failn 1
	elif [ "$missing" -gt 0 ]; then
		echo "FAIL $build $name: $missing test(s) never reported (exit $rc: crashed or timed out)"
		failn "$missing"
	elif [ "$rc" -ne 0 ] && [ "$notok" -eq 0 ]; then
		echo "FAIL $build $name: exited $rc although every test case passed (sanitizer report, leak or crash at exit?)"
		failn 1
	fi
	if [ "$rc" -ne 0 ]; then
		sed 's/^/    /' "$out" | head -n 200
	fi
}

# run_e2e BUILD FILE: one e2e file; counts its "ok   " and "FAIL " lines.
run_e2e() {
	local build=$1 file=$2 out rc=0 ok bad
	out=$JOB_DIR/$JOB_I.raw
	PF_BUILD=$TOP/$build timeout -k 30 "$PF_FILE_TIMEOUT" bash "$file" >"$out" 2>&1 </dev/null || rc=$?
	cat "$out"
	ok=$(grep -c '^ok   ' "$out")
	bad=$(grep -c '^FAIL ' "$out")
	pass "$ok"
	failn "$bad"
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		echo "FAIL $build e2e/$(basename "$file"): exited $rc without reporting a failed test"
		failn 1
	fi
	if [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ] && [ "$rc" -eq 0 ]; then
		echo "FAIL $build e2e/$(basename "$file"): ran no test"
		failn 1
	fi
}

# run_contract: ../shared/contract/check.sh; counts from its last line.
run_contract() {
	local out last
	out=$JOB_DIR/$JOB_I.raw
	echo "== contract (../shared/contract/check.sh)"
	timeout -k 30 1800 bash ../shared/contract/check.sh >"$out" 2>&1 </dev/null
	cat "$out"
	last=$(tail -n 1 "$out")
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		pass "${BASH_REMATCH[1]}"
		failn "${BASH_REMATCH[2]}"
	else
		echo "FAIL contract: check.sh did not end with \"N passed, N failed\""
		failn 1
	fi
}

# A job: its output is its stdout (DIR/I.out); "PASSED FAILED" goes to
# DIR/I.count at its very end, so a job without that file did not finish.
if [ "${1:-}" = --job ]; then
	JOB_DIR=$2 JOB_I=$3
	case $4 in
	unit) run_unit "$5" "$6" ;;
	e2e) run_e2e "$5" "$6" ;;
	contract) run_contract ;;
	esac
	rm -f "$JOB_DIR/$JOB_I.raw"
	echo "$PASSED $FAILED" >"$JOB_DIR/$JOB_I.count.new"
	mv -f "$JOB_DIR/$JOB_I.count.new" "$JOB_DIR/$JOB_I.count"
	exit 0
fi

# --- this run's folder ---------------------------------------------------------

[ $# -gt 0 ] || set -- build
set -- "${@%/}"
if [ -z "${PF_JOBS:-}" ]; then
	PF_JOBS=$(($(nproc 2>/dev/null || echo 2) + 1))
fi
[[ $PF_JOBS =~ ^[1-9][0-9]*$ ]] || { echo "tests/run.sh: PF_JOBS must be a number of jobs, not \"$PF_JOBS\"" >&2; exit 2; }

PF_TMP=$(mktemp -d /tmp/pfj.XXXXXX) || exit 1
export PF_TMP
PF_SAMPLE=$PF_TMP/sample
export PF_SAMPLE
JOB_DIR=$PF_TMP/jobs
mkdir -p "$PF_SAMPLE" "$JOB_DIR"
# python3 resolved once for every job (tests/lib.sh says why)
if [ -z "${PF_PY3:-}" ]; then
	PF_PY3=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
	[ -n "$PF_PY3" ] || PF_PY3=python3
	export PF_PY3
fi
# and the one that validates --json documents (tests/lib.sh)
PF_JSONSCHEMA_PY=$(
	# shellcheck source=tests/lib.sh
	. tests/lib.sh
	printf '%s' "$PF_JSONSCHEMA_PY"
)
export PF_JSONSCHEMA_PY

# sweep: what the tests left below PF_TMP (a test that was killed outright
# could not tear its world down): gpg agents (they run as daemons, outside
# the jobs' sessions), mounts and loop devices; then the folder itself.
sweep() {
	if (
		# shellcheck source=tests/lib.sh
		. tests/lib.sh
		mapfile -t mnts < <(findmnt -rn -o TARGET 2>/dev/null | awk -v t="$PF_TMP/" 'index($0 "/", t) == 1')
		stop_agents "$PF_TMP" ${mnts[@]+"${mnts[@]}"}
		unmount_below "$PF_TMP"
	); then
		rm -rf --one-file-system "$PF_TMP"
	else
		echo "warning: something is still mounted below $PF_TMP; not removing it" >&2
	fi
}

# --- the job list, in the order the output is printed ---------------------------

KINDS=() BUILDS=() PATHS=() NAMES=()
add_job() {
	KINDS+=("$1")
	BUILDS+=("$2")
	PATHS+=("$3")
	NAMES+=("$4")
}
for build in "$@"; do
	for src in tests/unit/test-*.c; do
		[ -e "$src" ] || continue
		# binaries without a source (stale) are not run
		add_job unit "$build" "$build/tests/$(basename "$src" .c)" "$build unit/$(basename "$src" .c)"
	done
	for f in tests/e2e/*.sh; do
		[ -e "$f" ] || continue
		add_job e2e "$build" "$f" "$build e2e/$(basename "$f")"
	done
done
if [ -f ../shared/contract/check.sh ]; then
	add_job contract - - contract
fi
N=${#KINDS[@]}

# The order jobs start in: the longest first (the last complete run's
# times; a job without one counts as long, so that a new file does not
# start last), ties in print order. The contract check runs `make`: when
# that would rebuild the programs under the other jobs' feet, it runs alone
# after them.
TIMES=$TOP/$1/test-times
CONTRACT_LAST=0
if [ -f ../shared/contract/check.sh ] && ! make -q >/dev/null 2>&1; then
	CONTRACT_LAST=1
fi
mapfile -t ORDER < <(
	for ((i = 0; i < N; i++)); do
		t=$(awk -F'\t' -v n="${NAMES[i]}" '$2 == n {print $1; exit}' "$TIMES" 2>/dev/null)
		[ -n "$t" ] || t=100000
		[ "${KINDS[i]}" = contract ] && [ "$CONTRACT_LAST" = 1 ] && t=-1
		printf '%s\t%s\n' "$t" "$i"
	done | sort -t"$(printf '\t')" -k1,1nr -k2,2n | cut -f2
)

# --- running them ----------------------------------------------------------------

PIDS=() STARTED=() ENDED=() SECS=()
RUNNING=0

start_job() {
	local i=$1
	# setsid: the job and everything it starts share one session, which
	# kill_session can signal as a whole (timeout moves its command into a
	# process group of its own, out of reach of a group kill)
	setsid bash "$TOP/tests/run.sh" --job "$JOB_DIR" "$i" "${KINDS[i]}" "${BUILDS[i]}" "${PATHS[i]}" \
		>"$JOB_DIR/$i.out" 2>&1 </dev/null &
	PIDS[i]=$!
	STARTED[i]=$EPOCHREALTIME
	RUNNING=$((RUNNING + 1))
}

# session_pids SID...: the processes of the sessions, but zombies (dead
# already, waiting for whoever reaps orphans).
session_pids() {
	ps -e -o pid=,sid=,stat= 2>/dev/null |
		awk -v s=",$(IFS=,; echo "$*")," 'index(s, "," $2 ",") && $3 !~ /^Z/ {print $1}'
}

# end_job I: the job's leader has exited; whatever it left running in its
# session is stopped, and its result is read.
end_job() {
	local i=$1 left
	SECS[i]=$(awk -v a="${STARTED[i]}" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", b - a}')
	left=$(session_pids "${PIDS[i]}" | tr '\n' ,)
	if [ -n "$left" ]; then
		echo "note: ${NAMES[i]} left processes running; stopped: $(ps -o args= -p "${left%,}" 2>/dev/null | cut -c1-80 | tr '\n' ';')" \
			>>"$JOB_DIR/$i.out"
		kill_session "${PIDS[i]}"
	fi
	ENDED[i]=1
	RUNNING=$((RUNNING - 1))
}

# kill_session SID...: TERM to every process of the sessions (each test
# tears its world down on TERM), KILL to what is left after 40 s.
kill_session() {
	local sids
	sids=$(IFS=,; echo "$*")
	pkill -TERM -s "$sids" 2>/dev/null || true
	for _ in $(seq 400); do
		[ -n "$(session_pids "$@")" ] || return 0
		sleep 0.1
	done
	pkill -KILL -s "$sids" 2>/dev/null || true
}

# print_ready: the outputs of the jobs that have ended, in print order, up
# to the first one still running.
NEXT=0
print_ready() {
	local c p f
	while [ "$NEXT" -lt "$N" ] && [ -n "${ENDED[NEXT]:-}" ]; do
		# the tests are over before the contract check's output
		[ "${KINDS[NEXT]}" != contract ] || sample_check
		if [ "${KINDS[NEXT]}" != contract ] && { [ "$NEXT" -eq 0 ] || [ "${BUILDS[NEXT]}" != "${BUILDS[NEXT - 1]}" ]; }; then
			echo "== ${BUILDS[NEXT]}"
			if [ ! -f "${BUILDS[NEXT]}/pakfire" ] || [ ! -f "${BUILDS[NEXT]}/pakfire-repo" ]; then
				echo "note: ${BUILDS[NEXT]}/pakfire or ${BUILDS[NEXT]}/pakfire-repo is missing; the tests will say so"
			fi
		fi
		cat "$JOB_DIR/$NEXT.out"
		c=$JOB_DIR/$NEXT.count
		if [ -f "$c" ] && read -r p f <"$c" && [[ $p =~ ^[0-9]+$ ]] && [[ $f =~ ^[0-9]+$ ]]; then
			pass "$p"
			failn "$f"
		else
			echo "FAIL ${NAMES[NEXT]}: the job ended without a result"
			failn 1
		fi
		NEXT=$((NEXT + 1))
	done
}

# sample_check: once every test has ended, the shared sample repository
# must be as it was built.
SAMPLE_CHECKED=0
sample_check() {
	local now_sum
	[ "$SAMPLE_CHECKED" = 0 ] || return 0
	SAMPLE_CHECKED=1
	[ -f "$PF_SAMPLE/ok" ] || return 0
	now_sum=$(cd "$PF_SAMPLE" && find www -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
	if [ "$now_sum" != "$sample_sum" ]; then
		echo "FAIL sample: a test changed the shared sample repository in place"
		failn 1
	fi
}

on_signal() {
	trap '' INT TERM HUP
	local i sids=()
	for ((i = 0; i < N; i++)); do
		[ -n "${PIDS[i]:-}" ] && [ -z "${ENDED[i]:-}" ] && sids+=("${PIDS[i]}")
	done
	if [ "${#sids[@]}" -gt 0 ]; then
		echo "interrupted: stopping ${#sids[@]} job(s) and tearing their worlds down" >&2
		kill_session "${sids[@]}"
	fi
	exit "$1"
}
cleanup() {
	gpgconf --homedir "$PF_SAMPLE/g" --kill all >/dev/null 2>&1
	sweep
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

# --- the sample repository, once ---------------------------------------------------

sample_start=$(date +%s)
echo "sample: building the sample repository (scale $PF_SAMPLE_SCALE) with $1/pakfire-repo"
(
	# shellcheck source=tests/lib.sh
	. tests/lib.sh
	build_sample_repo "$PF_SAMPLE" "$TOP/$1/pakfire-repo" "$PF_SAMPLE_SCALE"
) >"$PF_SAMPLE/build.log" 2>&1
if [ -f "$PF_SAMPLE/ok" ]; then
	echo "sample: ready in $(($(date +%s) - sample_start))s ($(du -sh "$PF_SAMPLE/www" | cut -f1) of packages)"
	sample_sum=$(cd "$PF_SAMPLE" && find www -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
else
	echo "sample: NOT built: $(cat "$PF_SAMPLE/error" 2>/dev/null || echo 'see the log'); tests that need it will fail"
	tail -n 15 "$PF_SAMPLE/build.log" | sed 's/^/    /'
fi

# --- every job ---------------------------------------------------------------------

suite_start=$EPOCHREALTIME
echo "jobs: $N, up to $PF_JOBS at a time"
# job_alive I: the job's leader still runs (a pid that came back for
# another process would not lead a session of that number).
job_alive() {
	[ "$(ps -o sid= -p "${PIDS[$1]}" 2>/dev/null | tr -d ' ')" = "${PIDS[$1]}" ]
}

# reap: wait until a job ends, end every job that has, print what can be
# printed. (Not `wait -n -p`: bash may report a job killed by a signal
# before, and then `wait -n` never names it.)
reap() {
	local i rc=0 ended=0
	wait -n 2>/dev/null || rc=$?
	for ((i = 0; i < N; i++)); do
		if [ -z "${PIDS[i]:-}" ] || [ -n "${ENDED[i]:-}" ] || job_alive "$i"; then
			continue
		fi
		wait "${PIDS[i]}" 2>/dev/null
		end_job "$i"
		ended=1
	done
	[ "$ended" = 1 ] || [ "$rc" -ne 127 ] || sleep 0.2
	print_ready
}
for i in "${ORDER[@]}"; do
	[ "${KINDS[i]}" = contract ] && [ "$CONTRACT_LAST" = 1 ] && continue
	while [ "$RUNNING" -ge "$PF_JOBS" ]; do
		reap
	done
	start_job "$i"
done
while [ "$RUNNING" -gt 0 ]; do
	reap
done

# the contract check alone, when its `make` has something to rebuild
for ((i = 0; i < N; i++)); do
	if [ "${KINDS[i]}" != contract ] || [ "$CONTRACT_LAST" != 1 ]; then
		continue
	fi
	sample_check
	start_job "$i"
	while [ "$RUNNING" -gt 0 ]; do
		reap
	done
done
print_ready
sample_check
[ -f ../shared/contract/check.sh ] || echo "note: ../shared/contract/check.sh not found; contract check not run"

# the times, for the order of the next run (a job this run did not have
# keeps its time from before)
if [ -d "$TOP/$1" ]; then
	{
		for ((i = 0; i < N; i++)); do
			printf '%s\t%s\n' "${SECS[i]:-}" "${NAMES[i]}"
		done
		[ ! -f "$TIMES" ] || cat "$TIMES"
	} | awk -F'\t' '!seen[$2]++' >"$TIMES.new" && mv -f "$TIMES.new" "$TIMES"
fi
longest=$(for ((i = 0; i < N; i++)); do printf '%s\t%s\n' "${SECS[i]}" "${NAMES[i]}"; done |
	sort -t"$(printf '\t')" -k1,1nr | head -n 3 | awk -F'\t' '{printf "%s%s %ss", (NR > 1 ? ", " : ""), $2, $1}')
echo "time: $(awk -v a="$suite_start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", b - a}')s for $N jobs, up to $PF_JOBS at a time; the longest: $longest"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
