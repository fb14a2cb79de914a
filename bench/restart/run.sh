#!/usr/bin/env bash
# bench/restart/run.sh [--build DIR] [--rounds N] [--against REV]: what the
# restart after a self-update costs (issue 14; docs/formats.md, "Self-update
# and re-exec"), measured in the world of tests/e2e/reexec.sh: the root's
# own pakfire applies core 140 (which replaces it and its C library) and
# 141, restarting once, against the same upgrade by the build run from
# outside the root (which never restarts). With --against REV, also the
# sample's upgrade 138 -> 141 by REV's pakfire (built from git) against this
# build's, alternated: what reading client levels and what pakfire runs
# from adds to a real chain. Prints the times (ms) and their medians.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/build rounds=7 against=""
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--against) against=$2; shift 2 ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
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
PF_BUILD=$build bash "$here/world.sh" >"$out/run.log" 2>&1 || { cat "$out/run.log"; exit 1; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
for k in restart plain old new; do
	grep -q "^$k " "$out/times" 2>/dev/null || continue
	printf '%-8s median %5s ms   (%s)\n' "$k" "$(awk -v k=$k '$1==k {print $2}' "$out/times" | median)" \
		"$(awk -v k=$k '$1==k {printf "%s ", $2}' "$out/times")"
done
