#!/usr/bin/env bash
# tests/run.sh BUILD...: the whole suite, once per build folder (`make check`
# calls it as `tests/run.sh build build-asan`):
#   - every unit test binary BUILD/tests/test-* (cmocka, TAP output; each
#     test case counts; a binary that crashes counts as a failure),
#   - every tests/e2e/*.sh with PF_BUILD=BUILD (each test_* function counts),
# then, once, ../shared/contract/check.sh when it exists.
# The sample repository is built once (with the first BUILD's pakfire-repo)
# and shared read-only with the tests through PF_SAMPLE.
# The last line is "N passed, N failed"; the exit code is 1 on any failure.
# shellcheck disable=SC2031,SC2094
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
export LC_ALL=C

[ $# -gt 0 ] || set -- build
PASSED=0
FAILED=0
: "${PF_UNIT_TIMEOUT:=300}"
: "${PF_FILE_TIMEOUT:=3600}"
: "${PF_SAMPLE_SCALE:=1}"
export PF_SAMPLE_SCALE

pass() { PASSED=$((PASSED + $1)); }
failn() { FAILED=$((FAILED + $1)); }

PF_SAMPLE=$(mktemp -d /tmp/pfs.XXXXXX)
export PF_SAMPLE
cleanup() {
	gpgconf --homedir "$PF_SAMPLE/g" --kill all >/dev/null 2>&1
	rm -rf "$PF_SAMPLE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- unit tests ---------------------------------------------------------------

# run_unit BUILD BIN: one cmocka binary; counts its test cases from TAP.
run_unit() {
	local build=$1 bin=$2 name out rc=0 plan ok notok missing
	name=unit/$(basename "$bin")
	out=$(mktemp /tmp/pfu.XXXXXX)
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
	rm -f "$out"
}

run_units() {
	local build=$1 src bin
	for src in tests/unit/test-*.c; do
		[ -e "$src" ] || continue
		bin=$build/tests/$(basename "$src" .c)
		if ! [ -f "$bin" ] || ! [ -x "$bin" ]; then
			echo "FAIL $build unit/$(basename "$bin"): not built (expected $bin from $src)"
			failn 1
			continue
		fi
		run_unit "$build" "$bin"
	done
	# binaries without a source (stale) are not run
}

# --- end-to-end tests -----------------------------------------------------------

run_e2e() {
	local build=$1 file=$2 out rc=0 ok bad
	out=$(mktemp /tmp/pfe.XXXXXX)
	PF_BUILD=$TOP/$build timeout -k 30 "$PF_FILE_TIMEOUT" bash "$file" 2>&1 </dev/null | tee "$out" || rc=$?
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
	rm -f "$out"
}

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

# --- every build ---------------------------------------------------------------------

for build in "$@"; do
	build=${build%/}
	echo "== $build"
	if [ ! -f "$build/pakfire" ] || [ ! -f "$build/pakfire-repo" ]; then
		echo "note: $build/pakfire or $build/pakfire-repo is missing; the tests will say so"
	fi
	run_units "$build"
	for f in tests/e2e/*.sh; do
		[ -e "$f" ] || continue
		run_e2e "$build" "$f"
	done
done

if [ -f "$PF_SAMPLE/ok" ]; then
	now_sum=$(cd "$PF_SAMPLE" && find www -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
	if [ "$now_sum" != "$sample_sum" ]; then
		echo "FAIL sample: a test changed the shared sample repository in place"
		failn 1
	fi
fi

# --- the contract check, once ---------------------------------------------------------

if [ -f ../shared/contract/check.sh ]; then
	echo "== contract (../shared/contract/check.sh)"
	out=$(mktemp /tmp/pfc.XXXXXX)
	timeout -k 30 1800 bash ../shared/contract/check.sh 2>&1 </dev/null | tee "$out"
	last=$(tail -n 1 "$out")
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		pass "${BASH_REMATCH[1]}"
		failn "${BASH_REMATCH[2]}"
	else
		echo "FAIL contract: check.sh did not end with \"N passed, N failed\""
		failn 1
	fi
	rm -f "$out"
else
	echo "note: ../shared/contract/check.sh not found; contract check not run"
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
