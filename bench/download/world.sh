#!/usr/bin/env bash
# The world of bench/download/run.sh, made with the tests' harness
# (tests/lib.sh): four core updates with a large random file each, a
# throttled mirror (and a second one for the two-mirror case).
. "$(dirname "$0")/../../tests/lib.sh"

: "${BENCH_KBPS:=512}" "${BENCH_SIZE:=2M}"

ms() { echo $(( ($2 - $1) / 1000000 )); }

# timed NAME BASE PARALLEL: one `pakfire upgrade --download-only -y` on a
# fresh copy of the root BASE with parallel-downloads = PARALLEL, its wall
# time under NAME.
timed() {
	local name=$1 t0 t1
	rm -rf "$R" && cp -a "$2" "$R"
	conf_set parallel-downloads "$3"
	t0=$(date +%s%N)
	"$PAKFIRE_BIN" --root "$R" upgrade --download-only --yes >"$T/out" 2>&1 ||
		fail "$name: exit $?: $(tail -n 3 "$T/out")"
	t1=$(date +%s%N)
	echo "$name $(ms "$t0" "$t1")" >>"$BENCH_OUT"
}

# rss NAME ARGS...: the peak RSS of `pakfire upgrade --yes ARGS` on a fresh
# copy of the base root (with the cache of $1 when it is --cached).
rss() {
	local name=$1 keep=$2
	shift 2
	rm -rf "$R" && cp -a "$T/base" "$R"
	[ "$keep" = cached ] && cp -a "$T/cache/." "$R/var/cache/pakfire/"
	/usr/bin/time -f '%M' -o "$T/rss" "$PAKFIRE_BIN" --root "$R" upgrade --yes "$@" >"$T/out" 2>&1 ||
		fail "$name: exit $?: $(tail -n 3 "$T/out")"
	echo "rss $name $(tail -n 1 "$T/rss")" >>"$BENCH_OUT"
}

test_downloads() {
	local n
	for n in 139 140 141 142; do
		repo_mini "$n" --file "usr/share/big/blob-$n=$BENCH_SIZE"
	done
	http_start --throttle "$BENCH_KBPS"
	local first=$MIRROR
	http_start --throttle "$BENCH_KBPS"
	local second=$MIRROR
	MIRROR=$first
	root_at_core 138
	must_update
	cp -a "$R" "$T/base"
	# the same with the second mirror after the first: 2 transfers on each
	echo "mirror = $second$MIRROR_PATH" >>"$R/etc/pakfire/pakfire.conf"
	cp -a "$R" "$T/base2"
	local i
	for ((i = 0; i < BENCH_ROUNDS; i++)); do
		timed serial "$T/base" 1
		timed parallel "$T/base" 4
		timed parallel2 "$T/base2" 4
	done
	# the cache as --download-only left it, for the cached upgrade
	rm -rf "$R" && cp -a "$T/base" "$R"
	"$PAKFIRE_BIN" --root "$R" upgrade --download-only --yes >/dev/null 2>&1 || fail "download-only"
	mkdir -p "$T/cache" && cp -a "$R/var/cache/pakfire/." "$T/cache/"
	rss downloading fresh
	rss cached cached
	rss from-dir fresh --from-dir "$WWW$MIRROR_PATH"
}

run_tests "$@"
