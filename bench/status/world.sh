#!/usr/bin/env bash
# The world of bench/status/run.sh, made with the tests' harness
# (tests/lib.sh): the sample repository, a system at core 138.
. "$(dirname "$0")/../../tests/lib.sh"

ms() { echo $(( ($2 - $1) / 1000000 )); }

# timed NAME BIN ARGS...: one run of BIN on $R, its time under NAME.
timed() {
	local name=$1 bin=$2 t0 t1 rc=0
	shift 2
	t0=$(date +%s%N)
	"$bin" --root "$R" "$@" >/dev/null 2>&1 || rc=$?
	t1=$(date +%s%N)
	# status exits 32 + what needs attention (docs/monitoring.md): updates
	# are pending here
	[ "$rc" -eq 0 ] || { [ "$1" = status ] && [ "$rc" -gt 32 ] && [ "$rc" -lt 64 ]; } ||
		fail "$name: $bin $* failed (exit $rc)"
	echo "$name $(ms "$t0" "$t1")" >>"$BENCH_OUT"
}

# fresh: $R as root_at_core left it (nothing fetched, nothing kept).
fresh() {
	rm -rf "$R"
	cp -a "$T/base" "$R"
}

test_update_and_status() {
	repo_sample
	http_start
	root_at_core 138
	cp -a "$R" "$T/base"
	# the bytes: what the index says of the manifests update fetches
	must_update
	local kept=$R/var/cache/pakfire/$SERIES/$ARCH/manifests
	echo "bytes $(cat "$kept"/*.manifest | wc -c) in $(ls "$kept" | wc -l) files ($(ls "$kept" | tr '\n' ' ')), index $(stat -c %s "$REPO/index") bytes" >>"$BENCH_OUT"
	local i
	for ((i = 0; i < BENCH_ROUNDS; i++)); do
		fresh
		timed update "$PAKFIRE_BIN" update
		timed update-kept "$PAKFIRE_BIN" update
		timed status "$PAKFIRE_BIN" status
		if [ -n "$BENCH_AGAINST" ]; then
			fresh
			timed old-update "$BENCH_AGAINST" update
			timed old-update-again "$BENCH_AGAINST" update
			timed old-status "$BENCH_AGAINST" status
		fi
	done
}

run_tests "$@"
