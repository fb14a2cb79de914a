#!/usr/bin/env bash
# The worlds of bench/restart/run.sh, made with the tests' harness
# (tests/lib.sh) and tests/e2e/reexec.sh's reexec_world.
. "$(dirname "$0")/../../tests/lib.sh"
# shellcheck source=/dev/null
source <(sed -e '/^\. "\$(dirname/d' -e '/^run_tests/d' "$PF_TOP/tests/e2e/reexec.sh")

ms() { echo $(( ($2 - $1) / 1000000 )); }

test_restart_cost() {
	reexec_world
	local i t0 t1
	for ((i = 0; i < BENCH_ROUNDS; i++)); do
		fresh_root
		t0=$(date +%s%N); rpf --root "$R" upgrade --yes >/dev/null 2>&1 || fail "the restarting run failed"
		t1=$(date +%s%N); echo "restart $(ms "$t0" "$t1")" >>"$BENCH_OUT"
		fresh_root
		t0=$(date +%s%N); pakfire --root "$R" upgrade --yes >/dev/null 2>&1 || fail "the plain run failed"
		t1=$(date +%s%N); echo "plain $(ms "$t0" "$t1")" >>"$BENCH_OUT"
	done
}

test_sample_chain_against_an_older_pakfire() {
	[ -n "$BENCH_AGAINST" ] || return 0
	repo_sample
	http_start
	root_at_core 138
	must_update
	cp -a "$R" "$T/base"
	local i b bin t0 t1
	for ((i = 0; i < BENCH_ROUNDS; i++)); do
		for b in old new; do
			bin=$PAKFIRE_BIN
			[ "$b" = old ] && bin=$BENCH_AGAINST
			rm -rf "$R"
			cp -a "$T/base" "$R"
			t0=$(date +%s%N); "$bin" --root "$R" upgrade --yes >/dev/null 2>&1 || fail "$b failed"
			t1=$(date +%s%N); echo "$b $(ms "$t0" "$t1")" >>"$BENCH_OUT"
		done
	done
}

run_tests "$@"
