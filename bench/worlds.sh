# shellcheck shell=bash
# bench/worlds.sh: what the benchmarks that time pakfire commands in the
# tests' worlds share (bench/restart, bench/status). A run.sh sources it
# with "$@" after setting HELP_LINES (the lines of its own header that
# --help prints); it parses --build DIR, --rounds N (default 7) and
# --against REV (REV's pakfire built from git into a temporary folder), and
# exports BENCH_OUT (the file "NAME MS" lines go to), BENCH_ROUNDS and
# BENCH_AGAINST (the old pakfire, or ""). bench_world runs the world.sh
# beside the run.sh; bench_medians NAME... prints each NAME's times and
# their median.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/build rounds=7 against=""
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--against) against=$2; shift 2 ;;
	-h|--help) sed -n "$HELP_LINES" "$0"; exit 0 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export BENCH_OUT=$out/times BENCH_ROUNDS=$rounds BENCH_AGAINST=""
if [ -n "$against" ]; then
	mkdir -p "$out/old"
	git -C "$top" archive "$against" | tar -x -C "$out/old"
	make -s -C "$out/old" BUILD=build OPT=-O2 CFLAGS=-Wno-error all >"$out/old.log" 2>&1 ||
		{ tail -n 5 "$out/old.log"; exit 1; }
	BENCH_AGAINST=$out/old/build/pakfire
fi

bench_world() {
	PF_BUILD=$build bash "$here/world.sh" >"$out/run.log" 2>&1 || { cat "$out/run.log"; exit 1; }
}

bench_medians() {
	local k w=0
	for k in "$@"; do [ "${#k}" -le "$w" ] || w=${#k}; done
	for k in "$@"; do
		grep -q "^$k " "$out/times" 2>/dev/null || continue
		printf '%-*s median %5s ms   (%s)\n' "$w" "$k" \
			"$(awk -v k="$k" '$1==k {print $2}' "$out/times" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')" \
			"$(awk -v k="$k" '$1==k {printf "%s ", $2}' "$out/times")"
	done
}
