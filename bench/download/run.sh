#!/usr/bin/env bash
# bench/download/run.sh [--build DIR] [--rounds N]: issue 18's downloads,
# in the tests' world (tests/lib.sh): four core updates of BENCH_SIZE
# (environment, default 2M, random bytes: the packages do not shrink) on
# lighttpd limiting each connection to BENCH_KBPS KiB/s (default 512), as
# a mirror far away does. Measured, alternated, N rounds (default 7):
#   serial     `upgrade --download-only` with parallel-downloads = 1
#   parallel   the same with parallel-downloads = 4 (at most 2 per mirror)
#   parallel2  parallel-downloads = 4 over two mirrors (2 per mirror each)
# and the peak RSS (GNU time) of a downloading `upgrade` (libcurl loaded)
# next to an `upgrade` from the cache and an `upgrade --from-dir` (neither
# loads libcurl). Prints the times (ms), medians and the ratios.
HELP_LINES=2,14p
# shellcheck source=bench/worlds.sh
. "$(dirname "$0")/../worlds.sh"
bench_world
bench_medians serial parallel parallel2
med() { awk -v k="$1" '$1==k {print $2}' "$BENCH_OUT" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
s=$(med serial) p=$(med parallel) p2=$(med parallel2)
awk -v s="$s" -v p="$p" -v q="$p2" 'BEGIN {
	printf "serial / parallel (one mirror):   %.2f\n", s / p
	printf "serial / parallel (two mirrors):  %.2f\n", s / q }'
grep '^rss ' "$BENCH_OUT" | sed 's/^rss /peak RSS KiB: /'
