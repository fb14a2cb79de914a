#!/usr/bin/env bash
# bench/status/run.sh [--build DIR] [--rounds N] [--against REV]: what it
# costs that `update` fetches and keeps the manifests of the pending core
# updates (issue 15; docs/space.md, "Before the upgrade: status"), and what
# status costs now that it plans the pending chain, on the sample
# repository (tests/lib.sh's repo_sample: a system at core 138, pending 139
# and 140). Measured: `update` on a root that has kept nothing yet (index
# and manifests fetched), `update` again (the kept manifests re-hashed,
# nothing more fetched), and `status`; with --against REV, the same two
# `update`s and `status` by REV's pakfire (built from git), alternated.
# Prints the bytes of the manifests fetched, the times (ms) and medians.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/build rounds=7 against=""
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--against) against=$2; shift 2 ;;
	-h|--help) sed -n '2,11p' "$0"; exit 0 ;;
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
grep '^bytes ' "$out/times" | sed 's/^bytes /manifests fetched by update: /'
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
for k in update update-kept status old-update old-update-again old-status; do
	grep -q "^$k " "$out/times" 2>/dev/null || continue
	printf '%-16s median %5s ms   (%s)\n' "$k" "$(awk -v k=$k '$1==k {print $2}' "$out/times" | median)" \
		"$(awk -v k=$k '$1==k {printf "%s ", $2}' "$out/times")"
done
